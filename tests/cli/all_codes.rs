//! One repository with one seeded defect per diagnostic code, checked in a single run: every
//! code is reported at its file and line, and the rules do not hide each other's findings.

use crate::support::*;

/// A controlled document with the given extra front matter and body; `draft` keeps the
/// approval, review and communication rules out of the way unless the defect needs them.
fn doc(id: &str, front: &str, body: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Document {id}\ntype: standard\nversion: \"1.0\"\n{front}\n---\n\n## Purpose\n\nWhy.\n\n## Scope\n\nWhat.\n{body}"
    )
}

const DRAFT: &str = "status: draft\nowner: CISO";
const APPROVED: &str = "status: approved\nowner: CISO\neffective: 2026-01-10\napprovals:\n  - {role: CISO, name: Bob Example, date: 2026-01-10}";

#[test]
fn one_repository_with_one_defect_per_code() {
    let seeded: Vec<(&str, String)> = vec![
        ("content/x/no-front-matter.md", "# Notes\n\nNo front matter.\n".into()),
        ("content/x/bad-yaml.md", "---\nid: X-1\ntitle: a: b\n---\n".into()),
        ("content/x/missing-field.md", doc("X-2", "status: draft", "")),
        ("content/x/invalid-field.md", doc("X-3", "status: sometimes\nowner: CISO", "")),
        ("content/x/unknown-field.md", doc("X-4", "status: draft\nowner: CISO\naudiance: [all-staff]", "")),
        ("content/x/duplicate-id.md", doc("POL-001", DRAFT, "")),
        ("content/x/unknown-role.md", doc("X-5", "status: draft\nowner: NOBODY", "")),
        ("content/x/unknown-document.md", doc("X-6", "status: draft\nowner: CISO\nsupersedes: STD-NOPE", "")),
        (
            "content/x/approver-not-authorized.md",
            doc("X-7", "status: approved\nowner: CISO\neffective: 2026-01-10\napprovals:\n  - {role: SYSADMIN, name: Dave Example, date: 2026-01-10}", ""),
        ),
        ("content/x/approval-missing.md", doc("X-8", "status: approved\nowner: CISO\neffective: 2026-01-10", "")),
        ("content/x/approval-date-mismatch.md", doc("X-16", "status: approved\nowner: CISO\neffective: 2026-12-31\napprovals:\n  - {role: CISO, name: Bob Example, date: 2026-12-31}", "")),
        ("content/x/review-overdue.md", doc("X-9", &format!("{APPROVED}\nreview: {{last: 2025-01-15}}"), "")),
        ("content/x/review-due-soon.md", doc("X-10", &format!("{APPROVED}\nreview: {{last: 2025-06-15}}"), "")),
        ("content/x/not-communicated.md", doc("X-11", &format!("{APPROVED}\naudience: [contractors]"), "")),
        ("content/x/missing-section.md", "---\nid: X-12\ntitle: Twelve\ntype: standard\nversion: \"1.0\"\nstatus: draft\nowner: CISO\n---\n\n## Purpose\n\nOnly a purpose.\n".into()),
        ("content/x/broken-link.md", doc("X-13", DRAFT, "\nSee [the guide](guide.md).\n")),
        ("content/x/placeholder.md", doc("X-17", DRAFT, "\nOwner: REPLACE ME.\n")),
        ("content/x/more-roles.md", "---\nid: ROL-002\ntitle: More roles\ntype: roles\nroles:\n  - id: AUDITOR\n    title: Internal auditor\n    responsibilities: [Audit the ISMS]\n---\n".into()),
    ];
    let mut f = Fixture::clean()
        // mandatory-document-missing: the 5.2 policy is no longer approved.
        .edit(POLICY_PATH, "status: approved", "status: in-review")
        // required-role-missing and management-review-overdue come from book.toml.
        .edit(
            "book.toml",
            "[isms]\n",
            "[isms]\nrequired-roles = [[\"DPO\"]]\nmanagement-review-interval = \"1 month\"\n",
        )
        .file(
            "content/x/binary.md",
            b"---\nid: X-14\n\x00\x01\x02".as_slice(),
        );
    for (path, text) in &seeded {
        f = f.file(path, text);
    }
    let diags = f.diagnostics();

    let text = |path: &str| -> String {
        seeded
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| f.read(path))
    };
    let expect = |code: &str, file: Option<&str>, needle: Option<&str>| {
        let line = match (file, needle) {
            (Some(file), Some(needle)) => Some(pos_of(&text(file), needle).0),
            _ => None,
        };
        assert!(
            diags.iter().any(|d| d.code == code
                && d.file.as_deref() == file
                && (line.is_none() || d.line == line)),
            "`{code}` not reported at {file:?}:{line:?}\n{}",
            show(&diags)
        );
    };

    expect(
        "front-matter-missing",
        Some("content/x/no-front-matter.md"),
        Some("# Notes"),
    );
    expect(
        "front-matter-syntax",
        Some("content/x/bad-yaml.md"),
        Some("title: a: b"),
    );
    expect(
        "missing-field",
        Some("content/x/missing-field.md"),
        Some("id: X-2"),
    );
    expect(
        "invalid-field",
        Some("content/x/invalid-field.md"),
        Some("status: sometimes"),
    );
    expect(
        "unknown-field",
        Some("content/x/unknown-field.md"),
        Some("audiance"),
    );
    expect(
        "duplicate-id",
        Some("content/x/duplicate-id.md"),
        Some("id: POL-001"),
    );
    expect("duplicate-id", Some(POLICY_PATH), Some("id: POL-001"));
    expect(
        "unknown-role",
        Some("content/x/unknown-role.md"),
        Some("owner: NOBODY"),
    );
    expect(
        "unknown-document",
        Some("content/x/unknown-document.md"),
        Some("supersedes"),
    );
    expect(
        "approver-not-authorized",
        Some("content/x/approver-not-authorized.md"),
        Some("role: SYSADMIN"),
    );
    expect(
        "approval-missing",
        Some("content/x/approval-missing.md"),
        Some("status: approved"),
    );
    expect(
        "approval-date-mismatch",
        Some("content/x/approval-date-mismatch.md"),
        Some("date: 2026-12-31}"),
    );
    expect(
        "review-overdue",
        Some("content/x/review-overdue.md"),
        Some("review:"),
    );
    expect(
        "review-due-soon",
        Some("content/x/review-due-soon.md"),
        Some("review:"),
    );
    expect(
        "not-communicated",
        Some("content/x/not-communicated.md"),
        Some("audience"),
    );
    expect(
        "missing-section",
        Some("content/x/missing-section.md"),
        Some("## Purpose"),
    );
    expect(
        "broken-link",
        Some("content/x/broken-link.md"),
        Some("[the guide]"),
    );
    expect(
        "mandatory-document-missing",
        Some(POLICY_PATH),
        Some("status: in-review"),
    );
    expect(
        "role-without-holder",
        Some("content/x/more-roles.md"),
        Some("id: AUDITOR"),
    );
    expect("required-role-missing", Some(ROLES_PATH), Some("- id: CEO"));
    expect(
        "management-review-overdue",
        Some(REVIEW_PATH),
        Some("date:"),
    );
    expect("unreadable-file", Some("content/x/binary.md"), None);
    expect(
        "placeholder",
        Some("content/x/placeholder.md"),
        Some("REPLACE ME"),
    );
}
