//! Adoption of an existing repository of Markdown policies (`policybook adopt`): finds the
//! documents, proposes front matter for each file that has none (`infer`), and writes it in
//! place together with a `book.toml` whose `src` is the existing folder (no file moves), a
//! starter roles registry and management review when there are none, and optionally one
//! commit (git2). Files it cannot read — binary, invalid UTF-8, front matter already there —
//! are reported and never written. Everything is decided before the first write, and every
//! write is atomic.
//!
//! Stands on `config`, `content` (discovery, front matter, outlines) and `history::worktree`
//! (where the folder lies in the work tree); knows nothing of validation or rendering. Only
//! `cmd` imports it.

pub mod infer;

use crate::content::{discover, front_matter};
use infer::Source;
use jiff::civil::Date;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The placeholder a human must replace (the marker `check` reports as `placeholder`).
pub const PLACEHOLDER: &str = "REPLACE ME";

/// Types whose front matter carries version, status and owner.
const CONTROLLED: &[&str] = &["policy", "standard", "procedure"];

/// Markdown files a repository keeps about itself, never policies.
const REPOSITORY_FILES: &[&str] = &[
    "readme.md",
    "changelog.md",
    "contributing.md",
    "license.md",
    "code_of_conduct.md",
    "security.md",
    "summary.md",
];

/// Folders that hold no documents of the repository's own.
const FOREIGN_DIRS: &[&str] = &["node_modules", "target", "site", "vendor"];

const BOOK_TOML: &str = include_str!("../../templates/init/book.toml");
const GITIGNORE: &str = include_str!("../../templates/init/gitignore");
const ROLES: &str =
    include_str!("../../templates/init/content/roles/roles-and-responsibilities.md");
const REVIEW: &str = include_str!("../../templates/adopt/management-review.md");

/// What to adopt and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The repository's directory: where book.toml goes.
    pub dir: PathBuf,
    /// The documents' folder (relative to `dir`); found when `None`.
    pub src: Option<PathBuf>,
    pub id_prefix: String,
    pub organization: String,
    pub today: Date,
    /// Decide and report, write nothing.
    pub dry_run: bool,
    /// Commit what was written (git2), as one commit.
    pub commit: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AdoptError {
    /// Nothing was written: the reason, and what to do.
    #[error("{0}")]
    Refused(String),
    /// A file or Git failure (`Error::Io`, `Error::Git`).
    #[error(transparent)]
    Program(#[from] crate::Error),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> AdoptError {
    let context = context.into();
    move |source| crate::Error::io(context, source).into()
}

fn git(e: git2::Error) -> AdoptError {
    crate::Error::git("git refused", e).into()
}

/// The front matter proposed for one document.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// Path below the repository directory.
    pub file: String,
    pub id: String,
    pub title: String,
    pub title_source: Source,
    pub doc_type: &'static str,
    pub type_source: Source,
    /// Marked as the information security policy (`clauses: ["5.2"]`).
    pub clause_5_2: bool,
    /// The whole new text: front matter, then the file as it was.
    text: String,
}

/// A Markdown file left as it is, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// A file `adopt` creates.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub path: String,
    pub what: &'static str,
    text: String,
}

/// What adoption decided (and, unless a dry run, did).
#[derive(Debug)]
pub struct Outcome {
    /// `[book] src`, relative to the repository directory.
    pub src: String,
    pub proposals: Vec<Proposal>,
    pub skipped: Vec<Skipped>,
    pub new_files: Vec<NewFile>,
    pub written: bool,
    /// The adoption commit, with `--commit`.
    pub commit: Option<String>,
}

