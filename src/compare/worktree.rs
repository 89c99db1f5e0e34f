//! One side of the comparison: the project loaded from a temporary linked worktree.

use super::error::CompareError;
use crate::Loaded;
use git2::{Oid, Repository};
use std::path::{Path, PathBuf};

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
pub fn load_at(
    repo: &Repository,
    commit: Oid,
    prefix: &Path,
    today: jiff::civil::Date,
    serial: usize,
) -> Result<Loaded, CompareError> {
    let started = crate::timing::start();
    let worktree = TempWorktree::add(repo, commit, serial).map_err(|source| CompareError::Git {
        context: format!("cannot check out commit {commit}"),
        source,
    })?;
    crate::timing::phase("diff: materialise worktree", started);
    let root = worktree.path.join(prefix);
    if !root.join(crate::config::FILE_NAME).is_file() {
        return Err(CompareError::NoProject(format!(
            "commit {commit} has no {} at `{}`",
            crate::config::FILE_NAME,
            prefix.display()
        )));
    }
    let options = crate::site::Options {
        today: Some(today),
        ..Default::default()
    };
    let loaded = crate::load(&root, options);
    crate::timing::phase("diff: load one side", started);
    drop(worktree);
    loaded.map_err(|source| CompareError::Load {
        side: format!("commit {commit}"),
        source,
    })
}
