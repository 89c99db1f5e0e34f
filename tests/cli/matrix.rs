//! The clause 5 matrix: every lettered requirement in the standard's order, each met (decided by
//! a rule, with the records it used), attested (stated in an approved, current management
//! review) or not evidenced, and a headline that counts all three.

use crate::support::*;
use std::collections::BTreeSet;

const OBJECTIVE_PATH: &str = "content/objectives/objectives-2026.md";
const PROCEDURE_PATH: &str = "content/procedures/backup.md";
const TRAINING_PATH: &str = "content/communications/2026-03-05-roles-training.md";

/// An approved objective document (5.1 a).
const OBJECTIVE: &str = r#"---
id: OBJ-001
title: Information Security Objectives 2026
type: objective
version: "1.0"
status: approved
owner: CISO
effective: 2026-03-01
approvals:
  - role: CEO
    name: Alice Example
    date: 2026-03-01
---

## Purpose

Measurable objectives for 2026.
"#;

/// An approved procedure (5.1 b), approved by the CISO.
const PROCEDURE: &str = r#"---
id: PRC-001
title: Backup Procedure
type: procedure
version: "1.0"
status: approved
owner: CISO
effective: 2026-03-01
approvals:
  - role: CISO
    name: Bob Example
    date: 2026-03-01
---

## Purpose

Backups.

## Scope

Every system.
"#;

/// A training session that communicated the roles registry (5.1 d, 5.3).
const TRAINING: &str = r#"---
id: COM-2026-03-05
title: Roles and responsibilities training
type: communication
date: 2026-03-05
documents:
  - id: ROL-001
audience: [all-staff]
channel: training
sender: CISO
---

Everyone was walked through the roles registry.
"#;

/// A roles registry in which every role is described, approved by the CEO, the CISO assigned
/// 5.3 a and 5.3 b.
const ROLES_FULL: &str = r#"---
id: ROL-001
title: Roles and Responsibilities
type: roles
clauses: ["5.3"]
status: approved
approvals:
  - role: CEO
    name: Alice Example
    date: 2026-03-01
roles:
  - id: CEO
    title: Chief Executive Officer
    responsibilities: [Lead the ISMS]
    authorities: [approve-policy]
    holders:
      - name: Alice Example
        email: alice@example.com
        since: 2020-01-01
  - id: CISO
    title: Chief Information Security Officer
    responsibilities: [Run the ISMS, Report on its performance]
    clauses: ["5.3 a", "5.3 b"]
    holders:
      - name: Bob Example
        email: bob@example.com
        since: 2021-01-01
  - id: CTO
    title: Chief Technology Officer
    responsibilities: [Run technology]
    holders:
      - name: Carol Example
        email: carol@example.com
        since: 2022-01-01
  - id: SYSADMIN
    title: System Administrator
    responsibilities: [Run the systems]
    holders:
      - name: Dave Example
        email: dave@example.com
  - id: END-USER
    title: All staff
    responsibilities: [Follow the policy]
    group: true
  - id: VENDOR
    title: Suppliers
    responsibilities: [Follow the supplier terms]
    group: true
---

# Roles

Every role, who holds it and what it may decide.
"#;

/// An approved management review whose entries attest 5.1 c, e, f, h and 5.2 g.
const REVIEW_FULL: &str = r#"---
id: MR-2026-Q1
title: Management Review Q1 2026
type: management-review
status: approved
approvals:
  - role: CEO
    name: Alice Example
    date: 2026-03-01
date: 2026-02-15
attendees: [CEO, CISO]
inputs:
  - "Status of actions from previous reviews"
  - text: "Performance against the objectives: all met"
    clauses: ["5.1 e"]
  - text: "Training completion 95%; every manager briefed staff on their part"
    clauses: ["5.1 f"]
  - text: "The CTO and the CISO lead their own areas with agreed budgets"
    clauses: ["5.1 h"]
  - text: "The policy is given to customers and suppliers on request"
    clauses: ["5.2 g"]
decisions:
  - id: D1
    text: Fund the ISMS for 2026 as requested by the CISO
    owner: CEO
    due: 2026-03-01
    status: done
    clauses: ["5.1 c"]
---

# Management review

Top management reviewed the ISMS.
"#;

