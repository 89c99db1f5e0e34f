//! The blobs of a few paths at every commit of a fresh walk, worked out from the walk's
//! changes instead of read from each commit's tree: a commit's files are its first parent's
//! with the commit's changes against that parent applied, and the walk already holds both.
//! Judging approvals asks where `book.toml`, the allowed signers and the roles registries
//! were in the parent of each approving commit; reading three trees per commit for that was a
//! twentieth of a cold build's CPU on a 20,000-commit history, this is a pass over the commit
//! ids.

use super::HistoryIndex;
use super::walk::in_scope;
use git2::Oid;

/// Each walked commit's blobs of the tracked paths (`None`: no such file there).
pub struct BlobsAt {
    paths: Vec<String>,
    /// The distinct states met, shared by the commits that changed none of the paths.
    states: Vec<Box<[Option<Oid>]>>,
    of_commit: rustc_hash::FxHashMap<Oid, u32>,
}

impl BlobsAt {
    /// The tracked paths' blobs at `commit`, in the order of `paths`; `None` for a commit
    /// the walk did not meet.
    pub fn at(&self, commit: Oid) -> Option<&[Option<Oid>]> {
        let state = *self.of_commit.get(&commit)?;
        Some(&self.states[state as usize])
    }

    /// Where `path` is in each state, if it is tracked.
    pub fn index_of(&self, path: &str) -> Option<usize> {
        self.paths.iter().position(|p| p == path)
    }
}

