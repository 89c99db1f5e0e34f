//! `policybook diff BASE..HEAD`: a pull-request report. Documents added, changed (content or
//! metadata only), renamed and removed between two commits, the version bumps and approvals the
//! change needs, and the `check` findings it introduces (present at HEAD, absent at BASE).
//!
//! Each commit is materialised into a temporary linked worktree (git2's `worktree` with a
//! throw-away branch, detached at once and the branch deleted), so the whole pipeline —
//! `crate::load`, history included — runs unchanged as of that commit: `version-not-bumped` and
//! `approval-not-evidenced` need the history, which a bare extraction of the tree would lack.
//! The user's HEAD, index and working tree are never touched, and the worktree, its
//! administrative files and the branch are removed afterwards, on error too.

use super::{EXIT_INVALID, EXIT_OK};
use crate::diagnostic::{Diagnostic, Severity};
use crate::history::versions::short;
use crate::{Loaded, Site};
use anyhow::Context;
use git2::{Oid, Repository};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The commits to compare: `BASE..HEAD`, `BASE...HEAD` (from the merge base), or `BASE`
    /// alone (against HEAD); any revision git understands (`main`, `origin/main`, a commit id).
    #[arg(value_name = "BASE..HEAD")]
    pub range: String,
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
    /// Evaluate due dates as of this day (YYYY-MM-DD) instead of SOURCE_DATE_EPOCH or the clock.
    #[arg(long, value_parser = super::parse_today)]
    pub today: Option<jiff::civil::Date>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub spec: String,
    pub commit: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    ContentChanged,
    MetadataChanged,
    Renamed,
    Removed,
}

impl ChangeKind {
    fn label(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::ContentChanged => "content changed",
            ChangeKind::MetadataChanged => "metadata only",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Holder {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Approver {
    pub role: String,
    /// Whether the role exists in the roles registry at HEAD.
    pub defined: bool,
    /// Its holders as of today, at HEAD.
    pub holders: Vec<Holder>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub id: Option<String>,
    /// The title (of HEAD's side, or BASE's for a removal), unless that side is withheld.
    pub title: Option<String>,
    /// The level that withholds a side's title and path, when its text is above
    /// `max-classification`: a pull-request report is read by more people than the document.
    pub withheld: Option<String>,
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
    pub path_before: Option<String>,
    pub path_after: Option<String>,
    pub version_before: Option<String>,
    pub version_after: Option<String>,
    pub status_before: Option<String>,
    pub status_after: Option<String>,
    /// The content hash (bookkeeping fields excluded) differs.
    pub content_changed: bool,
    /// Released content (approved or retired at BASE) changed and `version` did not.
    pub bump_required: bool,
    /// The roles that may approve the new version (any one of them), when it needs approval.
    pub approvers: Option<Vec<Approver>>,
    /// The type's `[[types.T.approval]]` rules the new version must meet, all of them (empty
    /// when one approval by any of `approvers` will do).
    pub rules: Vec<crate::config::ApprovalRule>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub documents: usize,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub base: Side,
    pub head: Side,
    pub today: String,
    pub changes: Vec<Change>,
    /// Findings present at HEAD and absent at BASE (same code, document and message).
    pub introduced: Vec<Diagnostic>,
    pub counts: Counts,
}

/// A temporary linked worktree at one commit; removed with its administrative directory and
/// branch when dropped.
struct TempWorktree<'r> {
    repo: &'r Repository,
    name: String,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl<'r> TempWorktree<'r> {
    fn add(repo: &'r Repository, commit: Oid, serial: usize) -> Result<Self, git2::Error> {
        let dir = tempfile::Builder::new()
            .prefix("policybook-diff-")
            .tempdir()
            .map_err(|e| git2::Error::from_str(&format!("cannot create a temp dir: {e}")))?;
        let unique = dir
            .path()
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "")
            })
            .unwrap_or_default();
        let name = format!("policybook-diff-{}-{unique}-{serial}", std::process::id());
        let worktree = TempWorktree {
            repo,
            name,
            path: dir.path().join("tree"),
            _dir: dir,
        };
        let target = repo.find_commit(commit)?;
        // libgit2 adds a worktree only on a branch; make one, then detach and delete it.
        let mut branch = repo.branch(&worktree.name, &target, false)?;
        {
            let mut options = git2::WorktreeAddOptions::new();
            options.reference(Some(branch.get()));
            let added = repo.worktree(&worktree.name, &worktree.path, Some(&options))?;
            let checkout = Repository::open_from_worktree(&added)?;
            checkout.set_head_detached(commit)?;
        }
        branch.delete()?;
        Ok(worktree)
    }
}

