//! Disclosure: which revisions of a document may show their words — text, diff, commit message —
//! in any output (portal, evidence pack, `history`, the `serve` overlay). A revision is judged
//! by the classification its own front matter states, never by the document's current one: a
//! policy declassified from `confidential` to `internal` is published, but the confidential
//! version's text, the diff to it and the messages of the commits made while it was
//! confidential stay withheld. What is withheld is replaced, never dropped: versions, commits,
//! dates and approvers remain listed, because they are the audit trail.
//!
//! This module only decides; the views that print revisions ask it.

use crate::config::{DEFAULT_CLASSIFICATION, Project};
use crate::content::facts::{Classification, Facts};
use crate::history::CommitRecord;
use crate::history::trailers::Trailer;
use crate::history::versions::{ApprovedVersion, DocumentHistory};

/// Whether a revision's words may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disclosure {
    Shown,
    /// Above `max-classification` (or of no known level): `level` says which, for the reader.
    Withheld {
        level: String,
    },
}

impl Disclosure {
    pub fn is_shown(&self) -> bool {
        matches!(self, Disclosure::Shown)
    }

    /// The level that withholds, if any.
    pub fn withheld_level(&self) -> Option<&str> {
        match self {
            Disclosure::Shown => None,
            Disclosure::Withheld { level } => Some(level),
        }
    }
}

/// What a text with these facts may show, by the level it states.
pub fn of_facts(project: &Project, facts: &Facts) -> Disclosure {
    let level = match &facts.classification {
        Classification::Unstated => DEFAULT_CLASSIFICATION,
        Classification::Stated(level) => level.as_str(),
        Classification::Unreadable => {
            return Disclosure::Withheld {
                level: "of unknown classification".into(),
            };
        }
    };
    if project.publishable(level) {
        Disclosure::Shown
    } else {
        Disclosure::Withheld {
            level: level.to_string(),
        }
    }
}

/// What of one revision may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionDisclosure {
    /// Its text (and its path, which can repeat what the text says).
    pub text: Disclosure,
    /// Why its commit message is withheld, if it is: the revision's own text is withheld, or
    /// the text it replaced is (the commit that declassifies a document describes what it
    /// takes out).
    pub message_withheld: Option<String>,
}

impl RevisionDisclosure {
    /// The commit's subject, or why it is withheld.
    pub fn summary(&self, commit: &CommitRecord) -> String {
        self.message_withheld
            .clone()
            .unwrap_or_else(|| commit.summary.clone())
    }

    /// The trailers that may be shown. Of a withheld message, those that evidence an approval
    /// or a review (a person's name and address: the audit trail); any other trailer is free
    /// text and withheld with the message.
    pub fn trailers<'c>(&self, commit: &'c CommitRecord) -> Vec<&'c Trailer> {
        let audit = |t: &&Trailer| {
            t.key.eq_ignore_ascii_case("approved-by") || t.key.eq_ignore_ascii_case("reviewed-by")
        };
        match self.message_withheld {
            None => commit.trailers.iter().collect(),
            Some(_) => commit.trailers.iter().filter(audit).collect(),
        }
    }
}

/// The disclosure of each revision of a history, in the history's order (newest first). A
/// revision with no text of its own (a deletion) is judged by the text it deleted, the
/// revision before it; a Markdown text that was never read is withheld; a file that is not a
/// document has no level of its own and is shown.
pub fn of_revisions(project: &Project, history: &DocumentHistory) -> Vec<RevisionDisclosure> {
    let mut out: Vec<RevisionDisclosure> = Vec::with_capacity(history.revisions.len());
    let mut before: Option<Disclosure> = None;
    // Oldest first, so that a revision knows what it replaced; reversed at the end.
    for r in history.revisions.iter().rev() {
        let text = match r.facts {
            Some(facts) => of_facts(project, facts),
            None if r.revision.blob.is_none() => before.clone().unwrap_or_else(unknown),
            // Not a document (an attachment, a file outside the content): it states no level.
            None if !r.revision.path.ends_with(".md") => Disclosure::Shown,
            None => unknown(),
        };
        let message_withheld = match (text.withheld_level(), before.as_ref()) {
            (Some(level), _) => Some(withheld_message(level)),
            (None, Some(Disclosure::Withheld { level })) => Some(format!(
                "withheld: this revision replaces a text that was {level}"
            )),
            _ => None,
        };
        before = Some(text.clone());
        out.push(RevisionDisclosure {
            text,
            message_withheld,
        });
    }
    out.reverse();
    out
}

fn unknown() -> Disclosure {
    Disclosure::Withheld {
        level: "of unknown classification".into(),
    }
}

/// The disclosure of an approved version: the level its approved text states.
pub fn of_version(
    project: &Project,
    history: &crate::history::HistoryIndex,
    version: &ApprovedVersion,
) -> Disclosure {
    history
        .facts(&version.blob)
        .map_or_else(unknown, |facts| of_facts(project, facts))
}

/// Why the diff between two versions is withheld, if it is: "version 1.0 was confidential".
pub fn diff_withheld(
    (old, old_disclosure): (&ApprovedVersion, &Disclosure),
    (new, new_disclosure): (&ApprovedVersion, &Disclosure),
) -> Option<String> {
    let said = |v: &ApprovedVersion, level: &str| format!("version {} was {level}", v.version);
    match (
        old_disclosure.withheld_level(),
        new_disclosure.withheld_level(),
    ) {
        (None, None) => None,
        (Some(a), None) => Some(said(old, a)),
        (None, Some(b)) => Some(said(new, b)),
        (Some(a), Some(b)) => Some(format!("{} and {}", said(old, a), said(new, b))),
    }
}

/// What a withheld commit message reads as.
pub fn withheld_message(level: &str) -> String {
    format!("withheld: the document was {level} at this revision")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::facts;

    fn project(max: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("book.toml"),
            format!("[output.html]\nmax-classification = \"{max}\"\n"),
        )
        .unwrap();
        crate::config::load(dir.path()).map_err(|_| ()).unwrap().0
    }

    #[test]
    fn a_revision_is_judged_by_its_own_level() {
        let internal = project("internal");
        let read = |matter: &str| facts::read(&format!("---\n{matter}\n---\nBody\n"));
        assert!(of_facts(&internal, &read("id: A\nclassification: internal")).is_shown());
        assert!(of_facts(&internal, &read("id: A\nclassification: public")).is_shown());
        assert!(
            of_facts(&internal, &read("id: A")).is_shown(),
            "default level"
        );
        assert!(of_facts(&internal, &facts::read("no front matter")).is_shown());
        assert_eq!(
            of_facts(&internal, &read("id: A\nclassification: confidential")),
            Disclosure::Withheld {
                level: "confidential".into()
            }
        );
        // Anything that is not a known level is withheld: a typo, a list, broken YAML.
        for odd in [
            "id: A\nclassification: secret",
            "id: A\nclassification: [confidential]",
            "id: A\nclassification:",
            "id: [unclosed",
        ] {
            assert!(!of_facts(&internal, &read(odd)).is_shown(), "{odd}");
        }
        assert!(!of_facts(&internal, &facts::read("---\nid: A\nnever closed\n")).is_shown());
        // The threshold decides: the same text is shown where confidential is allowed.
        let confidential = project("confidential");
        assert!(of_facts(&confidential, &read("classification: confidential")).is_shown());
        assert!(!of_facts(&confidential, &read("classification: restricted")).is_shown());
    }
}