/// Adopts the repository at `options.dir`.
pub fn adopt(options: &Options) -> Result<Outcome, AdoptError> {
    refuse_unadoptable(options)?;
    let dir = &options.dir;
    let src = match &options.src {
        Some(src) => relative_src(dir, src)?,
        None => find_src(dir)?,
    };
    let src_dir = dir.join(&src);
    if !src_dir.is_dir() {
        return Err(AdoptError::Refused(format!(
            "the documents' folder {} does not exist",
            src_dir.display()
        )));
    }
    let mut survey = survey(dir, &src_dir);
    let new_files = new_files(options, &src, &mut survey);
    let Survey {
        skipped,
        unframed,
        mut taken,
        mut security_policy,
        ..
    } = survey;
    let proposals: Vec<Proposal> = unframed
        .into_iter()
        .map(|(rel_path, file, text)| {
            propose(
                &options.id_prefix,
                (&rel_path, file, &text),
                &mut security_policy,
                &mut taken,
            )
        })
        .collect();
    if proposals.is_empty() && options.commit {
        return Err(AdoptError::Refused(format!(
            "no Markdown document without front matter under {}: nothing to adopt",
            src_dir.display()
        )));
    }
    let repo = match options.commit {
        true => Some(ready_to_commit(dir)?),
        false => None,
    };
    let mut outcome = Outcome {
        src,
        proposals,
        skipped,
        new_files,
        written: false,
        commit: None,
    };
    if options.dry_run {
        return Ok(outcome);
    }
    write(dir, &outcome)?;
    outcome.written = true;
    if let Some((repo, prefix)) = repo {
        let mut paths: Vec<String> = outcome.new_files.iter().map(|f| f.path.clone()).collect();
        paths.extend(outcome.proposals.iter().map(|p| p.file.clone()));
        let message = commit_message(&outcome);
        outcome.commit = Some(commit(&repo, &prefix, &paths, &message)?);
    }
    Ok(outcome)
}