impl Drop for TempWorktree<'_> {
    fn drop(&mut self) {
        if let Ok(worktree) = self.repo.find_worktree(&self.name) {
            let mut options = git2::WorktreePruneOptions::new();
            options.valid(true).locked(true).working_tree(true);
            let _ = worktree.prune(Some(&mut options));
        }
        let admin = self.repo.commondir().join("worktrees").join(&self.name);
        if admin.exists() {
            let _ = std::fs::remove_dir_all(admin);
        }
        if let Ok(mut branch) = self.repo.find_branch(&self.name, git2::BranchType::Local) {
            let _ = branch.delete();
        }
    }
}

/// The project (at `prefix` in the repository) as of `commit`, loaded and validated.
fn load_at(
    repo: &Repository,
    commit: Oid,
    prefix: &Path,
    today: jiff::civil::Date,
    serial: usize,
) -> anyhow::Result<Loaded> {
    let started = crate::timing::start();
    let worktree = TempWorktree::add(repo, commit, serial)
        .map_err(|e| crate::Error::git(format!("cannot check out commit {commit}"), e))?;
    crate::timing::phase("diff: materialise worktree", started);
    let root = worktree.path.join(prefix);
    if !root.join(crate::config::FILE_NAME).is_file() {
        anyhow::bail!(
            "commit {commit} has no {} at `{}`",
            crate::config::FILE_NAME,
            prefix.display()
        );
    }
    let options = crate::site::Options {
        today: Some(today),
        ..Default::default()
    };
    let loaded = crate::load(&root, options);
    crate::timing::phase("diff: load one side", started);
    drop(worktree);
    Ok(loaded?)
}

/// What a document looks like at one side of the comparison.
struct Snapshot<'a> {
    id: Option<&'a str>,
    title: Option<&'a str>,
    doc_type: Option<&'a str>,
    file: &'a str,
    source: &'a str,
    version: Option<String>,
    status: Option<String>,
    content_hash: Option<String>,
    disclosure: crate::disclosure::Disclosure,
}

/// Documents keyed by id (by path for those without readable front matter); the first of a
/// duplicated id wins, as everywhere else.
fn snapshots(site: &Site) -> BTreeMap<String, Snapshot<'_>> {
    let mut out = BTreeMap::new();
    for doc in site.documents() {
        let meta = doc.meta.as_ref();
        let key = match doc.id() {
            Some(id) => format!("id:{id}"),
            None => format!("path:{}", doc.file),
        };
        let facts = doc.facts.clone();
        out.entry(key).or_insert(Snapshot {
            id: doc.id(),
            title: meta.map(|m| m.title.value.as_str()),
            doc_type: meta.map(|m| m.doc_type.value.as_str()),
            file: &doc.file,
            source: &doc.source,
            version: facts.version,
            status: facts.status,
            disclosure: crate::disclosure::of_facts(&site.project, &doc.facts),
            content_hash: facts.content_hash,
        });
    }
    out
}

