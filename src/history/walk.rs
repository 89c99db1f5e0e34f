//! The one pass over the history. Every commit reachable from HEAD is compared with its first
//! parent, but only under the scope paths (the content directory and book.toml): the scope's
//! tree ids are compared first and a subtree is descended into only when its id changed, so
//! commits that touch nothing in scope cost two small tree reads. Commits are handed out to
//! the worker threads in chunks of consecutive commits (`share::by_workers`; one `Repository`
//! per worker: git2's is not `Sync`), so that a worker's recent trees serve the trees a commit
//! shares with its parent.

use super::rename;
use super::share;
use super::signature::{self, SignatureKind};
use super::trailers::{self, Trailer};
use super::tree::{self, Entries, Entry, EntryKind, Trees};
use git2::{ObjectType, Oid, Repository};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// Seconds since the epoch, and the offset the person's clock had, in minutes.
    pub time: i64,
    pub offset: i32,
}

/// One file's change in one commit, relative to the commit's first parent. Paths are relative
/// to the repository's top directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub path: String,
    /// The path before a rename.
    pub from: Option<String>,
    /// Blob ids before and after (hex); `None` for an addition or a deletion.
    pub old: Option<String>,
    pub new: Option<String>,
    /// In a merge commit: how this change (against the first parent) relates to the other
    /// parents. `None` in a commit with one parent.
    pub merge: Option<MergeChange>,
}

/// What a merge commit did to a file it changed relative to its first parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MergeChange {
    /// The file is as one of the other parents has it: the merge took that side's version
    /// (git's history simplification calls the merge TREESAME to that parent).
    Taken,
    /// The file is what merging the parents' versions cleanly gives.
    Combined,
    /// The file is neither any parent's version nor a clean merge of them: a conflict
    /// resolution or an edit made in the merge itself ("evil merge").
    Resolved,
}

/// How the walk reads one commit: which paths, and whether to look outside them for where an
/// added file came from.
#[derive(Debug, Clone, Copy)]
pub struct Reach<'a> {
    pub scope: &'a [String],
    /// Look for the source of a file added under `scope` anywhere in the commit's tree.
    pub follow_outside: bool,
}

/// Whether `path` is one of `scope`'s paths or below one.
pub fn in_scope(path: &str, scope: &[String]) -> bool {
    scope.iter().any(|s| {
        s.is_empty()
            || path == s
            || (path.len() > s.len()
                && path.starts_with(s.as_str())
                && path.as_bytes()[s.len()] == b'/')
    })
}

impl Change {
    pub fn kind(&self) -> &'static str {
        match (&self.from, &self.old, &self.new) {
            (Some(_), _, _) => "renamed",
            (None, None, Some(_)) => "added",
            (None, Some(_), None) => "deleted",
            _ => "modified",
        }
    }
}

/// A commit that changed something in scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRecord {
    pub id: String,
    pub parents: Vec<String>,
    pub author: Person,
    pub committer: Person,
    pub summary: String,
    pub trailers: Vec<Trailer>,
    pub signature: SignatureKind,
    pub changes: Vec<Change>,
}

/// What the walk found, newest commit first (topological order).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Walk {
    /// Every commit walked, newest first (ids in hex), whether it changed anything or not.
    pub order: Vec<String>,
    /// The commits that changed something in scope, by id. Hashed: every revision of every
    /// document looks its commit up here, several times a build (a sorted map's string
    /// comparisons were a tenth of a build with nothing new).
    pub records: rustc_hash::FxHashMap<String, CommitRecord>,
}

/// Tunes libgit2 for a history walk: skip re-hashing every object read (the pack's own
/// checksums still guard corruption), and keep trees out of libgit2's object cache: `Trees`
/// already keeps the ones the next commit reads, and a cache of each worker's trees was a
/// fifth of the build's peak memory. Commits stay cached (a commit is read as a parent, then
/// as itself). Pack files are mapped in 4 MiB windows, 32 MiB at most in all: each worker has
/// its own instance of the pack (see `for_worker`), and with libgit2's default (the
/// whole pack in one window, 8 GiB in all) every instance kept the whole pack resident.
pub fn tune_libgit2() {
    git2::opts::strict_hash_verification(false);
    // SAFETY: these set process-wide libgit2 options; they are called before any repository
    // work of this process starts and take plain integers.
    unsafe {
        let _ = git2::opts::set_cache_object_limit(ObjectType::Tree, 0);
        let _ = git2::opts::set_cache_max_size(4 << 20);
        let _ = git2::opts::set_mwindow_size(4 << 20);
        let _ = git2::opts::set_mwindow_mapped_limit(32 << 20);
    }
}