/// Refuses what cannot be adopted: no directory, an id prefix that starts no id, a project
/// that has a book.toml already.
fn refuse_unadoptable(options: &Options) -> Result<(), AdoptError> {
    let dir = &options.dir;
    if !dir.is_dir() {
        return Err(AdoptError::Refused(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    if !crate::content::document::is_id(&options.id_prefix) || options.id_prefix.contains('.') {
        return Err(AdoptError::Refused(format!(
            "--id-prefix `{}` cannot start an id: use letters, digits, `-` or `_`",
            options.id_prefix
        )));
    }
    if dir
        .join(crate::config::FILE_NAME)
        .symlink_metadata()
        .is_ok()
    {
        return Err(AdoptError::Refused(format!(
            "{} already has a book.toml: it is a policybook project already (run `policybook check`)",
            dir.display()
        )));
    }
    Ok(())
}

/// What the documents' folder holds, as adoption sees it.
#[derive(Default)]
struct Survey {
    /// Files left as they are, and why.
    skipped: Vec<Skipped>,
    /// (path below src, path below the repository, text) of each file without front matter.
    unframed: Vec<(String, String, String)>,
    /// Ids in use (by files with front matter, and by the starter records).
    taken: BTreeSet<String>,
    has_registry: bool,
    has_review: bool,
    /// A file with front matter names clause 5.2: the information security policy exists.
    security_policy: bool,
}

fn survey(dir: &Path, src_dir: &Path) -> Survey {
    let mut diagnostics = Vec::new();
    let found = discover::walk(dir, src_dir, &mut diagnostics);
    let mut survey = Survey {
        skipped: diagnostics
            .iter()
            .map(|d| Skipped {
                file: d.file.clone().unwrap_or_default(),
                reason: d.message.clone(),
            })
            .collect(),
        ..Survey::default()
    };
    for (rel_path, file, path) in &found.markdown {
        let name = rel_path.rsplit('/').next().unwrap_or(rel_path);
        if REPOSITORY_FILES.contains(&name.to_ascii_lowercase().as_str()) {
            survey.skip(file, "a file about the repository, not a policy: left as it is (move it out of the documents' folder, or give it front matter)".into());
            continue;
        }
        match discover::read_text(path, file) {
            Ok(text) => survey.read(rel_path, file, text),
            Err(d) => survey.skip(file, format!("{}; left as it is", d.message)),
        }
    }
    survey
}

impl Survey {
    fn skip(&mut self, file: &str, reason: String) {
        self.skipped.push(Skipped {
            file: file.to_string(),
            reason,
        });
    }

    /// A readable Markdown file: without front matter it is to adopt; with it, it is left as it
    /// is, and what it says (its id, a roles registry, a review, clause 5.2) is noted.
    fn read(&mut self, rel_path: &str, file: &str, text: String) {
        match front_matter::split(&text) {
            Err(front_matter::SplitError::Missing) => {
                self.unframed
                    .push((rel_path.to_string(), file.to_string(), text));
            }
            Err(front_matter::SplitError::Unclosed) => self.skip(
                file,
                "starts with a `---` line that is never closed (front matter, or a rule?): left as it is".into(),
            ),
            Ok(_) => {
                if let Some(id) = front_matter::salvage(&text, "id") {
                    self.taken.insert(id.to_string());
                }
                if front_matter::matter_text(&text).is_ok_and(|(m, _)| m.contains("5.2")) {
                    self.security_policy = true;
                }
                match front_matter::salvage(&text, "type") {
                    Some("roles") => self.has_registry = true,
                    Some("management-review") => self.has_review = true,
                    _ => {}
                }
                self.skip(file, "front matter already present: left as it is".into());
            }
        }
    }
}

/// book.toml, a .gitignore when there is none, and the starter records the folder lacks.
fn new_files(options: &Options, src: &str, survey: &mut Survey) -> Vec<NewFile> {
    let dir = &options.dir;
    let mut new_files = Vec::new();
    let fill = |text: &str| {
        text.replace("@@ORGANIZATION_TOML@@", &toml_escape(&options.organization))
            .replace("@@ORGANIZATION@@", &options.organization)
            .replace("@@TODAY@@", &options.today.to_string())
    };
    let book = fill(BOOK_TOML).replacen(
        "src = \"content\"",
        &format!("src = \"{}\"", toml_escape(src)),
        1,
    );
    new_files.push(NewFile {
        path: crate::config::FILE_NAME.to_string(),
        what: "configuration; [book] src is the existing folder",
        text: book,
    });
    if !dir.join(".gitignore").exists() {
        new_files.push(NewFile {
            path: ".gitignore".into(),
            what: "keeps the built portal out of Git",
            text: GITIGNORE.to_string(),
        });
    }
    let starters = [
        (
            !survey.has_registry,
            "roles/roles-and-responsibilities.md",
            ROLES,
            "starter roles registry (ROL-001): holders to fill in",
            "ROL-001",
        ),
        (
            !survey.has_review,
            "reviews/@@TODAY@@-management-review.md",
            REVIEW,
            "starter management review: to replace with a real one",
            "MR-@@TODAY@@",
        ),
    ];
    for (wanted, rel, template, what, id) in starters {
        let path = join_rel(src, &fill(rel));
        if wanted && !dir.join(&path).exists() {
            survey.taken.insert(fill(id));
            new_files.push(NewFile {
                path,
                what,
                text: fill(template),
            });
        }
    }
    new_files
}

/// Writes the new files (never over an existing one) and the documents with their front
/// matter, each file atomically.
fn write(dir: &Path, outcome: &Outcome) -> Result<(), AdoptError> {
    for f in &outcome.new_files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(io(format!("cannot create {}", parent.display())))?;
        }
        crate::atomic::write_new(&path, f.text.as_bytes())
            .map_err(io(format!("cannot create {}", path.display())))?;
    }
    for p in &outcome.proposals {
        let path = dir.join(&p.file);
        crate::atomic::write(&path, p.text.as_bytes())
            .map_err(io(format!("cannot write {}", path.display())))?;
    }
    Ok(())
}

fn commit_message(outcome: &Outcome) -> String {
    format!(
        "Adopt {} documents into policybook\n\nFront matter proposed by `policybook adopt` for each document (status draft,\nversion 0.1; owners to fill in), book.toml with [book] src = \"{}\"{}.\n",
        outcome.proposals.len(),
        outcome.src,
        if outcome.new_files.len() > 1 {
            ", and starter records"
        } else {
            ""
        }
    )
}

/// The proposal for one file without front matter.
fn propose(
    prefix: &str,
    (rel_path, file, text): (&str, String, &str),
    security_policy: &mut bool,
    taken: &mut BTreeSet<String>,
) -> Proposal {
    let id = infer::unique_id(prefix, rel_path, taken);
    let (title, title_source) = infer::title(rel_path, text);
    let (doc_type, type_source) = infer::doc_type(rel_path);
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let title_yaml = serde_json::to_string(&title).expect("a string serialises");
    let mut lines = vec![
        "---".to_string(),
        format!("id: {id}"),
        format!("title: {title_yaml}"),
        format!("type: {doc_type}"),
    ];
    // The first policy titled "information security policy" is the one of ISO 27001 5.2,
    // unless a document says so already.
    let clause_5_2 = doc_type == "policy" && !*security_policy && infer::is_security_policy(&title);
    if clause_5_2 {
        *security_policy = true;
        lines.push("clauses: [\"5.2\"]".to_string());
    }
    if CONTROLLED.contains(&doc_type) {
        lines.extend([
            "status: draft".to_string(),
            "version: \"0.1\"".to_string(),
            format!("owner: {PLACEHOLDER}"),
            "# Written by `policybook adopt`: set `owner` to the id of the role that owns this"
                .to_string(),
            "# document (a role of the roles registry), and check the title and type.".to_string(),
        ]);
    } else {
        lines.extend([
            "roles: []".to_string(),
            format!("# {PLACEHOLDER}: written by `policybook adopt`; list the roles this document"),
            "# defines (see the starter roles registry for the fields).".to_string(),
        ]);
    }
    lines.push("---".to_string());
    let mut new_text = lines.join(eol);
    new_text.push_str(eol);
    new_text.push_str(text);
    Proposal {
        file,
        id,
        title,
        title_source,
        doc_type,
        type_source,
        clause_5_2,
        text: new_text,
    }
}

/// `--src`, as a path relative to the repository directory, inside it and not the directory
/// itself.
fn relative_src(dir: &Path, src: &Path) -> Result<String, AdoptError> {
    let canonical_dir = dir
        .canonicalize()
        .map_err(io(format!("cannot read {}", dir.display())))?;
    let absolute = if src.is_absolute() {
        src.to_path_buf()
    } else {
        dir.join(src)
    };
    let canonical = absolute
        .canonicalize()
        .map_err(|_| AdoptError::Refused(format!("--src {} is not a directory", src.display())))?;
    let rel = canonical.strip_prefix(&canonical_dir).map_err(|_| {
        AdoptError::Refused(format!(
            "--src {} is outside {}",
            src.display(),
            dir.display()
        ))
    })?;
    let rel = rel.to_string_lossy().replace('\\', "/");
    if rel.is_empty() {
        return Err(top_level());
    }
    Ok(rel)
}

fn top_level() -> AdoptError {
    AdoptError::Refused(
        "the documents are at the top of the repository: policybook reads them from a folder of \
         their own (the built portal goes beside it). Move them into one, e.g. \
         `mkdir policies && git mv *.md policies/`, then run `policybook adopt --src policies`"
            .into(),
    )
}

/// The folder that holds the repository's Markdown documents: the deepest folder holding all
/// of them (files about the repository itself and foreign folders left out).
fn find_src(dir: &Path) -> Result<String, AdoptError> {
    let mut ignored = Vec::new();
    let found = discover::walk(dir, dir, &mut ignored);
    let folders: Vec<Vec<&str>> = found
        .markdown
        .iter()
        .map(|(rel, _, _)| rel.split('/').collect::<Vec<_>>())
        .filter(|parts| {
            let (name, folders) = parts.split_last().expect("a path has a name");
            !folders.iter().any(|f| FOREIGN_DIRS.contains(f))
                && !REPOSITORY_FILES.contains(&name.to_ascii_lowercase().as_str())
        })
        .map(|mut parts| {
            parts.pop();
            parts
        })
        .collect();
    let Some(first) = folders.first() else {
        return Err(AdoptError::Refused(format!(
            "no Markdown documents found in {} (name the folder with --src)",
            dir.display()
        )));
    };
    let mut common = first.len();
    for f in &folders[1..] {
        common = common.min(first.iter().zip(f).take_while(|(a, b)| a == b).count());
    }
    if common == 0 {
        return Err(top_level());
    }
    Ok(first[..common].join("/"))
}

fn join_rel(folder: &str, rel: &str) -> String {
    format!("{}/{rel}", folder.trim_end_matches('/'))
}

/// Escapes text for a TOML basic string.
fn toml_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The repository `--commit` commits in, and where `dir` is in its work tree — refused before
/// anything is written when the commit could not be made or would take in changes that are
/// not the adoption's (staged already).
fn ready_to_commit(dir: &Path) -> Result<(git2::Repository, String), AdoptError> {
    let repo = git2::Repository::discover(dir).map_err(|_| {
        AdoptError::Refused(format!(
            "--commit: {} is not in a Git repository",
            dir.display()
        ))
    })?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| AdoptError::Refused("--commit: the repository is bare".into()))?;
    let prefix = crate::history::worktree::folder(workdir, dir).ok_or_else(|| {
        AdoptError::Refused(format!(
            "--commit: {} is outside the work tree",
            dir.display()
        ))
    })?;
    if let Err(e) = repo.signature() {
        return Err(AdoptError::Refused(format!(
            "--commit: no Git identity to commit as ({}); set user.name and user.email",
            e.message()
        )));
    }
    let staged = {
        let head_tree = match repo.head() {
            Ok(head) => Some(head.peel_to_tree().map_err(git)?),
            Err(_) => None,
        };
        let index = repo.index().map_err(git)?;
        repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), None)
            .map_err(git)?
            .deltas()
            .len()
    };
    if staged > 0 {
        return Err(AdoptError::Refused(
            "--commit: the index has staged changes; commit or unstage them first, so that the adoption commit holds the adoption only".into(),
        ));
    }
    Ok((repo, prefix))
}

