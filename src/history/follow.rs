//! Chains the walk's per-commit changes into per-file histories, following renames: walking
//! from the newest commit back, a file's entries continue under its older path once the commit
//! that renamed it has been passed, wherever that older path is (the walk reports renames into
//! the content directory from elsewhere; see `mod.rs` for how those older paths are walked).
//! Like `git log --follow`, a path keeps its history across a delete and re-add.
//!
//! Which commits are revisions of a file:
//! - a commit with one parent that changed it (on any branch reachable from HEAD);
//! - a merge on HEAD's first-parent chain that changed it relative to its first parent: the
//!   merged pull request, where `Approved-by:` trailers sit;
//! - any merge whose version of the file is neither a parent's nor a clean merge of them
//!   (`MergeChange::Resolved`: a conflict resolution, an "evil merge").
//!
//! A merge of main into a side branch is otherwise no revision: it only brings in changes
//! that are revisions already. A file's lifetime (until it is deleted) has exactly one
//! `added`: a later commit that adds it again from another branch counts as `modified`.

use super::walk::{MergeChange, Walk};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One commit's change to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub commit: String,
    /// The file's path in that commit (it differs across renames).
    pub path: String,
    /// The blob after the commit; `None` when the commit deleted the file.
    pub blob: Option<String>,
    pub kind: String,
}

/// What following the files found.
#[derive(Debug, Clone, Default)]
pub struct Followed {
    /// Revisions of every file present at HEAD, newest first, by their path at HEAD.
    pub files: BTreeMap<String, Vec<Revision>>,
    /// Every older path a file was renamed from, with the position (in `Walk::order`) of the
    /// newest commit that renamed from it: the commits from there on hold its history.
    pub sources: BTreeMap<String, usize>,
}

/// Follows every file of `head_files` back through the walk. `mainline` holds the commits of
/// HEAD's first-parent chain (only its merges are needed).
pub fn follow(walk: &Walk, head_files: &[String], mainline: &HashSet<String>) -> Followed {
    // Which HEAD file a path (at the point of history being walked) belongs to.
    let mut alias: HashMap<String, String> =
        head_files.iter().map(|p| (p.clone(), p.clone())).collect();
    let mut files: BTreeMap<String, Vec<Revision>> =
        head_files.iter().map(|p| (p.clone(), Vec::new())).collect();
    let mut sources: BTreeMap<String, usize> = BTreeMap::new();
    let mut renamed: Vec<(String, String)> = Vec::new();
    for (position, id) in walk.order.iter().enumerate() {
        let Some(record) = walk.records.get(id) else {
            continue;
        };
        let on_mainline = mainline.contains(&record.id);
        for change in &record.changes {
            let Some(key) = alias.get(&change.path) else {
                continue;
            };
            let listed = match change.merge {
                None | Some(MergeChange::Resolved) => true,
                Some(MergeChange::Taken | MergeChange::Combined) => on_mainline,
            };
            if listed {
                files
                    .get_mut(key)
                    .expect("aliases point at HEAD files")
                    .push(Revision {
                        commit: record.id.clone(),
                        path: change.path.clone(),
                        blob: change.new.clone(),
                        kind: change.kind().to_string(),
                    });
            }
            if let Some(from) = &change.from {
                // Keep the new path too: a merge and the branch commit it merges both show the
                // same rename, and both belong to the file. Even a merge that is no revision
                // renames: the branch it merged went on under the new path.
                renamed.push((from.clone(), key.clone()));
                sources.entry(from.clone()).or_insert(position);
            }
        }
        // After the whole commit: its other changes are to the paths as they are after it.
        for (from, key) in renamed.drain(..) {
            alias.insert(from, key);
        }
    }
    for revisions in files.values_mut() {
        one_added_per_lifetime(revisions);
    }
    Followed { files, sources }
}

/// From the oldest revision on, an `added` while the file exists is `modified`: the file was
/// added on two branches, or a merge brought in a file another branch had added.
fn one_added_per_lifetime(revisions: &mut [Revision]) {
    let mut exists = false;
    for r in revisions.iter_mut().rev() {
        match r.kind.as_str() {
            "added" if exists => r.kind = "modified".to_string(),
            "deleted" => exists = false,
            _ => exists = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::walk::{Change, CommitRecord, Person};

    fn record(id: &str, changes: Vec<Change>) -> CommitRecord {
        let p = Person {
            name: "A".into(),
            email: "a@x".into(),
            time: 0,
            offset: 0,
        };
        CommitRecord {
            id: id.into(),
            parents: vec![],
            author: p.clone(),
            committer: p,
            summary: String::new(),
            trailers: vec![],
            signature: Default::default(),
            changes,
        }
    }

    fn change(path: &str, from: Option<&str>, old: Option<&str>, new: Option<&str>) -> Change {
        Change {
            path: path.into(),
            from: from.map(Into::into),
            old: old.map(Into::into),
            new: new.map(Into::into),
            merge: None,
        }
    }

    #[test]
    fn renames_chain_older_revisions_under_the_new_path() {
        let mut walk = Walk {
            order: vec!["c3".into(), "c2".into(), "c1".into()],
            ..Default::default()
        };
        walk.records.insert(
            "c3".into(),
            record("c3", vec![change("b.md", None, Some("2"), Some("3"))]),
        );
        walk.records.insert(
            "c2".into(),
            record(
                "c2",
                vec![change("b.md", Some("a.md"), Some("1"), Some("2"))],
            ),
        );
        walk.records.insert(
            "c1".into(),
            record("c1", vec![change("a.md", None, None, Some("1"))]),
        );
        let files = follow(&walk, &["b.md".into()], &HashSet::new()).files;
        let revs: Vec<(&str, &str, &str)> = files["b.md"]
            .iter()
            .map(|r| (r.commit.as_str(), r.path.as_str(), r.kind.as_str()))
            .collect();
        assert_eq!(
            revs,
            [
                ("c3", "b.md", "modified"),
                ("c2", "b.md", "renamed"),
                ("c1", "a.md", "added")
            ]
        );
    }
}
