//! Git history: takes the `Project` and gives the `HistoryIndex`: one walk over the commits of
//! HEAD (`walk`), chained per file across renames (`follow`), with the facts of every revision's
//! blob read once (`content::facts`), each document's revisions and approved versions
//! (`versions`), and a persisted cache so the next run walks only the commits it has not seen.
//! Stands on `diagnostic`, `config` and `content`; must not import `site`, `stamp`, `validate`
//! or anything later (deciding whether an approval is evidenced needs the site: `stamp` does
//! it). Reads the repository with git2 only; never writes to it except the cache file inside
//! the git directory.

pub mod approval_tags;
pub mod blobs_at;
pub mod cache;
pub mod follow;
pub mod rename;
pub(crate) mod share;
pub mod signature;
pub mod trailers;
mod tree;
pub mod versions;
pub mod walk;
pub mod worktree;

pub use follow::Revision;
pub use walk::{CommitRecord, Person};

use crate::config::Project;
use crate::content::facts::{self, Facts};
use crate::diagnostic::{Code, Diagnostic};
use git2::{Oid, Repository};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where HEAD points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    Branch(String),
    Detached,
}

/// The history of the project's content, as far as the repository holds it.
#[derive(Debug, Clone)]
pub struct HistoryIndex {
    pub git_dir: PathBuf,
    pub workdir: PathBuf,
    /// The project root relative to the repository top, with a trailing `/` (or empty).
    pub prefix: String,
    pub head: String,
    pub head_ref: Head,
    /// A shallow clone: older commits are missing and first revisions may be wrong.
    pub shallow: bool,
    pub walk: walk::Walk,
    /// Revisions of every file in scope at HEAD, newest first, by repository path.
    pub files: BTreeMap<String, Vec<Revision>>,
    /// Facts of every Markdown blob any revision points at, by blob id.
    pub blobs: rustc_hash::FxHashMap<String, Facts>,
    /// Blob ids at HEAD, by repository path.
    pub head_blobs: HashMap<String, String>,
    /// The paths the walk looked at and the shallow boundary it saw: with HEAD, what decides
    /// whether this index is still current (see `load_reusing`).
    pub scope: Vec<String>,
    pub boundary: String,
    /// `[history] follow-outside`, and the directories outside the scope that files' lineages
    /// reached and the walk covered too.
    pub follow_outside: bool,
    pub outside: Vec<String>,
    /// The merge commits of the walk that are on HEAD's first-parent chain (merged pull
    /// requests), sorted: finding the chain reads every commit, so it is kept with the walk.
    pub mainline: Vec<String>,
    /// The texts of the approved blobs this run read (see `read_facts`), for the diffs between
    /// approved versions.
    pub approved_texts: HeldTexts,
    /// This index says more than the cache on disk: see [`HistoryIndex::save`].
    pub unsaved: bool,
    /// The first parent of every commit walked (`None` for a root or a shallow boundary), when
    /// this run walked the whole history afresh: with the walk's changes, the blob of any
    /// path in scope at any commit follows without reading a tree (see `rules_at`).
    pub first_parents: Option<Arc<FirstParents>>,
}

/// Blob texts held from one pass for a later one, shared by clones and taken once.
#[derive(Clone, Default)]
pub struct HeldTexts(Arc<Mutex<HashMap<String, Arc<str>>>>);

impl HeldTexts {
    pub fn new(texts: HashMap<String, Arc<str>>) -> HeldTexts {
        HeldTexts(Arc::new(Mutex::new(texts)))
    }

    /// The texts, leaving none behind (they are large: whoever needs them takes them once).
    pub fn take(&self) -> HashMap<String, Arc<str>> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl std::fmt::Debug for HeldTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.0.lock().map_or(0, |texts| texts.len());
        write!(f, "HeldTexts({count} texts)")
    }
}

impl HistoryIndex {
    /// Writes the index to the cache if it says more than the cache does (`unsaved`); returns
    /// whether it wrote (the caller then clears `unsaved`). Not part of `load_reusing`, so that
    /// the caller can write the cache (16 MB for 20,000 commits) while other work goes on.
    pub fn save(&self) -> bool {
        if !self.unsaved {
            return false;
        }
        let started = crate::timing::start();
        cache::write(&cache::Snapshot {
            git_dir: &self.git_dir,
            scope: &self.scope,
            boundary: &self.boundary,
            follow_outside: self.follow_outside,
            outside: &self.outside,
            mainline: &self.mainline,
            walk: &self.walk,
            blobs: &self.blobs,
        });
        crate::timing::phase("history cache write", started);
        true
    }

