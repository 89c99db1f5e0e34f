//! A pull-request report of `BASE..HEAD` (what `policybook diff` prints): documents added,
//! changed (content or metadata only), renamed and removed between two commits, the version
//! bumps and approvals the change needs, and the `check` findings it introduces (present at HEAD,
//! absent at BASE).
//!
//! Each commit is materialised into a temporary linked worktree (git2's `worktree` with a
//! throw-away branch, detached at once and the branch deleted), so the whole pipeline —
//! `crate::load`, history included — runs unchanged as of that commit: `version-not-bumped` and
//! `approval-not-evidenced` need the history, which a bare extraction of the tree would lack.
//! The user's HEAD, index and working tree are never touched, and the worktree, its
//! administrative files and the branch are removed afterwards, on error too.

mod changes;
mod error;
mod markdown;
mod resolve;
mod types;
mod worktree;

pub use error::CompareError;
pub use markdown::markdown;
pub use types::*;

use git2::Repository;
use std::path::Path;

/// Compares the project at `root` as of the two commits `range` names, as of `today`.
pub fn compare(root: &Path, range: &str, today: jiff::civil::Date) -> Result<Report, CompareError> {
    let repo = Repository::discover(root).map_err(|source| CompareError::Git {
        context: format!("{} is not in a Git repository", root.display()),
        source,
    })?;
    let Some(workdir) = repo.workdir() else {
        return Err(CompareError::NoProject(
            "a bare repository has no project to compare".into(),
        ));
    };
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let prefix = canonical(root)
        .strip_prefix(canonical(workdir))
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let (base_side, base, head_side, head) = resolve::resolve(&repo, range)?;
    let before = worktree::load_at(&repo, base, &prefix, today, 0)?;
    let after = worktree::load_at(&repo, head, &prefix, today, 1)?;
    let changes = changes::changes(&before.site, &after.site);
    let introduced = changes::introduced(&before.diagnostics, &after.diagnostics);
    let errors = introduced.iter().filter(|d| d.is_error()).count();
    Ok(Report {
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
    })
}
