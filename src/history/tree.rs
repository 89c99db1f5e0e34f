//! Tree objects read raw from the object database and parsed in place. The walk compares a
//! few trees per commit, one of them usually a large directory (hundreds of entries); libgit2's
//! `Tree` parses every entry into an allocated record (and its octal modes with `strtol`), which
//! measured as a third of the walk. Here an entry is a borrowed slice of the raw object, and
//! the trees of recent commits (the "before" side of the next comparison among them) are kept.

use git2::{Odb, OdbObject, Oid};
use std::collections::HashMap;

/// What a tree entry points to. Submodules (gitlinks) are neither and are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
    len: usize,
}

impl Entries<'_> {
    /// Bytes consumed so far: the offset of the next entry.
    pub fn offset(&self) -> usize {
        self.len - self.rest.len()
    }
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
    Entries {
        rest: data,
        id_len,
        len: data.len(),
    }
}

/// The offset of every entry of a raw tree, then its length.
fn starts_of(data: &[u8], id_len: usize) -> Result<Vec<u32>, git2::Error> {
    let mut entries = parse(data, id_len);
    let mut starts = vec![0];
    while let Some(entry) = entries.next() {
        entry?;
        starts.push(entries.offset() as u32);
    }
    Ok(starts)
}

/// How many leading bytes `a` and `b` share.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    for step in [512, 32] {
        while i + step <= n && a[i..i + step] == b[i..i + step] {
            i += step;
        }
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// How many trailing bytes `a` and `b` share, at most `limit`.
fn common_suffix(a: &[u8], b: &[u8], limit: usize) -> usize {
    let (la, lb) = (a.len(), b.len());
    let n = la.min(lb).min(limit);
    let mut i = 0;
    for step in [512, 32] {
        while i + step <= n && a[la - i - step..la - i] == b[lb - i - step..lb - i] {
            i += step;
        }
    }
    while i < n && a[la - i - 1] == b[lb - i - 1] {
        i += 1;
    }
    i
}

/// Where two versions of a tree can differ, and the entry offsets of the second.
struct Narrowed {
    begin: usize,
    reference_end: usize,
    other_end: usize,
    other_starts: Vec<u32>,
}

/// Narrows the comparison of a tree whose entry offsets are known (`reference`, `starts`:
/// every entry's offset, then the length) with another version of it (`other`).
///
/// The two objects share a leading and a trailing run of bytes. Every reference entry that
/// ends within the leading run is also an entry of the other tree, at the same offset. From
/// the last such offset, the other tree is read entry by entry until it reaches an offset,
/// inside the trailing run, that is also a reference offset counted from the end: from there
/// both continue with the same bytes, so with the same entries. Only what lies between can
/// differ.
fn narrow(
    reference: &[u8],
    starts: &[u32],
    other: &[u8],
    id_len: usize,
) -> Result<Narrowed, git2::Error> {
    let (lr, lo) = (reference.len(), other.len());
    let prefix = common_prefix(reference, other);
    let suffix = common_suffix(reference, other, lr.min(lo) - prefix);
    // `starts` holds at least the object's length; 0 is the first entry's offset.
    let kept = starts.partition_point(|&x| x as usize <= prefix).max(1);
    let begin = starts.get(kept - 1).map_or(0, |&x| x as usize);
    let mut entries = parse(&other[begin..], id_len);
    let mut middle = Vec::new();
    let (reference_end, other_end, resumed) = loop {
        let at = begin + entries.offset();
        if at + suffix >= lo {
            let reference_at = at + lr - lo;
            if let Ok(i) = starts.binary_search(&(reference_at as u32)) {
                break (reference_at, at, i);
            }
        }
        middle.push(at as u32);
        match entries.next() {
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            // Unreachable: the ends of the two objects are a shared offset.
            None => return Err(git2::Error::from_str("malformed tree object")),
        }
    };
    let mut other_starts = Vec::with_capacity(starts.len() + 1);
    other_starts.extend_from_slice(&starts[..kept - 1]);
    other_starts.extend_from_slice(&middle);
    other_starts.extend(
        starts[resumed..]
            .iter()
            .map(|&x| (x as usize + lo - lr) as u32),
    );
    Ok(Narrowed {
        begin,
        reference_end,
        other_end,
        other_starts,
    })
}

/// A tree read for the walk, with the offsets of its entries once they are known.
struct Loaded<'o> {
    object: OdbObject<'o>,
    starts: Option<Vec<u32>>,
}

/// How many trees read for earlier commits a worker keeps (the most recently used).
const RECENT_TREES: usize = 96;

/// Raw trees of one worker: those read for the current commit, and recently read ones.
///
/// A commit's "after" trees are usually the trees the walk read for an earlier commit: its
/// parent's (the "before" side of the last comparison) where the same directory changed one
/// commit earlier, or an older commit's where it changed a few commits earlier (a change to
/// `policies/` between two to `procedures/` leaves the latter's tree as it was). Keeping
/// the recent ones saves reading each such tree again and finding its entries' offsets anew.
pub struct Trees<'o> {
    odb: &'o Odb<'o>,
    id_len: usize,
    current: HashMap<Oid, Loaded<'o>>,
    /// Trees of earlier commits, with the number of the commit that last used each.
    recent: HashMap<Oid, (Loaded<'o>, u64)>,
    commit: u64,
}

