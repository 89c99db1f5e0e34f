//! Validation: small rules over the loaded `Site`, each family in its own file, each finding a
//! `Diagnostic` with a stable code. Rules read the site; they never change it.

mod approvals;
mod clauses;
mod code;
pub mod communication;
mod diagnostic;
mod evidence;
mod ids;
pub mod links;
mod references;
mod registry;
pub mod report;
pub mod reviews;
mod sections;

pub use approvals::authorised_roles;
pub use code::Code;
pub use diagnostic::{Diagnostic, Pos, Severity, Spanned, normalise};
pub use sections::{
    SECURITY_POLICY_SECTIONS as REQUIRED_POLICY_SECTIONS, has_section as sections_has,
};

use crate::site::Site;
use rayon::prelude::*;

/// A rule family: reads the site, appends findings.
type Rule = fn(&Site, &mut Vec<Diagnostic>);

/// Every rule, in the order their findings are most useful to read.
const RULES: &[Rule] = &[
    ids::check,
    references::check,
    approvals::check,
    approvals::check_records,
    clauses::check,
    sections::check,
    links::check,
    reviews::check,
    communication::check,
    registry::check,
    evidence::check,
];

/// Where a finding about a document's version in force is reported: at `pos` when that version
/// is the working copy, else at the working copy's `status` line (the in-force text is in Git,
/// and its lines are not the file's).
fn in_force_position<'s>(
    site: &'s Site,
    doc: &'s crate::content::Document,
    pos: Pos,
) -> (&'s str, Pos) {
    match site.in_force(doc) {
        None => (&doc.file, pos),
        Some(_) => {
            let working = site.working(doc);
            let status = working
                .controlled()
                .and_then(|c| c.status.as_ref())
                .map_or(Pos::new(1, 1), |s| s.pos);
            (&working.file, status)
        }
    }
}

/// Runs every rule over the site.
pub fn run(site: &Site) -> Vec<Diagnostic> {
    // Rules only read the site: run them side by side, findings kept in rule order.
    let found: Vec<Vec<Diagnostic>> = RULES
        .par_iter()
        .map(|rule| {
            let mut out = Vec::new();
            rule(site, &mut out);
            out
        })
        .collect();
    found.concat()
}
