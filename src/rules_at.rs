//! The approval rules in force when a commit was made: the roles registry (holders, since/until,
//! authorities), `[approval]` and `[types.*]` of `book.toml`, and the `allowed_signers` file,
//! each as committed in the commit's first parent. A commit is judged by what was in force
//! before it, so a commit that grants a role, an authority, a key or a laxer rule cannot use
//! the grant itself: whoever can commit could otherwise rewrite who was allowed to approve.
//!
//! A root commit (no parent) is judged by its own tree: it founds the repository. A registry
//! whose record sign-off (`status`) is not `approved` in that parent is replaced by its newest
//! approved revision among the parent's ancestors, if there is one.

use crate::config::{Evidence as Mode, Project, RECORD_TYPES};
use crate::content::Kind;
use crate::content::document::Role;
use crate::history::HistoryIndex;
use crate::history::signature::{self, AllowedSigner};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The rules a commit is judged by.
#[derive(Debug)]
pub struct RulesAt {
    /// The commit whose tree the rules were read from (the judged commit's first parent).
    pub base: String,
    /// The roles of each registry (shared between the commits that carry the same blob).
    registries: Vec<Arc<Vec<Role>>>,
    pub signers: Arc<Vec<AllowedSigner>>,
    pub mode: Mode,
    pub allow_proxy: bool,
    /// `book.toml` as committed there (its type rules), when it could be read.
    project: Option<Arc<Project>>,
}

impl RulesAt {
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.registries
            .iter()
            .flat_map(|roles| roles.iter())
            .find(|r| r.id.value == id)
    }

    /// The custodian roles of the acknowledgement records as `book.toml` named them there;
    /// `None` when it named none (or could not be read).
    pub fn custodians(&self) -> Option<&[String]> {
        let list = &self.project.as_ref()?.config.acknowledgement.custodians;
        (!list.is_empty()).then_some(list.as_slice())
    }

    /// Whether `role` could approve a document of `doc_type` under these rules: listed for the
    /// type (records: top management, the policy's approvers), or holding `approve-TYPE`.
    pub fn may_approve(&self, role: &str, doc_type: &str) -> bool {
        let listed_for = if RECORD_TYPES.contains(&doc_type) {
            "policy"
        } else {
            doc_type
        };
        let listed = self
            .project
            .as_ref()
            .and_then(|p| p.rules(listed_for))
            .is_some_and(|r| r.approvers.iter().any(|a| a == role));
        listed || self.role(role).is_some_and(|r| r.may_approve(doc_type))
    }
}

/// Reads and remembers the rules in force at each judged commit (many commits share a parent's
/// registry, and each is judged for every approval it might back). Parsed files are kept by
/// blob id, so a registry, `book.toml` or signer list is parsed once however many commits
/// carry it. Owned by the `Site`; the project and history are passed in.
#[derive(Default)]
pub struct RulesCache {
    /// The project files of the roles registries at HEAD: where to look in older trees.
    registries: Vec<String>,
    by_commit: Mutex<HashMap<String, Option<Arc<RulesAt>>>>,
    /// Where each judged commit's rules are (its base and the blobs of the rule files there):
    /// facts of the object graph that never change, kept across runs in
    /// `.git/policybook/rules.bin`, so that a build with nothing new reads no trees for them.
    located: Mutex<Located>,
    /// The rule files' blobs at every commit, from a fresh walk's changes (see
    /// `history::blobs_at`): locating a commit's rules then reads no tree.
    walked_blobs: std::sync::OnceLock<Option<crate::history::blobs_at::BlobsAt>>,
    roles_by_blob: Mutex<HashMap<git2::Oid, Arc<Vec<Role>>>>,
    config_by_blob: Mutex<HashMap<git2::Oid, Option<Arc<Project>>>>,
    signers_by_blob: Mutex<HashMap<git2::Oid, Arc<Vec<AllowedSigner>>>>,
    /// Repositories opened by earlier reads, for the next (git2's are not `Sync`).
    repos: Mutex<Vec<git2::Repository>>,
}

/// The located rules of every commit judged so far, and whether any is new since the file.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Located {
    /// What the locations depend on besides the commits: the registries looked for, and the
    /// shallow boundary (deepening a clone gives a boundary commit its parent).
    key: Vec<String>,
    by_commit: HashMap<String, Location>,
    #[serde(skip)]
    unsaved: bool,
}

/// A judged commit's base (its first parent, or itself for a root commit) and the blob ids of
/// `book.toml`, the allowed signers and each registry there.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Location {
    base: String,
    config: Option<String>,
    signers: Option<String>,
    registries: Vec<Option<String>>,
}

const LOCATED_FILE: &str = "rules.bin";
/// Bumped whenever `Located` changes.
const LOCATED_FORMAT: u32 = 1;