    /// The repository path of a file given relative to the project root.
    pub fn repo_path(&self, project_file: &str) -> String {
        format!("{}{project_file}", self.prefix)
    }

    /// The project-relative path of a repository path (if it is inside the project).
    pub fn project_path<'a>(&self, repo_path: &'a str) -> Option<&'a str> {
        repo_path.strip_prefix(self.prefix.as_str())
    }

    pub fn revisions(&self, project_file: &str) -> &[Revision] {
        self.files
            .get(&self.repo_path(project_file))
            .map_or(&[], Vec::as_slice)
    }

    pub fn commit(&self, id: &str) -> Option<&CommitRecord> {
        self.walk.records.get(id)
    }

    pub fn facts(&self, blob: &str) -> Option<&Facts> {
        self.blobs.get(blob)
    }
}

/// Why there is no history to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    NotARepository,
    Empty,
    Unborn(String),
    Broken(String),
}

impl Unavailable {
    pub fn diagnostic(&self) -> Diagnostic {
        let (message, help) = match self {
            Unavailable::NotARepository => (
                "the project is not in a Git repository: versions and approvals cannot be evidenced".to_string(),
                "run `git init` and commit the documents",
            ),
            Unavailable::Empty => (
                "the Git repository has no commits yet: versions and approvals cannot be evidenced".to_string(),
                "commit the documents",
            ),
            Unavailable::Unborn(branch) => (
                format!("HEAD points at `{branch}`, which has no commits yet"),
                "commit the documents, or check out a branch that has commits",
            ),
            Unavailable::Broken(e) => (
                format!("the Git repository cannot be read: {e}"),
                "run `git fsck` to find the damage; a fresh clone usually repairs it",
            ),
        };
        Diagnostic::new(Code::HistoryUnavailable, message).help(help)
    }
}

/// Opens the repository holding `root`.
pub fn open(root: &Path) -> Result<Repository, Unavailable> {
    Repository::discover(root).map_err(|e| match e.code() {
        git2::ErrorCode::NotFound => Unavailable::NotARepository,
        _ => Unavailable::Broken(e.message().to_string()),
    })
}

fn broken(e: git2::Error) -> Unavailable {
    Unavailable::Broken(e.message().to_string())
}

/// Every blob under the scope paths in `tree`, by repository path.
fn head_files(tree: &git2::Tree, scope: &[String]) -> Result<HashMap<String, String>, git2::Error> {
    let mut out = HashMap::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(git2::ObjectType::Blob) {
            let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
            if scope
                .iter()
                .any(|s| path == *s || path.starts_with(&format!("{s}/")))
            {
                out.insert(path, entry.id().to_string());
            }
        }
        git2::TreeWalkResult::Ok
    })?;
    Ok(out)
}

/// The repository paths the index covers: the content directory, book.toml, the
/// `allowed_signers` file when one is configured (its changes are control changes), and the
/// acknowledgement records directory when custodians keep it.
pub fn scope(project: &Project, prefix: &str) -> Vec<String> {
    let src = project
        .src_dir
        .strip_prefix(&project.root)
        .unwrap_or(Path::new(""))
        .to_string_lossy()
        .replace('\\', "/");
    let src = crate::config::normalise(Path::new(&src))
        .to_string_lossy()
        .replace('\\', "/");
    let mut scope = vec![format!("{prefix}{}", crate::config::FILE_NAME)];
    if src.is_empty() {
        scope[0] = prefix.trim_end_matches('/').to_string();
    } else {
        scope.push(format!("{prefix}{src}"));
    }
    if let Some(signers) = &project.config.approval.allowed_signers {
        add_to_scope(&mut scope, prefix, signers);
    }
    // The record files' commits, when custodians must have made them (see `custody`).
    let acknowledgement = &project.config.acknowledgement;
    if !acknowledgement.custodians.is_empty() {
        add_to_scope(&mut scope, prefix, &acknowledgement.records);
    }
    scope.retain(|s| !s.is_empty());
    scope
}