/// What `walk_commits` found: the commits that changed something in scope, and the first
/// parent of every commit walked (`None` for a root or a shallow boundary).
#[derive(Default)]
pub struct Walked {
    pub records: Vec<CommitRecord>,
    pub first_parents: rustc_hash::FxHashMap<Oid, Option<Oid>>,
}

/// Compares each commit of `ids` (newest first) with its first parent under `scope`.
pub fn walk_commits(git_dir: &Path, ids: &[Oid], reach: Reach<'_>) -> Result<Walked, git2::Error> {
    // Chunks of at least 64 commits: a chunk's first commit (whose trees no worker has read
    // yet) then costs little.
    let results = share::by_workers(ids, 64, |chunks| {
        let repo = for_worker(Repository::open(git_dir)?)?;
        let odb = repo.odb()?;
        let mut trees = Trees::new(&odb);
        let mut out = Walked::default();
        for chunk in chunks {
            for &id in chunk {
                let (record, first_parent) = commit_record(&repo, &mut trees, id, reach)?;
                out.first_parents.insert(id, first_parent);
                out.records.extend(record);
            }
        }
        Ok::<_, git2::Error>(out)
    })?;
    let mut all = Walked::default();
    for part in results {
        all.records.extend(part.records);
        all.first_parents.extend(part.first_parents);
    }
    Ok(all)
}

/// Adds the records of a walk over other paths to `into`: a commit both walks met keeps the
/// changes of both. A deletion that the other walk saw as the source of a rename (a move into
/// or out of its paths) is that rename, not a deletion.
pub fn merge_records(
    into: &mut rustc_hash::FxHashMap<String, CommitRecord>,
    records: Vec<CommitRecord>,
) {
    for record in records {
        let existing = match into.entry(record.id.clone()) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(record);
                continue;
            }
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
        };
        for change in record.changes {
            match existing.changes.iter_mut().find(|c| c.path == change.path) {
                Some(same) if same.from.is_none() && change.from.is_some() => *same = change,
                Some(_) => {}
                None => existing.changes.push(change),
            }
        }
        let sources: std::collections::HashSet<String> = existing
            .changes
            .iter()
            .filter_map(|c| c.from.clone())
            .collect();
        existing
            .changes
            .retain(|c| !(c.new.is_none() && sources.contains(&c.path)));
        existing.changes.sort_by(|a, b| a.path.cmp(&b.path));
    }
}

/// The repository `repo` as one worker reads it: over pack files of its own.
///
/// libgit2 shares an opened pack file (its locks, its mapped windows and its cache of delta
/// bases) between every repository of the process that names it by the same path. Two workers
/// reading the same pack then serialise on those locks and evict each other's delta bases:
/// the walk took 45% more CPU on two threads than on one. Naming the objects directory by a
/// path of the worker's own (`objects/./.`, one more `/.` per worker) gives each worker its own
/// instance of the pack; the files, and so every object read, are the same.
///
/// `repo` itself is returned where that cannot be done: a shallow repository (one made from an
/// object database knows nothing of `.git/shallow`, and would see the cut-off parents whose
/// objects are present as real), and an objects directory libgit2 cannot be given (it takes
/// the path as UTF-8, and silently adds nothing for a directory it cannot find).
pub fn for_worker(repo: Repository) -> Result<Repository, git2::Error> {
    let objects = repo.commondir().join("objects");
    let Some(mut objects) = objects
        .to_str()
        .filter(|_| objects.is_dir() && !repo.is_shallow())
        .map(str::to_string)
    else {
        return Ok(repo);
    };
    let worker = rayon::current_thread_index().unwrap_or(0);
    for _ in 0..=worker {
        objects.push_str("/.");
    }
    let odb = git2::Odb::new()?;
    odb.add_disk_alternate(&objects)?;
    Repository::from_odb(odb)
}

fn person(sig: &git2::Signature) -> Person {
    Person {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
        time: sig.when().seconds(),
        offset: sig.when().offset_minutes(),
    }
}

