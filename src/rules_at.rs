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
    pub roles: Vec<Role>,
    pub signers: Arc<Vec<AllowedSigner>>,
    pub mode: Mode,
    pub allow_proxy: bool,
    /// `book.toml` as committed there (its type rules), when it could be read.
    project: Option<Arc<Project>>,
}

impl RulesAt {
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id.value == id)
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
    roles_by_blob: Mutex<HashMap<git2::Oid, Arc<Vec<Role>>>>,
    config_by_blob: Mutex<HashMap<git2::Oid, Option<Arc<Project>>>>,
    signers_by_blob: Mutex<HashMap<git2::Oid, Arc<Vec<AllowedSigner>>>>,
    /// Repositories opened by earlier reads, for the next (git2's are not `Sync`).
    repos: Mutex<Vec<git2::Repository>>,
}

impl RulesCache {
    pub fn new(registries: Vec<String>) -> Self {
        RulesCache {
            registries,
            ..RulesCache::default()
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
        let commit = repo.find_commit(git2::Oid::from_str(id).ok()?).ok()?;
        // The first parent; a root commit (or a shallow clone's boundary) by its own tree.
        let base = commit.parent(0).unwrap_or_else(|_| commit.clone());
        let tree = base.tree().ok()?;
        let blob_at = |project_file: &str| -> Option<git2::Oid> {
            let path = history.repo_path(project_file);
            tree.get_path(std::path::Path::new(&path))
                .ok()
                .map(|e| e.id())
        };
        let text_of = |blob: git2::Oid| -> Option<String> {
            let blob = repo.find_blob(blob).ok()?;
            String::from_utf8(blob.content().to_vec()).ok()
        };
        let config = blob_at(crate::config::FILE_NAME).and_then(|blob| {
            remembered(&self.config_by_blob, blob, || {
                text_of(blob)
                    .and_then(|text| crate::config::parse(&project.root, text).ok())
                    .map(|(p, _)| Arc::new(p))
            })
        });
        let approval = config
            .as_ref()
            .map(|p| p.config.approval.clone())
            .unwrap_or_default();
        let signers =
            approval
                .allowed_signers
                .as_ref()
                .and_then(|file| blob_at(file))
                .map(|blob| {
                    remembered(&self.signers_by_blob, blob, || {
                        Arc::new(text_of(blob).map_or_else(Vec::new, |text| {
                            signature::parse_allowed_signers(&text).0
                        }))
                    })
                })
                .unwrap_or_default();
        let mut roles = Vec::new();
        for file in &self.registries {
            let Some(blob) = blob_at(file) else { continue };
            let Some(blob) = self.approved_registry(history, repo, &base, file, blob) else {
                continue;
            };
            roles.extend(self.roles_of(project, repo, file, blob).iter().cloned());
        }
        Some(RulesAt {
            base: base.id().to_string(),
            roles,
            signers,
            mode: approval.evidence,
            allow_proxy: approval.allow_proxy,
            project: config,
        })
    }

    /// The registry blob in force at `base`: as committed there when it is signed off (or
    /// uses no sign-off), else its newest approved revision among `base`'s ancestors.
    fn approved_registry(
        &self,
        history: &HistoryIndex,
        repo: &git2::Repository,
        base: &git2::Commit,
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
            let ancestor =
                commit == base.id() || repo.graph_descendant_of(base.id(), commit).ok()?;
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
