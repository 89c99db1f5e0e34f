//! Test fixtures: a throw-away Git repository holding an ISMS, the real `policybook` binary run
//! against it, and helpers to read its JSON diagnostics.
//!
//! Nothing here depends on the clock, the user's Git configuration or `SOURCE_DATE_EPOCH`:
//! commits use fixed signatures and times, and every run removes `SOURCE_DATE_EPOCH` unless a
//! test sets it on purpose.

#![allow(dead_code)]

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The "today" every date rule is evaluated against unless a test says otherwise.
pub const TODAY: &str = "2026-06-01";

/// The author of the clean fixture's commits: the holder of CEO, who approves the policy.
pub const CEO_NAME: &str = "Alice Example";
pub const CEO_EMAIL: &str = "alice@example.com";
pub const COMMIT_TIME: &str = "2026-03-01T10:00:00Z";

pub const BOOK_TOML: &str = r#"[book]
title = "Test Corp ISMS"
src = "content"
language = "en"

[isms]
organization = "Test Corp"
"#;

pub const POLICY_PATH: &str = "content/policies/information-security-policy.md";
pub const ROLES_PATH: &str = "content/roles/roles.md";
pub const REVIEW_PATH: &str = "content/reviews/2026-q1-management-review.md";
pub const COMMUNICATION_PATH: &str = "content/communications/2026-03-02-isp-v1-0.md";

/// The information security policy (5.2). Line numbers matter: tests point at them.
pub const POLICY: &str = r#"---
id: POL-001
title: Information Security Policy
type: policy
version: "1.0"
status: approved
owner: CISO
effective: 2026-03-01
review:
  interval: "12 months"
  last: 2026-03-01
approvals:
  - role: CEO
    name: Alice Example
    date: 2026-03-01
audience: [all-staff]
clauses: ["5.2"]
---

# Information Security Policy

Test Corp protects the information entrusted to it.

## Purpose

This policy states top management's direction for information security.

## Scope

It applies to everyone who works for or with Test Corp. Roles are defined in the
[roles registry](../roles/roles.md#roles).

## Information security objectives

Objectives are set every year by the [CISO](../roles/roles.md).

## Commitment to compliance

We meet our legal, regulatory and contractual obligations.

## Continual improvement

We continually improve the ISMS.
"#;

/// The roles registry (5.3).
pub const ROLES: &str = r#"---
id: ROL-001
title: Roles and Responsibilities
type: roles
clauses: ["5.3"]
roles:
  - id: CEO
    title: Chief Executive Officer
    responsibilities: [Lead the ISMS]
    authorities: [approve-policy]
    holders:
      - name: Alice Example
        email: alice@example.com
        since: 2020-01-01
  - id: CISO
    title: Chief Information Security Officer
    responsibilities: [Run the ISMS]
    holders:
      - name: Bob Example
        email: bob@example.com
        since: 2021-01-01
  - id: CTO
    title: Chief Technology Officer
    holders:
      - name: Carol Example
        email: carol@example.com
  - id: SYSADMIN
    title: System Administrator
    holders:
      - name: Dave Example
        email: dave@example.com
  - id: END-USER
    title: All staff
    group: true
  - id: VENDOR
    title: Suppliers
    group: true
---

# Roles

Every role, who holds it and what it may decide.
"#;

/// A management review (5.1), well within 12 months of `TODAY`.
pub const REVIEW: &str = r#"---
id: MR-2026-Q1
title: Management Review Q1 2026
type: management-review
date: 2026-02-15
attendees: [CEO, CISO]
inputs: ["Status of actions from previous reviews"]
decisions:
  - id: D1
    text: Approve the information security policy
    owner: CEO
    due: 2026-03-01
    status: done
---

# Management review

Top management reviewed the ISMS.
"#;

/// The communication of POL-001 v1.0 to its audience.
pub const COMMUNICATION: &str = r#"---
id: COM-2026-03-02
title: "Information Security Policy v1.0: all-staff e-mail"
type: communication
date: 2026-03-02
documents:
  - id: POL-001
    version: "1.0"
audience: [all-staff]
channel: email
sender: CISO
---

Please read the information security policy.
"#;

/// The output of one run of the binary.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The JSON diagnostics on stdout (`check --format json`).
    pub fn diagnostics(&self) -> Vec<Diag> {
        parse_diagnostics(&self.stdout)
    }
}