impl HistoryIndex {
    /// The blobs of `paths` (repository paths) at every commit walked, when this index was
    /// walked afresh (it then knows every commit's first parent) and its order puts parents
    /// first. Paths outside the scope are not tracked (the walk of the scope did not see
    /// their changes): `index_of` does not find them, and their callers read trees.
    pub fn blobs_at_every_commit(&self, paths: &[String]) -> Option<BlobsAt> {
        let first_parents = self.first_parents.as_deref()?;
        // The scope only: the directories outside it that lineages reached were walked in
        // later rounds, and what those saw of each commit is not relied on here.
        let paths: Vec<String> = paths
            .iter()
            .filter(|p| in_scope(p, &self.scope))
            .cloned()
            .collect();
        let slot = |path: &str| paths.iter().position(|p| p == path);
        // State 0: no file (before a root commit).
        let mut states: Vec<Box<[Option<Oid>]>> = vec![vec![None; paths.len()].into_boxed_slice()];
        let mut of_commit = rustc_hash::FxHashMap::default();
        of_commit.reserve(self.walk.order.len());
        // Oldest first: a parent comes before its children in the walk's topological order.
        for id in self.walk.order.iter().rev() {
            let oid = Oid::from_str(id).ok()?;
            let parent_state = match first_parents.get(&oid)? {
                // A root commit, or a shallow boundary (its parent is not in the repository,
                // and the walk compared it with nothing): its changes are all its files.
                None => 0,
                Some(parent) => match of_commit.get(parent) {
                    Some(&state) => state,
                    None if first_parents.contains_key(parent) => return None,
                    None => 0,
                },
            };
            let changes = self
                .walk
                .records
                .get(id)
                .map(|r| r.changes.as_slice())
                .unwrap_or_default();
            let touches = |path: &str| slot(path).is_some();
            let state = if changes
                .iter()
                .any(|c| touches(&c.path) || c.from.as_deref().is_some_and(touches))
            {
                let mut state = states[parent_state as usize].clone();
                // The sources of renames first: a swap of two paths sets both after.
                for from in changes.iter().filter_map(|c| c.from.as_deref()) {
                    if let Some(i) = slot(from) {
                        state[i] = None;
                    }
                }
                for change in changes {
                    if let Some(i) = slot(&change.path) {
                        state[i] = match change.new.as_deref() {
                            Some(hex) => Some(Oid::from_str(hex).ok()?),
                            None => None,
                        };
                    }
                }
                states.push(state);
                u32::try_from(states.len() - 1).ok()?
            } else {
                parent_state
            };
            of_commit.insert(oid, state);
        }
        Some(BlobsAt {
            paths,
            states,
            of_commit,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use git2::{Oid, Repository, Signature, Time};
    use std::path::Path;

    /// Writes `files` (path, text; `None` deletes) into the work tree and index and commits
    /// them with the given parents, at a fixed time (`rules_at`'s tests use it too).
    pub(crate) fn commit(
        repo: &Repository,
        files: &[(&str, Option<&str>)],
        parents: &[Oid],
        n: i64,
        update_head: bool,
    ) -> Oid {
        let workdir = repo.workdir().unwrap();
        let mut index = repo.index().unwrap();
        // Start from the first parent's tree, so that a side branch's commits do not carry
        // what the work tree holds from another branch.
        match parents.first() {
            Some(p) => index
                .read_tree(&repo.find_commit(*p).unwrap().tree().unwrap())
                .unwrap(),
            None => index.clear().unwrap(),
        }
        for (path, text) in files {
            let full = workdir.join(path);
            match text {
                Some(text) => {
                    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                    std::fs::write(&full, text).unwrap();
                    index.add_path(Path::new(path)).unwrap();
                }
                None => {
                    let _ = std::fs::remove_file(&full);
                    index.remove_path(Path::new(path)).unwrap();
                }
            }
        }
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let who =
            Signature::new("A", "a@example.com", &Time::new(1_700_000_000 + n * 60, 0)).unwrap();
        let parents: Vec<_> = parents
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let parents: Vec<_> = parents.iter().collect();
        let head = update_head.then_some("HEAD");
        repo.commit(head, &who, &who, &format!("c{n}"), &tree, &parents)
            .unwrap()
    }

    /// Every commit's blobs of the tracked paths, as worked out from the walk, are the ones
    /// its tree holds: through edits, a rename away and back, a swap of two names, a deletion,
    /// a side branch with main merged into it and the branch merged back.
    #[test]
    fn the_walk_gives_each_commit_the_blobs_its_tree_holds() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let toml = "[book]\ntitle = \"T\"\nsrc = \"content\"\n";
        let c1 = commit(
            &repo,
            &[
                ("book.toml", Some(toml)),
                ("content/roles.md", Some("roles 1\n")),
                ("content/other.md", Some("other 1\n")),
                ("keys/allowed_signers", Some("k1\n")),
            ],
            &[],
            1,
            true,
        );
        let c2 = commit(
            &repo,
            &[("content/roles.md", Some("roles 2\n"))],
            &[c1],
            2,
            true,
        );
        // A side branch from c2: the registry moves away, main is merged in, it moves back.
        let b1 = commit(
            &repo,
            &[
                ("content/roles.md", None),
                ("content/team/roles.md", Some("roles 2\n")),
            ],
            &[c2],
            3,
            false,
        );
        let c3 = commit(
            &repo,
            &[
                ("book.toml", Some(&format!("{toml}# edited\n"))),
                ("content/other.md", Some("other 2\n")),
            ],
            &[c2],
            4,
            true,
        );
        let b2 = commit(
            &repo,
            &[("book.toml", Some(&format!("{toml}# edited\n")))],
            &[b1, c3],
            5,
            false,
        );
        let b3 = commit(
            &repo,
            &[
                ("content/team/roles.md", None),
                ("content/roles.md", Some("roles 3\n")),
            ],
            &[b2],
            6,
            false,
        );
        // The two content files swap names.
        let b4 = commit(
            &repo,
            &[
                ("content/roles.md", Some("other 2\n")),
                ("content/other.md", Some("roles 3\n")),
            ],
            &[b3],
            7,
            false,
        );
        let c4 = commit(
            &repo,
            &[("keys/allowed_signers", Some("k2\n"))],
            &[c3],
            8,
            true,
        );
        // The merge takes the branch's content files.
        let merge = commit(
            &repo,
            &[
                ("content/roles.md", Some("other 2\n")),
                ("content/other.md", Some("roles 3\n")),
            ],
            &[c4, b4],
            9,
            true,
        );
        commit(
            &repo,
            &[("content/roles.md", None), ("keys/allowed_signers", None)],
            &[merge],
            10,
            true,
        );
        let (project, _) = crate::config::load(dir.path()).unwrap();
        let mut project = project;
        project.config.approval.allowed_signers = Some("keys/allowed_signers".into());
        let history = super::super::load(&project).unwrap();
        assert!(history.first_parents.is_some(), "a fresh walk keeps them");
        let paths: Vec<String> = [
            "book.toml",
            "content/roles.md",
            "content/other.md",
            "keys/allowed_signers",
            "content/team/roles.md",
        ]
        .map(String::from)
        .to_vec();
        let walked = history.blobs_at_every_commit(&paths).unwrap();
        assert_eq!(walked.index_of("keys/allowed_signers"), Some(3));
        assert_eq!(history.walk.order.len(), 10);
        let mut distinct = std::collections::HashSet::new();
        for id in &history.walk.order {
            let commit = repo.find_commit(Oid::from_str(id).unwrap()).unwrap();
            let tree = commit.tree().unwrap();
            let held: Vec<Option<Oid>> = paths
                .iter()
                .map(|p| tree.get_path(Path::new(p)).ok().map(|e| e.id()))
                .collect();
            let found = walked.at(commit.id()).unwrap();
            assert_eq!(
                found,
                held.as_slice(),
                "commit {}",
                commit.summary().unwrap().unwrap()
            );
            distinct.insert(held);
        }
        assert!(distinct.len() >= 8, "the fixture changes the paths often");
    }
}
