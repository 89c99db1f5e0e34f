//! Writes the site atomically: every file goes to a fresh staging directory beside the build
//! directory as soon as it is rendered, and the staging directory replaces the old site only
//! once everything was written. A failed or killed build leaves the previous site whole.

use crate::Error;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The files of a site, by path relative to its root (`/` separators).
pub type Files = BTreeMap<String, Vec<u8>>;

/// Where rendered files go. Called from the rendering workers, so it must be `Sync`.
pub trait Sink: Sync {
    fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), Error>;
}

/// Keeps the files in memory (for `verify`, which compares them with a published site).
#[derive(Default)]
pub struct Memory(Mutex<Files>);

impl Memory {
    pub fn into_files(self) -> Files {
        self.0.into_inner().expect("no writer panicked")
    }
}

impl Sink for Memory {
    fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), Error> {
        self.0
            .lock()
            .expect("no writer panicked")
            .insert(path, bytes);
        Ok(())
    }
}

/// A staging directory beside the build directory. Dropped without `publish`, it is removed.
pub struct Staging {
    dir: tempfile::TempDir,
    created: Mutex<HashSet<PathBuf>>,
}

fn parent_and_name(out: &Path) -> (PathBuf, String) {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "site".into());
    (parent, name)
}

impl Staging {
    pub fn new(out: &Path) -> Result<Staging, Error> {
        let (parent, name) = parent_and_name(out);
        std::fs::create_dir_all(&parent)
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.new-"))
            .tempdir_in(&parent)
            .map_err(|e| {
                Error::io(
                    format!("cannot create a staging directory in {}", parent.display()),
                    e,
                )
            })?;
        Ok(Staging {
            dir,
            created: Mutex::new(HashSet::new()),
        })
    }

    /// Replaces `out` with the staged files. The swap: move the old site aside, the new one
    /// in, then delete the old one. A crash between the two renames leaves no `out`, which
    /// `recover` puts back on the next run.
    pub fn publish(self, out: &Path) -> Result<(), Error> {
        let (parent, name) = parent_and_name(out);
        let staged: PathBuf = self.dir.keep();
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
}

impl Sink for Staging {
    fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), Error> {
        let target = self.dir.path().join(&path);
        if let Some(dir) = target.parent() {
            let known = self
                .created
                .lock()
                .expect("no writer panicked")
                .contains(dir);
            if !known {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
                self.created
                    .lock()
                    .expect("no writer panicked")
                    .insert(dir.to_path_buf());
            }
        }
        std::fs::write(&target, bytes)
            .map_err(|e| Error::io(format!("cannot write {}", target.display()), e))
    }
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
