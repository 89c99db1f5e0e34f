//! The working tree: where a path lies in it, and its uncommitted changes, as the history walk
//! (the project's prefix), `approve` (which must not record an approval over text no commit
//! holds) and `verify` (which must say when a site was built from such text) need them.

use std::path::Path;

/// `path` relative to the work tree, `/`-separated (both resolved through symlinks first); none
/// when it does not exist or lies outside.
pub fn relative(workdir: &Path, path: &Path) -> Option<String> {
    let workdir = workdir.canonicalize().ok()?;
    let path = path.canonicalize().ok()?;
    Some(
        path.strip_prefix(workdir)
            .ok()?
            .to_string_lossy()
            .replace('\\', "/"),
    )
}

/// A folder relative to the work tree as a path prefix: ending in `/`, or empty for the work
/// tree itself.
pub fn folder(workdir: &Path, dir: &Path) -> Option<String> {
    let rel = relative(workdir, dir)?;
    Some(if rel.is_empty() {
        rel
    } else {
        format!("{rel}/")
    })
}

/// Paths (relative to the repository's work tree, `/`-separated) of every tracked file that is
/// modified, staged or deleted, and of every untracked, not ignored file below `untracked_under`
/// (a work-tree-relative folder ending in `/`, or empty for the whole tree; `None`: none):
/// untracked files elsewhere are not inputs of a build.
pub fn uncommitted(
    repo: &git2::Repository,
    untracked_under: Option<&str>,
) -> Result<Vec<String>, git2::Error> {
    let mut options = git2::StatusOptions::new();
    options.include_untracked(true).recurse_untracked_dirs(true);
    let statuses = repo.statuses(Some(&mut options))?;
    let mut out = Vec::new();
    for entry in statuses.iter() {
        let status = entry.status();
        let Ok(path) = std::str::from_utf8(entry.path_bytes()) else {
            continue;
        };
        let untracked = status.contains(git2::Status::WT_NEW);
        if status.is_ignored()
            || (untracked && !untracked_under.is_some_and(|under| path.starts_with(under)))
        {
            continue;
        }
        out.push(path.to_string());
    }
    Ok(out)
}