impl<'o> Trees<'o> {
    pub fn new(odb: &'o Odb<'o>) -> Trees<'o> {
        Trees {
            odb,
            id_len: 20,
            current: HashMap::new(),
            recent: HashMap::new(),
            commit: 0,
        }
    }

    /// Starts the next commit: what the last one read stays available, as long as it is
    /// among the `RECENT_TREES` most recently used.
    pub fn next_commit(&mut self) {
        self.commit += 1;
        let now = self.commit;
        self.recent
            .extend(self.current.drain().map(|(id, loaded)| (id, (loaded, now))));
        if self.recent.len() > RECENT_TREES {
            // Down to half the limit at once, so that this runs once every many commits.
            let mut used: Vec<u64> = self.recent.values().map(|(_, at)| *at).collect();
            let keep = RECENT_TREES / 2;
            let at = used.len() - keep;
            let (_, &mut cutoff, _) = used.select_nth_unstable(at);
            self.recent.retain(|_, (_, at)| *at >= cutoff);
        }
    }

    /// Makes the tree `id` available to `entries`.
    pub fn load(&mut self, id: Oid) -> Result<(), git2::Error> {
        if self.current.contains_key(&id) {
            return Ok(());
        }
        let loaded = match self.recent.remove(&id) {
            Some((loaded, _)) => loaded,
            None => {
                let object = self.odb.read(id)?;
                if object.kind() != git2::ObjectType::Tree {
                    return Err(git2::Error::from_str(&format!("{id} is not a tree")));
                }
                Loaded {
                    object,
                    starts: None,
                }
            }
        };
        self.current.insert(id, loaded);
        Ok(())
    }

    /// The entries of a tree `load`ed for this commit.
    pub fn entries(&self, id: Oid) -> Result<Entries<'_>, git2::Error> {
        Ok(parse(self.data(id)?, self.id_len))
    }

    fn data(&self, id: Oid) -> Result<&[u8], git2::Error> {
        self.current
            .get(&id)
            .map(|l| l.object.data())
            .ok_or_else(|| git2::Error::from_str("tree read before it was loaded"))
    }

    /// The entries of two `load`ed trees that can differ: all others are equal in both.
    ///
    /// A directory usually differs from its previous version in one entry, and reading every
    /// entry of both (hundreds, for a large directory) was most of the walk's own work. See
    /// [`narrow`]: only the entries between the two trees' shared leading and trailing runs
    /// are compared. The entry offsets this finds are kept, so the next commit, which shares
    /// one of the two trees, needs no full read either.
    pub fn changed(
        &mut self,
        old: Oid,
        new: Oid,
    ) -> Result<(Entries<'_>, Entries<'_>), git2::Error> {
        // Offsets are kept as u32: a tree object of 4 GiB or more is compared whole.
        let oversized = |trees: &Self, id: Oid| {
            trees
                .data(id)
                .map_or(true, |d| u32::try_from(d.len()).is_err())
        };
        if oversized(self, old) || oversized(self, new) {
            return Ok((self.entries(old)?, self.entries(new)?));
        }
        let known =
            |trees: &Self, id: Oid| trees.current.get(&id).is_some_and(|l| l.starts.is_some());
        // Offsets are derived from the side whose offsets are known (the walk goes from new to
        // old commits, so that is usually the newer tree); with neither, the old one is read.
        let (reference, other) = if known(self, new) && !known(self, old) {
            (new, old)
        } else {
            (old, new)
        };
        if !known(self, reference) {
            let starts = starts_of(self.data(reference)?, self.id_len)?;
            if let Some(l) = self.current.get_mut(&reference) {
                l.starts = Some(starts);
            }
        }
        let reference_starts = self
            .current
            .get(&reference)
            .and_then(|l| l.starts.as_deref())
            .ok_or_else(|| git2::Error::from_str("tree read before it was loaded"))?;
        let narrowed = narrow(
            self.data(reference)?,
            reference_starts,
            self.data(other)?,
            self.id_len,
        )?;
        if let Some(l) = self.current.get_mut(&other)
            && l.starts.is_none()
        {
            l.starts = Some(narrowed.other_starts);
        }
        let (reference_data, other_data) = (self.data(reference)?, self.data(other)?);
        let reference_entries = parse(
            &reference_data[narrowed.begin..narrowed.reference_end],
            self.id_len,
        );
        let other_entries = parse(&other_data[narrowed.begin..narrowed.other_end], self.id_len);
        Ok(if reference == old {
            (reference_entries, other_entries)
        } else {
            (other_entries, reference_entries)
        })
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

    /// `changed` narrows two trees to the entries that can differ: what it leaves out must be
    /// the same on both sides, checked against comparing every entry, over many edits.
    #[test]
    fn changed_ranges_hold_every_difference() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let odb = repo.odb().unwrap();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let blob = |text: &str| repo.blob(text.as_bytes()).unwrap();
        // A tree from (name, is_dir, content) entries.
        let write = |entries: &[(String, bool, u64)]| -> Oid {
            let mut builder = repo.treebuilder(None).unwrap();
            for (name, is_dir, content) in entries {
                if *is_dir {
                    let mut sub = repo.treebuilder(None).unwrap();
                    sub.insert("f", blob(&content.to_string()), 0o100644)
                        .unwrap();
                    builder
                        .insert(name, sub.write().unwrap(), 0o040000)
                        .unwrap();
                } else {
                    builder
                        .insert(name, blob(&content.to_string()), 0o100644)
                        .unwrap();
                }
            }
            builder.write().unwrap()
        };
        type Row = (Vec<u8>, Vec<u8>, Option<EntryKind>);
        let rows = |entries: Entries| -> Vec<Row> {
            entries
                .map(|e| {
                    e.map(|e| (e.name.to_vec(), e.raw_id.to_vec(), e.kind))
                        .unwrap()
                })
                .collect()
        };
        let difference = |a: &[Row], b: &[Row]| -> Vec<Row> {
            let mut out: Vec<Row> = a.iter().filter(|r| !b.contains(r)).cloned().collect();
            out.extend(b.iter().filter(|r| !a.contains(r)).cloned());
            out.sort();
            out
        };
        let mut trees = Trees::new(&odb);
        for round in 0..150 {
            let count = 1 + next(40) as usize;
            let mut old: Vec<(String, bool, u64)> = (0..count)
                .map(|i| {
                    (
                        format!("{}{i}", "n".repeat(1 + next(12) as usize)),
                        next(5) == 0,
                        next(3),
                    )
                })
                .collect();
            old.sort();
            old.dedup_by(|a, b| a.0 == b.0);
            let mut new = old.clone();
            for _ in 0..1 + next(3) {
                let at = next(new.len() as u64 + 1) as usize;
                match next(4) {
                    0 if at < new.len() => new[at].2 += 1,
                    1 if at < new.len() => {
                        new.remove(at);
                    }
                    2 if at < new.len() => new[at].1 = !new[at].1,
                    _ => new.push((format!("x{round}-{at}"), next(2) == 0, 0)),
                }
            }
            new.sort();
            new.dedup_by(|a, b| a.0 == b.0);
            let (a, b) = (write(&old), write(&new));
            if a == b {
                continue;
            }
            trees.next_commit();
            trees.load(a).unwrap();
            trees.load(b).unwrap();
            let whole = difference(
                &rows(trees.entries(a).unwrap()),
                &rows(trees.entries(b).unwrap()),
            );
            // Offsets known for neither tree, then for both, then (a fresh start) for the new
            // one only: whichever side they come from, the other side's must be its own.
            for case in 0..3 {
                if case == 2 {
                    trees.next_commit();
                    trees.next_commit();
                    trees.load(a).unwrap();
                    trees.load(b).unwrap();
                    let starts = starts_of(trees.data(b).unwrap(), 20).unwrap();
                    trees.current.get_mut(&b).unwrap().starts = Some(starts);
                }
                let (before, after) = trees.changed(a, b).unwrap();
                let (before, after) = (rows(before), rows(after));
                assert_eq!(difference(&before, &after), whole, "round {round}");
                for id in [a, b] {
                    let own = starts_of(trees.data(id).unwrap(), 20).unwrap();
                    assert_eq!(
                        trees.current[&id].starts.as_ref(),
                        Some(&own),
                        "round {round}"
                    );
                }
            }
        }
    }

    /// A tree read for an earlier commit is kept, with its entries' offsets, while it is among
    /// the recently used ones, and read afresh once it is not.
    #[test]
    fn recent_trees_are_kept_and_old_ones_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let odb = repo.odb().unwrap();
        let tree = |n: usize| -> Oid {
            let mut builder = repo.treebuilder(None).unwrap();
            for i in 0..3 {
                let blob = repo.blob(format!("{n} {i}").as_bytes()).unwrap();
                builder.insert(format!("f{i}"), blob, 0o100644).unwrap();
            }
            builder.write().unwrap()
        };
        let (a, b) = (tree(0), tree(1));
        let mut trees = Trees::new(&odb);
        trees.load(a).unwrap();
        trees.load(b).unwrap();
        trees.changed(a, b).unwrap();
        let known = |trees: &Trees, id: Oid| trees.current[&id].starts.is_some();
        assert!(known(&trees, a) && known(&trees, b));
        // A few commits that read other trees: `a` comes back with its offsets.
        for n in 2..6 {
            trees.next_commit();
            trees.load(tree(n)).unwrap();
        }
        trees.next_commit();
        trees.load(a).unwrap();
        assert!(known(&trees, a));
        // Many more: `b`, unused all along, has been dropped and is read again.
        for n in 6..6 + RECENT_TREES {
            trees.next_commit();
            trees.load(tree(n)).unwrap();
        }
        trees.next_commit();
        trees.load(b).unwrap();
        assert!(!known(&trees, b));
        assert!(trees.recent.len() <= RECENT_TREES);
    }
}
