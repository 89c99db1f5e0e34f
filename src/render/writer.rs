//! Writes the site atomically: every file goes to a fresh staging directory beside the build
//! directory as soon as it is rendered, and the staging directory replaces the old site only
//! once everything was written. A failed or killed build leaves the previous site whole.

use super::memo;
use crate::Error;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The files of a site, by path relative to its root (`/` separators).
pub type Files = BTreeMap<String, Vec<u8>>;

/// Where rendered files go. Called from the rendering workers, so it must be `Sync`.
pub trait Sink: Sync {
    fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), Error>;

    /// Publishes the file the previous build rendered for `path` from inputs with the same
    /// `key`, if that file is still intact; returns its SHA-256 and size.
    fn reuse(&self, _path: &str, _key: &str) -> Option<(String, u64)> {
        None
    }

    /// Records that `path` was rendered from inputs with `key`, for the next build's `reuse`.
    fn remember(&self, _path: &str, _entry: memo::Entry) {}
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
///
/// A file whose bytes equal those of the same path in the site being replaced is hard-linked
/// from it instead of written: a rebuild after a small edit then creates almost no new inodes
/// (creating and deleting thousands of inodes is most of what a warm build would cost on
/// ext4). Published files are never modified in place, so sharing an inode is safe.
pub struct Staging {
    dir: tempfile::TempDir,
    previous: Option<PathBuf>,
    created: Mutex<HashSet<PathBuf>>,
    /// Where the page record is kept (see `memo`), what the previous build recorded, and what
    /// this one records.
    memo_path: Option<PathBuf>,
    old_memo: HashMap<String, memo::Entry>,
    new_memo: Mutex<HashMap<String, memo::Entry>>,
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
    /// A staging directory for `out`; `memo_path` is where pages' inputs are recorded between
    /// builds (none: every page is rendered).
    pub fn new(out: &Path, memo_path: Option<PathBuf>) -> Result<Staging, Error> {
        let (parent, name) = parent_and_name(out);
        std::fs::create_dir_all(&parent)
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        let dir = tempfile::Builder::new()
            .prefix(&staging_prefix(&name))
            .tempdir_in(&parent)
            .map_err(|e| {
                Error::io(
                    format!("cannot create a staging directory in {}", parent.display()),
                    e,
                )
            })?;
        let previous = out.is_dir().then(|| out.to_path_buf());
        let old_memo = match (&previous, &memo_path) {
            (Some(_), Some(path)) => memo::read(path),
            _ => HashMap::new(),
        };
        Ok(Staging {
            dir,
            previous,
            created: Mutex::new(HashSet::new()),
            memo_path,
            old_memo,
            new_memo: Mutex::new(HashMap::new()),
        })
    }

    /// The staged path of `path`, its directory created.
    fn target(&self, path: &str) -> Result<PathBuf, Error> {
        let target = self.dir.path().join(path);
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
        Ok(target)
    }

    /// Replaces `out` with the staged files. On Linux the two directories are exchanged in
    /// one atomic step, then the old one (now under the staging name) is deleted. Elsewhere:
    /// move the old site aside, the new one in, then delete the old one; a crash between the
    /// two renames leaves no `out`, which `recover` puts back on the next run.
    pub fn publish(self, out: &Path) -> Result<(), Error> {
        let (parent, name) = parent_and_name(out);
        let memo_path = self.memo_path.clone();
        let mut new_memo = std::mem::take(&mut *self.new_memo.lock().expect("no writer panicked"));
        // Record each page file's identity as written (renaming the directory keeps it).
        new_memo.par_iter_mut().for_each(|(path, entry)| {
            if let Some((inode, mtime_ns)) = std::fs::symlink_metadata(self.dir.path().join(path))
                .ok()
                .and_then(|m| memo::identity(&m))
            {
                entry.inode = inode;
                entry.mtime_ns = mtime_ns;
            }
        });
        let staged: PathBuf = self.dir.keep();
        let write_memo = move || {
            if let Some(path) = &memo_path {
                memo::write(path, new_memo);
            }
        };
        // Linux: one atomic exchange of the two directories; a build killed at any moment
        // leaves either the old site or the new one in place, never neither.
        if out.is_dir() && exchange(&staged, out) {
            // The old site goes while the memo record is written.
            rayon::join(|| remove_tree(&staged), write_memo);
        } else {
            let old = parent.join(backup_name(&name));
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
                remove_tree(&old);
            }
            write_memo();
        }
        Ok(())
    }
}