/// Stages `paths` (relative to the adopted directory, which is the folder `prefix` of the work
/// tree: empty or ending in `/`) and commits
/// them on HEAD as git's configured user.
fn commit(
    repo: &git2::Repository,
    prefix: &str,
    paths: &[String],
    message: &str,
) -> Result<String, AdoptError> {
    let mut index = repo.index().map_err(git)?;
    for path in paths {
        let in_repo = format!("{prefix}{path}");
        index.add_path(Path::new(&in_repo)).map_err(git)?;
    }
    index.write().map_err(git)?;
    let tree = repo
        .find_tree(index.write_tree().map_err(git)?)
        .map_err(git)?;
    let signature = repo.signature().map_err(git)?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    let id = repo
        .commit(
            Some("HEAD"),
            &signature,
            &signature,
            message,
            &tree,
            &parents,
        )
        .map_err(git)?;
    Ok(id.to_string())
}

impl Outcome {
    /// The report: what was inferred, per document, and what still needs a human.
    pub fn report(&self) -> String {
        let mut out = self.proposals_table();
        if !self.skipped.is_empty() {
            out.push_str("\nleft as they are:\n");
            for s in &self.skipped {
                out.push_str(&format!("  {}: {}\n", s.file, s.reason));
            }
        }
        out.push_str(if self.written {
            "\ncreated:\n"
        } else {
            "\nwould create:\n"
        });
        for f in &self.new_files {
            out.push_str(&format!("  {}: {}\n", f.path, f.what));
        }
        out.push_str("\nneeds a human:\n");
        for t in self.todo() {
            out.push_str(&format!("  - {t}\n"));
        }
        match (&self.commit, self.written) {
            (Some(c), _) => out.push_str(&format!("\ncommitted the adoption as {c}\n")),
            (None, true) => out.push_str("\nnothing committed: review the changes, then commit them (or run with --commit)\n"),
            (None, false) => out.push_str("\ndry run: nothing was written\n"),
        }
        out
    }