impl RulesCache {
    pub fn new(registries: Vec<String>) -> Self {
        RulesCache {
            registries,
            ..RulesCache::default()
        }
    }

    /// Like `new`, with the locations a previous run kept (when they were kept for the same
    /// registries and boundary).
    pub fn with_kept(registries: Vec<String>, history: &HistoryIndex) -> Self {
        let key = Self::key(&registries, history);
        let kept = std::fs::read(history.git_dir.join("policybook").join(LOCATED_FILE))
            .ok()
            .and_then(|bytes| postcard::from_bytes::<(u32, String, Located)>(&bytes).ok())
            .filter(|(format, version, located)| {
                *format == LOCATED_FORMAT
                    && version == env!("CARGO_PKG_VERSION")
                    && located.key == key
            })
            .map(|(_, _, located)| located)
            .unwrap_or(Located {
                key,
                ..Located::default()
            });
        RulesCache {
            registries,
            located: Mutex::new(kept),
            ..RulesCache::default()
        }
    }

    fn key(registries: &[String], history: &HistoryIndex) -> Vec<String> {
        let mut key = registries.to_vec();
        key.push(history.boundary.clone());
        key
    }

    /// Writes the locations found this run for the next; failures only cost time.
    pub fn save(&self, git_dir: &std::path::Path) {
        let located = self.located.lock().expect("no reader panics");
        if !located.unsaved {
            return;
        }
        let dir = git_dir.join("policybook");
        let Ok(bytes) =
            postcard::to_allocvec(&(LOCATED_FORMAT, env!("CARGO_PKG_VERSION"), &*located))
        else {
            return;
        };
        if std::fs::create_dir_all(&dir).is_ok()
            && let Ok(mut file) = tempfile::NamedTempFile::new_in(&dir)
            && std::io::Write::write_all(&mut file, &bytes).is_ok()
        {
            let _ = file.persist(dir.join(LOCATED_FILE));
        }
    }

    /// The rules commit `id` is judged by; `None` when its trees cannot be read.
    pub fn at(&self, project: &Project, history: &HistoryIndex, id: &str) -> Option<Arc<RulesAt>> {
        if let Some(found) = self.by_commit.lock().expect("no reader panics").get(id) {
            return found.clone();
        }
        let repo = match self.repos.lock().expect("no reader panics").pop() {
            Some(repo) => repo,
            None => git2::Repository::open(&history.git_dir).ok()?,
        };
        let found = self.read(project, history, &repo, id).map(Arc::new);
        self.repos.lock().expect("no reader panics").push(repo);
        self.by_commit
            .lock()
            .expect("no reader panics")
            .insert(id.to_string(), found.clone());
        found
    }

    fn read(
        &self,
        project: &Project,
        history: &HistoryIndex,
        repo: &git2::Repository,
        id: &str,
    ) -> Option<RulesAt> {
        let kept = self
            .located
            .lock()
            .expect("no reader panics")
            .by_commit
            .get(id)
            .cloned();
        let location = match kept {
            Some(location) => location,
            None => {
                let location = match self.locate_by_walk(project, history, repo, id) {
                    Some(location) => location,
                    None => self.locate(project, history, repo, id)?,
                };
                let mut located = self.located.lock().expect("no reader panics");
                located.by_commit.insert(id.to_string(), location.clone());
                located.unsaved = true;
                location
            }
        };
        let oid = |hex: &Option<String>| hex.as_deref().and_then(|h| git2::Oid::from_str(h).ok());
        let text_of = |blob: git2::Oid| -> Option<String> {
            let blob = repo.find_blob(blob).ok()?;
            String::from_utf8(blob.content().to_vec()).ok()
        };
        let config = oid(&location.config).and_then(|blob| self.config_of(project, repo, blob));
        let approval = config
            .as_ref()
            .map(|p| p.config.approval.clone())
            .unwrap_or_default();
        let signers =
            oid(&location.signers)
                .map(|blob| {
                    remembered(&self.signers_by_blob, blob, || {
                        Arc::new(text_of(blob).map_or_else(Vec::new, |text| {
                            signature::parse_allowed_signers(&text).0
                        }))
                    })
                })
                .unwrap_or_default();
        let base = git2::Oid::from_str(&location.base).ok()?;
        let mut registries = Vec::new();
        for (file, blob) in self.registries.iter().zip(&location.registries) {
            let Some(blob) = oid(blob) else { continue };
            let Some(blob) = self.approved_registry(history, repo, base, file, blob) else {
                continue;
            };
            registries.push(self.roles_of(project, repo, file, blob));
        }
        Some(RulesAt {
            base: location.base,
            registries,
            signers,
            mode: approval.evidence,
            allow_proxy: approval.allow_proxy,
            project: config,
        })
    }