fn approvers(site: &Site, doc_type: &str) -> Vec<Approver> {
    crate::validate::authorised_roles(site, doc_type)
        .into_iter()
        .map(|id| {
            let role = site.role(&id);
            Approver {
                defined: role.is_some(),
                holders: role
                    .into_iter()
                    .flat_map(|r| r.holders_on(site.today))
                    .map(|h| Holder {
                        name: h.name.clone(),
                        email: h.email.clone(),
                    })
                    .collect(),
                role: id,
            }
        })
        .collect()
}

fn changes(base: &Site, head: &Site) -> Vec<Change> {
    let before = snapshots(base);
    let after = snapshots(head);
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        let (b, a) = (before.get(key), after.get(key));
        let kind = match (b, a) {
            (None, None) => continue,
            (None, Some(_)) => ChangeKind::Added,
            (Some(_), None) => ChangeKind::Removed,
            (Some(b), Some(a)) if b.file != a.file => ChangeKind::Renamed,
            (Some(b), Some(a)) if b.source == a.source => continue,
            (Some(b), Some(a)) if b.content_hash != a.content_hash => ChangeKind::ContentChanged,
            (Some(_), Some(_)) => ChangeKind::MetadataChanged,
        };
        let content_changed = match (b, a) {
            (Some(b), Some(a)) => b.content_hash != a.content_hash,
            _ => false,
        };
        let bump_required = match (b, a) {
            (Some(b), Some(a)) => {
                content_changed
                    && b.version.is_some()
                    && b.version == a.version
                    && matches!(b.status.as_deref(), Some("approved" | "retired"))
            }
            _ => false,
        };
        // A new version, new content or a new `approved` needs someone to approve it.
        let needs_approval = a.is_some_and(|a| {
            let controlled = a.doc_type.is_some_and(|t| head.project.is_controlled(t));
            controlled
                && match b {
                    None => true,
                    Some(b) => {
                        content_changed
                            || b.version != a.version
                            || (a.status.as_deref() == Some("approved") && b.status != a.status)
                    }
                }
        });
        let latest = a.or(b).expect("one side exists");
        let withheld = [b, a]
            .into_iter()
            .flatten()
            .find_map(|s| s.disclosure.withheld_level())
            .map(str::to_string);
        // A file name can repeat what a withheld text says.
        let path = |s: &Snapshot| match s.disclosure.is_shown() {
            true => s.file.to_string(),
            false => crate::file_history::WITHHELD_PATH.to_string(),
        };
        out.push(Change {
            kind,
            id: latest.id.map(str::to_string),
            title: latest
                .title
                .filter(|_| latest.disclosure.is_shown())
                .map(str::to_string),
            withheld,
            doc_type: latest.doc_type.map(str::to_string),
            path_before: b.map(path),
            path_after: a.map(path),
            version_before: b.and_then(|s| s.version.clone()),
            version_after: a.and_then(|s| s.version.clone()),
            status_before: b.and_then(|s| s.status.clone()),
            status_after: a.and_then(|s| s.status.clone()),
            content_changed,
            bump_required,
            approvers: needs_approval
                .then(|| approvers(head, a.and_then(|a| a.doc_type).unwrap_or_default())),
            rules: match needs_approval {
                true => a
                    .and_then(|a| a.doc_type)
                    .and_then(|t| head.project.rules(t))
                    .map(|r| r.quorum.clone())
                    .unwrap_or_default(),
                false => Vec::new(),
            },
        });
    }
    out.sort_by(|x, y| {
        (x.kind, x.path_after.as_ref().or(x.path_before.as_ref()))
            .cmp(&(y.kind, y.path_after.as_ref().or(y.path_before.as_ref())))
    });
    out
}

/// Identity of a finding across commits: code, document (or file) and message — not the line.
fn finding_key(d: &Diagnostic) -> (&'static str, Option<&str>, &str) {
    (
        d.code,
        d.doc_id.as_deref().or(d.file.as_deref()),
        d.message.as_str(),
    )
}