    /// The table of what was inferred for each document, assumptions marked.
    fn proposals_table(&self) -> String {
        let mark = |s: Source| match s {
            Source::Found => "",
            Source::Assumed => " (assumed)",
        };
        let rows: Vec<[String; 4]> = self
            .proposals
            .iter()
            .map(|p| {
                [
                    p.file.clone(),
                    p.id.clone(),
                    format!("{}{}", p.doc_type, mark(p.type_source)),
                    format!(
                        "{}{}{}",
                        p.title,
                        mark(p.title_source),
                        if p.clause_5_2 { " [5.2]" } else { "" }
                    ),
                ]
            })
            .collect();
        let header = ["file", "id", "type", "title"].map(String::from);
        let widths: Vec<usize> = (0..4)
            .map(|i| {
                std::iter::once(&header)
                    .chain(&rows)
                    .map(|r| r[i].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = format!(
            "documents in {} ({} to adopt):\n",
            self.src,
            self.proposals.len()
        );
        for row in std::iter::once(&header).chain(&rows) {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            out.push_str(&format!("  {}\n", cells.join("  ").trim_end()));
        }
        out.push_str(
            "every adopted policy, standard and procedure: status draft, version \"0.1\", owner `REPLACE ME`\n",
        );
        if self.proposals.iter().any(|p| p.clause_5_2) {
            out.push_str(
                "[5.2]: marked as the information security policy (`clauses: [\"5.2\"]`)\n",
            );
        }
        out
    }

    /// What a person must still fill in or decide.
    fn todo(&self) -> Vec<String> {
        let assumed = self
            .proposals
            .iter()
            .filter(|p| p.type_source == Source::Assumed || p.title_source == Source::Assumed)
            .count();
        let mut todo = vec![
            "each document's `owner`: the id of the role that owns it (`REPLACE ME` now)"
                .to_string(),
        ];
        if assumed > 0 {
            todo.push(format!(
                "{assumed} document(s) with an assumed type or title (marked above): check them"
            ));
        }
        if self.proposals.iter().any(|p| p.clause_5_2) {
            todo.push("the information security policy [5.2]: the sections Purpose, Scope, Information security objectives, Commitment to compliance and Continual improvement (`check` names any missing)".into());
        }
        if self.proposals.iter().any(|p| p.doc_type == "roles") {
            todo.push("documents of type roles: their `roles:` list (id, title, responsibilities, authorities, holders)".into());
        }
        let creates = |part: &str| self.new_files.iter().any(|f| f.path.contains(part));
        if creates("roles-and-responsibilities.md") {
            todo.push("the roles registry: real holders (names and the e-mail addresses they commit with)".into());
        }
        if creates("management-review") {
            todo.push(
                "the starter management review: replace it with your last real review".into(),
            );
        }
        todo.push("book.toml: the organization's name; `[approval] evidence = \"trailer\"` once approvals are recorded".into());
        todo.push(
            "approvals: set each document's `version` (e.g. \"1.0\"), then `policybook approve ID --as NAME` records the approval (status approved, a commit with an Approved-by trailer)"
                .into(),
        );
        todo
    }
}