/// Every lettered requirement and demonstration, in order.
const ALL_ROWS: &[&str] = &[
    "5.1 a",
    "5.1 b",
    "5.1 c",
    "5.1 d",
    "5.1 e",
    "5.1 f",
    "5.1 g",
    "5.1 h",
    "5.1 records",
    "5.1 involvement",
    "5.2 a",
    "5.2 b",
    "5.2 c",
    "5.2 d",
    "5.2 e",
    "5.2 f",
    "5.2 g",
    "5.2 review",
    "5.3",
    "5.3 a",
    "5.3 b",
    "5.3 registry",
    "5.3 common roles",
];

/// The rows the complete fixture's review attests.
const ATTESTED: &[&str] = &["5.1 c", "5.1 e", "5.1 f", "5.1 h", "5.2 g"];

const APPROVAL: &str = "ISMS records\n\nApproved-by: Alice Example <alice@example.com>\nApproved-by: Bob Example <bob@example.com>\n";

/// A repository that evidences every row, with `change` applied to its files before the one
/// approval commit (so that a seeded gap is part of the approved content).
fn complete_with(change: impl FnOnce(Fixture) -> Fixture) -> Fixture {
    let f = Fixture::new()
        .file("book.toml", BOOK_TOML)
        .file(POLICY_PATH, POLICY)
        .file(ROLES_PATH, ROLES_FULL)
        .file(REVIEW_PATH, REVIEW_FULL)
        .file(COMMUNICATION_PATH, COMMUNICATION)
        .file(OBJECTIVE_PATH, OBJECTIVE)
        .file(PROCEDURE_PATH, PROCEDURE)
        .file(TRAINING_PATH, TRAINING);
    change(f).commit_as(CEO_NAME, CEO_EMAIL, COMMIT_TIME, APPROVAL)
}

/// Builds the portal and returns the dashboard.
fn dashboard(f: &Fixture, extra: &[&str]) -> String {
    let mut args = vec!["build", "--allow-errors", "--today", TODAY, "--out", "site"];
    args.extend_from_slice(extra);
    let out = f.run(&args);
    assert_eq!(out.code, 0, "build failed:\n{}{}", out.stdout, out.stderr);
    f.read("site/index.html")
}

/// The (label, state) of each row of a rendered matrix, in page order.
fn rows(html: &str) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<tr class=\"") {
        rest = &rest[i + 11..];
        let state = &rest[..rest.find('"').unwrap()];
        if !["met", "attested", "not-evidenced"].contains(&state) {
            continue;
        }
        let cell = &rest[rest.find("<td>").unwrap() + 4..];
        let label = &cell[..cell.find("</td>").unwrap()];
        rows.push((label.to_string(), state.to_string()));
    }
    rows
}

fn in_state<'a>(rows: &'a [(String, String)], state: &str) -> BTreeSet<&'a str> {
    rows.iter()
        .filter(|(_, s)| s == state)
        .map(|(l, _)| l.as_str())
        .collect()
}

/// The headline for the complete fixture with `open` not evidenced.
fn headline(open: &[&str]) -> String {
    let attested = ATTESTED.iter().filter(|l| !open.contains(l)).count();
    let met = ALL_ROWS.len() - attested - open.len();
    format!(
        "{met} met, {attested} attested, {} not evidenced, of {} requirements",
        open.len(),
        ALL_ROWS.len()
    )
}

#[test]
fn a_complete_repository_meets_or_attests_every_row_in_order() {
    let f = complete_with(|f| f);
    let check = f.run(&["check", "--format", "json", "--today", TODAY]);
    assert_eq!(check.diagnostics(), [], "{}", show(&check.diagnostics()));
    let html = dashboard(&f, &[]);
    let rows = rows(&html);
    let labels: Vec<&str> = rows.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ALL_ROWS);
    assert_eq!(
        in_state(&rows, "attested"),
        ATTESTED.iter().copied().collect()
    );
    assert_eq!(in_state(&rows, "not-evidenced"), BTreeSet::new());
    assert!(html.contains(&headline(&[])), "{}", headline(&[]));
    // An attested row links the review entry; a met row the records its rule used.
    assert!(html.contains("docs/reviews/2026-q1-management-review.html#decision-D1"));
    assert!(html.contains("docs/reviews/2026-q1-management-review.html#input-2"));
    assert!(html.contains("docs/roles/roles.html#role-CISO"));
    assert!(html.contains("docs/procedures/backup.html"));
    // The review page carries those anchors.
    let review = f.read("site/docs/reviews/2026-q1-management-review.html");
    assert!(review.contains("id=\"decision-D1\""));
    assert!(review.contains("id=\"input-2\""));
}