fn introduced(base: &[Diagnostic], head: &[Diagnostic]) -> Vec<Diagnostic> {
    let known: HashSet<_> = base.iter().map(finding_key).collect();
    let mut out: Vec<Diagnostic> = head
        .iter()
        .filter(|d| !known.contains(&finding_key(d)))
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    out
}

/// Resolves `BASE..HEAD`, `BASE...HEAD` or `BASE` to (base, head) commits and their names.
fn resolve(repo: &Repository, spec: &str) -> anyhow::Result<(Side, Oid, Side, Oid)> {
    let revspec = repo
        .revparse(spec)
        .with_context(|| format!("cannot resolve `{spec}`"))?;
    let commit = |obj: Option<&git2::Object>| -> anyhow::Result<Oid> {
        let object = obj.with_context(|| format!("`{spec}` names no commit"))?;
        let commit = object
            .peel_to_commit()
            .with_context(|| format!("`{spec}` is not a commit"))?;
        Ok(commit.id())
    };
    let (base_name, head_name) = match spec.split_once("...").or_else(|| spec.split_once("..")) {
        Some((b, h)) => (
            if b.is_empty() { "HEAD" } else { b },
            if h.is_empty() { "HEAD" } else { h },
        ),
        None => (spec, "HEAD"),
    };
    let mode = revspec.mode();
    let (base, head) = if mode.contains(git2::RevparseMode::SINGLE) {
        let head = repo
            .head()
            .and_then(|h| h.peel_to_commit())
            .context("HEAD is not a commit")?;
        (commit(revspec.from())?, head.id())
    } else {
        let from = commit(revspec.from())?;
        let to = commit(revspec.to())?;
        if mode.contains(git2::RevparseMode::MERGE_BASE) {
            let base = repo
                .merge_base(from, to)
                .with_context(|| format!("`{spec}`: no merge base"))?;
            (base, to)
        } else {
            (from, to)
        }
    };
    Ok((
        Side {
            spec: base_name.to_string(),
            commit: base.to_string(),
        },
        base,
        Side {
            spec: head_name.to_string(),
            commit: head.to_string(),
        },
        head,
    ))
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let repo = Repository::discover(&root).map_err(|e| {
        crate::Error::git(format!("{} is not in a Git repository", root.display()), e)
    })?;
    let Some(workdir) = repo.workdir() else {
        anyhow::bail!("a bare repository has no project to compare");
    };
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let prefix = canonical(&root)
        .strip_prefix(canonical(workdir))
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let (base_side, base, head_side, head) = resolve(&repo, &args.range)?;
    let (today, _) = crate::dates::resolve_today(args.today)?;

    let before = load_at(&repo, base, &prefix, today, 0)?;
    let after = load_at(&repo, head, &prefix, today, 1)?;
    let changes = changes(&before.site, &after.site);
    let introduced = introduced(&before.diagnostics, &after.diagnostics);
    let errors = introduced.iter().filter(|d| d.is_error()).count();
    let report = Report {
        base: base_side,
        head: head_side,
        today: today.to_string(),
        counts: Counts {
            documents: changes.len(),
            errors,
            warnings: introduced.len() - errors,
        },
        changes,
        introduced,
    };
    match args.format {
        Format::Markdown => print!("{}", markdown(&report)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialisable")
        ),
    }
    Ok(if errors > 0 { EXIT_INVALID } else { EXIT_OK })
}

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## policybook: `{}` ({}) → `{}` ({})\n",
        report.base.spec,
        short(&report.base.commit),
        report.head.spec,
        short(&report.head.commit)
    );
    if report.changes.is_empty() {
        out.push_str("No documents changed.\n");
    } else {
        let _ = writeln!(out, "### Documents ({})\n", report.changes.len());
        out.push_str("| Change | Document | Path | Version | Bump |\n");
        out.push_str("| --- | --- | --- | --- | --- |\n");
        for c in &report.changes {
            let document = match (&c.id, &c.title, &c.withheld) {
                (Some(id), None, Some(level)) => {
                    format!("**{}** (title withheld: {})", cell(id), cell(level))
                }
                (Some(id), Some(title), _) => format!("**{}** {}", cell(id), cell(title)),
                (Some(id), None, _) => format!("**{}**", cell(id)),
                _ => "(no front matter)".to_string(),
            };
            let path = match (&c.path_before, &c.path_after) {
                (Some(b), Some(a)) if b != a => format!("`{}` → `{}`", cell(b), cell(a)),
                (_, Some(a)) => format!("`{}`", cell(a)),
                (Some(b), None) => format!("`{}`", cell(b)),
                (None, None) => String::new(),
            };
            let version = match (&c.version_before, &c.version_after) {
                (None, None) => String::new(),
                (b, a) => format!(
                    "{} → {}",
                    b.as_deref().unwrap_or("–"),
                    a.as_deref().unwrap_or("–")
                ),
            };
            let mut kind = c.kind.label().to_string();
            if c.kind == ChangeKind::Renamed {
                kind.push_str(if c.content_changed {
                    ", content changed"
                } else {
                    ""
                });
            }
            let bump = if c.bump_required { "**required**" } else { "" };
            let _ = writeln!(
                out,
                "| {kind} | {document} | {path} | {} | {bump} |",
                cell(&version)
            );
        }
    }

    let needing: Vec<&Change> = report
        .changes
        .iter()
        .filter(|c| c.approvers.is_some())
        .collect();
    if !needing.is_empty() {
        out.push_str("\n### Approvals required\n\n");
        for c in needing {
            let approvers = c.approvers.as_deref().unwrap_or_default();
            let roles: Vec<String> = approvers
                .iter()
                .map(|a| {
                    let holders: Vec<String> = a
                        .holders
                        .iter()
                        .map(|h| format!("{} <{}>", h.name, h.email))
                        .collect();
                    match (a.defined, holders.is_empty()) {
                        (false, _) => format!("{} (role not defined)", a.role),
                        (true, true) => format!("{} (no current holder)", a.role),
                        (true, false) => format!("{} ({})", a.role, holders.join(", ")),
                    }
                })
                .collect();
            let needs = match c.rules.as_slice() {
                [] => "one of".to_string(),
                rules => {
                    let each: Vec<String> = rules
                        .iter()
                        .map(|r| format!("{} of {}", r.count, r.roles.join("/")))
                        .collect();
                    format!("distinct people, {}, from", each.join(" and "))
                }
            };
            let _ = writeln!(
                out,
                "- **{}** {} ({}, version {}): {needs} {}",
                c.id.as_deref().unwrap_or("?"),
                c.title.as_deref().unwrap_or(""),
                c.doc_type.as_deref().unwrap_or("?"),
                c.version_after.as_deref().unwrap_or("?"),
                if roles.is_empty() {
                    "no role may approve it yet".to_string()
                } else {
                    roles.join("; ")
                }
            );
        }
    }

    let _ = writeln!(
        out,
        "\n### Findings introduced ({} error{}, {} warning{})\n",
        report.counts.errors,
        if report.counts.errors == 1 { "" } else { "s" },
        report.counts.warnings,
        if report.counts.warnings == 1 { "" } else { "s" },
    );
    if report.introduced.is_empty() {
        out.push_str("None: this change adds no `policybook check` findings.\n");
    }
    for d in &report.introduced {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let place = match (&d.file, d.line) {
            (Some(f), Some(l)) => format!(" `{f}:{l}`"),
            (Some(f), None) => format!(" `{f}`"),
            _ => String::new(),
        };
        let doc = d
            .doc_id
            .as_deref()
            .map(|id| format!(" **{id}**"))
            .unwrap_or_default();
        let _ = writeln!(out, "- {level} `{}`{doc}{place}: {}", d.code, d.message);
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  - fix: {help}");
        }
    }
    out
}
