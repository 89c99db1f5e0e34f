//! Whether `build` can leave the site as it is: nothing the build reads changed since the last
//! build into the same directory with the same options, and that directory is still as the
//! build left it (as Cargo's fingerprints or make's timestamps skip work). Then the build
//! prints the findings it printed last time and stops; anything else builds as usual.
//!
//! What a build reads, and so what the fingerprint covers:
//! - everything under the project root (book.toml, the content, the theme, the logo, the
//!   people and record files, the allowed signers, …), by each file's path, size, modification
//!   and change time and inode, except `.git` and the build directory (and its staging
//!   siblings), which a build writes;
//! - the repository's references (HEAD, branches, tags, notes) and its shallow boundary: every
//!   commit, tree and blob the history reads is named through them, by content;
//! - the options (`--today`, `--deny`, `--format`, …), the day "today" resolves to, and the
//!   policybook binary itself.
//!
//! A configured path outside the root, a symbolic link to a directory, more than
//! `MAX_ENTRIES` files, or no repository: no fingerprint, a full build. A file edited during a
//! build makes the next one build again (the fingerprint is taken before reading). A file
//! modified less than `SETTLE` before the build is not trusted to its time stamp (it could
//! change again within the file system's clock tick, to the same size, unseen): that build is
//! not recorded, as Git re-reads "racily clean" files. An output file changed in the same
//! clock tick as the build wrote it, to the same size, is not noticed (`verify` compares
//! contents).
//!
//! Stands on `config`, `history` (to open the repository), `render::writer` (the names of
//! the directories builds make beside the build directory) and `atomic`; `cmd::build` uses it.

use crate::config::Project;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Component, Path, PathBuf};

/// More files than this under the root, and the fingerprint is not worth taking.
const MAX_ENTRIES: usize = 200_000;

/// From how many entries a directory's are looked up in parallel.
const PARALLEL_STAT: usize = 64;

/// How long ago a file must have been modified for its time stamp to tell its changes.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(1);

/// Changes whenever what a record holds or means changes.
const FORMAT: u32 = 1;

/// The fingerprint of one build's inputs, and where its record lives.
pub struct Inputs {
    digest: String,
    record: PathBuf,
    /// Whether every file was modified at least `SETTLE` before the fingerprint was taken.
    settled: bool,
}

/// What the last build into a directory left: its inputs' and its output's fingerprints, and
/// what it printed.
#[derive(Serialize, Deserialize)]
pub struct Record {
    format: u32,
    inputs: String,
    outputs: String,
    /// The findings, as printed.
    pub report: String,
    /// The closing line (`built N pages … into DIR`).
    pub built: String,
}

impl Inputs {
    /// Fingerprints what a build of `project` into `out` with `settings` (the options, and
    /// the day "today" resolved to, as text) reads; `None` when it cannot be taken.
    pub fn take(project: &Project, settings: &str, out: &Path) -> Option<Inputs> {
        let root = &project.root;
        let config = &project.config;
        let configured = [
            Some(&config.book.src),
            config.output.html.theme.as_ref(),
            config.output.html.logo.as_ref(),
            config.acknowledgement.people.as_ref(),
            Some(&config.acknowledgement.records),
            config.approval.allowed_signers.as_ref(),
        ];
        if configured.into_iter().flatten().any(|p| !inside(p)) {
            return None;
        }
        let repo = crate::history::open(root).ok()?;
        let now = std::time::SystemTime::now();
        let mut hash = Sha256::new();
        hash.update(format!("policybook {}\n", env!("CARGO_PKG_VERSION")));
        hash.update(binary()?);
        hash.update(format!(
            "{settings}\nroot {}\nout {}\n",
            root.display(),
            out.display()
        ));
        references(&repo, &mut hash).ok()?;
        let mut walk = Walk {
            hash,
            entries: 0,
            skip: skipped(out, &project.build_dir),
            newest: std::time::SystemTime::UNIX_EPOCH,
        };
        walk.dir(root, Path::new(""))?;
        let settled = walk.newest + SETTLE <= now;
        let digest = crate::hex::lower(&walk.hash.finalize());
        let name = crate::hex::lower(&Sha256::digest(out.as_os_str().as_encoded_bytes()));
        let record = repo
            .path()
            .join("policybook")
            .join("up-to-date")
            .join(format!("{}.json", &name[..16]));
        Some(Inputs {
            digest,
            record,
            settled,
        })
    }

