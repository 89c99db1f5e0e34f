//! `policybook status`: what needs attention, most urgent first. It runs the same pipeline and
//! rules as `check` and groups their findings by code (reviews overdue, approvals missing,
//! versions not communicated, …); it judges nothing itself. Other findings are left to `check`
//! and only counted.

use super::{EXIT_INVALID, EXIT_OK};
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::{Loaded, Site};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Evaluate due dates as of this day (YYYY-MM-DD) instead of SOURCE_DATE_EPOCH or the clock.
    #[arg(long, value_parser = super::parse_today)]
    pub today: Option<jiff::civil::Date>,
}

/// The sections of the report, by urgency within a severity: what an auditor would flag first
/// comes first. Each is the findings of one or more codes.
const GROUPS: &[(&str, &[Code])] = &[
    (
        "Mandatory documents missing",
        &[Code::MandatoryDocumentMissing],
    ),
    (
        "Management review overdue",
        &[Code::ManagementReviewOverdue],
    ),
    ("Reviews overdue", &[Code::ReviewOverdue]),
    ("Approvals missing", &[Code::ApprovalMissing]),
    (
        "Approval rules not met (quorum, separation of duties)",
        &[Code::ApprovalQuorumNotMet, Code::SelfApproval],
    ),
    (
        "Approvals not evidenced",
        &[Code::ApprovalNotEvidenced, Code::ApprovalDateMismatch],
    ),
    (
        "Changed after approval (version not bumped)",
        &[Code::VersionNotBumped],
    ),
    ("Versions not communicated", &[Code::NotCommunicated]),
    ("Acknowledgements overdue", &[Code::AcknowledgementOverdue]),
    (
        "Management-review decisions overdue",
        &[Code::DecisionOverdue],
    ),
    ("Reviews due soon", &[Code::ReviewDueSoon]),
];

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub code: &'static str,
    pub severity: Severity,
    pub doc_id: Option<String>,
    pub title: Option<String>,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub message: String,
    pub help: Option<String>,
    /// When it falls (or fell) due, where the rule knows.
    pub due: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: &'static str,
    pub severity: Severity,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub items: usize,
    /// Findings `check` reports that are not about attention due (broken links, …).
    pub other_findings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub today: String,
    pub groups: Vec<Group>,
    pub counts: Counts,
}

fn item(site: &Site, d: &Diagnostic) -> Item {
    let title = d
        .doc_id
        .as_deref()
        .and_then(|id| site.document(id))
        .and_then(|doc| doc.meta.as_ref())
        .map(|m| m.title.value.clone());
    Item {
        code: d.code,
        severity: d.severity,
        doc_id: d.doc_id.clone(),
        title,
        file: d.file.clone(),
        line: d.line,
        message: d.message.clone(),
        help: d.help.clone(),
        due: d.due.map(|date| date.to_string()),
    }
}

/// Groups the findings: errors before warnings, then by the order of `GROUPS`; within a group,
/// errors first, then the earliest due date, then document id. A code whose findings have both
/// severities (a late communication is a warning) makes one group per severity.
pub fn report(loaded: &Loaded) -> Report {
    let site = &loaded.site;
    let mut groups = Vec::new();
    let mut grouped = 0;
    for severity in [Severity::Error, Severity::Warning] {
        for (name, codes) in GROUPS {
            let mut found: Vec<&Diagnostic> = loaded
                .diagnostics
                .iter()
                .filter(|d| d.severity == severity && codes.iter().any(|c| c.as_str() == d.code))
                .collect();
            if found.is_empty() {
                continue;
            }
            found.sort_by(|a, b| {
                (
                    a.due.is_none(),
                    a.due,
                    &a.doc_id,
                    &a.file,
                    a.line,
                    &a.message,
                )
                    .cmp(&(
                        b.due.is_none(),
                        b.due,
                        &b.doc_id,
                        &b.file,
                        b.line,
                        &b.message,
                    ))
            });
            grouped += found.len();
            groups.push(Group {
                name,
                severity,
                items: found.into_iter().map(|d| item(site, d)).collect(),
            });
        }
    }
    let items: Vec<&Item> = groups.iter().flat_map(|g| &g.items).collect();
    let errors = items
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .count();
    Report {
        today: site.today.to_string(),
        counts: Counts {
            errors,
            warnings: items.len() - errors,
            items: items.len(),
            other_findings: loaded.diagnostics.len() - grouped,
        },
        groups,
    }
}

pub fn human(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if report.groups.is_empty() {
        let _ = writeln!(
            out,
            "Nothing needs attention (status as of {}).",
            report.today
        );
    } else {
        let _ = writeln!(
            out,
            "Needs attention (status as of {}): {} error{}, {} warning{}",
            report.today,
            report.counts.errors,
            if report.counts.errors == 1 { "" } else { "s" },
            report.counts.warnings,
            if report.counts.warnings == 1 { "" } else { "s" },
        );
    }
    for group in &report.groups {
        let _ = writeln!(
            out,
            "\n{} ({}, {})",
            group.name,
            group.severity,
            group.items.len()
        );
        for item in &group.items {
            let who = match (&item.doc_id, &item.title) {
                (Some(id), Some(title)) => format!("{id}  {title}"),
                (Some(id), None) => id.clone(),
                _ => "(repository)".to_string(),
            };
            let _ = writeln!(out, "  - {who}");
            let _ = writeln!(out, "    {}", item.message);
            let mut facts = Vec::new();
            if let Some(due) = &item.due {
                facts.push(format!("due {due}"));
            }
            if let Some(file) = &item.file {
                facts.push(match item.line {
                    Some(line) => format!("{file}:{line}"),
                    None => file.clone(),
                });
            }
            facts.push(format!("[{}]", item.code));
            let _ = writeln!(out, "    {}", facts.join("  "));
            if let Some(help) = &item.help {
                let _ = writeln!(out, "    fix: {help}");
            }
        }
    }
    if report.counts.other_findings > 0 {
        let _ = writeln!(
            out,
            "\n{} other finding{}: run `policybook check` for the details.",
            report.counts.other_findings,
            if report.counts.other_findings == 1 {
                ""
            } else {
                "s"
            }
        );
    }
    out
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let options = crate::site::Options {
        today: args.today,
        ..Default::default()
    };
    let loaded = crate::load(&root, options)?;
    let report = report(&loaded);
    match args.format {
        Format::Human => print!("{}", human(&report)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialisable")
        ),
    }
    // Like `check`: any error fails, also one this report only counts among "other findings".
    Ok(if loaded.diagnostics.iter().any(Diagnostic::is_error) {
        EXIT_INVALID
    } else {
        EXIT_OK
    })
}