/// Adds a project path (a file or a directory) to `scope` unless a path already there covers
/// it or it leads out of the project.
fn add_to_scope(scope: &mut Vec<String>, prefix: &str, path: &str) {
    let path = crate::config::normalise(Path::new(path))
        .to_string_lossy()
        .replace('\\', "/");
    let full = format!("{prefix}{path}");
    let inside = scope
        .iter()
        .any(|s| s.is_empty() || full.starts_with(&format!("{s}/")) || full == *s);
    if !path.is_empty() && !path.starts_with("..") && !inside {
        scope.push(full);
    }
}

/// Reads (or updates from the cache) the history of the project's content.
pub fn load(project: &Project) -> Result<HistoryIndex, Unavailable> {
    load_reusing(project, None)
}

/// Like `load`, but returns `previous` unchanged when it is still current: same HEAD commit,
/// same scope, same shallow boundary. `serve` keeps the index between rebuilds, so an edit to
/// a document costs no history work at all (not even reading the cache file).
pub fn load_reusing(
    project: &Project,
    previous: Option<HistoryIndex>,
) -> Result<HistoryIndex, Unavailable> {
    let started = crate::timing::start();
    let repo = open(&project.root)?;
    let workdir = repo
        .workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| Unavailable::Broken("a bare repository has no documents to build".into()))?;
    if repo.is_empty().map_err(broken)? {
        return Err(Unavailable::Empty);
    }
    let (head_commit, head_name) = head_of(&repo)?;
    let prefix = worktree::folder(&workdir, &project.root).unwrap_or_default();
    let scope = scope(project, &prefix);
    let follow_outside = project.config.history.follow_outside;

    walk::tune_libgit2();
    let head = head_commit.id();
    let shallow = repo.is_shallow();
    let git_dir = repo.path().to_path_buf();

    // The shallow boundary is part of what the cache describes: deepening a clone changes
    // the history without moving HEAD.
    let boundary = std::fs::read_to_string(git_dir.join("shallow")).unwrap_or_default();
    if let Some(mut previous) = previous
        && previous.head == head.to_string()
        && previous.scope == scope
        && previous.boundary == boundary
        && previous.git_dir == git_dir
        && previous.follow_outside == follow_outside
    {
        previous.head_ref = head_name;
        crate::timing::phase("history walk (unchanged)", started);
        return Ok(previous);
    }
    let mut walked = walk_with_cache(&repo, &git_dir, head, &scope, &boundary, follow_outside)?;
    crate::timing::phase("history walk", started);
    walked.walk.order.shrink_to_fit();

    let head_blobs = head_files(&head_commit.tree().map_err(broken)?, &scope).map_err(broken)?;
    let mut head_paths: Vec<String> = head_blobs.keys().cloned().collect();
    head_paths.sort();
    let unchanged = walked.kept_mainline.is_some();
    let first_parents = walked.first_parents.take().map(Arc::new);
    let lineage = follow_and_read(
        &git_dir,
        head,
        &mut walked,
        &scope,
        follow_outside,
        &head_paths,
        first_parents.as_deref(),
    )?;
    release_libgit2_memory();
    Ok(HistoryIndex {
        git_dir,
        workdir,
        prefix,
        head: head.to_string(),
        head_ref: head_name,
        shallow,
        mainline: mainline_merges(&walked.walk, &lineage.mainline),
        walk: walked.walk,
        files: lineage.files,
        blobs: walked.blobs,
        head_blobs,
        scope,
        boundary,
        follow_outside,
        outside: walked.outside,
        approved_texts: HeldTexts::new(lineage.approved_texts),
        // Nothing new: the cache on disk already says all this.
        unsaved: !(unchanged && lineage.nothing_read),
        first_parents,
    })
}

/// Gives the memory libgit2 freed back to the system. libgit2 allocates with the C library's
/// malloc, not the program's allocator, and each worker's instance of the pack files has its
/// own caches (a delta-base cache of 16 MiB among them): once the walk and the facts pass are
/// done, glibc keeps about 40 MiB of freed memory in its per-thread arenas on the
/// 20,000-commit benchmark, which nothing but libgit2 would reuse, resident while the site
/// renders (where the process's memory peaks). One `malloc_trim` returns it.
fn release_libgit2_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's own arenas; it takes
    // the arenas' locks, so other threads may allocate meanwhile.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The commit HEAD points at, and what HEAD is (a branch or detached); an unborn branch is
