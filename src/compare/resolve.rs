//! `BASE..HEAD`, `BASE...HEAD` or `BASE` resolved to the two commits.

use super::error::CompareError;
use super::types::Side;
use git2::{Oid, Repository};

/// Resolves `BASE..HEAD`, `BASE...HEAD` or `BASE` to (base, head) commits and their names.
pub fn resolve(repo: &Repository, spec: &str) -> Result<(Side, Oid, Side, Oid), CompareError> {
    let git = |context: String| move |source| CompareError::Git { context, source };
    let revspec = repo
        .revparse(spec)
        .map_err(git(format!("cannot resolve `{spec}`")))?;
    let commit = |obj: Option<&git2::Object>| -> Result<Oid, CompareError> {
        let object =
            obj.ok_or_else(|| CompareError::NoProject(format!("`{spec}` names no commit")))?;
        let commit = object
            .peel_to_commit()
            .map_err(git(format!("`{spec}` is not a commit")))?;
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
            .map_err(git("HEAD is not a commit".into()))?;
        (commit(revspec.from())?, head.id())
    } else {
        let from = commit(revspec.from())?;
        let to = commit(revspec.to())?;
        if mode.contains(git2::RevparseMode::MERGE_BASE) {
            let base = repo
                .merge_base(from, to)
                .map_err(git(format!("`{spec}`: no merge base")))?;
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
