//! Version stamps and approval evidence: for each document, its revisions (with what each
//! revision's blob says), its approved versions, and for every claimed approval the commit that
//! backs it — an `Approved-by` trailer or the authorship of a holder of the role, and with
//! `evidence = "signed"` a verified SSH signature (SPEC §5). Reads the site and the history
//! index; decides nothing about severity (the `evidence` rules do).

use crate::config::Evidence as Mode;
use crate::content::Document;
use crate::content::document::Role;
use crate::content::facts::{self, ClaimedApproval, Facts};
use crate::history::signature::{self, AllowedSigner};
use crate::history::trailers;
use crate::history::{CommitRecord, HistoryIndex, Revision};
use crate::site::Site;
use serde::Serialize;

/// How one approval is backed by the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Evidence {
    /// An `Approved-by:` trailer of a holder of the role.
    Trailer { commit: String, value: String },
    /// A commit authored by a holder of the role.
    Author { commit: String, author: String },
    /// As above, and the commit's SSH signature verifies with the holder's key.
    Signed { commit: String, fingerprint: String },
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
            Evidence::Trailer { commit, .. }
            | Evidence::Author { commit, .. }
            | Evidence::Signed { commit, .. } => Some(commit),
            _ => None,
        }
    }

    /// A short phrase for pages and the terminal.
    pub fn describe(&self) -> String {
        match self {
            Evidence::Trailer { commit, value } => {
                format!("Approved-by: {value} in {}", short(commit))
            }
            Evidence::Author { commit, author } => {
                format!("authored by {author} in {}", short(commit))
            }
            Evidence::Signed {
                commit,
                fingerprint,
            } => format!("signed commit {} ({fingerprint})", short(commit)),
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
    pub evidence: Evidence,
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
}

/// What decides evidence: the mode, the allowed signers, and how to read a commit's signature.
pub struct Verifier<'a> {
    pub mode: Mode,
    pub signers: &'a [AllowedSigner],
    pub history: &'a HistoryIndex,
}

impl Verifier<'_> {
    fn holder_matches(
        role: &Role,
        date: jiff::civil::Date,
        name: &str,
        email: &str,
    ) -> Option<String> {
        role.holders_on(date)
            .find(|h| {
                if !email.is_empty() && !h.email.is_empty() {
                    h.email.eq_ignore_ascii_case(email)
                } else {
                    !name.is_empty() && h.name == name
                }
            })
            .map(|h| h.email.clone())
    }

    /// `time`: the commit's committer time, at which git checks the key's validity.
    fn signed_by(&self, commit: &str, email: &str, time: i64) -> Option<String> {
        let repo = git2::Repository::open(&self.history.git_dir).ok()?;
        let oid = git2::Oid::from_str(commit).ok()?;
        let (sig, payload) = repo.extract_signature(&oid, None).ok()?;
        let sig = std::str::from_utf8(&sig).ok()?;
        signature::verify_ssh(self.signers, email, sig, &payload, time)
    }

    /// The evidence for `claim` among `candidates` (the commits at or after the one that last
    /// changed the content, oldest first).
    pub fn evidence(
        &self,
        site: &Site,
        claim: &ClaimedApproval,
        candidates: &[&CommitRecord],
    ) -> Evidence {
        if self.mode == Mode::None {
            return Evidence::FrontMatter;
        }
        let Some(role) = site.role(&claim.role) else {
            return Evidence::NotEvidenced {
                reason: format!("`{}` is not a role", claim.role),
            };
        };
        let Some(date) = crate::dates::parse_date(&claim.date) else {
            return Evidence::NotEvidenced {
                reason: format!("`{}` is not a date", claim.date),
            };
        };
        if candidates.is_empty() {
            return Evidence::NotEvidenced {
                reason: "the approved content is not committed".into(),
            };
        }
        let mut unsigned = None;
        for commit in candidates {
            let trailer = commit
                .trailers
                .iter()
                .filter(|t| t.is("Approved-by"))
                .find_map(|t| {
                    let (name, email) = trailers::person(&t.value);
                    Self::holder_matches(role, date, &name, &email)
                        .map(|holder| (t.value.clone(), holder))
                });
            let author =
                Self::holder_matches(role, date, &commit.author.name, &commit.author.email);
            let found = match (trailer, author) {
                (Some((value, holder)), _) => Some((
                    Evidence::Trailer {
                        commit: commit.id.clone(),
                        value,
                    },
                    holder,
                )),
                (None, Some(holder)) => Some((
                    Evidence::Author {
                        commit: commit.id.clone(),
                        author: format!("{} <{}>", commit.author.name, commit.author.email),
                    },
                    holder,
                )),
                (None, None) => None,
            };
            let Some((evidence, holder_email)) = found else {
                continue;
            };
            if self.mode == Mode::Trailer {
                return evidence;
            }
            match self.signed_by(&commit.id, &holder_email, commit.committer.time) {
                Some(fingerprint) => {
                    return Evidence::Signed {
                        commit: commit.id.clone(),
                        fingerprint,
                    };
                }
                None => unsigned = Some(commit.id.clone()),
            }
        }
        Evidence::NotEvidenced {
            reason: match unsigned {
                Some(c) => format!(
                    "commit {} names the approver but has no SSH signature that verifies with their key in allowed-signers",
                    short(&c)
                ),
                None => format!(
                    "no commit since the content last changed carries `Approved-by:` from, or is authored by, a holder of {} on {}",
                    claim.role, claim.date
                ),
            },
        }
    }
}

