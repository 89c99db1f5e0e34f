//! Validation: takes the loaded `Site` and gives its findings, `Diagnostic`s with stable codes:
//! small rules, each family in its own file. Rules read the site; they never change it. Stands
//! on every stage up to `site` and `stamp`; must not import `compliance`, `render`, `serve` or
//! `cmd` (the matrix reads validation's findings, never the other way round).

mod acknowledgements;
mod approvals;
mod clauses;
pub mod communication;
mod custody;
mod evidence;
mod ids;
pub mod links;
mod placeholders;
mod references;
mod registry;
pub mod reviews;
mod sections;

pub use approvals::authorised_roles;
pub use sections::{
    SECURITY_POLICY_SECTIONS as REQUIRED_POLICY_SECTIONS, has_section as sections_has,
};

use crate::diagnostic::Diagnostic;
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
    placeholders::check,
    acknowledgements::check,
    acknowledgements::check_tallies,
    custody::check,
];

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