fn commit_record(
    repo: &Repository,
    trees: &mut Trees,
    id: Oid,
    reach: Reach<'_>,
) -> Result<(Option<CommitRecord>, Option<Oid>), git2::Error> {
    let commit = repo.find_commit(id)?;
    let first_parent = commit.parent_ids().next();
    let parent_trees = commit
        .parent_ids()
        .map(|p| match repo.find_commit(p) {
            Ok(parent) => Ok(Some(parent.tree_id())),
            // A shallow clone's boundary: the parent is not there. Compare with nothing.
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e),
        })
        .collect::<Result<Vec<Option<Oid>>, git2::Error>>()?;
    let parent_tree = parent_trees.first().copied().flatten();
    trees.next_commit();
    let scope = reach.scope;
    let mut raw = Vec::new();
    for path in scope {
        let new = trees.entry_at(commit.tree_id(), path)?;
        let old = match parent_tree {
            Some(t) => trees.entry_at(t, path)?,
            None => None,
        };
        if new.map(|e| e.0) == old.map(|e| e.0) {
            continue;
        }
        diff_entry(trees, path, old, new, &mut raw)?;
    }
    if raw.is_empty() {
        return Ok((None, first_parent));
    }
    // A file added under the scope may have come from anywhere in the repository: only then is
    // the whole tree compared (subtrees with equal ids are still skipped).
    let mut outside = Vec::new();
    if reach.follow_outside
        && raw
            .iter()
            .any(|(_, old, new)| old.is_none() && new.is_some())
    {
        diff_entry(
            trees,
            "",
            parent_tree.map(|t| (t, true)),
            Some((commit.tree_id(), true)),
            &mut outside,
        )?;
        outside.retain(|(path, _, _)| !in_scope(path, scope));
    }
    let mut changes = detect_renames(repo, raw, outside);
    if parent_trees.len() > 1 {
        classify_merge(repo, trees, &commit, &parent_trees, &mut changes)?;
    }

    // Raw identities, as committed: `.mailmap` is a file anyone with commit access can
    // change, so it must never change who a commit evidences.
    let author = person(&commit.author());
    let committer = person(&commit.committer());
    let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
    let record = CommitRecord {
        id: id.to_string(),
        parents: commit.parent_ids().map(|p| p.to_string()).collect(),
        author,
        committer,
        summary: message.lines().next().unwrap_or("").trim().to_string(),
        trailers: trailers::parse(&message),
        signature: signature::kind(&commit),
        changes,
    };
    Ok((Some(record), first_parent))
}

/// A change before rename detection: path, old and new blob ids.
type RawChange = (String, Option<Oid>, Option<Oid>);

/// Orders tree entries as git stores them: by name, a directory's name compared as if it ended
/// in `/`. Both sides of a comparison use the same order, so they can be merged in one pass.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let common = a.len().min(b.len());
    match a[..common].cmp(&b[..common]) {
        std::cmp::Ordering::Equal => {
            let next = |name: &[u8], tree: bool| {
                name.get(common)
                    .copied()
                    .or(if tree { Some(b'/') } else { None })
            };
            next(a, a_tree).cmp(&next(b, b_tree))
        }
        other => other,
    }
}

/// Compares one entry (file or directory) of the old and new trees.
fn diff_entry(
    trees: &mut Trees,
    path: &str,
    old: Option<(Oid, bool)>,
    new: Option<(Oid, bool)>,
    out: &mut Vec<RawChange>,
) -> Result<(), git2::Error> {
    if old.map(|e| e.0) == new.map(|e| e.0) {
        return Ok(());
    }
    let old_blob = old.filter(|e| !e.1).map(|e| e.0);
    let new_blob = new.filter(|e| !e.1).map(|e| e.0);
    if old_blob.is_some() || new_blob.is_some() {
        out.push((path.to_string(), old_blob, new_blob));
    }
    let old_tree = old.filter(|e| e.1).map(|e| e.0);
    let new_tree = new.filter(|e| e.1).map(|e| e.0);
    if old_tree.is_none() && new_tree.is_none() {
        return Ok(());
    }
    for (name, old, new) in differing_children(trees, old_tree, new_tree)? {
        let name = String::from_utf8_lossy(&name);
        let child = if path.is_empty() {
            name.into_owned()
        } else {
            format!("{path}/{name}")
        };
        diff_entry(trees, &child, old, new, out)?;
    }
    Ok(())
}

