//! Writes the site atomically: every file goes to a fresh directory beside the build directory,
//! which replaces the old one only once everything was written. A failed or killed build leaves
//! the previous site whole.

use crate::Error;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The files of a site, by path relative to its root (`/` separators).
pub type Files = BTreeMap<String, Vec<u8>>;

/// Replaces `out` with exactly `files`.
pub fn publish(out: &Path, files: &Files) -> Result<(), Error> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "site".into());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(parent)
        .map_err(|e| {
            Error::io(
                format!("cannot create a staging directory in {}", parent.display()),
                e,
            )
        })?;

    // Directories first (one thread), then the files in parallel: creating thousands of small
    // files is the slow part of publishing, and most of it is waiting on the file system.
    let dirs: std::collections::BTreeSet<PathBuf> = files
        .keys()
        .filter_map(|path| staging.path().join(path).parent().map(Path::to_path_buf))
        .collect();
    for dir in &dirs {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    use rayon::prelude::*;
    files.par_iter().try_for_each(|(path, bytes)| {
        let target = staging.path().join(path);
        std::fs::write(&target, bytes)
            .map_err(|e| Error::io(format!("cannot write {}", target.display()), e))
    })?;

    // The swap: move the old site aside, the new one in, then delete the old one. A crash
    // between the two renames leaves no `out`, which `recover` puts back on the next run.
    let staged: PathBuf = staging.keep();
    let old = parent.join(format!(".{name}.old"));
    if old.exists() {
        std::fs::remove_dir_all(&old)
            .map_err(|e| Error::io(format!("cannot remove {}", old.display()), e))?;
    }
    if out.exists() {
        std::fs::rename(out, &old).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            Error::io(
                format!("cannot move the previous site {} aside", out.display()),
                e,
            )
        })?;
    }
    if let Err(e) = std::fs::rename(&staged, out) {
        if old.exists() {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&staged);
        return Err(Error::io(
            format!("cannot move the new site into {}", out.display()),
            e,
        ));
    }
    if old.exists() {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// Restores the previous site if a build was killed between the two renames of `publish`, and
/// removes staging directories that killed builds left behind.
pub fn recover(out: &Path) {
    let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return;
    };
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().to_string()) else {
        return;
    };
    let old = parent.join(format!(".{name}.old"));
    if !out.exists() && old.is_dir() {
        let _ = std::fs::rename(&old, out);
    }
    if let Ok(entries) = std::fs::read_dir(parent) {
        let prefix = format!(".{name}.new-");
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}
