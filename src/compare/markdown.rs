//! The report as Markdown, for a pull-request comment: the documents changed, the approvals the
//! change needs, the findings it introduces.

use super::types::{Approver, Change, ChangeKind, Report};
use crate::diagnostic::{Diagnostic, Severity};
use crate::history::versions::short;
use std::fmt::Write;

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## policybook: `{}` ({}) → `{}` ({})\n",
        report.base.spec,
        short(&report.base.commit),
        report.head.spec,
        short(&report.head.commit)
    );
    documents(&mut out, &report.changes);
    approvals_required(&mut out, &report.changes);
    findings_introduced(&mut out, report);
    out
}

fn documents(out: &mut String, changes: &[Change]) {
    if changes.is_empty() {
        out.push_str("No documents changed.\n");
        return;
    }
    let _ = writeln!(out, "### Documents ({})\n", changes.len());
    out.push_str("| Change | Document | Path | Version | Bump |\n");
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for c in changes {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            kind(c),
            document(c),
            path(c),
            cell(&version(c)),
            if c.bump_required { "**required**" } else { "" }
        );
    }
}

fn kind(c: &Change) -> String {
    let mut kind = c.kind.label().to_string();
    if c.kind == ChangeKind::Renamed && c.content_changed {
        kind.push_str(", content changed");
    }
    kind
}

fn document(c: &Change) -> String {
    match (&c.id, &c.title, &c.withheld) {
        (Some(id), None, Some(level)) => {
            format!("**{}** (title withheld: {})", cell(id), cell(level))
        }
        (Some(id), Some(title), _) => format!("**{}** {}", cell(id), cell(title)),
        (Some(id), None, _) => format!("**{}**", cell(id)),
        _ => "(no front matter)".to_string(),
    }
}

fn path(c: &Change) -> String {
    match (&c.path_before, &c.path_after) {
        (Some(b), Some(a)) if b != a => format!("`{}` → `{}`", cell(b), cell(a)),
        (_, Some(a)) => format!("`{}`", cell(a)),
        (Some(b), None) => format!("`{}`", cell(b)),
        (None, None) => String::new(),
    }
}

fn version(c: &Change) -> String {
    match (&c.version_before, &c.version_after) {
        (None, None) => String::new(),
        (b, a) => format!(
            "{} → {}",
            b.as_deref().unwrap_or("–"),
            a.as_deref().unwrap_or("–")
        ),
    }
}

fn approvals_required(out: &mut String, changes: &[Change]) {
    let needing: Vec<&Change> = changes.iter().filter(|c| c.approvers.is_some()).collect();
    if needing.is_empty() {
        return;
    }
    out.push_str("\n### Approvals required\n\n");
    for c in needing {
        let roles: Vec<String> = c
            .approvers
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(approver)
            .collect();
        let needs = match c.rules.as_slice() {
            [] => "one of".to_string(),
            rules => {
                let each: Vec<String> = rules
                    .iter()
                    .map(|r| format!("{} of {}", r.count, r.roles.join("/")))
                    .collect();
                format!("distinct people, {}, from", each.join(" and "))
            }
        };
        let _ = writeln!(
            out,
            "- **{}** {} ({}, version {}): {needs} {}",
            c.id.as_deref().unwrap_or("?"),
            c.title.as_deref().unwrap_or(""),
            c.doc_type.as_deref().unwrap_or("?"),
            c.version_after.as_deref().unwrap_or("?"),
            if roles.is_empty() {
                "no role may approve it yet".to_string()
            } else {
                roles.join("; ")
            }
        );
    }
}

fn approver(a: &Approver) -> String {
    let holders: Vec<String> = a
        .holders
        .iter()
        .map(|h| format!("{} <{}>", h.name, h.email))
        .collect();
    match (a.defined, holders.is_empty()) {
        (false, _) => format!("{} (role not defined)", a.role),
        (true, true) => format!("{} (no current holder)", a.role),
        (true, false) => format!("{} ({})", a.role, holders.join(", ")),
    }
}

fn findings_introduced(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "\n### Findings introduced ({} error{}, {} warning{})\n",
        report.counts.errors,
        if report.counts.errors == 1 { "" } else { "s" },
        report.counts.warnings,
        if report.counts.warnings == 1 { "" } else { "s" },
    );
    if report.introduced.is_empty() {
        out.push_str("None: this change adds no `policybook check` findings.\n");
    }
    for d in &report.introduced {
        finding(out, d);
    }
}

fn finding(out: &mut String, d: &Diagnostic) {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let place = match (&d.file, d.line) {
        (Some(f), Some(l)) => format!(" `{f}:{l}`"),
        (Some(f), None) => format!(" `{f}`"),
        _ => String::new(),
    };
    let doc = d
        .doc_id
        .as_deref()
        .map(|id| format!(" **{id}**"))
        .unwrap_or_default();
    let _ = writeln!(out, "- {level} `{}`{doc}{place}: {}", d.code, d.message);
    if let Some(help) = &d.help {
        let _ = writeln!(out, "  - fix: {help}");
    }
}
