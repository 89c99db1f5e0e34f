//! `policybook history ID|PATH`: the revisions, approved versions and approvals of one
//! document (by id or path), or the revisions of any tracked file (by path).

use super::EXIT_OK;
use crate::file_history::{self, FileHistory};
use crate::history::{self as hist, HistoryIndex};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A document id (POL-001) or a file path (relative to the working directory, or to the
    /// project root when nothing is there from the working directory).
    #[arg(required_unless_present = "all")]
    pub target: Option<String>,
    /// Every document, in path order (JSON: an array of the per-document objects).
    #[arg(long, conflicts_with = "target")]
    pub all: bool,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let loaded = crate::load(&root, crate::site::Options::default())?;
    let site = &loaded.site;
    let history = match &site.history {
        Ok(h) => h,
        Err(unavailable) => {
            return Err(crate::Error::History(Box::new(unavailable.diagnostic())).into());
        }
    };
    let reports = match args.target.as_deref() {
        _ if args.all => all_documents(site, history),
        Some(target) => vec![report_of(&root, site, history, target)?],
        None => unreachable!("clap requires a target without --all"),
    };
    match (args.format, args.all) {
        (Format::Json, true) => println!(
            "{}",
            serde_json::to_string_pretty(&reports).expect("serialisable")
        ),
        (Format::Json, false) => println!(
            "{}",
            serde_json::to_string_pretty(&reports[0]).expect("serialisable")
        ),
        (Format::Human, true) => {
            for r in &reports {
                println!("{}", human(r, history));
            }
        }
        (Format::Human, false) => print!("{}", human(&reports[0], history)),
    }
    Ok(EXIT_OK)
}

/// The history of every document with front matter (`--all`).
fn all_documents(site: &crate::Site, history: &HistoryIndex) -> Vec<FileHistory> {
    site.documents()
        .iter()
        .filter(|d| d.meta.is_some())
        .map(|doc| {
            let dh = crate::history::versions::document_history(history, doc);
            file_history::document(site, history, doc.id(), &doc.file, dh, true)
        })
        .collect()
}

/// The history of `target`: a document id, a document's path, or another tracked file.
fn report_of(
    root: &Path,
    site: &crate::Site,
    history: &HistoryIndex,
    target: &str,
) -> anyhow::Result<FileHistory> {
    let of_document = |doc: &crate::content::Document| {
        let dh = crate::history::versions::document_history(history, doc);
        file_history::document(site, history, doc.id(), &doc.file, dh, true)
    };
    if let Some(doc) = site.document(target) {
        return Ok(of_document(doc));
    }
    let Some(file) = project_file(root, target) else {
        let hint = crate::diagnostic::did_you_mean(target, site.ids().map(|(id, _)| id))
            .map(|best| format!(" (did you mean `{best}`?)"))
            .unwrap_or_default();
        anyhow::bail!("`{target}` is neither a document id nor a path inside the project{hint}");
    };
    if let Some(doc) = site.documents().iter().find(|d| d.file == file) {
        Ok(of_document(doc))
    } else if history.files.contains_key(&history.repo_path(&file)) {
        let dh = crate::history::versions::file_history(history, &file, "");
        Ok(file_history::document(site, history, None, &file, dh, true))
    } else if hist::tracked_at_head(history, &history.repo_path(&file)) {
        Ok(outside_scope(site, history, &file)?)
    } else {
        // The nearest document id, or document path, to what was typed.
        let ids = site.ids().map(|(id, _)| id);
        let paths = site.documents().iter().map(|d| d.file.as_str());
        let hint = crate::diagnostic::did_you_mean(target, ids)
            .or_else(|| crate::validate::links::nearest_path(&file, paths))
            .map(|best| format!(" (did you mean `{best}`?)"))
            .unwrap_or_default();
        anyhow::bail!("`{file}` is not a document and not a file tracked at HEAD{hint}");
    }
}