type Change = fn(Fixture) -> Fixture;

/// For each lettered requirement, a repository lacking it, and every row that must then be
/// not evidenced.
const LACKING: &[(&str, Change, &[&str])] = &[
    ("5.1 a", |f| f.remove(OBJECTIVE_PATH), &["5.1 a"]),
    ("5.1 b", |f| f.remove(PROCEDURE_PATH), &["5.1 b"]),
    (
        "5.1 c",
        |f| f.edit(REVIEW_PATH, "    clauses: [\"5.1 c\"]\n", ""),
        &["5.1 c"],
    ),
    (
        "5.1 d",
        |f| f.edit(TRAINING_PATH, "channel: training", "channel: email"),
        &["5.1 d"],
    ),
    (
        "5.1 e",
        |f| f.edit(REVIEW_PATH, "clauses: [\"5.1 e\"]", "clauses: []"),
        &["5.1 e"],
    ),
    (
        "5.1 f",
        |f| f.edit(REVIEW_PATH, "clauses: [\"5.1 f\"]", "clauses: []"),
        &["5.1 f"],
    ),
    (
        "5.1 g",
        |f| {
            f.edit(
                REVIEW_PATH,
                "decisions:\n",
                "decisions:\n  - {id: D0, text: Late, owner: CISO, due: 2026-04-01, status: open}\n",
            )
        },
        &["5.1 g"],
    ),
    (
        "5.1 h",
        |f| f.edit(REVIEW_PATH, "clauses: [\"5.1 h\"]", "clauses: []"),
        &["5.1 h"],
    ),
    (
        "5.2 a",
        |f| {
            f.edit(
                POLICY_PATH,
                "  - role: CEO\n    name: Alice Example",
                "  - role: CISO\n    name: Bob Example",
            )
        },
        &["5.2 a"],
    ),
    (
        "5.2 b",
        |f| {
            f.edit(
                POLICY_PATH,
                "## Information security objectives",
                "## Objectives",
            )
        },
        &["5.2 b"],
    ),
    (
        "5.2 c",
        |f| f.edit(POLICY_PATH, "## Commitment to compliance", "## Compliance"),
        &["5.2 c"],
    ),
    (
        "5.2 d",
        |f| f.edit(POLICY_PATH, "## Continual improvement", "## Improvement"),
        // 5.1 g reads the same commitment.
        &["5.1 g", "5.2 d"],
    ),
    (
        "5.2 e",
        |f| f.edit(POLICY_PATH, "status: approved", "status: in-review"),
        // Nothing of an unapproved policy is established, approved, reviewed or communicated.
        &["5.1 a", "5.1 d", "5.2 a", "5.2 e", "5.2 f", "5.2 review"],
    ),
    (
        "5.2 f",
        |f| f.remove(COMMUNICATION_PATH),
        // 5.1 d needs the policy to reach its audience too.
        &["5.1 d", "5.2 f"],
    ),
    (
        "5.2 g",
        |f| f.edit(REVIEW_PATH, "clauses: [\"5.2 g\"]", "clauses: []"),
        &["5.2 g"],
    ),
    (
        "5.3",
        |f| {
            f.edit(
                ROLES_PATH,
                "email: carol@example.com\n        since: 2022-01-01",
                "email: carol@example.com\n        since: 2022-01-01\n        until: 2026-01-31",
            )
        },
        &["5.3"],
    ),
    (
        "5.3 a",
        |f| {
            f.edit(
                ROLES_PATH,
                "clauses: [\"5.3 a\", \"5.3 b\"]",
                "clauses: [\"5.3 b\"]",
            )
        },
        &["5.3 a"],
    ),
    (
        "5.3 b",
        |f| {
            f.edit(
                ROLES_PATH,
                "clauses: [\"5.3 a\", \"5.3 b\"]",
                "clauses: [\"5.3 a\"]",
            )
        },
        &["5.3 b"],
    ),
];