/// One diagnostic as `--format json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Diag {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub doc_id: Option<String>,
    pub help: Option<String>,
}

/// Parses `--format json` output: a JSON array of diagnostics, each with every field present.
pub fn parse_diagnostics(text: &str) -> Vec<Diag> {
    let value: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{text}"));
    let array = value
        .as_array()
        .unwrap_or_else(|| panic!("JSON output is not an array:\n{text}"));
    for item in array {
        for key in [
            "code", "severity", "message", "file", "line", "column", "doc_id", "help",
        ] {
            assert!(item.get(key).is_some(), "diagnostic lacks `{key}`: {item}");
        }
    }
    serde_json::from_value(value)
        .unwrap_or_else(|e| panic!("diagnostics do not parse ({e}):\n{text}"))
}

/// A throw-away project directory that is a real Git repository.
pub struct Fixture {
    dir: tempfile::TempDir,
    repo: git2::Repository,
    /// Commit the working tree as the clean fixture's approval commit before running, if
    /// nothing was committed yet (see `clean`).
    initial_commit_pending: bool,
}

impl Fixture {
    /// An empty repository.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("policybook-test-")
            .tempdir()
            .expect("create a temporary directory");
        let repo = git2::Repository::init(dir.path()).expect("git init");
        Fixture {
            dir,
            repo,
            initial_commit_pending: false,
        }
    }

    /// A minimal valid ISMS: `check --today 2026-06-01` reports nothing at all. Its first
    /// commit is made by the CEO with an `Approved-by` trailer (so the approval is evidenced by
    /// the history), when the fixture first runs — so a test's seeded defect is part of the
    /// approved content instead of a change after approval (which is `version-not-bumped`).
    pub fn clean() -> Self {
        let mut f = Fixture::new()
            .file("book.toml", BOOK_TOML)
            .file(POLICY_PATH, POLICY)
            .file(ROLES_PATH, ROLES)
            .file(REVIEW_PATH, REVIEW)
            .file(COMMUNICATION_PATH, COMMUNICATION);
        f.initial_commit_pending = true;
        f
    }

    /// The clean fixture's files, with no commit made or pending: for a test that makes the
    /// first commit itself (another author, a signature, a different message).
    pub fn clean_files() -> Self {
        Fixture::new()
            .file("book.toml", BOOK_TOML)
            .file(POLICY_PATH, POLICY)
            .file(ROLES_PATH, ROLES)
            .file(REVIEW_PATH, REVIEW)
            .file(COMMUNICATION_PATH, COMMUNICATION)
    }

    /// The clean fixture's approval commit.
    fn commit_initial(&self) {
        self.commit_now(
            CEO_NAME,
            CEO_EMAIL,
            COMMIT_TIME,
            "Information security policy v1.0\n\nApproved-by: Alice Example <alice@example.com>\n",
        );
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The absolute path of `rel` in the fixture.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes (or overwrites) a file, creating its directories.
    pub fn file(self, rel: &str, contents: impl AsRef<[u8]>) -> Self {
        let path = self.join(rel);
        std::fs::create_dir_all(path.parent().expect("a file has a parent"))
            .expect("create directories");
        std::fs::write(&path, contents).expect("write fixture file");
        self
    }

    /// Deletes a file.
    pub fn remove(self, rel: &str) -> Self {
        std::fs::remove_file(self.join(rel)).unwrap_or_else(|e| panic!("remove {rel}: {e}"));
        self
    }

    /// Reads a file of the fixture as text.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Replaces the first occurrence of `from` (which must exist) in a file by `to`.
    pub fn edit(self, rel: &str, from: &str, to: &str) -> Self {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        let text = text.replacen(from, to, 1);
        self.file(rel, text)
    }

    /// `edit`, with the file's modification time then set back to what it was: only its
    /// change time (which no one can set) shows the edit.
    pub fn edit_keeping_modified(self, rel: &str, from: &str, to: &str) -> Self {
        let path = self.join(rel);
        let modified = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("stat fixture file");
        let f = self.edit(rel, from, to);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_modified(modified))
            .expect("set the modification time back");
        f
    }

    /// Commits every file of the working tree (additions, changes, deletions) with a fixed
    /// author and committer signature at `time` (RFC 3339, e.g. `2026-03-01T10:00:00Z`).
    pub fn commit_as(mut self, name: &str, email: &str, time: &str, message: &str) -> Self {
        if self.initial_commit_pending {
            self.initial_commit_pending = false;
            if self.repo.head().is_err() && time > COMMIT_TIME {
                self.commit_initial();
            }
        }
        self.commit_now(name, email, time, message);
        self
    }

    fn commit_now(&self, name: &str, email: &str, time: &str, message: &str) {
        let seconds = time
            .parse::<jiff::Timestamp>()
            .unwrap_or_else(|e| panic!("bad commit time {time}: {e}"))
            .as_second();
        let signature =
            git2::Signature::new(name, email, &git2::Time::new(seconds, 0)).expect("signature");
        {
            let mut index = self.repo.index().expect("index");
            index
                .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
                .expect("git add");
            index.update_all(["*"], None).expect("git add -u");
            index.write().expect("write index");
            let tree_id = index.write_tree().expect("write tree");
            let tree = self.repo.find_tree(tree_id).expect("tree");
            let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
            let parents: Vec<&git2::Commit> = parent.iter().collect();
            self.repo
                .commit(
                    Some("HEAD"),
                    &signature,
                    &signature,
                    message,
                    &tree,
                    &parents,
                )
                .expect("commit");
        }
    }

    /// Commits everything as the CEO, with an `Approved-by` trailer, one day after the clean
    /// fixture's commit (still before `TODAY`).
    pub fn commit(self, summary: &str) -> Self {
        let message = format!("{summary}\n\nApproved-by: {CEO_NAME} <{CEO_EMAIL}>\n");
        self.commit_as(CEO_NAME, CEO_EMAIL, "2026-03-02T09:00:00Z", &message)
    }

    /// Runs `policybook --root <dir> ARGS` in the fixture, without `SOURCE_DATE_EPOCH`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[])
    }

    /// As `run`, with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        if self.initial_commit_pending && self.repo.head().is_err() {
            self.commit_initial();
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_policybook"));
        command
            .arg("--root")
            .arg(self.path())
            .args(args)
            .current_dir(self.path())
            .env_remove("SOURCE_DATE_EPOCH")
            .env("NO_COLOR", "1")
            .env("CLICOLOR", "0");
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("run policybook");
        Output {
            code: output
                .status
                .code()
                .expect("policybook exited normally (not by a signal)"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }

    /// `check --format json --today TODAY`.
    pub fn check(&self) -> Output {
        self.run(&["check", "--format", "json", "--today", TODAY])
    }

    /// The diagnostics of `check --format json --today TODAY`.
    pub fn diagnostics(&self) -> Vec<Diag> {
        let out = self.check();
        let diags = out.diagnostics();
        let errors = diags.iter().any(|d| d.severity == "error");
        assert_eq!(
            out.code,
            if errors { 1 } else { 0 },
            "exit code does not match the diagnostics\nstderr:\n{}\nstdout:\n{}",
            out.stderr,
            out.stdout
        );
        diags
    }

    /// Every file under `rel` (recursively), by path relative to it, with its bytes.
    pub fn tree(&self, rel: &str) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        collect(&self.join(rel), "", &mut out);
        out
    }
}

