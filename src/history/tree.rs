//! Tree objects read raw from the object database and parsed in place. The walk compares a
//! few trees per commit, one of them usually a large directory (hundreds of entries); libgit2's
//! `Tree` parses every entry into an allocated record (and its octal modes with `strtol`), which
//! measured as a third of the walk. Here an entry is a borrowed slice of the raw object, and
//! the trees of the previous commit — the "before" side of the next comparison — are kept.

use git2::{Odb, OdbObject, Oid};
use std::collections::HashMap;

/// What a tree entry points to. Submodules (gitlinks) are neither and are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Tree,
    Blob,
}

/// One entry of a tree object: `<octal mode> <name>\0<binary id>`, borrowed from the object.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub name: &'a [u8],
    /// The binary id; compared as bytes, turned into an `Oid` only for entries that differ.
    pub raw_id: &'a [u8],
    pub kind: Option<EntryKind>,
}

impl Entry<'_> {
    pub fn id(&self) -> Result<Oid, git2::Error> {
        Oid::from_bytes(self.raw_id)
    }
}

fn kind_of(mode: &[u8]) -> Option<EntryKind> {
    match mode {
        b"40000" | b"040000" => Some(EntryKind::Tree),
        // Regular, executable, symbolic link (and the group-writable mode old gits wrote).
        b"100644" | b"100755" | b"120000" | b"100664" => Some(EntryKind::Blob),
        _ => None,
    }
}

/// The entries of a raw tree object, in stored order, parsed as they are iterated. A
/// malformed object yields an error, never a panic.
pub struct Entries<'a> {
    rest: &'a [u8],
    id_len: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, git2::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let parsed = (|| {
            let space = memchr::memchr(b' ', self.rest)?;
            let after_mode = &self.rest[space + 1..];
            let nul = memchr::memchr(0, after_mode)?;
            let raw_id = after_mode.get(nul + 1..nul + 1 + self.id_len)?;
            let entry = Entry {
                name: &after_mode[..nul],
                raw_id,
                kind: kind_of(&self.rest[..space]),
            };
            Some((entry, &after_mode[nul + 1 + self.id_len..]))
        })();
        match parsed {
            Some((entry, rest)) => {
                self.rest = rest;
                Some(Ok(entry))
            }
            None => {
                self.rest = &[];
                Some(Err(git2::Error::from_str("malformed tree object")))
            }
        }
    }
}

pub fn parse(data: &[u8], id_len: usize) -> Entries<'_> {
    Entries { rest: data, id_len }
}

/// Raw trees of one worker: those read for the current commit and for the previous one.
pub struct Trees<'o> {
    odb: &'o Odb<'o>,
    id_len: usize,
    current: HashMap<Oid, OdbObject<'o>>,
    previous: HashMap<Oid, OdbObject<'o>>,
}

impl<'o> Trees<'o> {
    pub fn new(odb: &'o Odb<'o>) -> Trees<'o> {
        Trees {
            odb,
            id_len: 20,
            current: HashMap::new(),
            previous: HashMap::new(),
        }
    }

    /// Starts the next commit: what the last one read stays available for one more commit.
    pub fn next_commit(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }

    /// Makes the tree `id` available to `entries`.
    pub fn load(&mut self, id: Oid) -> Result<(), git2::Error> {
        if self.current.contains_key(&id) {
            return Ok(());
        }
        let object = match self.previous.remove(&id) {
            Some(object) => object,
            None => {
                let object = self.odb.read(id)?;
                if object.kind() != git2::ObjectType::Tree {
                    return Err(git2::Error::from_str(&format!("{id} is not a tree")));
                }
                object
            }
        };
        self.current.insert(id, object);
        Ok(())
    }

    /// The entries of a tree `load`ed for this commit.
    pub fn entries(&self, id: Oid) -> Result<Entries<'_>, git2::Error> {
        let object = self
            .current
            .get(&id)
            .ok_or_else(|| git2::Error::from_str("tree read before it was loaded"))?;
        Ok(parse(object.data(), self.id_len))
    }

    /// The entry at `path` (`/`-separated) below the tree `root`: its id and whether it is a
    /// tree; `None` when there is nothing there.
    pub fn entry_at(&mut self, root: Oid, path: &str) -> Result<Option<(Oid, bool)>, git2::Error> {
        let mut tree = root;
        let mut parts = path.split('/').filter(|p| !p.is_empty()).peekable();
        while let Some(part) = parts.next() {
            self.load(tree)?;
            let mut found = None;
            for entry in self.entries(tree)? {
                let entry = entry?;
                if entry.name == part.as_bytes() {
                    found = entry.kind.map(|k| (entry.id(), k));
                    break;
                }
            }
            let found = match found {
                Some((id, kind)) => Some((id?, kind)),
                None => None,
            };
            match found {
                None => return Ok(None),
                Some((id, kind)) if parts.peek().is_none() => {
                    return Ok(Some((id, kind == EntryKind::Tree)));
                }
                Some((id, EntryKind::Tree)) => tree = id,
                Some(_) => return Ok(None),
            }
        }
        Ok(Some((root, true)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_refuses_truncated_objects() {
        let mut raw = Vec::new();
        raw.extend_from_slice(b"100644 a.md\0");
        raw.extend_from_slice(&[1u8; 20]);
        raw.extend_from_slice(b"40000 dir\0");
        raw.extend_from_slice(&[2u8; 20]);
        raw.extend_from_slice(b"160000 sub\0");
        raw.extend_from_slice(&[3u8; 20]);
        fn all(raw: &[u8]) -> Result<Vec<Entry<'_>>, git2::Error> {
            parse(raw, 20).collect()
        }
        let entries = all(&raw).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].name, b"a.md");
        assert_eq!(entries[0].kind, Some(EntryKind::Blob));
        assert_eq!(entries[1].kind, Some(EntryKind::Tree));
        assert_eq!(
            entries[1].id().unwrap(),
            Oid::from_bytes(&[2u8; 20]).unwrap()
        );
        assert_eq!(entries[2].kind, None);
        assert!(all(&raw[..raw.len() - 1]).is_err());
        assert!(all(b"100644 no-nul").is_err());
        assert!(all(b"").unwrap().is_empty());
    }
}