#[test]
fn a_repository_lacking_each_lettered_requirement_reports_it_not_evidenced() {
    let lettered: Vec<&str> = LACKING.iter().map(|(l, _, _)| *l).collect();
    assert_eq!(
        lettered,
        ALL_ROWS
            .iter()
            .copied()
            .filter(|l| l.len() <= 5)
            .collect::<Vec<_>>(),
        "every lettered requirement has a case"
    );
    for (label, change, open) in LACKING {
        let f = complete_with(*change);
        let html = dashboard(&f, &[]);
        let rows = rows(&html);
        assert_eq!(
            in_state(&rows, "not-evidenced"),
            open.iter().copied().collect(),
            "lacking {label}: {rows:?}"
        );
        assert!(
            html.contains(&headline(open)),
            "lacking {label}: the headline is not `{}`",
            headline(open)
        );
        assert!(
            html.contains("Would be evidenced by:"),
            "lacking {label}: the row does not say what would evidence it"
        );
    }
}

#[test]
fn only_an_approved_current_review_attests_or_evidences_a_review() {
    // Without an approved review in the interval, what reviews attest is open, and so are the
    // rows a review evidences by being held (a draft evidences no meeting).
    const OPEN: &[&str] = &[
        "5.1 c",
        "5.1 e",
        "5.1 f",
        "5.1 h",
        "5.1 records",
        "5.1 involvement",
        "5.2 g",
    ];
    // And a review that is not approved records no improvement decisions either (5.1 g).
    const UNAPPROVED: &[&str] = &[
        "5.1 c",
        "5.1 e",
        "5.1 f",
        "5.1 g",
        "5.1 h",
        "5.1 records",
        "5.1 involvement",
        "5.2 g",
    ];
    let cases: &[(&str, Change, &[&str])] = &[
        (
            "a draft review",
            |f| f.edit(REVIEW_PATH, "status: approved", "status: draft"),
            UNAPPROVED,
        ),
        (
            "a review approved by a role that is not top management",
            |f| {
                f.edit(
                    REVIEW_PATH,
                    "  - role: CEO\n    name: Alice Example",
                    "  - role: CISO\n    name: Bob Example",
                )
            },
            UNAPPROVED,
        ),
        (
            "a review outside the interval",
            |f| {
                f.edit(
                    "book.toml",
                    "organization = \"Test Corp\"",
                    "organization = \"Test Corp\"\nmanagement-review-interval = \"3 months\"",
                )
            },
            OPEN,
        ),
    ];
    for (what, change, open) in cases {
        let f = complete_with(*change);
        let html = dashboard(&f, &[]);
        let rows = rows(&html);
        assert_eq!(
            in_state(&rows, "attested"),
            BTreeSet::new(),
            "{what}: {rows:?}"
        );
        assert_eq!(
            in_state(&rows, "not-evidenced"),
            open.iter().copied().collect(),
            "{what}: {rows:?}"
        );
        assert!(html.contains(&headline(open)), "{what}: {}", headline(open));
    }
    // Approved in front matter, but no commit of that content is by or approved by the CEO:
    // the approval is not evidenced, so the review attests nothing.
    let f = Fixture::new()
        .file("book.toml", BOOK_TOML)
        .file(POLICY_PATH, POLICY)
        .file(ROLES_PATH, ROLES_FULL)
        .file(REVIEW_PATH, REVIEW_FULL)
        .file(COMMUNICATION_PATH, COMMUNICATION)
        .commit_as(
            "Bob Example",
            "bob@example.com",
            COMMIT_TIME,
            "ISMS records\n\nApproved-by: Bob Example <bob@example.com>\n",
        );
    let check = f.run(&["check", "--format", "json", "--today", TODAY]);
    let diags = check.diagnostics();
    assert!(
        with_code(&diags, "approval-not-evidenced")
            .iter()
            .any(|d| d.file.as_deref() == Some(REVIEW_PATH)
                && d.doc_id.as_deref() == Some("MR-2026-Q1")),
        "{}",
        show(&diags)
    );
    let rows = rows(&dashboard(&f, &[]));
    assert_eq!(in_state(&rows, "attested"), BTreeSet::new(), "{rows:?}");
}

