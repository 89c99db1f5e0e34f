//! Page reuse between builds. Every page is a pure function of its inputs (template, theme,
//! site-wide values and the page's own data), so a page whose inputs hash to the key recorded by
//! the previous build is taken from that build (hard-linked) instead of rendered again. The
//! record lives in the git directory (`policybook/pages.json`). A page is reused only when the
//! previous site's file is still the one that build wrote — same inode, size and modification
//! time, the check git itself makes for its index — so a replaced, truncated, edited or missing
//! file is rendered again. (An edit that also forges the modification time would go unnoticed
//! here; `policybook verify` compares bytes and finds it.)

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bumped whenever the meaning of a key changes.
const FORMAT: u32 = 2;

/// The inputs of one page, hashed as they are fed.
pub struct PageKey(Sha256);

impl PageKey {
    /// A key for `page` rendered with `template`, under the inputs every page shares.
    pub fn new(shared: &[u8], template: &str, page: &str) -> PageKey {
        let mut key = PageKey(Sha256::new());
        key.bytes(shared);
        key.bytes(template.as_bytes());
        key.bytes(page.as_bytes());
        key
    }

    /// Adds a byte string (length-prefixed, so that no two sequences of inputs collide).
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut PageKey {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// Adds a JSON value, streamed into the hash without building its text (through a buffer:
    /// the serializer writes token by token, and hashing each token alone cost more than the
    /// hashing itself).
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> &mut PageKey {
        let mut writer = std::io::BufWriter::with_capacity(16 << 10, HashWriter(&mut self.0));
        serde_json::to_writer(&mut writer, value).expect("JSON values serialise");
        writer.flush().expect("hashing never fails");
        drop(writer);
        self.0.update([0xff]);
        self
    }

    pub fn finish(self) -> String {
        crate::hex::lower(&self.0.finalize())
    }
}

struct HashWriter<'a>(&'a mut Sha256);

impl Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the previous build rendered a page from, and what it wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub key: String,
    pub sha256: String,
    pub size: u64,
    /// The published file's identity when the build finished: inode and modification time
    /// (nanoseconds since the epoch). Zero until known.
    #[serde(default)]
    pub inode: u64,
    #[serde(default)]
    pub mtime_ns: i128,
}

impl Entry {
    pub fn new(key: String, sha256: String, size: u64) -> Entry {
        Entry {
            key,
            sha256,
            size,
            inode: 0,
            mtime_ns: 0,
        }
    }

    /// Whether `meta` describes the very file this entry recorded.
    pub fn matches(&self, meta: &std::fs::Metadata) -> bool {
        meta.is_file()
            && meta.len() == self.size
            && self.inode != 0
            && identity(meta) == Some((self.inode, self.mtime_ns))
    }
}

/// A file's inode and modification time, where the platform has them.
pub fn identity(meta: &std::fs::Metadata) -> Option<(u64, i128)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((
            meta.ino(),
            i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

#[derive(Serialize, Deserialize)]
struct Record {
    format: u32,
    tool_version: String,
    pages: HashMap<String, Entry>,
}

/// The record file for a project whose git directory is `git_dir`.
pub fn record_path(git_dir: &Path) -> PathBuf {
    git_dir.join("policybook").join("pages.json")
}

/// The previous build's entries; empty when there is none or it cannot be trusted.
pub fn read(path: &Path) -> HashMap<String, Entry> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Record>(&bytes).ok())
        .filter(|r| r.format == FORMAT && r.tool_version == env!("CARGO_PKG_VERSION"))
        .map(|r| r.pages)
        .unwrap_or_default()
}

/// Writes the record atomically; a failure only costs time on the next build.
pub fn write(path: &Path, pages: HashMap<String, Entry>) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let record = Record {
        format: FORMAT,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        pages,
    };
    if let Ok(mut file) = tempfile::NamedTempFile::new_in(dir)
        && serde_json::to_writer(std::io::BufWriter::new(&mut file), &record).is_ok()
    {
        let _ = file.persist(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_with_any_input_and_not_with_none() {
        let key = |shared: &[u8], t: &str, p: &str, v: serde_json::Value| {
            let mut k = PageKey::new(shared, t, p);
            k.json(&v);
            k.finish()
        };
        let a1 = serde_json::json!({"a": 1});
        let base = key(b"s", "document.html", "docs/a.html", a1.clone());
        assert_eq!(base, key(b"s", "document.html", "docs/a.html", a1.clone()));
        for other in [
            key(b"t", "document.html", "docs/a.html", a1.clone()),
            key(b"s", "history.html", "docs/a.html", a1.clone()),
            key(b"s", "document.html", "docs/b.html", a1.clone()),
            key(
                b"s",
                "document.html",
                "docs/a.html",
                serde_json::json!({"a": 2}),
            ),
        ] {
            assert_ne!(base, other);
        }
        // Length prefixes: moving a byte from one input to the next changes the key.
        let null = serde_json::Value::Null;
        assert_ne!(key(b"ab", "c", "", null.clone()), key(b"a", "bc", "", null));
    }
}
