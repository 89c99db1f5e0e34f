//! Git's index as a stat cache, as `git status` uses it: when a working-copy file's stat data
//! (size, modification and change times, inode) is still what the index recorded when Git
//! hashed the file, and the entry is not "racy", the file holds the index entry's blob, and
//! its blob id is known without hashing its bytes again.
//!
//! The acknowledgement record files are the case that needs it: an organisation of thousands
//! keeps megabytes of them, committed and never edited, and every build names each one by its
//! blob id (the manifest lists them, custody compares them with their last commit). Hashing
//! 30 MB of records took a third of what the records added to a build.
//!
//! The stat data is compared with the file's as it was after reading it (`fstat` of the same
//! handle), so the id vouched for is that of the bytes read: a write to the file changes its
//! change time, which nobody can set back. An entry whose file was modified in the same clock
//! tick as the index was written or later is racy (the file may have changed again within that
//! tick without its times showing it) and is not trusted, nor is any entry that is not a
//! regular file at stage 0. Whatever the cache does not vouch for is hashed.

use std::path::Path;

/// What the index recorded of some files of a project.
pub struct StatCache {
    /// By path relative to the project root, `/`-separated.
    entries: std::collections::HashMap<String, Recorded>,
    /// The index file's modification time (seconds, nanoseconds).
    written: (u32, u32),
}

/// One index entry's stat data and blob.
struct Recorded {
    mode: u32,
    stat: Stat,
    id: git2::Oid,
}

/// The stat data the index compares, truncated to 32 bits as Git stores it: modification and
/// change times (seconds, nanoseconds), inode and size.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    modified: (u32, u32),
    changed: (u32, u32),
    inode: u32,
    size: u32,
}

impl StatCache {
    /// What the index of the repository holding `root` records of `paths` (relative to the
    /// root, `/`-separated; one ending in `/` stands for every file below it, an empty one for
    /// every file below the root); `None` without a repository, a work tree or an index file.
    pub fn open(root: &Path, paths: &[&str]) -> Option<StatCache> {
        let repo = git2::Repository::discover(root).ok()?;
        let workdir = repo.workdir()?.canonicalize().ok()?;
        let root = root.canonicalize().ok()?;
        let relative = root
            .strip_prefix(&workdir)
            .ok()?
            .to_str()?
            .replace('\\', "/");
        let prefix = match relative.is_empty() {
            true => relative,
            false => format!("{relative}/"),
        };
        let index = repo.index().ok()?;
        let written = Stat::of(&std::fs::metadata(index.path()?).ok()?)?.modified;
        let mut entries = std::collections::HashMap::new();
        for path in paths {
            let full = format!("{prefix}{path}");
            // Entries are sorted by path: those below a folder follow its prefix's position.
            let Ok(first) = index.find_prefix(full.as_str()) else {
                continue;
            };
            for entry in (first..index.len()).map_while(|i| index.get(i)) {
                let Some(name) = std::str::from_utf8(&entry.path).ok() else {
                    continue;
                };
                let below = (full.is_empty() || full.ends_with('/')) && name.starts_with(&full);
                if !(below || name == full) {
                    break;
                }
                // Stage 0 only (a conflict's stages are no file's content).
                if entry.flags & 0x3000 != 0 {
                    continue;
                }
                let stat = Stat {
                    modified: (entry.mtime.seconds() as u32, entry.mtime.nanoseconds()),
                    changed: (entry.ctime.seconds() as u32, entry.ctime.nanoseconds()),
                    inode: entry.ino,
                    size: entry.file_size,
                };
                let (mode, id) = (entry.mode, entry.id);
                entries.insert(
                    name[prefix.len()..].to_string(),
                    Recorded { mode, stat, id },
                );
            }
        }
        Some(StatCache { entries, written })
    }

    /// The blob id of the file at `path` (relative to the root, `/`-separated) when `stat`
    /// (its stat data, taken after reading it) is what the index recorded for it and the
    /// entry is not racy; `None` when the index does not vouch for it.
    pub fn blob_id(&self, path: &str, stat: &std::fs::Metadata) -> Option<git2::Oid> {
        let entry = self.entries.get(path)?;
        let stat = Stat::of(stat)?;
        let regular = entry.mode == 0o100644 || entry.mode == 0o100755;
        // Racy: the file was modified no earlier than the index was written.
        let racy = stat.modified >= self.written;
        (regular && entry.stat == stat && !racy).then_some(entry.id)
    }
}

/// The blob id (hex) of the file at `path` (relative to the project root) whose bytes are
/// `bytes` and whose stat data after reading them is `stat`: the index's when `cache` vouches
/// for it, else the bytes hashed as Git hashes a blob.
pub fn blob_id(
    cache: Option<&StatCache>,
    path: &str,
    stat: Option<&std::fs::Metadata>,
    bytes: &[u8],
) -> Option<String> {
    let known = cache.zip(stat).and_then(|(c, s)| c.blob_id(path, s));
    match known {
        Some(id) => Some(id.to_string()),
        None => hashed(bytes),
    }
}