/// `Unavailable::Unborn` with the branch's name.
fn head_of(repo: &Repository) -> Result<(git2::Commit<'_>, Head), Unavailable> {
    let head_ref = match repo.head() {
        Ok(head) => head,
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => {
            let name = repo
                .find_reference("HEAD")
                .ok()
                .and_then(|r| {
                    r.symbolic_target()
                        .ok()
                        .flatten()
                        .map(|s| s.trim_start_matches("refs/heads/").to_string())
                })
                .unwrap_or_else(|| "HEAD".into());
            return Err(Unavailable::Unborn(name));
        }
        Err(e) => return Err(broken(e)),
    };
    let head_commit = head_ref.peel_to_commit().map_err(broken)?;
    let head_name = if repo.head_detached().unwrap_or(false) {
        Head::Detached
    } else {
        Head::Branch(head_ref.shorthand().unwrap_or("HEAD").to_string())
    };
    Ok((head_commit, head_name))
}

/// The commits walked up to HEAD, with what the cache held of them.
struct Walked {
    walk: walk::Walk,
    /// The facts of the blobs read so far.
    blobs: rustc_hash::FxHashMap<String, Facts>,
    /// The directories outside the content that lineages lead into.
    outside: Vec<String>,
    /// The cache's first-parent merges, when the cache was written at this HEAD: then its
    /// walk is complete as it stands.
    kept_mainline: Option<Vec<String>>,
    /// The first parent of every commit, when the walk was fresh: HEAD's first-parent chain
    /// is then followed in memory instead of by a second walk over every commit object.
    first_parents: Option<FirstParents>,
}

pub type FirstParents = rustc_hash::FxHashMap<Oid, Option<Oid>>;

/// Walks the commits up to `head`, reusing the cache: all of it when HEAD has not moved,
/// else the records of the commits it has already seen.
fn walk_with_cache(
    repo: &Repository,
    git_dir: &Path,
    head: Oid,
    scope: &[String],
    boundary: &str,
    follow_outside: bool,
) -> Result<Walked, Unavailable> {
    let cache_read = crate::timing::start();
    let cached = cache::read(git_dir, scope, boundary, follow_outside);
    crate::timing::phase("history cache read", cache_read);
    let outside = cached
        .as_ref()
        .map(|c| c.outside.clone())
        .unwrap_or_default();
    let cached_mainline = cached
        .as_ref()
        .map(|c| c.mainline.clone())
        .unwrap_or_default();
    let mut reach_scope = scope.to_vec();
    reach_scope.extend(outside.iter().cloned());
    let reach = walk::Reach {
        scope: &reach_scope,
        follow_outside,
    };
    let (walk, blobs, kept_mainline, first_parents) = match cached {
        // Same HEAD, same graph: the cached walk is exactly what a fresh one would find.
        Some(c) if c.walk.order.first().map(String::as_str) == Some(head.to_string().as_str()) => {
            (c.walk, c.blobs, Some(cached_mainline), None)
        }
        Some(c) => (
            walk_new_commits(repo, git_dir, head, c.walk, reach)?,
            c.blobs,
            None,
            None,
        ),
        None => {
            let (walk, first_parents) = fresh_walk(repo, git_dir, head, reach)?;
            (walk, Default::default(), None, Some(first_parents))
        }
    };
    Ok(Walked {
        walk,
        blobs,
        outside,
        kept_mainline,
        first_parents,
    })
}

/// Orders the commits up to `head` afresh (cheap: commit objects only) and compares trees only
/// for commits `cached` has not seen. Commits that a rewrite (force push, rebase) made
/// unreachable drop out with the old order.
fn walk_new_commits(
    repo: &Repository,
    git_dir: &Path,
    head: Oid,
    cached: walk::Walk,
    reach: walk::Reach<'_>,
) -> Result<walk::Walk, Unavailable> {
    let ids = commits_between(repo, head, None).map_err(broken)?;
    let known: std::collections::HashSet<&str> = cached.order.iter().map(String::as_str).collect();
    let new: Vec<Oid> = ids
        .iter()
        .copied()
        .filter(|id| !known.contains(id.to_string().as_str()))
        .collect();
    let records = walk::walk_commits(git_dir, &new, reach)
        .map_err(broken)?
        .records;
    let order: Vec<String> = ids.iter().map(Oid::to_string).collect();
    let reachable: std::collections::HashSet<&str> = order.iter().map(String::as_str).collect();
    let mut kept: rustc_hash::FxHashMap<String, CommitRecord> = cached
        .records
        .into_iter()
        .filter(|(id, _)| reachable.contains(id.as_str()))
        .collect();
    kept.extend(records.into_iter().map(|r| (r.id.clone(), r)));
    Ok(walk::Walk {
        order,
        records: kept,
    })
}

