//! Everything the history says about one document: its revisions with what each revision's
//! blob says, its approved versions (version, content hash, the commit that approved it), and
//! the window of commits in which an approval of some content can be evidenced. Also the types
//! an approval's evidence is told in; deciding that evidence needs the site and is `stamp`'s job.

use super::{CommitRecord, HistoryIndex, Revision};
use crate::content::Document;
use crate::content::facts::{self, Facts};
use serde::Serialize;

/// How one approval is backed by the history, strongest first. Every kind that evidences
/// names the commit, and who authored and committed it (raw identities, never rewritten by
/// `.mailmap`), so a reader can weigh it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Evidence {
    /// The commit's SSH signature verifies with a key allowed for the approver (`principal`).
    Signed {
        commit: String,
        fingerprint: String,
        principal: String,
        author: String,
        committer: String,
    },
    /// A signed approval tag (`evidence = "signed"`): an annotated tag naming the approver and
    /// the approved content hash, pointing at a commit that carries that content, whose SSH
    /// signature verifies with a key allowed for the approver.
    SignedTag {
        tag: String,
        commit: String,
        fingerprint: String,
        principal: String,
        tagger: String,
        time: i64,
    },
    /// The approver authored the commit (with or without an `Approved-by:` trailer).
    Authored {
        commit: String,
        author: String,
        committer: String,
    },
    /// An `Approved-by:` trailer naming the approver, written into a commit that someone else
    /// authored (a merge request's merge commit, say). `[approval] allow-proxy = false`
    /// refuses it.
    #[serde(rename = "trailer-by-proxy")]
    Proxy {
        commit: String,
        value: String,
        author: String,
        committer: String,
    },
    /// `evidence = "none"`: the front matter is trusted.
    FrontMatter,
    /// Nothing in the history backs it; `reason` says what is missing.
    NotEvidenced { reason: String },
}

impl Evidence {
    pub fn is_evidenced(&self) -> bool {
        !matches!(self, Evidence::NotEvidenced { .. })
    }

    pub fn commit(&self) -> Option<&str> {
        match self {
            Evidence::Signed { commit, .. }
            | Evidence::SignedTag { commit, .. }
            | Evidence::Authored { commit, .. }
            | Evidence::Proxy { commit, .. } => Some(commit),
            _ => None,
        }
    }

    /// The kind, as pages and JSON name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Evidence::Signed { .. } => "signed",
            Evidence::SignedTag { .. } => "signed-tag",
            Evidence::Authored { .. } => "authored",
            Evidence::Proxy { .. } => "trailer-by-proxy",
            Evidence::FrontMatter => "front-matter",
            Evidence::NotEvidenced { .. } => "not-evidenced",
        }
    }

    /// The commit's author and committer, where a commit evidences.
    pub fn people(&self) -> Option<(&str, &str)> {
        match self {
            Evidence::Signed {
                author, committer, ..
            }
            | Evidence::Authored {
                author, committer, ..
            }
            | Evidence::Proxy {
                author, committer, ..
            } => Some((author, committer)),
            Evidence::SignedTag { tagger, .. } => Some((tagger, tagger)),
            _ => None,
        }
    }

    /// A short phrase for pages and the terminal.
    pub fn describe(&self) -> String {
        let by = |author: &str, committer: &str| match author == committer {
            true => format!("by {author}"),
            false => format!("authored by {author}, committed by {committer}"),
        };
        match self {
            Evidence::Signed {
                commit,
                fingerprint,
                principal,
                ..
            } => format!(
                "signed commit {} (key {fingerprint} of {principal})",
                short(commit)
            ),
            Evidence::SignedTag {
                tag,
                commit,
                fingerprint,
                principal,
                ..
            } => format!(
                "signed tag {tag} on {} (key {fingerprint} of {principal})",
                short(commit)
            ),
            Evidence::Authored {
                commit,
                author,
                committer,
            } => format!("own commit {} {}", short(commit), by(author, committer)),
            Evidence::Proxy {
                commit,
                value,
                author,
                committer,
            } => format!(
                "trailer by proxy: Approved-by: {value} in {} {}",
                short(commit),
                by(author, committer)
            ),
            Evidence::FrontMatter => "front matter (evidence = \"none\")".into(),
            Evidence::NotEvidenced { reason } => format!("not evidenced: {reason}"),
        }
    }
}