/// The blob id (hex) `bytes` would have if committed, hashed as Git hashes a blob.
pub fn hashed(bytes: &[u8]) -> Option<String> {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .ok()
        .map(|o| o.to_string())
}

impl Stat {
    /// A file's stat data; `None` where the index's is not compared (every file is hashed).
    #[cfg(unix)]
    fn of(stat: &std::fs::Metadata) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        Some(Stat {
            modified: (stat.mtime() as u32, stat.mtime_nsec() as u32),
            changed: (stat.ctime() as u32, stat.ctime_nsec() as u32),
            inode: stat.ino() as u32,
            size: stat.size() as u32,
        })
    }

    #[cfg(not(unix))]
    fn of(_: &std::fs::Metadata) -> Option<Stat> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::{Duration, SystemTime};

    /// A repository at `dir/repo` with the project root `book/` in it, and `book/records/a.csv`
    /// written with a modification time an hour ago and added to the index (so that the
    /// index, written now, is later than the file: not racy).
    fn repository(dir: &Path) -> (PathBuf, git2::Repository) {
        let work = dir.join("repo");
        let repo = git2::Repository::init(&work).unwrap();
        let root = work.join("book");
        std::fs::create_dir_all(root.join("records")).unwrap();
        write(
            &root.join("records/a.csv"),
            "email,at\nann@example.com,2026\n",
            3600,
        );
        write(&root.join("other.csv"), "x\n", 3600);
        let mut index = repo.index().unwrap();
        index.add_path(Path::new("book/records/a.csv")).unwrap();
        index.add_path(Path::new("book/other.csv")).unwrap();
        index.write().unwrap();
        (root, repo)
    }

    /// Writes `text` and sets its modification time `ago` seconds back.
    fn write(path: &Path, text: &str, ago: u64) {
        std::fs::write(path, text).unwrap();
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(ago))
            .unwrap();
    }

    fn id_of(cache: &StatCache, root: &Path, path: &str) -> Option<git2::Oid> {
        cache.blob_id(path, &std::fs::metadata(root.join(path)).unwrap())
    }

    fn hashed(root: &Path, path: &str) -> String {
        let bytes = std::fs::read(root.join(path)).unwrap();
        git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_file_as_the_index_recorded_it_has_the_index_id() {
        let dir = tempfile::tempdir().unwrap();
        let (root, _repo) = repository(dir.path());
        let cache = StatCache::open(&root, &["records/"]).unwrap();
        let id = id_of(&cache, &root, "records/a.csv").expect("vouched for");
        assert_eq!(id.to_string(), hashed(&root, "records/a.csv"));
        // Only the files asked for are looked up.
        assert_eq!(id_of(&cache, &root, "other.csv"), None);
        let both = StatCache::open(&root, &["records/", "other.csv"]).unwrap();
        assert!(id_of(&both, &root, "other.csv").is_some());
        let everything = StatCache::open(&root, &[""]).unwrap();
        assert!(id_of(&everything, &root, "other.csv").is_some());
        assert_eq!(id_of(&everything, &root, "records/a.csv"), Some(id));
        // And `blob_id` gives the same, with or without the cache.
        let stat = std::fs::metadata(root.join("records/a.csv")).unwrap();
        let bytes = std::fs::read(root.join("records/a.csv")).unwrap();
        let with = blob_id(Some(&cache), "records/a.csv", Some(&stat), &bytes);
        let without = blob_id(None, "records/a.csv", Some(&stat), &bytes);
        assert_eq!(with, without);
        assert_eq!(with, Some(id.to_string()));
    }

    #[test]
    fn a_file_changed_since_is_not_vouched_for_even_with_its_old_time_and_size() {
        let dir = tempfile::tempdir().unwrap();
        let (root, _repo) = repository(dir.path());
        let path = root.join("records/a.csv");
        let before = std::fs::metadata(&path).unwrap();
        // The same size, and the old modification time set back: the change time shows it.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, "email,at\nbob@example.com,2026\n").unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(before.modified().unwrap()).unwrap();
        drop(file);
        let cache = StatCache::open(&root, &["records/"]).unwrap();
        assert_eq!(id_of(&cache, &root, "records/a.csv"), None);
        // Hashed instead: the id of what the file holds now.
        let stat = std::fs::metadata(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            blob_id(Some(&cache), "records/a.csv", Some(&stat), &bytes),
            Some(hashed(&root, "records/a.csv"))
        );
    }

    #[test]
    fn a_racy_entry_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let (root, repo) = repository(dir.path());
        // The file's modification time at or after the index's: it could have changed again
        // in the tick the index was written without its times showing it.
        let path = root.join("records/a.csv");
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() + Duration::from_secs(3600))
            .unwrap();
        drop(file);
        let mut index = repo.index().unwrap();
        index.add_path(Path::new("book/records/a.csv")).unwrap();
        index.write().unwrap();
        let cache = StatCache::open(&root, &["records/"]).unwrap();
        assert_eq!(id_of(&cache, &root, "records/a.csv"), None);
    }

    #[test]
    fn without_a_repository_there_is_no_cache() {
        let dir = tempfile::tempdir().unwrap();
        assert!(StatCache::open(dir.path(), &["records/"]).is_none());
    }
}