/// What `follow_and_read` works out from the walk.
struct Lineage {
    /// HEAD's first-parent chain.
    mainline: std::collections::HashSet<String>,
    /// Each file's revisions.
    files: BTreeMap<String, Vec<follow::Revision>>,
    /// The texts of the approved versions read.
    approved_texts: HashMap<String, Arc<str>>,
    /// No blob needed reading: the walk's facts were all known.
    nothing_read: bool,
}

/// Follows each file at HEAD back through the walk (and, with `follow_outside`, into the
/// directories outside the content its lineage leads to) while the facts of the blobs walked
/// are read; adds the facts to `walked.blobs` and takes its `kept_mainline`.
fn follow_and_read(
    git_dir: &Path,
    head: Oid,
    walked: &mut Walked,
    scope: &[String],
    follow_outside: bool,
    head_paths: &[String],
    first_parents: Option<&FirstParents>,
) -> Result<Lineage, Unavailable> {
    // The facts of the blobs walked so far are read while the first-parent chain, the
    // lineages that lead outside the content and the files' histories are worked out: none of
    // those needs the facts, and they would otherwise run on one thread between the two.
    let wanted = unread_blobs(&walked.walk, &walked.blobs);
    let facts_started = crate::timing::start();
    let unchanged = walked.kept_mainline.is_some();
    let kept_mainline = walked.kept_mainline.take();
    let (walk, outside) = (&mut walked.walk, &mut walked.outside);
    let (first_read, lineage) = rayon::join(
        || read_facts(git_dir, &wanted),
        || {
            let mainline = match kept_mainline {
                // The cache's walk is complete as it stands when HEAD has not moved: its
                // first-parent merges and the directories outside the content it reached are
                // kept with it.
                Some(kept) => kept.into_iter().collect(),
                None => mainline(git_dir, head, walk, first_parents)?,
            };
            if follow_outside && !unchanged {
                let outside_started = crate::timing::start();
                follow_outside_rounds(git_dir, walk, scope, outside, head_paths, &mainline)?;
                crate::timing::phase("history outside the content", outside_started);
            }
            let files = follow::follow(walk, head_paths, &mainline).files;
            Ok::<_, git2::Error>((mainline, files))
        },
    );
    let (mainline, files) = lineage.map_err(broken)?;
    let (facts, mut approved_texts) = first_read.map_err(broken)?;
    // A cold build has no facts yet: the map read is taken as it is, not copied into an empty
    // one (both tables would be held at once, beside every approved text).
    if walked.blobs.is_empty() {
        walked.blobs = facts;
    } else {
        walked.blobs.extend(facts);
    }
    // Blobs that only the lineages outside the content reached (rarely any).
    let more = unread_blobs(&walked.walk, &walked.blobs);
    let (facts, texts) = read_facts(git_dir, &more).map_err(broken)?;
    walked.blobs.extend(facts);
    approved_texts.extend(texts);
    crate::timing::phase(
        &format!("blob facts ({} blobs)", wanted.len() + more.len()),
        facts_started,
    );
    Ok(Lineage {
        mainline,
        files,
        approved_texts,
        nothing_read: wanted.is_empty() && more.is_empty(),
    })
}

/// The merge commits on HEAD's first-parent chain, sorted.
fn mainline_merges(
    walked: &walk::Walk,
    mainline: &std::collections::HashSet<String>,
) -> Vec<String> {
    let mut merges: Vec<String> = walked
        .records
        .values()
        .filter(|r| r.parents.len() > 1 && mainline.contains(&r.id))
        .map(|r| r.id.clone())
        .collect();
    merges.sort_unstable();
    merges
}