/// Builds the history of one document.
pub fn document_history<'a>(history: &'a HistoryIndex, doc: &Document) -> DocumentHistory<'a> {
    history_with(history, &doc.file, doc.blob_id.clone(), doc.facts.clone())
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

/// Fills in the evidence of each approved version's approvals (those its blob claims).
pub fn evidence_for_versions(site: &Site, verifier: &Verifier, history: &mut DocumentHistory) {
    let mut filled = Vec::new();
    for v in &history.versions {
        let claims = history
            .revisions
            .iter()
            .find(|r| r.commit.id == v.approved_in)
            .and_then(|r| r.facts);
        let window = evidence_window(history, &v.content_hash, Some(&v.approved_in));
        let approvals = claims
            .map(|f| evidence_of(site, verifier, &f.approvals, &window))
            .unwrap_or_default();
        filled.push(approvals);
    }
    for (v, approvals) in history.versions.iter_mut().zip(filled) {
        v.approvals = approvals;
    }
}

/// The evidence of the approvals of a version in force (see `in_force`), judged as every
/// approved version on a history page is: within the commits that carry its content, up to
/// the commit that approved it. Empty without a history.
pub fn in_force_evidence(
    site: &Site,
    in_force: &crate::in_force::InForce,
) -> Vec<ApprovalEvidence> {
    let Ok(history) = site.history.as_ref() else {
        return Vec::new();
    };
    let working = &site.corpus.documents[in_force.working];
    let mut dh = document_history(history, working);
    let verifier = Verifier {
        mode: site.project.config.approval.evidence,
        signers: &site.signers,
        history,
    };
    evidence_for_versions(site, &verifier, &mut dh);
    dh.versions
        .into_iter()
        .find(|v| v.blob == in_force.blob && v.approved_in == in_force.approved_in)
        .map(|v| v.approvals)
        .unwrap_or_default()
}

/// The evidence of the working copy's own approvals.
pub fn current_evidence(
    site: &Site,
    verifier: &Verifier,
    history: &DocumentHistory,
) -> Vec<ApprovalEvidence> {
    let window = if history.uncommitted {
        Vec::new()
    } else {
        history
            .current
            .content_hash
            .as_deref()
            .map(|h| evidence_window(history, h, None))
            .unwrap_or_default()
    };
    evidence_of(site, verifier, &history.current.approvals, &window)
}

/// The evidence of each claimed approval within `window`.
fn evidence_of(
    site: &Site,
    verifier: &Verifier,
    claims: &[ClaimedApproval],
    window: &[&CommitRecord],
) -> Vec<ApprovalEvidence> {
    claims
        .iter()
        .map(|c| ApprovalEvidence {
            role: c.role.clone(),
            name: c.name.clone(),
            date: c.date.clone(),
            evidence: verifier.evidence(site, c, window),
        })
        .collect()
}