fn collect(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().to_string();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type().expect("file type").is_dir() {
            out.insert(format!("{rel}/"), Vec::new());
            collect(&entry.path(), &rel, out);
        } else {
            out.insert(rel, std::fs::read(entry.path()).expect("read file"));
        }
    }
}

/// The diagnostics of the clean fixture, computed once per test binary.
pub fn clean_diagnostics() -> &'static [Diag] {
    static CLEAN: OnceLock<Vec<Diag>> = OnceLock::new();
    CLEAN.get_or_init(|| Fixture::clean().diagnostics())
}

/// Asserts the clean fixture reports nothing with `code`.
pub fn assert_clean_lacks(code: &str) {
    let found: Vec<&Diag> = clean_diagnostics()
        .iter()
        .filter(|d| d.code == code)
        .collect();
    assert!(
        found.is_empty(),
        "the clean fixture reports `{code}`: {found:#?}"
    );
}

/// Pretty list of diagnostics for failure messages.
pub fn show(diags: &[Diag]) -> String {
    diags
        .iter()
        .map(|d| {
            format!(
                "  {} {} {}:{}:{} [{}] {}",
                d.severity,
                d.code,
                d.file.as_deref().unwrap_or("-"),
                d.line.map_or("-".into(), |l| l.to_string()),
                d.column.map_or("-".into(), |c| c.to_string()),
                d.doc_id.as_deref().unwrap_or("-"),
                d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// All diagnostics with `code`.
pub fn with_code<'a>(diags: &'a [Diag], code: &str) -> Vec<&'a Diag> {
    diags.iter().filter(|d| d.code == code).collect()
}

/// Asserts exactly one diagnostic has `code`, and returns it.
pub fn only<'a>(diags: &'a [Diag], code: &str) -> &'a Diag {
    let found = with_code(diags, code);
    assert_eq!(
        found.len(),
        1,
        "expected one `{code}`, got:\n{}",
        show(diags)
    );
    found[0]
}