    /// The last build's record, when it had these inputs and `out` is as it left it.
    pub fn unchanged(&self, out: &Path) -> Option<Record> {
        let bytes = std::fs::read(&self.record).ok()?;
        let record: Record = serde_json::from_slice(&bytes).ok()?;
        (record.format == FORMAT
            && record.inputs == self.digest
            && outputs(out).is_some_and(|o| o == record.outputs))
        .then_some(record)
    }

    /// Records a build with these inputs that wrote `out` and printed `report` and `built`.
    /// Best effort: a record that cannot be written only costs the next build its shortcut.
    pub fn record(&self, out: &Path, report: String, built: String) {
        let outputs = outputs(out).filter(|_| self.settled);
        let Some(outputs) = outputs else {
            self.forget();
            return;
        };
        let record = Record {
            format: FORMAT,
            inputs: self.digest.clone(),
            outputs,
            report,
            built,
        };
        let Ok(bytes) = serde_json::to_vec(&record) else {
            return;
        };
        if let Some(dir) = self.record.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = crate::atomic::write(&self.record, &bytes);
    }

    /// Forgets the last build into this directory.
    fn forget(&self) {
        let _ = std::fs::remove_file(&self.record);
    }
}

/// Whether a configured path stays under the root (relative, no `..`).
fn inside(path: &str) -> bool {
    Path::new(path)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// The running binary's identity: a rebuilt policybook may build differently.
fn binary() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    Some(format!("exe {} {}\n", exe.display(), stamp(&meta)))
}

/// Every reference and what it points at, HEAD first, then the shallow boundary.
fn references(repo: &git2::Repository, hash: &mut Sha256) -> Result<(), git2::Error> {
    match repo.find_reference("HEAD") {
        Ok(head) => {
            let target = head.symbolic_target_bytes().map(<[u8]>::to_vec);
            hash.update(b"HEAD ");
            hash.update(target.unwrap_or_default());
            hash.update(
                head.resolve()
                    .ok()
                    .and_then(|r| r.target())
                    .map_or_else(|| "unborn".to_string(), |oid| oid.to_string()),
            );
            hash.update(b"\n");
        }
        Err(e) => return Err(e),
    }
    let mut refs = Vec::new();
    for reference in repo.references()? {
        let reference = reference?;
        let target = match (reference.target(), reference.symbolic_target_bytes()) {
            (Some(oid), _) => oid.to_string(),
            (None, Some(name)) => String::from_utf8_lossy(name).into_owned(),
            (None, None) => String::new(),
        };
        refs.push((reference.name_bytes().to_vec(), target));
    }
    refs.sort();
    for (name, target) in refs {
        hash.update(&name);
        hash.update(format!(" {target}\n"));
    }
    for file in ["shallow", "info/grafts"] {
        let bytes = std::fs::read(repo.path().join(file)).unwrap_or_default();
        hash.update(format!("{file} {}\n", bytes.len()));
        hash.update(&bytes);
    }
    Ok(())
}

/// The build directory and the project's, with the staging and backup siblings builds make
/// beside them (`.NAME.new-*`, `.NAME.old`): written by builds, never read.
fn skipped(out: &Path, build_dir: &Path) -> Vec<(PathBuf, String)> {
    [out, build_dir]
        .into_iter()
        .filter_map(|dir| {
            let name = dir.file_name()?.to_string_lossy().into_owned();
            Some((dir.parent()?.to_path_buf(), name))
        })
        .collect()
}

/// A file's identity as the file system keeps it: size, modification and change times (to
/// the nanosecond), inode and mode.
fn stamp(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{} {}.{} {}.{} {} {:o}",
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec(),
        meta.ino(),
        meta.mode()
    )
}

struct Walk {
    hash: Sha256,
    entries: usize,
    skip: Vec<(PathBuf, String)>,
    /// The latest modification time seen.
    newest: std::time::SystemTime,
}