/// A child entry that differs between two trees: its name, and its id and whether it is a
/// tree on each side (`None`: absent on that side).
type ChildPair = (Vec<u8>, Option<(Oid, bool)>, Option<(Oid, bool)>);

/// The children of the old and new tree (either may be absent) that differ, by name.
fn differing_children(
    trees: &mut Trees,
    old_tree: Option<Oid>,
    new_tree: Option<Oid>,
) -> Result<Vec<ChildPair>, git2::Error> {
    for id in old_tree.iter().chain(new_tree.iter()) {
        trees.load(*id)?;
    }
    let (before, after): (Entries, Entries) = match (old_tree, new_tree) {
        // Only the part of the two trees that can differ.
        (Some(old), Some(new)) => trees.changed(old, new)?,
        (Some(old), None) => (trees.entries(old)?, tree::parse(&[], 20)),
        (None, Some(new)) => (tree::parse(&[], 20), trees.entries(new)?),
        (None, None) => return Ok(Vec::new()),
    };
    let mut pairs = merge_entries(before, after)?;
    // A name that is a file on one side and a directory on the other sorts differently on
    // each side; bring its two halves together.
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<ChildPair> = Vec::new();
    for (name, old, new) in pairs {
        match merged.last_mut() {
            Some(last) if last.0 == name => {
                last.1 = last.1.or(old);
                last.2 = last.2.or(new);
            }
            _ => merged.push((name, old, new)),
        }
    }
    Ok(merged)
}