/// A tracked file outside the content directory: walk its path alone.
fn outside_scope(
    site: &crate::Site,
    history: &HistoryIndex,
    file: &str,
) -> Result<FileHistory, crate::Error> {
    let (walked, revisions) = hist::single_path(history, &history.repo_path(file))
        .map_err(|u| crate::Error::History(Box::new(u.diagnostic())))?;
    // An index of this one walk: copying the whole content history would cost more than
    // the walk itself on a large repository.
    let index = HistoryIndex {
        git_dir: history.git_dir.clone(),
        workdir: history.workdir.clone(),
        prefix: history.prefix.clone(),
        head: history.head.clone(),
        head_ref: history.head_ref.clone(),
        shallow: history.shallow,
        walk: walked,
        files: [(history.repo_path(file), revisions)].into(),
        blobs: Default::default(),
        head_blobs: Default::default(),
        scope: history.scope.clone(),
        boundary: history.boundary.clone(),
        follow_outside: history.follow_outside,
        outside: history.outside.clone(),
        mainline: Vec::new(),
        approved_texts: Default::default(),
        // The walk covered one path, not the scope: no blob of the scope follows from it.
        first_parents: None,
        // A walk of one file: never written over the project's cache.
        unsaved: false,
    };
    let dh = crate::history::versions::file_history(&index, file, "");
    Ok(file_history::document(site, &index, None, file, dh, true))
}

/// `target` as a path relative to the project root, if it is inside it. A relative path is
/// taken from the working directory when something is there, and from the project root
/// otherwise (`policybook history --root repo content/x.md` from anywhere).
fn project_file(root: &Path, target: &str) -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    let root = root.canonicalize().ok()?;
    let inside = |base: &Path| -> Option<String> {
        let absolute = crate::config::normalise(&base.join(target));
        let absolute = absolute.canonicalize().unwrap_or(absolute);
        absolute
            .strip_prefix(&root)
            .ok()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .filter(|p| !p.is_empty())
    };
    if Path::new(target).is_relative()
        && !cwd.join(target).exists()
        && let Some(file) = inside(&root)
    {
        return Some(file);
    }
    inside(&cwd)
}

fn human(report: &FileHistory, history: &HistoryIndex) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}{}",
        report
            .id
            .as_ref()
            .map(|i| format!("{i}  "))
            .unwrap_or_default(),
        report.path
    );
    if history.shallow {
        let _ = writeln!(out, "warning: shallow clone: older revisions are missing");
    }
    if !report.versions.is_empty() {
        let _ = writeln!(out, "\nApproved versions");
        for v in &report.versions {
            let _ = writeln!(
                out,
                "  {:<6} approved in {} at {}  content {}",
                v.version,
                crate::history::versions::short(&v.approved_in),
                v.approved_at,
                &v.content_hash[..12.min(v.content_hash.len())]
            );
            for a in &v.approvals {
                let _ = writeln!(
                    out,
                    "         {} {} on {}: {}",
                    a.role, a.name, a.date, a.evidence
                );
            }
        }
    }
    let _ = writeln!(out, "\nRevisions (newest first)");
    for r in &report.revisions {
        revision(&mut out, r);
    }
    out
}

/// One revision's lines: commit, date, author, state and summary, then its trailers and
/// signature.
fn revision(out: &mut String, r: &crate::file_history::RevisionView) {
    use std::fmt::Write;
    let state = match (&r.version, &r.status) {
        (Some(v), Some(s)) => format!("{v} {s}"),
        (Some(v), None) => v.clone(),
        (None, Some(s)) => s.clone(),
        (None, None) => String::new(),
    };
    let _ = writeln!(
        out,
        "  {} {} {:<20} {:<16} {}{}",
        crate::history::versions::short(&r.commit),
        &r.time[..16.min(r.time.len())],
        r.author.name,
        state,
        r.summary,
        if r.change == "renamed" {
            format!("  (renamed to {})", r.path)
        } else {
            String::new()
        }
    );
    for t in &r.trailers {
        let _ = writeln!(out, "{:>13}{}: {}", "", t.key, t.value);
    }
    if r.signature.kind != "none" {
        let verified = match r.signature.verified {
            Some(true) => "verified",
            Some(false) => "not verified",
            None => "not checked",
        };
        let _ = writeln!(
            out,
            "{:>13}signature: {} ({verified}){}",
            "",
            r.signature.kind,
            r.signature
                .key
                .as_ref()
                .map(|k| format!(" {k}"))
                .unwrap_or_default()
        );
    }
}
