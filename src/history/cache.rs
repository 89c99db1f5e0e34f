//! The persisted history cache: what the walk found and the facts of every blob read, kept in
//! the git directory (`policybook/history.bin`) so the next run walks only new commits. The
//! format is postcard (compact binary serde): reading it is most of a warm build's history
//! work, and JSON took several times as long to parse. A cache
//! that is unreadable, truncated, from another policybook version or for another scope is
//! ignored and rewritten; one whose HEAD is not an ancestor of the new HEAD (rewritten history)
//! is not extended but replaced by the caller.

use super::walk::Walk;
use crate::content::facts::Facts;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Bumped whenever the format or what the walk records changes.
const FORMAT: u32 = 7;

#[derive(Serialize, Deserialize)]
pub struct Cache {
    format: u32,
    tool_version: String,
    scope: Vec<String>,
    /// The contents of `.git/shallow` (empty for a complete clone).
    boundary: String,
    /// `[history] follow-outside`: whether the walk looked outside the scope for renames.
    follow_outside: bool,
    /// Directories outside the scope that files' lineages reached, walked too.
    pub outside: Vec<String>,
    /// The merge commits of the walk on HEAD's first-parent chain (see `HistoryIndex`).
    pub mainline: Vec<String>,
    pub walk: Walk,
    pub blobs: rustc_hash::FxHashMap<String, Facts>,
}

fn path(git_dir: &Path) -> PathBuf {
    git_dir.join("policybook").join("history.bin")
}

pub fn read(
    git_dir: &Path,
    scope: &[String],
    boundary: &str,
    follow_outside: bool,
) -> Option<Cache> {
    let bytes = std::fs::read(path(git_dir)).ok()?;
    let cache: Cache = postcard::from_bytes(&bytes).ok()?;
    (cache.format == FORMAT
        && cache.tool_version == env!("CARGO_PKG_VERSION")
        && cache.scope == scope
        && cache.boundary == boundary
        && cache.follow_outside == follow_outside)
        .then_some(cache)
}

/// What `write` persists, borrowed from the history index (which lives in `history`'s root
/// module; the cache does not import it, so the index stands on the cache, not both ways).
pub struct Snapshot<'a> {
    pub git_dir: &'a Path,
    pub scope: &'a [String],
    pub boundary: &'a str,
    pub follow_outside: bool,
    pub outside: &'a [String],
    pub mainline: &'a [String],
    pub walk: &'a Walk,
    pub blobs: &'a rustc_hash::FxHashMap<String, Facts>,
}

/// Writes the cache atomically (temp file, then rename); failures are ignored: the cache only
/// saves time.
pub fn write(index: &Snapshot) {
    // Field for field as `Cache` reads it (postcard is positional).
    #[derive(Serialize)]
    struct Borrowed<'a> {
        format: u32,
        tool_version: &'a str,
        scope: &'a [String],
        boundary: &'a str,
        follow_outside: bool,
        outside: &'a [String],
        mainline: &'a [String],
        walk: &'a Walk,
        blobs: &'a rustc_hash::FxHashMap<String, Facts>,
    }
    let target = path(index.git_dir);
    let Some(dir) = target.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(mut file) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    let value = Borrowed {
        format: FORMAT,
        tool_version: env!("CARGO_PKG_VERSION"),
        scope: index.scope,
        boundary: index.boundary,
        follow_outside: index.follow_outside,
        outside: index.outside,
        mainline: index.mainline,
        walk: index.walk,
        blobs: index.blobs,
    };
    let mut writer = std::io::BufWriter::new(&mut file);
    let written = postcard::to_io(&value, &mut writer).is_ok();
    if written && std::io::Write::flush(&mut writer).is_ok() {
        drop(writer);
        let _ = file.persist(&target);
        // The JSON cache of earlier versions is never read again.
        let _ = std::fs::remove_file(dir.join("history.json"));
    }
}