/// Deletes a directory tree, its top-level entries in parallel (a site is a few directories
/// of thousands of files each); failures are ignored, as by `remove_dir_all` callers here.
fn remove_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        let entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.par_iter().for_each(|path| {
            // Not following symlinks: a link is removed, never what it points to.
            match std::fs::symlink_metadata(path) {
                Ok(m) if m.is_dir() => {
                    let _ = std::fs::remove_dir_all(path);
                }
                _ => {
                    let _ = std::fs::remove_file(path);
                }
            }
        });
    }
    let _ = std::fs::remove_dir_all(dir);
}

impl Sink for Staging {
    fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), Error> {
        let target = self.target(&path)?;
        if let Some(previous) = &self.previous {
            let old = previous.join(&path);
            if same_bytes(&old, &bytes) && std::fs::hard_link(&old, &target).is_ok() {
                return Ok(());
            }
        }
        std::fs::write(&target, bytes)
            .map_err(|e| Error::io(format!("cannot write {}", target.display()), e))
    }

    fn reuse(&self, path: &str, key: &str) -> Option<(String, u64)> {
        let previous = self.previous.as_ref()?;
        let entry = self.old_memo.get(path).filter(|e| e.key == key)?;
        let old = previous.join(path);
        if !entry.matches(&std::fs::symlink_metadata(&old).ok()?) {
            return None;
        }
        let target = self.target(path).ok()?;
        if std::fs::hard_link(&old, &target).is_err() {
            // No hard links here (some network file systems): copy, checking the bytes.
            let bytes = std::fs::read(&old).ok()?;
            if super::manifest::sha256(&bytes) != entry.sha256 {
                return None;
            }
            std::fs::write(&target, &bytes).ok()?;
        }
        self.remember(path, entry.clone());
        Some((entry.sha256.clone(), entry.size))
    }

    fn remember(&self, path: &str, entry: memo::Entry) {
        self.new_memo
            .lock()
            .expect("no writer panicked")
            .insert(path.to_string(), entry);
    }
}

/// Atomically exchanges two directories (`renameat2` with `RENAME_EXCHANGE`, Linux 3.15+);
/// false where that is not available (other systems, some file systems), and the caller falls
/// back to two renames.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) = (
        std::ffi::CString::new(a.as_os_str().as_bytes()),
        std::ffi::CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call; the call
    // only names them.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    result == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Whether the regular file at `path` (not a symbolic link) holds exactly `bytes`.
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {
            std::fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
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
    let old = parent.join(backup_name(&name));
    if !out.exists() && old.is_dir() {
        let _ = std::fs::rename(&old, out);
    }
    if let Ok(entries) = std::fs::read_dir(parent) {
        let prefix = staging_prefix(&name);
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// The name prefix of the staging directories beside a build directory named `name`.
fn staging_prefix(name: &str) -> String {
    format!(".{name}.new-")
}

/// The name of the previous site while a build directory named `name` is swapped.
fn backup_name(name: &str) -> String {
    format!(".{name}.old")
}

/// Whether `entry`, beside a build directory named `name`, is one of the directories builds
/// make there (staging, or the previous site during the swap).
pub fn is_build_sibling(name: &str, entry: &str) -> bool {
    entry == backup_name(name) || entry.starts_with(&staging_prefix(name))
}
