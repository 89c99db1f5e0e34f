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
        let mut role = |what: &str, r: &Spanned<String>| {
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
        };
        match &meta.kind {
            Kind::Controlled(c) => {
                if let Some(owner) = &c.owner {
                    role("owner", owner);
                }
                for a in &c.approvals {
                    role("approving role", &a.role);
                }
            }
            Kind::Roles(roles) => {
                for r in roles {
                    if let Some(to) = &r.reports_to {
                        role("reports-to", to);
                    }
                }
            }
            Kind::ManagementReview(review) => {
                for a in &review.attendees {
                    role("attendee", a);
                }
                for d in &review.decisions {
                    if let Some(owner) = &d.owner {
                        role("decision owner", owner);
                    }
                }
            }
            Kind::Communication(c) => {
                if let Some(sender) = &c.sender {
                    role("sender", sender);
                }
            }
        }

        let mut document = |what: &str, id: &Spanned<String>| {
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
        };
        match &meta.kind {
            Kind::Controlled(c) => {
                if let Some(s) = &c.supersedes {
                    document("supersedes", s);
                }
            }
            Kind::Communication(c) => {
                for d in &c.documents {
                    document("communicated document", &d.id);
                }
            }
            _ => {}
        }
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