/// Walks the directories outside the content that lineages lead into (a file moved in from
/// elsewhere), over the commits before the move, until no lineage leads further out (rarely
/// more than one round: a move out and back again takes two).
fn follow_outside_rounds(
    git_dir: &Path,
    walked: &mut walk::Walk,
    scope: &[String],
    outside: &mut Vec<String>,
    head_paths: &[String],
    mainline: &std::collections::HashSet<String>,
) -> Result<(), git2::Error> {
    for _ in 0..OUTSIDE_ROUNDS {
        let followed = follow::follow(walked, head_paths, mainline);
        let mut walked_scope = scope.to_vec();
        walked_scope.extend(outside.iter().cloned());
        let mut reached: Vec<String> = Vec::new();
        let mut from = usize::MAX;
        for (path, &position) in &followed.sources {
            if walk::in_scope(path, &walked_scope) {
                continue;
            }
            let dir = path.rsplit_once('/').map_or(path.as_str(), |(d, _)| d);
            if !reached.iter().any(|r| r == dir) {
                reached.push(dir.to_string());
            }
            from = from.min(position);
        }
        if reached.is_empty() {
            break;
        }
        reached.sort();
        let ids: Vec<Oid> = walked.order[from..]
            .iter()
            .filter_map(|id| Oid::from_str(id).ok())
            .collect();
        let records = walk::walk_commits(
            git_dir,
            &ids,
            walk::Reach {
                scope: &reached,
                follow_outside: true,
            },
        )?
        .records;
        walk::merge_records(&mut walked.records, records);
        outside.extend(reached);
    }
    Ok(())
}

/// The history of one path outside the indexed scope (`policybook history` of any tracked
/// file): a walk of its own, not cached.
pub fn single_path(
    history: &HistoryIndex,
    repo_path: &str,
) -> Result<(walk::Walk, Vec<Revision>), Unavailable> {
    let repo = Repository::open(&history.git_dir).map_err(broken)?;
    let head = Oid::from_str(&history.head).map_err(broken)?;
    // Walk the file's directory, so that renames within it are seen and followed (a file at
    // the top of the repository is walked alone).
    let scope = match repo_path.rsplit_once('/') {
        Some((dir, _)) => vec![dir.to_string()],
        None => vec![repo_path.to_string()],
    };
    let (walked, first_parents) = fresh_walk(
        &repo,
        &history.git_dir,
        head,
        walk::Reach {
            scope: &scope,
            follow_outside: false,
        },
    )?;
    let mainline =
        mainline(&history.git_dir, head, &walked, Some(&first_parents)).map_err(broken)?;
    let mut files = follow::follow(&walked, &[repo_path.to_string()], &mainline).files;
    let revisions = files.remove(repo_path).unwrap_or_default();
    Ok((walked, revisions))
}

/// Whether a path is a file at HEAD.
pub fn tracked_at_head(history: &HistoryIndex, repo_path: &str) -> bool {
    Repository::open(&history.git_dir)
        .ok()
        .and_then(|repo| {
            let head = repo.find_commit(Oid::from_str(&history.head).ok()?).ok()?;
            let tree = head.tree().ok()?;
            tree.get_path(Path::new(repo_path))
                .ok()
                .map(|e| e.kind() == Some(git2::ObjectType::Blob))
        })
        .unwrap_or(false)
}

/// The commits reachable from `head` and not from `stop`, newest first (topological).
fn commits_between(
    repo: &Repository,
    head: Oid,
    stop: Option<Oid>,
) -> Result<Vec<Oid>, git2::Error> {
    let mut revwalk = repo.revwalk()?;
    revwalk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
    revwalk.push(head)?;
    if let Some(stop) = stop {
        revwalk.hide(stop)?;
    }
    revwalk.collect()
}

/// How many times lineages that lead outside the walked paths are walked further.
const OUTSIDE_ROUNDS: usize = 8;

/// HEAD's first-parent chain, if the walk met any merge commit (only merges need it): from
/// `first_parents` when it holds the whole chain, else by a walk of the commit objects.
fn mainline(
    git_dir: &Path,
    head: Oid,
    walked: &walk::Walk,
    first_parents: Option<&FirstParents>,
) -> Result<std::collections::HashSet<String>, git2::Error> {
    if !walked.records.values().any(|r| r.parents.len() > 1) {
        return Ok(Default::default());
    }
    let started = crate::timing::start();
    if let Some(chain) = first_parents.and_then(|parents| chain_of(parents, head)) {
        crate::timing::phase("first-parent chain", started);
        return Ok(chain);
    }
    let repo = Repository::open(git_dir)?;
    let mut revwalk = repo.revwalk()?;
    revwalk.simplify_first_parent()?;
    revwalk.push(head)?;
    let mut chain = std::collections::HashSet::new();
    for id in revwalk {
        chain.insert(id?.to_string());
    }
    crate::timing::phase("first-parent chain", started);
    Ok(chain)
}