/// Merges two tree entry lists, both in git's order, into the entries that differ, skipping
/// entries whose ids are equal without allocating anything (most of a large directory is
/// unchanged from one commit to the next).
fn merge_entries(before: Entries, after: Entries) -> Result<Vec<ChildPair>, git2::Error> {
    let wanted = |e: &Result<Entry, git2::Error>| e.as_ref().map_or(true, |e| e.kind.is_some());
    let mut before = before.filter(wanted).peekable();
    let mut after = after.filter(wanted).peekable();
    let is_tree = |e: &Entry| e.kind == Some(EntryKind::Tree);
    let side =
        |e: &Entry| -> Result<Option<(Oid, bool)>, git2::Error> { Ok(Some((e.id()?, is_tree(e)))) };
    let mut pairs: Vec<ChildPair> = Vec::new();
    loop {
        let (a, b) = match (before.peek(), after.peek()) {
            (None, None) => break,
            (Some(Err(_)), _) => return Err(before.next().and_then(Result::err).expect("peeked")),
            (_, Some(Err(_))) => return Err(after.next().and_then(Result::err).expect("peeked")),
            (a, b) => (
                a.and_then(|r| r.as_ref().ok()).copied(),
                b.and_then(|r| r.as_ref().ok()).copied(),
            ),
        };
        let order = match (&a, &b) {
            (Some(a), Some(b)) => git_order(a.name, is_tree(a), b.name, is_tree(b)),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match (order, a, b) {
            (std::cmp::Ordering::Equal, Some(a), Some(b)) => {
                if a.raw_id != b.raw_id || is_tree(&a) != is_tree(&b) {
                    pairs.push((a.name.to_vec(), side(&a)?, side(&b)?));
                }
                before.next();
                after.next();
            }
            (std::cmp::Ordering::Less, Some(a), _) => {
                pairs.push((a.name.to_vec(), side(&a)?, None));
                before.next();
            }
            (_, _, Some(b)) => {
                pairs.push((b.name.to_vec(), None, side(&b)?));
                after.next();
            }
            _ => break,
        }
    }
    Ok(pairs)
}

/// Turns one commit's raw changes under the scope into changes with renames, by git's rules
/// (see `rename`). `outside` holds the commit's changes elsewhere in the tree when they were
/// read (a file added under the scope can be renamed from there); a rename out of the scope
/// leaves a deletion, and changes outside the scope are not kept.
fn detect_renames(repo: &Repository, raw: Vec<RawChange>, outside: Vec<RawChange>) -> Vec<Change> {
    let hex = |o: Option<Oid>| o.map(|o| o.to_string());
    let mut sides = Sides::default();
    let mut changes = Vec::new();
    let scoped = raw.len();
    for (i, (path, old, new)) in raw.into_iter().chain(outside).enumerate() {
        match (old, new) {
            (Some(blob), None) => {
                sides.sources.push(rename::Side { path, blob });
                if i < scoped {
                    sides.scoped_sources += 1;
                }
            }
            (None, Some(blob)) => {
                sides.destinations.push(rename::Side { path, blob });
                if i < scoped {
                    sides.scoped_destinations += 1;
                }
            }
            _ if i < scoped => changes.push(Change {
                path,
                from: None,
                old: hex(old),
                new: hex(new),
                merge: None,
            }),
            _ => {}
        }
    }
    let odb = (!sides.sources.is_empty() && !sides.destinations.is_empty())
        .then(|| repo.odb().ok())
        .flatten();
    let pairs = rename::pair(&sides.sources, &sides.destinations, |blob| {
        odb.as_ref()?.read(blob).ok().map(|o| o.data().to_vec())
    });
    changes.extend(sides.changes(&pairs));
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

/// The deleted (sources) and added (destinations) files of one commit. Those in scope come
/// first, so that an index below `scoped_*` is in scope.
#[derive(Default)]
struct Sides {
    sources: Vec<rename::Side>,
    destinations: Vec<rename::Side>,
    scoped_sources: usize,
    scoped_destinations: usize,
}

impl Sides {
    /// The changes in scope, given the rename `pairs`: a rename for each pair that ends in
    /// scope (one that leaves it is, here, a deletion), and an addition or deletion for each
    /// file in scope not paired.
    fn changes(&self, pairs: &[(usize, usize)]) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut source_used = vec![false; self.sources.len()];
        let mut destination_used = vec![false; self.destinations.len()];
        for &(s, d) in pairs {
            if d >= self.scoped_destinations {
                // Renamed out of the scope: here, a deletion.
                continue;
            }
            source_used[s] = true;
            destination_used[d] = true;
            changes.push(Change {
                path: self.destinations[d].path.clone(),
                from: Some(self.sources[s].path.clone()),
                old: Some(self.sources[s].blob.to_string()),
                new: Some(self.destinations[d].blob.to_string()),
                merge: None,
            });
        }
        let scoped_sources = self.sources.iter().enumerate().take(self.scoped_sources);
        for (s, side) in scoped_sources {
            if !source_used[s] {
                changes.push(Change {
                    path: side.path.clone(),
                    from: None,
                    old: Some(side.blob.to_string()),
                    new: None,
                    merge: None,
                });
            }
        }
        let scoped_destinations = self.destinations.iter().enumerate();
        for (d, side) in scoped_destinations.take(self.scoped_destinations) {
            if !destination_used[d] {
                changes.push(Change {
                    path: side.path.clone(),
                    from: None,
                    old: None,
                    new: Some(side.blob.to_string()),
                    merge: None,
                });
            }
        }
        changes
    }
}

/// Says, for each change of a merge commit (against its first parent), whether the merge took
/// another parent's version, combined the parents' versions cleanly, or made something of its
/// own (see [`MergeChange`]). The merge base and a three-way merge of the text are computed
/// only for a file that differs from every parent, which is rare.
fn classify_merge(
    repo: &Repository,
    trees: &mut Trees,
    commit: &git2::Commit,
    parent_trees: &[Option<Oid>],
    changes: &mut [Change],
) -> Result<(), git2::Error> {
    let blob_at =
        |trees: &mut Trees, tree: Option<Oid>, path: &str| -> Result<Option<Oid>, git2::Error> {
            Ok(match tree {
                Some(t) => trees.entry_at(t, path)?.filter(|e| !e.1).map(|e| e.0),
                None => None,
            })
        };
    let parse = |hex: &Option<String>| hex.as_deref().and_then(|h| Oid::from_str(h).ok());
    // The merge base's tree, computed once (two parents only).
    let mut base: Option<Option<Oid>> = None;
    for change in changes.iter_mut() {
        let new = parse(&change.new);
        let mut theirs = Vec::new();
        for &tree in &parent_trees[1..] {
            theirs.push(blob_at(trees, tree, &change.path)?);
        }
        if theirs.contains(&new) {
            change.merge = Some(MergeChange::Taken);
            continue;
        }
        if parent_trees.len() > 2 {
            // An octopus merge never records a conflict: what it did is a combination.
            change.merge = Some(MergeChange::Combined);
            continue;
        }
        let base_tree = match base {
            Some(b) => b,
            None => {
                let found = match (commit.parent_id(0), commit.parent_id(1)) {
                    (Ok(a), Ok(b)) => repo
                        .merge_base(a, b)
                        .ok()
                        .and_then(|m| repo.find_commit(m).ok())
                        .map(|c| c.tree_id()),
                    _ => None,
                };
                base = Some(found);
                found
            }
        };
        let earlier = change.from.clone().unwrap_or_else(|| change.path.clone());
        let ancestor = match blob_at(trees, base_tree, &earlier)? {
            Some(b) => Some(b),
            None => blob_at(trees, base_tree, &change.path)?,
        };
        let ours = parse(&change.old);
        let theirs = match theirs[0] {
            Some(b) => Some(b),
            None if change.from.is_some() => blob_at(trees, parent_trees[1], &earlier)?,
            None => None,
        };
        let clean = if ours == ancestor {
            Some(theirs)
        } else if theirs == ancestor {
            Some(ours)
        } else if let (Some(a), Some(o), Some(t), Some(_)) = (ancestor, ours, theirs, new) {
            three_way(repo, a, o, t)
                .and_then(|merged| Oid::hash_object(ObjectType::Blob, &merged).ok())
                .map(Some)
        } else {
            None
        };
        change.merge = Some(if clean == Some(new) {
            MergeChange::Combined
        } else {
            MergeChange::Resolved
        });
    }
    Ok(())
}

/// A clean three-way merge of three blobs' texts, as git would make it; `None` on a conflict.
fn three_way(repo: &Repository, ancestor: Oid, ours: Oid, theirs: Oid) -> Option<Vec<u8>> {
    let (a, o, t) = (
        repo.find_blob(ancestor).ok()?,
        repo.find_blob(ours).ok()?,
        repo.find_blob(theirs).ok()?,
    );
    let mut inputs = [
        git2::MergeFileInput::new(),
        git2::MergeFileInput::new(),
        git2::MergeFileInput::new(),
    ];
    inputs[0].content(a.content());
    inputs[1].content(o.content());
    inputs[2].content(t.content());
    let result = git2::merge_file(&inputs[0], &inputs[1], &inputs[2], None).ok()?;
    result.is_automergeable().then(|| result.content().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each worker's own repository reads the same objects as the repository itself: commits
    /// and blobs from a pack (on two workers, so that the second names the objects directory
    /// by its longer path).
    #[test]
    fn each_worker_reads_the_packed_objects_through_its_own_repository() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = repo.blob(b"# Policy\n").unwrap();
        let mut builder = repo.treebuilder(None).unwrap();
        builder.insert("policy.md", blob, 0o100644).unwrap();
        let tree = repo.find_tree(builder.write().unwrap()).unwrap();
        let who = git2::Signature::new("A", "a@example.com", &git2::Time::new(0, 0)).unwrap();
        let commit = repo
            .commit(Some("HEAD"), &who, &who, "First", &tree, &[])
            .unwrap();
        let git_dir = repo.path().to_path_buf();
        // Packed, and the loose copies removed: every read below comes from the pack.
        let mut pack = repo.packbuilder().unwrap();
        pack.insert_commit(commit).unwrap();
        pack.write(&git_dir.join("objects/pack"), 0o644).unwrap();
        for entry in std::fs::read_dir(git_dir.join("objects")).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n.len() == 2) {
                std::fs::remove_dir_all(path).unwrap();
            }
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        // Once on each worker. The worker's own repository is made from an object database,
        // so it has no work tree (the repository itself has one).
        let read: Vec<(usize, bool, String, Vec<u8>)> = pool.broadcast(|context| {
            let own = for_worker(Repository::open(&git_dir).unwrap()).unwrap();
            let found = own.find_commit(commit).unwrap();
            let text = own.odb().unwrap().read(blob).unwrap().data().to_vec();
            (
                context.index(),
                own.workdir().is_none(),
                found.summary().unwrap().unwrap().to_string(),
                text,
            )
        });
        assert_eq!(read.len(), 2);
        for (worker, own, summary, text) in &read {
            assert!(own, "worker {worker} reads the shared repository");
            assert_eq!(summary, "First");
            assert_eq!(text, b"# Policy\n");
        }
    }
}
