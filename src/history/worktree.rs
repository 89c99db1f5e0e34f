//! The working tree's uncommitted changes, as `approve` (which must not record an approval
//! over text no commit holds) and `verify` (which must say when a site was built from such
//! text) both need them.

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
