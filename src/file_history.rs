//! The history of one file as `policybook history` and the history pages show it: every
//! revision with its commit and what the revision says, every approved version with its
//! approvals and their evidence. The JSON shape is the contract of SPEC §9.
//!
//! A view over three stages (the history index, the site's approval stamps and what
//! `disclosure` withholds), so it lives above all three, not inside `history`; the `history`
//! command and the renderer read it.

use crate::dates::rfc3339;
use crate::history::signature::{self, SignatureKind};
use crate::history::versions::DocumentHistory;
use crate::history::{CommitRecord, HistoryIndex};
use crate::site::Site;
use crate::stamp::{self, Verifier};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureView {
    pub kind: &'static str,
    /// For SSH: whether it verifies with a key allowed for the author; otherwise null.
    pub verified: Option<bool>,
    /// The verifying key's fingerprint (SSH) or the key id (OpenPGP).
    pub key: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrailerView {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RevisionView {
    pub commit: String,
    pub path: String,
    pub change: String,
    pub author: PersonView,
    pub time: String,
    /// The commit's subject, or why it is withheld (see `disclosure`).
    pub summary: String,
    /// Whether the message (and any trailer that is not an approval or review) is withheld,
    /// because the revision's text, or the text it replaced, is above `max-classification`.
    pub withheld: bool,
    pub trailers: Vec<TrailerView>,
    pub version: Option<String>,
    pub status: Option<String>,
    pub content_hash: Option<String>,
    pub signature: SignatureView,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalView {
    pub role: String,
    pub name: String,
    pub date: String,
    /// What the signature means ("approved" unless the entry says otherwise).
    pub meaning: String,
    pub evidence: String,
    pub evidenced: bool,
    /// `signed`, `authored`, `trailer-by-proxy`, `front-matter` or `not-evidenced`.
    pub kind: &'static str,
    pub commit: Option<String>,
    /// The evidencing commit's author and committer (`Name <email>`, as committed).
    pub author: Option<String>,
    pub committer: Option<String>,
    /// When the evidencing commit was committed, in UTC (RFC 3339).
    pub evidence_time: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub version: String,
    pub content_hash: String,
    pub approved_in: String,
    pub approved_at: String,
    pub approvals: Vec<ApprovalView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileHistory {
    pub id: Option<String>,
    pub path: String,
    pub revisions: Vec<RevisionView>,
    pub versions: Vec<VersionView>,
}

/// The path a withheld revision shows.
pub const WITHHELD_PATH: &str = "(withheld)";

pub fn signature_view(
    site: &Site,
    history: &HistoryIndex,
    commit: &CommitRecord,
    verify: bool,
) -> SignatureView {
    match &commit.signature {
        SignatureKind::None => SignatureView {
            kind: "none",
            verified: None,
            key: None,
        },
        SignatureKind::Other => SignatureView {
            kind: "other",
            verified: None,
            key: None,
        },
        SignatureKind::Pgp { key_id } => SignatureView {
            kind: "pgp",
            verified: None,
            key: key_id.clone(),
        },
        SignatureKind::Ssh => {
            let key = verify
                .then(|| verify_commit(site, history, commit))
                .flatten();
            SignatureView {
                kind: "ssh",
                verified: verify.then_some(key.is_some()),
                key,
            }
        }
    }
}

/// The fingerprint of the key that signed `commit`, if its SSH signature verifies with the
/// `allowed_signers` in force for it: as committed in its first parent, like the approval
/// evidence (a commit cannot make its own key valid). Today's file decides nothing here.
fn verify_commit(site: &Site, history: &HistoryIndex, commit: &CommitRecord) -> Option<String> {
    let rules = site.rules_at.at(&site.project, history, &commit.id)?;
    let repo = git2::Repository::open(&history.git_dir).ok()?;
    let (sig, payload) = repo
        .extract_signature(&git2::Oid::from_str(&commit.id).ok()?, None)
        .ok()?;
    signature::verify_ssh(
        &rules.signers,
        &commit.author.email,
        std::str::from_utf8(&sig).ok()?,
        &payload,
        commit.committer.time,
    )
}

pub fn approval_views(
    approvals: &[crate::history::versions::ApprovalEvidence],
) -> Vec<ApprovalView> {
    approvals
        .iter()
        .map(|a| ApprovalView {
            role: a.role.clone(),
            name: a.name.clone(),
            date: a.date.clone(),
            meaning: a.meaning.clone(),
            evidence: a.evidence.describe(),
            evidenced: a.evidence.is_evidenced(),
            kind: a.evidence.kind(),
            commit: a.evidence.commit().map(str::to_string),
            author: a.evidence.people().map(|(author, _)| author.to_string()),
            committer: a
                .evidence
                .people()
                .map(|(_, committer)| committer.to_string()),
            evidence_time: a.at.map(|t| rfc3339(t, 0)),
        })
        .collect()
}

/// The report of one document's history (with evidence filled in for every version).
pub fn document(
    site: &Site,
    history: &HistoryIndex,
    id: Option<&str>,
    path: &str,
    mut dh: DocumentHistory,
    verify_signatures: bool,
) -> FileHistory {
    let verifier = Verifier::of(site, history);
    stamp::evidence_for_versions(site, &verifier, &mut dh);
    let disclosures = crate::disclosure::of_revisions(&site.project, &dh);
    FileHistory {
        id: id.map(str::to_string),
        path: path.to_string(),
        revisions: dh
            .revisions
            .iter()
            .zip(&disclosures)
            .map(|(r, shown)| RevisionView {
                commit: r.commit.id.clone(),
                // A file name can repeat what a withheld text says.
                path: match shown.text.is_shown() {
                    true => history
                        .project_path(&r.revision.path)
                        .unwrap_or(&r.revision.path)
                        .to_string(),
                    false => WITHHELD_PATH.to_string(),
                },
                change: r.revision.kind.clone(),
                author: PersonView {
                    name: r.commit.author.name.clone(),
                    email: r.commit.author.email.clone(),
                },
                time: rfc3339(r.commit.committer.time, r.commit.committer.offset),
                summary: shown.summary(r.commit),
                withheld: shown.message_withheld.is_some(),
                trailers: shown
                    .trailers(r.commit)
                    .into_iter()
                    .map(|t| TrailerView {
                        key: t.key.clone(),
                        value: t.value.clone(),
                    })
                    .collect(),
                version: r.facts.and_then(|f| f.version.clone()),
                status: r.facts.and_then(|f| f.status.clone()),
                content_hash: r.facts.and_then(|f| f.content_hash.clone()),
                signature: signature_view(site, history, r.commit, verify_signatures),
            })
            .collect(),
        versions: dh
            .versions
            .iter()
            .map(|v| VersionView {
                version: v.version.clone(),
                content_hash: v.content_hash.clone(),
                approved_in: v.approved_in.clone(),
                approved_at: {
                    let c = history.commit(&v.approved_in);
                    c.map_or_else(String::new, |c| {
                        rfc3339(c.committer.time, c.committer.offset)
                    })
                },
                approvals: approval_views(&v.approvals),
            })
            .collect(),
    }
}