pub fn short(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalEvidence {
    pub role: String,
    pub name: String,
    pub date: String,
    /// What the signature means (`meaning:`, default "approved").
    pub meaning: String,
    pub evidence: Evidence,
    /// When the evidencing commit was committed (seconds, UTC), if a commit evidences.
    pub at: Option<i64>,
}

/// A (version, content hash) pair that reached `status: approved` in a commit.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovedVersion {
    pub version: String,
    pub content_hash: String,
    /// The first commit in which this version was approved.
    pub approved_in: String,
    /// When that commit reached the history (committer time, seconds).
    pub approved_at: i64,
    /// The blob of that revision (for diffs between versions).
    pub blob: String,
    pub approvals: Vec<ApprovalEvidence>,
}

/// A revision with what its blob says.
#[derive(Debug, Clone)]
pub struct RevisionFacts<'a> {
    pub revision: &'a Revision,
    pub commit: &'a CommitRecord,
    pub facts: Option<&'a Facts>,
}

/// Everything the history says about one document.
#[derive(Debug, Clone)]
pub struct DocumentHistory<'a> {
    /// Newest first.
    pub revisions: Vec<RevisionFacts<'a>>,
    /// Oldest first.
    pub versions: Vec<ApprovedVersion>,
    /// The facts of the working copy.
    pub current: Facts,
    /// The working copy differs from HEAD (or is not committed at all).
    pub uncommitted: bool,
    /// The HEAD blob of the document, if committed.
    pub blob: Option<String>,
    /// The document's type (what its approvers are judged for); `None` for other files.
    pub doc_type: Option<String>,
    /// The file's path in the repository.
    pub repo_path: String,
}

/// Builds the history of one document.
pub fn document_history<'a>(history: &'a HistoryIndex, doc: &Document) -> DocumentHistory<'a> {
    let mut dh = history_with(history, &doc.file, doc.blob_id.clone(), doc.facts.clone());
    dh.doc_type = doc.meta.as_ref().map(|m| m.doc_type.value.clone());
    dh
}

/// Builds the history of any file in scope; `source` is its working copy (empty when it is not
/// a document).
pub fn file_history<'a>(
    history: &'a HistoryIndex,
    file: &str,
    source: &str,
) -> DocumentHistory<'a> {
    let blob_id = crate::content::document::blob_id(source.as_bytes());
    history_with(history, file, blob_id, facts::read(source))
}

/// `file_history`, with the working copy's blob id and facts (`current`) already known.
fn history_with<'a>(
    history: &'a HistoryIndex,
    file: &str,
    working_blob: Option<String>,
    current: Facts,
) -> DocumentHistory<'a> {
    let repo_path = history.repo_path(file);
    let blob = history.head_blobs.get(&repo_path).cloned();
    // `doc.source` has any BOM removed; compare with the file's bytes when it had one.
    let uncommitted = match &blob {
        None => true,
        Some(b) => Some(b) != working_blob.as_ref() && !same_as_file(history, &repo_path, b),
    };
    let revisions: Vec<RevisionFacts> = history
        .revisions(file)
        .iter()
        .filter_map(|r| {
            Some(RevisionFacts {
                revision: r,
                commit: history.commit(&r.commit)?,
                facts: r.blob.as_deref().and_then(|b| history.facts(b)),
            })
        })
        .collect();
    let versions = approved_versions(&revisions);
    DocumentHistory {
        revisions,
        versions,
        current,
        uncommitted,
        blob,
        doc_type: None,
        repo_path,
    }
}