impl Walk {
    /// Hashes the entries under `dir` (`rel` from the root), in name order. `None` when the
    /// tree cannot be fingerprinted.
    fn dir(&mut self, dir: &Path, rel: &Path) -> Option<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .ok()?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .ok()?;
        entries.sort();
        // A large directory's entries are looked up on every core (a build directory's
        // `history/` holds a page per document; the fingerprint is taken when a build ends,
        // while nothing else is left to do).
        let metas: Vec<Option<std::fs::Metadata>> = if entries.len() >= PARALLEL_STAT {
            use rayon::prelude::*;
            entries
                .par_iter()
                .map(|name| std::fs::symlink_metadata(dir.join(name)).ok())
                .collect()
        } else {
            vec![None; entries.len()]
        };
        for (name, looked_up) in entries.into_iter().zip(metas) {
            let text = name.to_string_lossy();
            if text == ".git" || self.is_skipped(dir, &text) {
                continue;
            }
            self.entries += 1;
            if self.entries > MAX_ENTRIES {
                return None;
            }
            let path = dir.join(&name);
            let rel = rel.join(&name);
            let meta = match looked_up {
                Some(meta) => meta,
                None => std::fs::symlink_metadata(&path).ok()?,
            };
            self.hash.update(rel.as_os_str().as_encoded_bytes());
            if meta.is_dir() {
                self.hash.update(b"/\n");
                self.dir(&path, &rel)?;
            } else if meta.file_type().is_symlink() {
                // A link to a file: the link and the file it names. A link to a directory
                // would hide its files' changes behind one entry: no fingerprint.
                let target = std::fs::read_link(&path).ok()?;
                self.hash.update(format!(" -> {}", target.display()));
                match std::fs::metadata(&path) {
                    Ok(followed) if followed.is_dir() => return None,
                    Ok(followed) => {
                        self.hash.update(format!(" {}\n", stamp(&followed)));
                        if let Ok(modified) = followed.modified() {
                            self.newest = self.newest.max(modified);
                        }
                    }
                    Err(_) => self.hash.update(b" dangling\n"),
                }
            } else {
                self.hash.update(format!(" {}\n", stamp(&meta)));
                if let Ok(modified) = meta.modified() {
                    self.newest = self.newest.max(modified);
                }
            }
        }
        Some(())
    }

    fn is_skipped(&self, dir: &Path, name: &str) -> bool {
        self.skip.iter().any(|(parent, skipped)| {
            parent == dir
                && (name == skipped || crate::render::writer::is_build_sibling(skipped, name))
        })
    }
}

/// The fingerprint of everything in the build directory, as `Walk` takes the root's.
fn outputs(out: &Path) -> Option<String> {
    let mut walk = Walk {
        hash: Sha256::new(),
        entries: 0,
        skip: Vec::new(),
        newest: std::time::SystemTime::UNIX_EPOCH,
    };
    if !out.is_dir() {
        return None;
    }
    walk.dir(out, Path::new(""))?;
    Some(crate::hex::lower(&walk.hash.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_paths_outside_the_root_are_seen() {
        assert!(inside("content"));
        assert!(inside("./hr/people.csv"));
        assert!(!inside("../people.csv"));
        assert!(!inside("/etc/people.csv"));
        assert!(!inside("hr/../../people.csv"));
    }

    #[test]
    fn the_output_fingerprint_changes_with_any_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        std::fs::create_dir_all(out.join("docs")).unwrap();
        std::fs::write(out.join("docs/a.html"), "a").unwrap();
        let before = outputs(&out).unwrap();
        assert_eq!(outputs(&out), Some(before.clone()));
        // Another size: two writes within one clock tick of the file system can leave the
        // same time stamps (the case the module's documentation says is not seen).
        std::fs::write(out.join("docs/a.html"), "bb").unwrap();
        let edited = outputs(&out).unwrap();
        assert_ne!(edited, before);
        std::fs::remove_file(out.join("docs/a.html")).unwrap();
        assert_ne!(outputs(&out).unwrap(), edited);
        assert_eq!(outputs(&dir.path().join("missing")), None);
    }
}