/// Asserts exactly one diagnostic has `code`, at `file:line:column`, and returns it.
pub fn one_at<'a>(
    diags: &'a [Diag],
    code: &str,
    file: &str,
    line: usize,
    column: usize,
) -> &'a Diag {
    let d = only(diags, code);
    assert_eq!(
        (d.file.as_deref(), d.line, d.column),
        (Some(file), Some(line), Some(column)),
        "`{code}` at the wrong place:\n{}",
        show(diags)
    );
    d
}

/// Asserts exactly one diagnostic has `code` and it has no location (a repository-wide finding).
pub fn one_without_file<'a>(diags: &'a [Diag], code: &str) -> &'a Diag {
    let d = only(diags, code);
    assert_eq!(
        (d.file.as_deref(), d.line, d.column),
        (None, None, None),
        "`{code}` should be repository-wide:\n{}",
        show(diags)
    );
    d
}

/// Asserts no diagnostic has `code`.
pub fn none_of(diags: &[Diag], code: &str) {
    let found = with_code(diags, code);
    assert!(found.is_empty(), "unexpected `{code}`:\n{}", show(diags));
}

/// The 1-based (line, column) of the first occurrence of `needle` in `text`.
pub fn pos_of(text: &str, needle: &str) -> (usize, usize) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found in:\n{text}"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Seconds since the epoch of an RFC 3339 time (`2026-03-01T10:00:00Z`).
fn epoch_seconds(time: &str) -> i64 {
    time.parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("bad commit time {time}: {e}"))
        .as_second()
}

