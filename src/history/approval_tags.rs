//! Signed approval tags: an annotated tag (`approval/POL-001/1.1/CEO` by convention) whose
//! message carries `Approved-by: Name <email>` and `Approved-content: sha256:<content hash>`,
//! SSH-signed by the approver. With `evidence = "signed"` such a tag evidences that person's
//! approval of that content when it points at a commit that carries it: N approvers can each
//! sign without N commits. The signature is checked as `git verify-tag` checks it: over the tag
//! object without its signature block, in the `git` namespace, at the tagger's time.

use super::trailers::{self, Trailer};

/// One annotated tag that claims an approval.
#[derive(Debug, Clone)]
pub struct ApprovalTag {
    /// The tag's name (`approval/POL-001/1.1/CEO`).
    pub name: String,
    /// The commit it points at (hex).
    pub target: String,
    /// `Name <email>` of the tagger, and when (seconds).
    pub tagger: String,
    pub time: i64,
    /// Its `Approved-by:` trailers.
    pub approved_by: Vec<Trailer>,
    /// The content hash of `Approved-content: sha256:…`.
    pub content_hash: String,
    /// The armoured SSH signature and the bytes it signs, when the tag is SSH-signed.
    pub signature: Option<(String, Vec<u8>)>,
}

const SSH_BEGIN: &[u8] = b"-----BEGIN SSH SIGNATURE-----";

/// Every annotated tag of the repository that points at a commit and claims approved content.
pub fn read(repo: &git2::Repository) -> Vec<ApprovalTag> {
    let Ok(odb) = repo.odb() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let _ = repo.tag_foreach(|id, _name| {
        if let Some(tag) = one(repo, &odb, id) {
            out.push(tag);
        }
        true
    });
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn one(repo: &git2::Repository, odb: &git2::Odb, id: git2::Oid) -> Option<ApprovalTag> {
    let tag = repo.find_tag(id).ok()?;
    if tag.target_type() != Some(git2::ObjectType::Commit) {
        return None;
    }
    let raw = odb.read(id).ok()?;
    let data = raw.data();
    let (payload, signature) = match memchr::memmem::find(data, SSH_BEGIN) {
        Some(at) => (
            &data[..at],
            Some(String::from_utf8_lossy(&data[at..]).into_owned()),
        ),
        None => (data, None),
    };
    // The message: after the header's blank line, without the signature block.
    let text = std::str::from_utf8(payload).ok()?;
    let message = text.split_once("\n\n").map_or("", |(_, m)| m);
    let found = trailers::parse(message);
    let content_hash = found
        .iter()
        .find(|t| t.is("Approved-content"))
        .and_then(|t| t.value.trim().strip_prefix("sha256:"))
        .map(|h| h.trim().to_ascii_lowercase())?;
    let approved_by: Vec<Trailer> = found.into_iter().filter(|t| t.is("Approved-by")).collect();
    let tagger = tag.tagger()?;
    Some(ApprovalTag {
        name: String::from_utf8_lossy(tag.name_bytes()).into_owned(),
        target: tag.target_id().to_string(),
        tagger: format!(
            "{} <{}>",
            String::from_utf8_lossy(tagger.name_bytes()),
            String::from_utf8_lossy(tagger.email_bytes())
        ),
        time: tagger.when().seconds(),
        approved_by,
        content_hash,
        signature: signature.map(|s| (s, payload.to_vec())),
    })
}
