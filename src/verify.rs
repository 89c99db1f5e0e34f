//! Verifying a published portal (what `policybook verify` does): the portal rebuilt in memory
//! from the repository and compared with the published site file by file. "Today" is taken from
//! the site's manifest (the day it was built for) unless given, so a site verifies on any later
//! day; a site built with drafts (or by `serve`) is rebuilt with them. Stands on the pipeline
//! and the renderer; only `cmd` uses it.

use crate::Error;
use crate::render::{self, manifest};
use std::collections::BTreeMap;
use std::path::Path;

/// What the comparison found.
#[derive(Debug)]
pub struct Verification {
    /// `missing  PATH`, `differs  PATH`, `added    PATH`, in path order.
    pub problems: Vec<String>,
    /// How many files the repository builds.
    pub expected: usize,
    /// The published site has a manifest that could be read.
    pub has_manifest: bool,
    /// Documents the manifest says were built from their working copy.
    pub working_copy_documents: Vec<String>,
    /// Uncommitted files the build reads now.
    pub uncommitted: Vec<String>,
    /// The commit the rebuild read (or "the working tree").
    pub head: String,
}

/// Rebuilds the project at `root` and compares it with the site in `site_dir`.
pub fn verify(
    root: &Path,
    site_dir: &Path,
    today: Option<jiff::civil::Date>,
) -> Result<Verification, Error> {
    let published = read_tree(site_dir)
        .map_err(|e| Error::io(format!("cannot read {}", site_dir.display()), e))?;
    let recorded: Option<serde_json::Value> = published
        .get(manifest::FILE_NAME)
        .and_then(|bytes| serde_json::from_slice(bytes).ok());
    let today = today.or_else(|| {
        recorded
            .as_ref()
            .and_then(|m| m["today"].as_str())
            .and_then(crate::dates::parse_date)
    });
    // Built with `--drafts` (or by `serve`): the draft pages are part of what it verifies.
    let drafts = recorded
        .as_ref()
        .is_some_and(|m| m["drafts"].as_bool() == Some(true));
    let options = crate::site::Options {
        today,
        drafts,
        ..Default::default()
    };
    let loaded = crate::load(root, options)?;
    let expected = render::render_to_memory(&loaded.site, &loaded.diagnostics)?;
    let mut problems = compare(&expected, &published);
    problems.extend(compare_acknowledgement_files(
        &loaded.site.acknowledgements.files,
        recorded.as_ref(),
    ));
    Ok(Verification {
        problems,
        expected: expected.len(),
        has_manifest: recorded.is_some(),
        working_copy_documents: working_copy_documents(recorded.as_ref()),
        uncommitted: uncommitted_inputs(&loaded.site.project),
        head: loaded
            .site
            .history
            .as_ref()
            .map_or("the working tree".to_string(), |h| h.head.clone()),
    })
}

fn compare(
    expected: &BTreeMap<String, Vec<u8>>,
    published: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, bytes) in expected {
        match published.get(path) {
            None => problems.push(format!("missing  {path}")),
            Some(actual) if actual != bytes => problems.push(format!("differs  {path}")),
            Some(_) => {}
        }
    }
    for path in published.keys() {
        if !expected.contains_key(path) {
            problems.push(format!("added    {path}"));
        }
    }
    problems
}

/// The people and record files whose blob id the published manifest does not list as they are
/// now (they are not published, so only the manifest holds them): `differs`, `missing` (read
/// now, not listed) and `added` (listed, gone), like the site's files, in path order.
fn compare_acknowledgement_files(
    now: &BTreeMap<String, String>,
    manifest: Option<&serde_json::Value>,
) -> Vec<String> {
    let empty = serde_json::Map::new();
    let listed = manifest
        .and_then(|m| m["acknowledgement_files"].as_object())
        .unwrap_or(&empty);
    let mut problems = Vec::new();
    let note = "(acknowledgement file, by its blob id in manifest.json)";
    for (path, hash) in now {
        match listed.get(path).and_then(|v| v.as_str()) {
            None => problems.push(format!("missing  {path} {note}")),
            Some(h) if h != hash => problems.push(format!("differs  {path} {note}")),
            Some(_) => {}
        }
    }
    for path in listed.keys() {
        if !now.contains_key(path) {
            problems.push(format!("added    {path} {note}"));
        }
    }
    problems
}

/// The ids of the documents the manifest records as built from their working copy.
fn working_copy_documents(manifest: Option<&serde_json::Value>) -> Vec<String> {
    manifest
        .and_then(|m| m["documents"].as_array())
        .into_iter()
        .flatten()
        .filter(|d| d["working_copy"].as_bool() == Some(true))
        .filter_map(|d| d["id"].as_str().map(str::to_string))
        .collect()
}

/// The uncommitted files under the project root that a build reads: tracked files changed or
/// staged, and untracked files in the content directory; the build directory is left out.
fn uncommitted_inputs(project: &crate::config::Project) -> Vec<String> {
    let Ok(repo) = git2::Repository::discover(&project.root) else {
        return Vec::new();
    };
    let Some(workdir) = repo.workdir() else {
        return Vec::new();
    };
    let under = |dir: &Path| crate::history::worktree::folder(workdir, dir);
    let (Some(root), Some(src)) = (under(&project.root), under(&project.src_dir)) else {
        return Vec::new();
    };
    let build = under(&project.build_dir);
    let Ok(paths) = crate::history::worktree::uncommitted(&repo, Some(&src)) else {
        return Vec::new();
    };
    paths
        .into_iter()
        .filter(|path| {
            path.starts_with(&root) && !build.as_deref().is_some_and(|b| path.starts_with(b))
        })
        .map(|path| path[root.len()..].to_string())
        .collect()
}

/// Every file under `dir` by its path relative to it (`/` separators), with its bytes.
fn read_tree(dir: &Path) -> std::io::Result<BTreeMap<String, Vec<u8>>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        out.insert(rel, std::fs::read(entry.path())?);
    }
    Ok(out)
}