    /// `book.toml` as a blob holds it, parsed once.
    fn config_of(
        &self,
        project: &Project,
        repo: &git2::Repository,
        blob: git2::Oid,
    ) -> Option<Arc<Project>> {
        remembered(&self.config_by_blob, blob, || {
            let blob = repo.find_blob(blob).ok()?;
            let text = String::from_utf8(blob.content().to_vec()).ok()?;
            crate::config::parse(&project.root, text)
                .ok()
                .map(|(p, _)| Arc::new(p))
        })
    }

    /// `locate`, from the blobs the walk's changes give each commit; `None` when they do not
    /// cover this commit or one of its rule files (then `locate` reads the trees).
    fn locate_by_walk(
        &self,
        project: &Project,
        history: &HistoryIndex,
        repo: &git2::Repository,
        id: &str,
    ) -> Option<Location> {
        let walked = self
            .walked_blobs
            .get_or_init(|| {
                let files = std::iter::once(crate::config::FILE_NAME)
                    .chain(self.registries.iter().map(String::as_str))
                    .chain(project.config.approval.allowed_signers.as_deref());
                history
                    .blobs_at_every_commit(&files.map(|f| history.repo_path(f)).collect::<Vec<_>>())
            })
            .as_ref()?;
        let commit = git2::Oid::from_str(id).ok()?;
        // The first parent, as `locate` takes it: a root commit, or a boundary commit whose
        // parent the clone lacks, is judged by its own tree.
        let base = match history.first_parents.as_deref()?.get(&commit)? {
            Some(parent) if walked.at(*parent).is_some() => *parent,
            _ => commit,
        };
        let blobs = walked.at(base)?;
        self.location_at(project, repo, base, |file| {
            walked.index_of(&history.repo_path(file)).map(|i| blobs[i])
        })
    }

    /// Where commit `id`'s rules are: its base and the rule files' blobs there.
    fn locate(
        &self,
        project: &Project,
        history: &HistoryIndex,
        repo: &git2::Repository,
        id: &str,
    ) -> Option<Location> {
        // The first parent; a root commit (or a shallow clone's boundary) by its own tree. The
        // walk's record names the parents, which saves reading the commit itself.
        let first_parent = history
            .commit(id)
            .and_then(|r| r.parents.first())
            .and_then(|p| git2::Oid::from_str(p).ok())
            .and_then(|p| repo.find_commit(p).ok());
        let base = match first_parent {
            Some(parent) => parent,
            None => {
                let commit = repo.find_commit(git2::Oid::from_str(id).ok()?).ok()?;
                commit.parent(0).unwrap_or(commit)
            }
        };
        let tree = base.tree().ok()?;
        self.location_at(project, repo, base.id(), |file| {
            let path = history.repo_path(file);
            Some(
                tree.get_path(std::path::Path::new(&path))
                    .ok()
                    .map(|e| e.id()),
            )
        })
    }

    /// The rules' location at `base`, given the blob of a project file there (`Some(None)`:
    /// no such file; `None`: not known, and then neither is the location).
    fn location_at(
        &self,
        project: &Project,
        repo: &git2::Repository,
        base: git2::Oid,
        blob_at: impl Fn(&str) -> Option<Option<git2::Oid>>,
    ) -> Option<Location> {
        let hex = |blob: Option<git2::Oid>| blob.map(|b| b.to_string());
        let config = blob_at(crate::config::FILE_NAME)?;
        let signers_file = config
            .and_then(|blob| self.config_of(project, repo, blob))
            .and_then(|p| p.config.approval.allowed_signers.clone());
        let signers = match signers_file {
            Some(file) => blob_at(&file)?,
            None => None,
        };
        let registries = self
            .registries
            .iter()
            .map(|file| blob_at(file).map(hex))
            .collect::<Option<Vec<_>>>()?;
        Some(Location {
            base: base.to_string(),
            config: hex(config),
            signers: hex(signers),
            registries,
        })
    }

    /// The registry blob in force at `base`: as committed there when it is signed off (or
    /// uses no sign-off), else its newest approved revision among `base`'s ancestors.
    fn approved_registry(
        &self,
        history: &HistoryIndex,
        repo: &git2::Repository,
        base: git2::Oid,
        file: &str,
        blob: git2::Oid,
    ) -> Option<git2::Oid> {
        let status = |blob: &str| history.facts(blob).and_then(|f| f.status.clone());
        match status(&blob.to_string()) {
            None => return Some(blob),
            Some(s) if s == "approved" => return Some(blob),
            Some(_) => {}
        }
        history.revisions(file).iter().find_map(|r| {
            let id = r.blob.as_deref()?;
            if status(id).as_deref() != Some("approved") {
                return None;
            }
            let commit = git2::Oid::from_str(&r.commit).ok()?;
            let ancestor = commit == base || repo.graph_descendant_of(base, commit).ok()?;
            ancestor.then(|| git2::Oid::from_str(id).ok()).flatten()
        })
    }