/// The first-parent chain from `head` in `parents`; `None` when it leads to a commit the map
/// does not hold.
fn chain_of(parents: &FirstParents, head: Oid) -> Option<std::collections::HashSet<String>> {
    let mut chain = std::collections::HashSet::new();
    let mut next = Some(head);
    while let Some(id) = next {
        chain.insert(id.to_string());
        next = *parents.get(&id)?;
    }
    Some(chain)
}

fn fresh_walk(
    repo: &Repository,
    git_dir: &Path,
    head: Oid,
    reach: walk::Reach<'_>,
) -> Result<(walk::Walk, FirstParents), Unavailable> {
    let started = crate::timing::start();
    let ids = commits_between(repo, head, None).map_err(broken)?;
    crate::timing::phase("list commits", started);
    let walked = walk::walk_commits(git_dir, &ids, reach).map_err(broken)?;
    let walk = walk::Walk {
        order: ids.iter().map(Oid::to_string).collect(),
        records: walked
            .records
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect(),
    };
    Ok((walk, walked.first_parents))
}

/// The Markdown blobs the walk met that `known` has no facts of, each once.
///
/// Every blob, not only those of files still at HEAD: then the facts do not wait for the
/// files' histories, which are followed meanwhile (and a deleted file's blobs are few). In
/// the order the commits were walked (newest first): that is close to the order objects sit
/// in the pack, and libgit2 caches only the base of a delta chain, so locality is what keeps
/// reads cheap (sorting by blob id makes them three times slower).
fn unread_blobs(walked: &walk::Walk, known: &rustc_hash::FxHashMap<String, Facts>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    walked
        .order
        .iter()
        .filter_map(|id| walked.records.get(id))
        .flat_map(|r| r.changes.iter())
        .filter(|c| c.path.ends_with(".md"))
        .filter_map(|c| c.new.as_deref())
        .filter(|b| !known.contains_key(*b) && seen.insert(*b))
        .map(str::to_string)
        .collect()
}

/// What `read_facts` returns: the facts of each blob, and the texts of the approved ones.
type FactsRead = (
    rustc_hash::FxHashMap<String, Facts>,
    HashMap<String, Arc<str>>,
);

/// Reads the facts of each blob (in parallel, one repository per worker, see
/// [`walk::for_worker`]).
///
/// The texts of approved versions (`Facts::approved_version`, what `stamp` lists as the
/// approved versions) are kept: the portal diffs successive approved versions, and reading those blobs again, a
/// third of all and scattered through the pack, cost as much as this whole pass. They are a
/// small part of the history (12,489 of 34,474 revisions in the 2,000-document benchmark).
fn read_facts(git_dir: &Path, blobs: &[String]) -> Result<FactsRead, git2::Error> {
    if blobs.is_empty() {
        return Ok(Default::default());
    }
    // In chunks taken in walk order: neighbouring blobs share delta bases. Each worker lists
    // what it read, and the lists go into one map at the end: maps filled by each worker and
    // merged into a new one held two tables of every blob's facts at once (about 11 MB each
    // on the 20,000-commit benchmark), beside every approved text.
    let parts = share::by_workers(blobs, 256, |chunks| {
        let repo = walk::for_worker(Repository::open(git_dir)?)?;
        let odb = repo.odb()?;
        let mut reader = facts::Reader::default();
        let mut facts = Vec::with_capacity(blobs.len() / rayon::current_num_threads().max(1));
        let mut texts = Vec::new();
        for id in chunks.flatten() {
            let blob = odb.read(Oid::from_str(id)?)?;
            if blob.kind() != git2::ObjectType::Blob {
                return Err(git2::Error::from_str(&format!("{id} is not a blob")));
            }
            let found = match std::str::from_utf8(blob.data()) {
                Ok(text) => {
                    let found = reader.read(text);
                    if found.approved_version().is_some() {
                        texts.push((id.clone(), Arc::from(text)));
                    }
                    found
                }
                Err(_) => Facts::unreadable(),
            };
            facts.push((id.clone(), found));
        }
        Ok::<_, git2::Error>((facts, texts))
    })?;
    let texts = parts.iter().map(|(_, texts)| texts.len()).sum();
    let mut out: FactsRead = (
        rustc_hash::FxHashMap::with_capacity_and_hasher(blobs.len(), Default::default()),
        HashMap::with_capacity(texts),
    );
    for (facts, texts) in parts {
        out.0.extend(facts);
        out.1.extend(texts);
    }
    Ok(out)
}
