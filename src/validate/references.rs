//! `unknown-role` and `unknown-document`: every role id and document id that a document names
//! must exist.

use crate::content::Kind;
use crate::diagnostic::did_you_mean;
use crate::diagnostic::{Code, Diagnostic, Spanned};
use crate::site::Site;

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    let role_ids: Vec<&str> = site.roles().map(|r| r.id.value.as_str()).collect();
    let doc_ids: Vec<&str> = site.ids().map(|(id, _)| id).collect();

    for doc in site.documents() {
        let Some(meta) = &doc.meta else { continue };
        for (what, r) in role_references(&meta.kind) {
            // A `REPLACE ME` placeholder (as `adopt` writes for owners) is reported once, as
            // the placeholder it is, not again as a role nobody defined.
            if site.role(&r.value).is_none() && !r.value.contains(super::placeholders::MARKER) {
                out.push(unknown(
                    Code::UnknownRole,
                    &doc.file,
                    doc.id(),
                    what,
                    r,
                    &role_ids,
                    "role",
                ));
            }
        }
        for (what, id) in document_references(&meta.kind) {
            // A document whose front matter does not parse is reported for that, once.
            if site.document(&id.value).is_none() && !site.unreadable_claims_id(&id.value) {
                out.push(unknown(
                    Code::UnknownDocument,
                    &doc.file,
                    doc.id(),
                    what,
                    id,
                    &doc_ids,
                    "document",
                ));
            }
        }
    }
}

/// The role ids a document's front matter names, each with what it names it as, in the
/// order they are written.
fn role_references(kind: &Kind) -> Vec<(&'static str, &Spanned<String>)> {
    let mut refs = Vec::new();
    match kind {
        Kind::Controlled(c) => {
            if let Some(owner) = &c.owner {
                refs.push(("owner", owner));
            }
            for a in &c.approvals {
                refs.push(("approving role", &a.role));
            }
        }
        Kind::Roles(roles) => {
            for r in roles {
                if let Some(to) = &r.reports_to {
                    refs.push(("reports-to", to));
                }
            }
        }
        Kind::ManagementReview(review) => {
            for a in &review.attendees {
                refs.push(("attendee", a));
            }
            for d in &review.decisions {
                if let Some(owner) = &d.owner {
                    refs.push(("decision owner", owner));
                }
            }
        }
        Kind::Communication(c) => {
            if let Some(sender) = &c.sender {
                refs.push(("sender", sender));
            }
        }
    }
    refs
}

/// The document ids a document's front matter names, each with what it names it as.
fn document_references(kind: &Kind) -> Vec<(&'static str, &Spanned<String>)> {
    match kind {
        Kind::Controlled(c) => c.supersedes.iter().map(|s| ("supersedes", s)).collect(),
        Kind::Communication(c) => c
            .documents
            .iter()
            .map(|d| ("communicated document", &d.id))
            .collect(),
        _ => Vec::new(),
    }
}

fn unknown(
    code: Code,
    file: &str,
    doc_id: Option<&str>,
    what: &str,
    value: &Spanned<String>,
    known: &[&str],
    noun: &str,
) -> Diagnostic {
    let d = Diagnostic::new(code, format!("{what} `{}` is not a {noun}", value.value))
        .at(file, value.pos)
        .width(value.value.chars().count())
        .doc(doc_id);
    match did_you_mean(&value.value, known.iter().copied()) {
        Some(best) => d.help(format!("did you mean `{best}`?")),
        None if noun == "role" => {
            d.help("define the role in a `type: roles` document, or use an existing role id")
        }
        None => d.help("use the `id` of an existing document"),
    }
}