/// Runs `policybook --root DIR ARGS` in `dir` (which need not be a Git repository), without
/// `SOURCE_DATE_EPOCH`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_policybook"))
        .arg("--root")
        .arg(dir)
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1")
        .env("CLICOLOR", "0")
        .output()
        .expect("run policybook");
    Output {
        code: output
            .status
            .code()
            .expect("policybook exited normally (not by a signal)"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Turns a commit's bytes into the armoured signature of its `gpgsig` header.
type Signer<'a> = dyn Fn(&[u8]) -> String + 'a;

/// Helpers for tests of the Git history: branches, merges, renames, signed commits, shallow
/// and rewritten histories. None of them changes what the helpers above do.
impl Fixture {
    /// The repository (to inspect it, or for what no helper does).
    pub fn repo(&self) -> &git2::Repository {
        &self.repo
    }

    /// The git directory (`.git`).
    pub fn git_dir(&self) -> PathBuf {
        self.repo.path().to_path_buf()
    }

    /// Makes the clean fixture's approval commit now, if it is still pending, so that later
    /// edits of the working tree are not part of it.
    pub fn committed(mut self) -> Self {
        if self.initial_commit_pending {
            self.initial_commit_pending = false;
            if self.repo.head().is_err() {
                self.commit_initial();
            }
        }
        self
    }

    /// The commit HEAD points at (hex).
    pub fn head_id(&self) -> String {
        self.repo
            .head()
            .expect("HEAD")
            .peel_to_commit()
            .expect("HEAD is a commit")
            .id()
            .to_string()
    }

    /// The commit a revision expression (branch name, commit id, `HEAD~1`) names.
    pub fn resolve(&self, spec: &str) -> git2::Oid {
        self.repo
            .revparse_single(spec)
            .unwrap_or_else(|e| panic!("resolve {spec}: {e}"))
            .peel_to_commit()
            .unwrap_or_else(|e| panic!("{spec} is not a commit: {e}"))
            .id()
    }

    /// The blob id of `rel` in the commit `spec`, if the file is there.
    pub fn blob_at(&self, spec: &str, rel: &str) -> Option<String> {
        let commit = self.repo.find_commit(self.resolve(spec)).expect("commit");
        let tree = commit.tree().expect("tree");
        tree.get_path(Path::new(rel))
            .ok()
            .map(|e| e.id().to_string())
    }

    /// Creates branch `name` at HEAD (HEAD stays where it is).
    pub fn branch(self, name: &str) -> Self {
        {
            let head = self.repo.find_commit(self.resolve("HEAD")).expect("HEAD");
            self.repo
                .branch(name, &head, false)
                .unwrap_or_else(|e| panic!("create branch {name}: {e}"));
        }
        self
    }

    /// The short name of the branch HEAD points at (even before the first commit).
    pub fn current_branch(&self) -> String {
        let head = self.repo.find_reference("HEAD").expect("HEAD");
        head.symbolic_target()
            .expect("HEAD")
            .expect("HEAD is not detached")
            .trim_start_matches("refs/heads/")
            .to_string()
    }

    /// Checks out the tree of `target` into the index and the working tree, forcibly (files of
    /// the current HEAD that `target` lacks are removed; untracked files stay).
    fn checkout_commit(&self, target: git2::Oid) {
        let commit = self.repo.find_commit(target).expect("commit");
        let mut options = git2::build::CheckoutBuilder::new();
        options.force();
        self.repo
            .checkout_tree(commit.as_object(), Some(&mut options))
            .expect("checkout");
    }

    /// `git switch NAME`: checks out an existing branch.
    pub fn switch(self, name: &str) -> Self {
        let target = self.resolve(&format!("refs/heads/{name}"));
        self.checkout_commit(target);
        self.repo
            .set_head(&format!("refs/heads/{name}"))
            .expect("set HEAD");
        self
    }

    /// `git switch --detach SPEC`: HEAD points at the commit itself.
    pub fn detach(self, spec: &str) -> Self {
        let target = self.resolve(spec);
        self.checkout_commit(target);
        self.repo.set_head_detached(target).expect("detach HEAD");
        self
    }

    /// `git reset --hard SPEC`: moves the current branch (and the working tree) to a commit.
    pub fn reset_hard(self, spec: &str) -> Self {
        {
            let target = self.repo.revparse_single(spec).expect("commit");
            self.repo
                .reset(&target, git2::ResetType::Hard, None)
                .expect("reset --hard");
        }
        self
    }

    /// `git mv FROM TO` (the commit is up to the caller).
    pub fn rename(self, from: &str, to: &str) -> Self {
        let target = self.join(to);
        std::fs::create_dir_all(target.parent().expect("a file has a parent"))
            .expect("create directories");
        std::fs::rename(self.join(from), target).unwrap_or_else(|e| panic!("mv {from} {to}: {e}"));
        self
    }

    /// Writes the tree of the whole working tree (as `git add -A` would stage it).
    fn stage_all(&self) -> git2::Oid {
        let mut index = self.repo.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("git add");
        index.update_all(["*"], None).expect("git add -u");
        index.write().expect("write index");
        index.write_tree().expect("write tree")
    }

    /// Points HEAD (its branch, or HEAD itself when detached) at `id`.
    fn advance_head(&self, id: git2::Oid, message: &str) {
        let head = self.repo.find_reference("HEAD").expect("HEAD");
        match head.symbolic_target() {
            Ok(Some(branch)) => {
                self.repo
                    .reference(branch, id, true, message)
                    .expect("update branch");
            }
            _ => self.repo.set_head_detached(id).expect("move HEAD"),
        }
    }

    /// Commits the working tree with HEAD (if any) and then `others` (branch names or commit
    /// ids) as parents, with a fixed author and committer; signed with `key` (an SSH
    /// signature, as `gpg.format = ssh` writes it) when given. Returns the new commit's id.
    pub fn commit_full(
        &mut self,
        name: &str,
        email: &str,
        time: &str,
        message: &str,
        others: &[&str],
        key: Option<&ssh_key::PrivateKey>,
    ) -> String {
        let sign = |buffer: &[u8]| {
            key.expect("a key")
                .sign("git", ssh_key::HashAlg::Sha512, buffer)
                .expect("sign")
                .to_pem(ssh_key::LineEnding::LF)
                .expect("armour")
        };
        let signer: Option<&Signer> = match key {
            Some(_) => Some(&sign),
            None => None,
        };
        self.make_commit(name, email, time, message, others, signer)
    }

    /// Commits the working tree with HEAD (if any) and `others` as parents; `signer` turns the
    /// commit's bytes into the armoured signature of its `gpgsig` header.
    fn make_commit(
        &mut self,
        name: &str,
        email: &str,
        time: &str,
        message: &str,
        others: &[&str],
        signer: Option<&Signer>,
    ) -> String {
        if self.initial_commit_pending {
            self.initial_commit_pending = false;
            if self.repo.head().is_err() && time > COMMIT_TIME {
                self.commit_initial();
            }
        }
        let signature = git2::Signature::new(name, email, &git2::Time::new(epoch_seconds(time), 0))
            .expect("signature");
        let tree = self.repo.find_tree(self.stage_all()).expect("tree");
        let mut parents: Vec<git2::Commit> = Vec::new();
        if let Ok(head) = self.repo.head() {
            parents.push(head.peel_to_commit().expect("HEAD is a commit"));
        }
        for other in others {
            parents.push(self.repo.find_commit(self.resolve(other)).expect("parent"));
        }
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        let id = match signer {
            None => self
                .repo
                .commit(None, &signature, &signature, message, &tree, &parents)
                .expect("commit"),
            Some(signer) => {
                let buffer = self
                    .repo
                    .commit_create_buffer(&signature, &signature, message, &tree, &parents)
                    .expect("commit buffer");
                let armour = signer(&buffer);
                let content = std::str::from_utf8(&buffer).expect("commit is UTF-8");
                self.repo
                    .commit_signed(content, &armour, None)
                    .expect("signed commit")
            }
        };
        self.advance_head(id, message);
        id.to_string()
    }

    /// Commits the working tree with `armour` as its (unchecked) `gpgsig` header, e.g. an
    /// OpenPGP signature block.
    pub fn commit_with_signature_as(
        mut self,
        name: &str,
        email: &str,
        time: &str,
        message: &str,
        armour: &str,
    ) -> Self {
        let signer = |_: &[u8]| armour.to_string();
        self.make_commit(name, email, time, message, &[], Some(&signer));
        self
    }

    /// A merge commit of HEAD and `others` (branch names or commit ids, in parent order) whose
    /// tree is the working tree as it is: write the merged result first.
    pub fn merge_as(
        mut self,
        name: &str,
        email: &str,
        time: &str,
        message: &str,
        others: &[&str],
    ) -> Self {
        self.commit_full(name, email, time, message, others, None);
        self
    }

    /// Commits the working tree, signed with `key`.
    pub fn commit_signed_as(
        mut self,
        name: &str,
        email: &str,
        time: &str,
        message: &str,
        key: &ssh_key::PrivateKey,
    ) -> Self {
        self.commit_full(name, email, time, message, &[], Some(key));
        self
    }

    /// Marks the repository a shallow clone whose history stops at `commits` (git's
    /// `.git/shallow`: one id per line; libgit2 treats them as having no parents).
    pub fn shallow_at(self, commits: &[&str]) -> Self {
        let text: String = commits
            .iter()
            .map(|c| format!("{}\n", self.resolve(c)))
            .collect();
        std::fs::write(self.git_dir().join("shallow"), text).expect("write .git/shallow");
        self
    }
}

impl Fixture {
    /// The text of `rel` in the commit `spec` (which must hold it).
    pub fn text_at(&self, spec: &str, rel: &str) -> String {
        let blob = self
            .blob_at(spec, rel)
            .unwrap_or_else(|| panic!("{rel} is not in {spec}"));
        let blob = self
            .repo
            .find_blob(git2::Oid::from_str(&blob).expect("blob id"))
            .expect("blob");
        String::from_utf8(blob.content().to_vec()).expect("UTF-8 file")
    }
}

/// Signed commits beyond `commit_full`: any armour computed from the commit's bytes, and SSH
/// signatures made with a certificate.
impl Fixture {
    /// Commits the working tree with HEAD (if any) as parent; `signer` turns the commit's bytes
    /// into the armoured signature of its `gpgsig` header. Returns the new commit's id.
    pub fn commit_signed_by(
        &mut self,
        name: &str,
        email: &str,
        time: &str,
        message: &str,
        signer: &dyn Fn(&[u8]) -> String,
    ) -> String {
        self.make_commit(name, email, time, message, &[], Some(signer))
    }
}

/// The armoured SSH signature (PROTOCOL.sshsig, namespace `git`, SHA-512) of `message` by
/// `key`, naming `cert` (a certificate of `key`) as its public key: what `ssh-keygen -Y sign`
/// writes when the key has a certificate. (`ssh-key` signs only as the plain key.)
pub fn ssh_sign_with_certificate(
    key: &ssh_key::PrivateKey,
    cert: &ssh_key::Certificate,
    message: &[u8],
) -> String {
    fn string(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend(u32::try_from(bytes.len()).expect("short").to_be_bytes());
        out.extend(bytes);
    }
    let sig = key
        .sign("git", ssh_key::HashAlg::Sha512, message)
        .expect("sign");
    let mut blob = b"SSHSIG".to_vec();
    blob.extend(1u32.to_be_bytes());
    string(&mut blob, &cert.to_bytes().expect("encode certificate"));
    string(&mut blob, b"git");
    string(&mut blob, b"");
    string(&mut blob, b"sha512");
    string(
        &mut blob,
        &Vec::<u8>::try_from(sig.signature().clone()).expect("encode signature"),
    );
    let body = <base64ct::Base64 as base64ct::Encoding>::encode_string(&blob);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
        lines.join("\n")
    )
}

// ---------------------------------------------------------------------------------------------
// History reports: what `history --format json` says, for the history and lineage tests.
// ---------------------------------------------------------------------------------------------

pub const BOB_NAME: &str = "Bob Example";
pub const BOB_EMAIL: &str = "bob@example.com";

/// A commit time `hours` after 2026-03-02T00:00Z (after the clean fixture's commit and before
/// `TODAY`), so that later commits are newer.
pub fn t(hours: u32) -> String {
    let ts: jiff::Timestamp = "2026-03-02T00:00:00Z".parse().expect("time");
    (ts + jiff::SignedDuration::from_hours(i64::from(hours))).to_string()
}

/// A message with an `Approved-by` trailer of the CEO.
pub fn approved(summary: &str) -> String {
    format!("{summary}\n\nApproved-by: {CEO_NAME} <{CEO_EMAIL}>\n")
}

/// `history TARGET --format json`, which must succeed.
pub fn history(f: &Fixture, target: &str) -> serde_json::Value {
    let out = f.run(&["history", target, "--format", "json"]);
    assert_eq!(
        out.code, 0,
        "history {target} failed\nstderr:\n{}\nstdout:\n{}",
        out.stderr, out.stdout
    );
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("history output is not JSON ({e}):\n{}", out.stdout))
}

