//! Chains the walk's per-commit changes into per-file histories, following renames: walking
//! from the newest commit back, a file's entries continue under its older path once the commit
//! that renamed it has been passed. Like `git log --follow`, a path keeps its history across a
//! delete and re-add; unlike it, a merge commit counts as changing what it changes relative to
//! its first parent (that is where a merged pull request's approval trailers are).

use super::walk::Walk;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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

/// Revisions of every file present at HEAD, newest first, by their path at HEAD.
pub fn follow(walk: &Walk, head_files: &[String]) -> BTreeMap<String, Vec<Revision>> {
    // Which HEAD file a path (at the point of history being walked) belongs to.
    let mut alias: HashMap<String, String> =
        head_files.iter().map(|p| (p.clone(), p.clone())).collect();
    let mut files: BTreeMap<String, Vec<Revision>> =
        head_files.iter().map(|p| (p.clone(), Vec::new())).collect();
    for id in &walk.order {
        let Some(record) = walk.records.get(id) else {
            continue;
        };
        for change in &record.changes {
            let Some(key) = alias.get(&change.path).cloned() else {
                continue;
            };
            files
                .get_mut(&key)
                .expect("aliases point at HEAD files")
                .push(Revision {
                    commit: record.id.clone(),
                    path: change.path.clone(),
                    blob: change.new.clone(),
                    kind: change.kind().to_string(),
                });
            if let Some(from) = &change.from {
                // Keep the new path too: a merge and the branch commit it merges both show the
                // same rename, and both belong to the file.
                alias.insert(from.clone(), key);
            }
        }
    }
    files
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
        let files = follow(&walk, &["b.md".into()]);
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
