//! `placeholder`: the `REPLACE ME` markers `policybook init` writes (role holders, the
//! approver) left in a document. A warning, so that a fresh scaffold passes `check`; the
//! dashboard says the setup is incomplete while any remain.

use crate::diagnostic::{Code, Diagnostic, Pos};
use crate::site::Site;

/// The marker every placeholder of the scaffold carries.
pub const MARKER: &str = "REPLACE ME";

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    for doc in site.documents() {
        let mut found = doc.source.match_indices(MARKER).map(|(at, _)| at);
        let Some(first) = found.next() else {
            continue;
        };
        let count = 1 + found.count();
        let message = if count == 1 {
            format!("a `{MARKER}` placeholder is left")
        } else {
            format!("{count} `{MARKER}` placeholders are left (the first here)")
        };
        out.push(
            Diagnostic::new(Code::Placeholder, message)
                .at(&doc.file, Pos::of_offset(&doc.source, first))
                .width(MARKER.len())
                .doc(doc.id())
                .help("replace it with the real value (a role holder's name and the e-mail they commit with, the approver's name)"),
        );
    }
}
