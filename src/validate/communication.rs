//! `not-communicated`: each approved version must reach each group of its `audience` within
//! `[communication] deadline-days` of taking effect (5.2 "communicated within the organization").
//! `coverage` is also what the dashboard shows as "awaiting communication".

use crate::content::Document;
use crate::dates;
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::site::Site;
use jiff::civil::Date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Communicated on `date` by entry `entry` (a document id); `late` when after the deadline.
    Communicated {
        date: Date,
        entry: String,
        late: bool,
    },
    /// Not yet, and the deadline has not passed.
    Awaiting,
    /// Not yet, and the deadline has passed.
    Overdue,
}

#[derive(Debug, Clone)]
pub struct Coverage<'a> {
    pub document: &'a Document,
    pub version: String,
    pub audience: String,
    pub deadline: Date,
    pub reach: Reach,
    pub audience_pos: crate::diagnostic::Pos,
}

/// For each approved controlled document and each of its audiences, whether the version in
/// force (see `in_force`) reached it.
pub fn coverage(site: &Site) -> Vec<Coverage<'_>> {
    let deadline_days = i64::from(site.project.config.communication.deadline_days);
    // Communication entries by the document id they mention (one pass over the entries, so
    // the cost stays linear in documents plus entries).
    let mut by_document: std::collections::HashMap<
        &str,
        Vec<(&Document, &crate::content::document::Communication)>,
    > = std::collections::HashMap::new();
    for (entry, comm) in site.communications() {
        for d in &comm.documents {
            let list = by_document.entry(d.id.value.as_str()).or_default();
            if !list.iter().any(|(e, _)| std::ptr::eq(*e, entry)) {
                list.push((entry, comm));
            }
        }
    }
    let mut out = Vec::new();
    for (doc, meta, c) in site.controlled_in_force() {
        if !c.is_approved() {
            continue;
        }
        let (Some(version), Some(effective)) = (&c.version, &c.effective) else {
            continue;
        };
        let id = meta.id.value.as_str();
        let deadline = dates::add_days(effective.value, deadline_days);
        for group in &c.audience {
            let earliest = by_document
                .get(id)
                .into_iter()
                .flatten()
                .filter(|(_, comm)| {
                    comm.audience.iter().any(|a| a.value == group.value)
                        && comm.documents.iter().any(|d| {
                            d.id.value == id
                                && d.version.as_ref().is_none_or(|v| v.value == version.value)
                        })
                })
                .filter_map(|(entry, comm)| comm.date.as_ref().map(|d| (d.value, entry)))
                .min_by_key(|(date, entry)| (*date, entry.file.clone()));
            let reach = match earliest {
                Some((date, entry)) => Reach::Communicated {
                    date,
                    entry: entry.id().unwrap_or_default().to_string(),
                    late: date > deadline,
                },
                None if site.today > deadline => Reach::Overdue,
                None => Reach::Awaiting,
            };
            out.push(Coverage {
                document: doc,
                version: version.value.clone(),
                audience: group.value.clone(),
                deadline,
                reach,
                audience_pos: group.pos,
            });
        }
    }
    out
}

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    for cov in coverage(site) {
        let id = cov.document.id().unwrap_or_default();
        let (file, pos) = site.finding_position(cov.document, cov.audience_pos);
        let d = match &cov.reach {
            Reach::Overdue => Diagnostic::new(
                Code::NotCommunicated,
                format!(
                    "version {} has not been communicated to `{}` (deadline {})",
                    cov.version, cov.audience, cov.deadline
                ),
            ),
            Reach::Communicated {
                date,
                entry,
                late: true,
            } => Diagnostic::new(
                Code::NotCommunicated,
                format!(
                    "version {} reached `{}` on {date} ({entry}), after the deadline {}",
                    cov.version, cov.audience, cov.deadline
                ),
            )
            .severity(Severity::Warning),
            _ => continue,
        };
        out.push(
            d.at(file, pos)
                .width(cov.audience.chars().count())
                .doc(Some(id))
                .due(cov.deadline)
                .help(format!(
                    "record it as a `type: communication` entry with `documents: [{{id: {id}, version: \"{}\"}}]` and `audience: [{}]`",
                    cov.version, cov.audience
                )),
        );
    }
}