/// The revisions of a history report as (commit, path, change).
pub fn revs(h: &serde_json::Value) -> Vec<(String, String, String)> {
    h["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| {
            (
                r["commit"].as_str().expect("commit").to_string(),
                r["path"].as_str().expect("path").to_string(),
                r["change"].as_str().expect("change").to_string(),
            )
        })
        .collect()
}

/// The commit ids of a history report's revisions, newest first.
pub fn commits(h: &serde_json::Value) -> Vec<String> {
    revs(h).into_iter().map(|r| r.0).collect()
}

pub fn rev(commit: &str, path: &str, change: &str) -> (String, String, String) {
    (commit.to_string(), path.to_string(), change.to_string())
}

// ---------------------------------------------------------------------------------------------
// Signed commits: SSH keys, and the clean fixture with `evidence = "signed"`.
// ---------------------------------------------------------------------------------------------

pub const SIGNERS_PATH: &str = ".policybook/allowed_signers";

pub fn key(seed: u8) -> ssh_key::PrivateKey {
    ssh_key::PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]))
}

pub fn fingerprint(key: &ssh_key::PrivateKey) -> String {
    key.public_key()
        .fingerprint(ssh_key::HashAlg::Sha256)
        .to_string()
}

/// The clean fixture's files with `evidence = "signed"`, Alice's key in allowed_signers being
/// `allowed`, not committed yet.
pub fn signed_fixture(allowed: &ssh_key::PrivateKey) -> Fixture {
    let book = format!(
        "{BOOK_TOML}\n[approval]\nevidence = \"signed\"\nallowed-signers = \"{SIGNERS_PATH}\"\n"
    );
    let signer = format!(
        "{CEO_EMAIL} {}\n",
        allowed.public_key().to_openssh().expect("OpenSSH key")
    );
    Fixture::clean_files()
        .file("book.toml", book)
        .file(SIGNERS_PATH, signer)
}