#[test]
fn an_unknown_clause_label_is_invalid_with_a_suggestion() {
    let f = complete_with(|f| {
        f.edit(REVIEW_PATH, "clauses: [\"5.1 e\"]", "clauses: [\"5.1e\"]")
            .edit(REVIEW_PATH, "clauses: [\"5.1 c\"]", "clauses: [\"5.2 a\"]")
            .edit(
                ROLES_PATH,
                "clauses: [\"5.3 a\", \"5.3 b\"]",
                "clauses: [\"5.3 a\", \"5.3 c\"]",
            )
    });
    let out = f.check();
    assert_eq!(out.code, 1, "{}", out.stdout);
    let diags = out.diagnostics();
    let invalid = with_code(&diags, "invalid-field");
    assert_eq!(invalid.len(), 3, "{}", show(&diags));

    let review = f.read(REVIEW_PATH);
    let (line, column) = pos_of(&review, "\"5.1e\"");
    let d = invalid
        .iter()
        .find(|d| d.message.contains("`5.1e`"))
        .unwrap_or_else(|| panic!("{}", show(&diags)));
    assert_eq!(d.file.as_deref(), Some(REVIEW_PATH));
    assert_eq!((d.line, d.column), (Some(line), Some(column)));
    assert!(
        d.help.as_deref().unwrap().contains("did you mean `5.1 e`?"),
        "{d:?}"
    );

    let d = invalid
        .iter()
        .find(|d| d.message.contains("`5.2 a`"))
        .unwrap();
    assert!(d.message.contains("decided from the repository"), "{d:?}");

    let d = invalid
        .iter()
        .find(|d| d.message.contains("`5.3 c`"))
        .unwrap();
    assert_eq!(d.file.as_deref(), Some(ROLES_PATH));
    assert!(
        d.help.as_deref().unwrap().contains("did you mean `5.3"),
        "{d:?}"
    );

    // A label nobody knows attests nothing.
    let rows = rows(&dashboard(&f, &[]));
    assert!(
        in_state(&rows, "not-evidenced").contains("5.1 e"),
        "{rows:?}"
    );
}

#[test]
fn the_evidence_pack_holds_the_roles_reviews_and_communication_log() {
    let f = complete_with(|f| {
        f.edit(
            ROLES_PATH,
            "        email: dave@example.com\n",
            "        email: dave@example.com\n        since: 2024-02-01\n      - name: Erin Former\n        email: erin@example.com\n        since: 2019-01-01\n        until: 2024-01-31\n",
        )
    });
    let out = f.run(&["export", "--today", TODAY, "--out", "pack.html"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let html = f.read("pack.html");

    assert!(html.contains("Clause 5: 18 met, 5 attested, 0 not evidenced (of 23 requirements)"));
    // The roles registry: holders with since and until, and the 5.3 assignments.
    let roles = section(&html, "roles-registry");
    assert!(roles.contains("ROL-001 Roles and Responsibilities"));
    assert!(
        roles.contains("Dave Example &lt;dave@example.com&gt; (2024-02-01 – present)"),
        "{roles}"
    );
    assert!(roles.contains("Erin Former &lt;erin@example.com&gt; (2019-01-01 – 2024-01-31) <span class=\"muted\">former</span>"), "{roles}");
    assert!(roles.contains("5.3 a, 5.3 b"));
    assert!(roles.contains("approved, evidenced"));
    assert!(
        roles.contains("COM-2026-03-05"),
        "the registry's communication"
    );
    // The management reviews: inputs and decisions, and what they attest.
    let reviews = section(&html, "management-reviews");
    assert!(reviews.contains("MR-2026-Q1 Management Review Q1 2026"));
    assert!(reviews.contains("Performance against the objectives: all met"));
    assert!(reviews.contains("(attests 5.1 e)"));
    assert!(reviews.contains("Fund the ISMS for 2026 as requested by the CISO"));
    assert!(reviews.contains("id=\"record-MR-2026-Q1-decision-D1\""));
    // The communication log.
    let log = section(&html, "communication-log");
    assert!(log.contains("COM-2026-03-02"));
    assert!(log.contains("Roles and responsibilities training"));
    // The matrix links into the pack: the attested row to the review entry.
    assert!(html.contains("href=\"#record-MR-2026-Q1-decision-D1\""));
    assert!(html.contains("href=\"#record-ROL-001-role-CISO\""));
    assert!(html.contains("href=\"#log-COM-2026-03-05\""));

    // How to verify: the commit, and the digest the built portal's manifest records.
    let verify = section(&html, "verify");
    assert!(verify.contains(&f.head_id()));
    assert!(verify.contains("policybook verify"));
    let build = f.run(&["build", "--today", TODAY, "--out", "site"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    let manifest: serde_json::Value = serde_json::from_str(&f.read("site/manifest.json")).unwrap();
    let digest = manifest["digest"].as_str().unwrap();
    assert!(
        verify.contains(digest),
        "the pack lacks the manifest digest {digest}"
    );
}

/// The text of the pack's `<section … id="ID" …>`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}