fn same_as_file(history: &HistoryIndex, repo_path: &str, blob: &str) -> bool {
    std::fs::read(history.workdir.join(repo_path))
        .ok()
        .and_then(|bytes| crate::content::document::blob_id(&bytes))
        .is_some_and(|id| id == blob)
}

fn approved_versions(revisions: &[RevisionFacts]) -> Vec<ApprovedVersion> {
    let mut versions: Vec<ApprovedVersion> = Vec::new();
    for r in revisions.iter().rev() {
        let (Some((version, hash)), Some(blob)) =
            (r.facts.and_then(Facts::approved_version), &r.revision.blob)
        else {
            continue;
        };
        if versions
            .iter()
            .any(|v| &v.version == version && &v.content_hash == hash)
        {
            continue;
        }
        versions.push(ApprovedVersion {
            version: version.clone(),
            content_hash: hash.clone(),
            approved_in: r.commit.id.clone(),
            approved_at: r.commit.committer.time,
            blob: blob.clone(),
            approvals: Vec::new(),
        });
    }
    versions
}

/// The commits (oldest first) that carry exactly the content `hash`: the window in which an
/// approval of that content can be evidenced. This is "at or after the commit that last changed
/// the content" without depending on how the walk interleaves merged branches (asking the
/// commit graph instead costs seconds on large histories); the one difference is content
/// reverted to an earlier approved text, whose earlier approval commits count again — they
/// approved exactly that text. `until` names a commit that must carry the content (the
/// approval commit of a historical version).
pub fn evidence_window<'a>(
    history: &DocumentHistory<'a>,
    hash: &str,
    until: Option<&str>,
) -> Vec<&'a CommitRecord> {
    fn hash_of<'h>(r: &RevisionFacts<'h>) -> Option<&'h str> {
        r.facts.and_then(|f| f.content_hash.as_deref())
    }
    let top = match until {
        Some(c) => history.revisions.iter().find(|r| r.commit.id == c),
        None => history.revisions.first(),
    };
    if top.and_then(hash_of) != Some(hash) {
        return Vec::new();
    }
    history
        .revisions
        .iter()
        .rev()
        .filter(|r| hash_of(r) == Some(hash))
        .map(|r| r.commit)
        .collect()
}

/// The commits that changed the content (its hash) since the last approved version other than
/// the working copy's, newest first, with their authors as committed: who wrote what is about to
/// be approved. Without an earlier approved version, every content change of the history.
pub fn content_authors_since_last_version<'a>(
    history: &DocumentHistory<'a>,
) -> Vec<(&'a str, &'a crate::history::Person)> {
    let current = history.current.content_hash.as_deref();
    let previous = history
        .versions
        .iter()
        .rev()
        .map(|v| v.content_hash.as_str())
        .find(|h| Some(*h) != current);
    let hash_of = |r: &RevisionFacts<'a>| r.facts.and_then(|f| f.content_hash.as_deref());
    let mut out = Vec::new();
    for (i, r) in history.revisions.iter().enumerate() {
        if previous.is_some() && hash_of(r) == previous {
            break;
        }
        // A content change: its hash differs from the revision before it (or it is the first).
        let older = history.revisions.get(i + 1);
        if older.is_none_or(|o| hash_of(o) != hash_of(r)) {
            out.push((r.commit.id.as_str(), &r.commit.author));
        }
    }
    out
}

/// The commits that carry the working copy's content (oldest first): where its approvals
/// may be evidenced. Empty when the working copy is not committed.
pub fn current_window<'a>(history: &DocumentHistory<'a>) -> Vec<&'a CommitRecord> {
    if history.uncommitted {
        return Vec::new();
    }
    history
        .current
        .content_hash
        .as_deref()
        .map(|h| evidence_window(history, h, None))
        .unwrap_or_default()
}