    fn roles_of(
        &self,
        project: &Project,
        repo: &git2::Repository,
        file: &str,
        blob: git2::Oid,
    ) -> Arc<Vec<Role>> {
        remembered(&self.roles_by_blob, blob, || {
            parse_roles(project, repo, file, blob)
        })
    }
}

/// The roles a registry blob defines.
fn parse_roles(
    project: &Project,
    repo: &git2::Repository,
    file: &str,
    blob: git2::Oid,
) -> Arc<Vec<Role>> {
    let text = repo
        .find_blob(blob)
        .ok()
        .and_then(|b| String::from_utf8(b.content().to_vec()).ok())
        .unwrap_or_default();
    let rel = project
        .src_dir
        .strip_prefix(&project.root)
        .ok()
        .and_then(|src| std::path::Path::new(file).strip_prefix(src).ok())
        .map_or(file.to_string(), |p| p.to_string_lossy().into_owned());
    let (doc, _) = crate::content::document::read(project, &rel, file, text);
    Arc::new(match doc.meta.map(|m| m.kind) {
        Some(Kind::Roles(list)) => list,
        _ => Vec::new(),
    })
}

/// The value remembered for `blob`, made by `make` the first time (outside the lock).
fn remembered<T: Clone>(
    memory: &Mutex<HashMap<git2::Oid, T>>,
    blob: git2::Oid,
    make: impl FnOnce() -> T,
) -> T {
    if let Some(found) = memory.lock().expect("no reader panics").get(&blob) {
        return found.clone();
    }
    let made = make();
    memory
        .lock()
        .expect("no reader panics")
        .insert(blob, made.clone());
    made
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::blobs_at::tests::commit;

    /// Locating a commit's rules from the walk gives what reading its parent's tree gives, for
    /// every commit of a branchy history whose `book.toml`, registry and signer list change;
    /// and where `book.toml` names a signer list outside the walked scope, the walk does not
    /// answer, so that the trees are read.
    #[test]
    fn the_walk_locates_the_rules_as_the_trees_do() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let toml = |signers: &str| {
            format!(
                "[book]\ntitle = \"T\"\nsrc = \"content\"\n\n[approval]\nallowed-signers = \"{signers}\"\n"
            )
        };
        let inside = toml("keys/allowed_signers");
        let outside = toml("other/allowed_signers");
        let c1 = commit(
            &repo,
            &[
                ("book.toml", Some(&inside)),
                ("content/roles.md", Some("roles 1\n")),
                ("keys/allowed_signers", Some("k1\n")),
                ("other/allowed_signers", Some("o1\n")),
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
        let b1 = commit(
            &repo,
            &[("keys/allowed_signers", Some("k2\n"))],
            &[c2],
            3,
            false,
        );
        let c3 = commit(&repo, &[("book.toml", Some(&outside))], &[c2], 4, true);
        let c4 = commit(
            &repo,
            &[("content/roles.md", Some("roles 3\n"))],
            &[c3],
            5,
            true,
        );
        let b2 = commit(&repo, &[("book.toml", Some(&outside))], &[b1, c4], 6, false);
        let c5 = commit(&repo, &[("book.toml", Some(&inside))], &[c4], 7, true);
        let merge = commit(
            &repo,
            &[("keys/allowed_signers", Some("k2\n"))],
            &[c5, b2],
            8,
            true,
        );
        commit(
            &repo,
            &[("content/roles.md", Some("roles 4\n"))],
            &[merge],
            9,
            true,
        );

        let (project, _) = crate::config::load(dir.path()).unwrap();
        let history = crate::history::load(&project).unwrap();
        let rules = RulesCache::new(vec!["content/roles.md".to_string()]);
        let repo = git2::Repository::open(dir.path()).unwrap();
        let (mut by_walk, mut by_tree_only) = (0, 0);
        for id in &history.walk.order {
            let by_tree = rules.locate(&project, &history, &repo, id).unwrap();
            match rules.locate_by_walk(&project, &history, &repo, id) {
                Some(located) => {
                    assert_eq!(located, by_tree, "commit {id}");
                    by_walk += 1;
                }
                None => by_tree_only += 1,
            }
        }
        // c4 and c5 are judged by their parents' book.toml (c3's and c4's), which names the
        // list the walk did not track; b2 by b1's, its first parent.
        assert_eq!((by_walk, by_tree_only), (7, 2));
    }
}
