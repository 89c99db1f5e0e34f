//! `invalid-field` for the clause 5 labels that records name (`clauses: ["5.1 e"]`): on the
//! inputs and decisions of a management review, a requirement that top management may attest;
//! on a role, a 5.3 requirement a role is assigned. A label the matrix does not know would
//! silently attest nothing, so it is an error, with the closest label as a suggestion.

use crate::content::{Document, Kind};
use crate::diagnostic::did_you_mean;
use crate::diagnostic::{Code, Diagnostic, Spanned};
use crate::requirements::{self, Attest};
use crate::site::Site;

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    for doc in site.documents() {
        match doc.meta.as_ref().map(|m| &m.kind) {
            Some(Kind::ManagementReview(r)) => {
                let labels = r
                    .inputs
                    .iter()
                    .flat_map(|i| &i.clauses)
                    .chain(r.decisions.iter().flat_map(|d| &d.clauses));
                for label in labels {
                    check_label(doc, label, Attest::Review, out);
                }
            }
            Some(Kind::Roles(roles)) => {
                for label in roles.iter().flat_map(|r| &r.clauses) {
                    check_label(doc, label, Attest::Role, out);
                }
            }
            _ => {}
        }
    }
}

fn check_label(doc: &Document, label: &Spanned<String>, attest: Attest, out: &mut Vec<Diagnostic>) {
    let text = label.value.as_str();
    if requirements::labels_for(attest).any(|l| l == text) {
        return;
    }
    let known: Vec<&str> = requirements::labels_for(attest).collect();
    let (what, where_) = match attest {
        Attest::Review => ("top management may attest", "a management review entry"),
        _ => ("a role may be assigned", "a role"),
    };
    let message = match requirements::find(text) {
        Some(_) => {
            format!("clause `{text}` is decided from the repository; {where_} cannot evidence it")
        }
        None => format!("`{text}` is not a clause 5 requirement that {what}"),
    };
    let help = match did_you_mean(text, known.iter().copied()) {
        Some(best) => format!("did you mean `{best}`? (known here: {})", known.join(", ")),
        None => format!("use one of: {}", known.join(", ")),
    };
    out.push(
        Diagnostic::new(Code::InvalidField, message)
            .at(&doc.file, label.pos)
            .width(text.chars().count())
            .doc(doc.id())
            .help(help),
    );
}