/// The commits `git log [--follow] --format=%H -- PATH` lists in the fixture (the git CLI, for
/// tests that compare with it), or `None` when git is not installed.
pub fn git_log(f: &Fixture, follow: bool, path: &str) -> Option<Vec<String>> {
    let mut command = std::process::Command::new("git");
    command.arg("log");
    if follow {
        command.arg("--follow");
    }
    let out = command
        .args(["--format=%H", "--", path])
        .current_dir(f.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "git log failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8(out.stdout)
            .expect("UTF-8")
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

/// `[acknowledgement]` with a people file and `HR` as the custodians of the record files.
pub const CUSTODIANS_TOML: &str =
    "\n[acknowledgement]\npeople = \"people.csv\"\ncustodians = [\"HR\"]\n";

impl Fixture {
    /// Adds an `HR` role to the roles registry, held by Hana Reyes (hana@example.com) since
    /// 2020: the custodian of acknowledgement records in the custody tests.
    pub fn with_hr_role(self) -> Self {
        self.edit(
            ROLES_PATH,
            "  - id: END-USER",
            "  - id: HR\n    title: Head of People\n    holders:\n      - name: Hana Reyes\n        email: hana@example.com\n        since: 2020-01-01\n  - id: END-USER",
        )
    }

    /// The clean fixture, committed, with `people` as its people file and HR (Hana) keeping
    /// the acknowledgement records.
    pub fn custodied(people: &str) -> Self {
        Fixture::clean()
            .with_hr_role()
            .file("book.toml", format!("{BOOK_TOML}{CUSTODIANS_TOML}"))
            .file("people.csv", people)
            .committed()
    }
}
