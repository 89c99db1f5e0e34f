//! `policybook status` (what needs attention, most urgent first) and `policybook diff
//! BASE..HEAD` (the pull-request report), run against real repositories.

use crate::support::*;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// status

#[test]
fn status_of_the_clean_fixture_needs_nothing() {
    let f = Fixture::clean();
    let out = f.run(&["status", "--today", TODAY]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.starts_with("Nothing needs attention"),
        "{}",
        out.stdout
    );

    let out = f.run(&["status", "--format", "json", "--today", TODAY]);
    assert_eq!(out.code, 0);
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["today"], TODAY);
    assert_eq!(json["groups"], serde_json::json!([]));
    assert_eq!(json["counts"]["errors"], 0);
    assert_eq!(json["counts"]["warnings"], 0);
}

/// A second policy, approved by the CEO for `contractors`, never communicated to them, its
/// review due on 2026-06-15 (within 30 days of `TODAY`).
const ACCESS_POLICY_PATH: &str = "content/policies/access-control.md";
const ACCESS_POLICY: &str = r#"---
id: POL-002
title: Access Control Policy
type: policy
version: "1.0"
status: approved
owner: CISO
effective: 2026-03-01
review:
  interval: "12 months"
  last: 2025-06-15
approvals:
  - role: CEO
    name: Alice Example
    date: 2026-03-01
audience: [contractors]
---

# Access Control Policy

## Purpose

Access is granted on a need-to-know basis.

## Scope

Every system of Test Corp.
"#;

/// POL-001's review overdue (due 2026-01-01), POL-002 not communicated (deadline 2026-03-31)
/// and due for review soon.
fn needs_attention() -> Fixture {
    Fixture::clean()
        .edit(POLICY_PATH, "  last: 2026-03-01", "  last: 2025-01-01")
        .file(ACCESS_POLICY_PATH, ACCESS_POLICY)
}

#[test]
fn status_groups_findings_by_urgency() {
    let f = needs_attention();
    let out = f.run(&["status", "--format", "json", "--today", TODAY]);
    assert_eq!(
        out.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["today"], TODAY);
    let groups = json["groups"].as_array().expect("groups");
    let names: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| {
            (
                g["name"].as_str().expect("name"),
                g["severity"].as_str().expect("severity"),
            )
        })
        .collect();
    // Errors before warnings; an overdue review before a missed communication.
    assert_eq!(
        names,
        [
            ("Reviews overdue", "error"),
            ("Versions not communicated", "error"),
            ("Reviews due soon", "warning"),
        ],
        "{}",
        out.stdout
    );

    let overdue = &groups[0]["items"][0];
    for key in [
        "code", "doc_id", "title", "file", "line", "message", "help", "due",
    ] {
        assert!(overdue.get(key).is_some(), "item lacks `{key}`: {overdue}");
    }
    assert_eq!(overdue["code"], "review-overdue");
    assert_eq!(overdue["doc_id"], "POL-001");
    assert_eq!(overdue["title"], "Information Security Policy");
    assert_eq!(overdue["file"], POLICY_PATH);
    assert_eq!(overdue["line"], 11);
    assert_eq!(overdue["due"], "2026-01-01");
    assert!(
        overdue["help"]
            .as_str()
            .expect("help")
            .contains("review the document")
    );

    let missed = &groups[1]["items"];
    assert_eq!(missed.as_array().expect("items").len(), 1);
    assert_eq!(missed[0]["code"], "not-communicated");
    assert_eq!(missed[0]["doc_id"], "POL-002");
    assert_eq!(missed[0]["title"], "Access Control Policy");
    assert_eq!(missed[0]["due"], "2026-03-31");
    assert!(
        missed[0]["message"]
            .as_str()
            .expect("message")
            .contains("`contractors`")
    );

    assert_eq!(groups[2]["items"][0]["code"], "review-due-soon");
    assert_eq!(groups[2]["items"][0]["doc_id"], "POL-002");
    assert_eq!(json["counts"]["errors"], 2);
    assert_eq!(json["counts"]["warnings"], 1);
    assert_eq!(json["counts"]["items"], 3);

    // The same, for people: grouped, in the same order, with what is due and the fix.
    let human = f.run(&["status", "--today", TODAY]);
    assert_eq!(human.code, 1);
    let text = &human.stdout;
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{text}"))
    };
    assert!(at("Reviews overdue (error") < at("Versions not communicated (error"));
    assert!(at("Versions not communicated (error") < at("Reviews due soon (warning"));
    assert!(at("POL-001  Information Security Policy") < at("Versions not communicated"));
    assert!(text.contains("due 2026-01-01"), "{text}");
    assert!(text.contains("due 2026-03-31"), "{text}");
    assert!(text.contains("fix: record it as a `type: communication` entry"));
}

#[test]
fn status_items_within_a_group_are_ordered_by_due_date() {
    // POL-002's review is overdue too, and fell due before POL-001's.
    let f = needs_attention().edit(
        ACCESS_POLICY_PATH,
        "  last: 2025-06-15",
        "  last: 2024-06-15",
    );
    let out = f.run(&["status", "--format", "json", "--today", TODAY]);
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let group = &json["groups"][0];
    assert_eq!(group["name"], "Reviews overdue");
    let ids: Vec<&str> = group["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["doc_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["POL-002", "POL-001"], "{}", out.stdout);
}

#[test]
fn status_lists_content_changed_after_approval() {
    let f = Fixture::clean().committed().edit(
        POLICY_PATH,
        "Test Corp protects",
        "Test Corp carefully protects",
    );
    let f = f.commit("Reword the policy without a new version");
    let out = f.run(&["status", "--format", "json", "--today", TODAY]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let group = json["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["name"] == "Changed after approval (version not bumped)")
        .unwrap_or_else(|| panic!("no version-not-bumped group: {json:#}"));
    assert_eq!(group["items"][0]["code"], "version-not-bumped");
    assert_eq!(group["items"][0]["doc_id"], "POL-001");
}

// ---------------------------------------------------------------------------------------------
// diff

/// A draft policy with a broken link: a finding the base already has.
const AUP_PATH: &str = "content/policies/acceptable-use.md";
const AUP_RENAMED: &str = "content/policies/aup.md";
const AUP: &str = r#"---
id: POL-003
title: Acceptable Use Policy
type: policy
version: "0.3"
status: draft
owner: CISO
---

# Acceptable Use Policy

## Purpose

How to use Test Corp's systems; see the [guidelines](guidelines.md).

## Scope

Everyone.
"#;

const NEW_POLICY_PATH: &str = "content/policies/supplier-security.md";
const NEW_POLICY: &str = r#"---
id: POL-004
title: Supplier Security Policy
type: policy
version: "0.1"
status: draft
owner: CISO
---

# Supplier Security Policy

## Purpose

Suppliers protect our information as we do.

## Scope

Every supplier.
"#;

/// Base: the clean fixture with POL-002 and POL-003, committed on branch `base`. HEAD: POL-001's
/// content edited without a version bump, POL-002's review date changed (metadata only),
/// POL-003 renamed, POL-004 added.
fn pull_request() -> Fixture {
    Fixture::clean()
        .file(ACCESS_POLICY_PATH, ACCESS_POLICY)
        .file(AUP_PATH, AUP)
        .committed()
        .branch("base")
        .edit(
            POLICY_PATH,
            "Test Corp protects the information entrusted to it.",
            "Test Corp protects the information entrusted to it by customers and staff.",
        )
        .edit(
            ACCESS_POLICY_PATH,
            "  last: 2025-06-15",
            "  last: 2026-05-01",
        )
        .rename(AUP_PATH, AUP_RENAMED)
        .file(NEW_POLICY_PATH, NEW_POLICY)
        .commit("Tighten the policy, rename the AUP, add the supplier policy")
}

fn change<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no change for {id} in {json:#}"))
}

/// Asserts the user's repository is as the fixture left it: same HEAD, nothing changed in the
/// index or working tree, no worktree and no branch left behind.
fn assert_untouched(f: &Fixture, head: &str) {
    assert_eq!(f.head_id(), head, "HEAD moved");
    let repo = f.repo();
    let statuses = repo.statuses(None).expect("status");
    let dirty: Vec<String> = statuses
        .iter()
        .map(|s| format!("{:?} {}", s.status(), s.path().unwrap_or("?")))
        .collect();
    assert!(dirty.is_empty(), "working tree changed: {dirty:?}");
    assert!(
        repo.worktrees().expect("worktrees").is_empty(),
        "a worktree was left behind"
    );
    assert!(
        !f.git_dir()
            .join("worktrees")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    );
    let branches: Vec<String> = repo
        .branches(Some(git2::BranchType::Local))
        .expect("branches")
        .map(|b| {
            b.expect("branch")
                .0
                .name()
                .expect("name")
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(branches.len(), 2, "branches: {branches:?}");
    assert!(branches.iter().all(|b| !b.starts_with("policybook")));
}

#[test]
fn diff_reports_changes_approvals_and_new_findings_as_json() {
    let f = pull_request();
    let head = f.head_id();
    // The base already has a finding: POL-003's broken link.
    let base = Fixture::clean()
        .file(ACCESS_POLICY_PATH, ACCESS_POLICY)
        .file(AUP_PATH, AUP);
    let base_diags = base.diagnostics();
    assert_eq!(
        with_code(&base_diags, "broken-link").len(),
        1,
        "{}",
        show(&base_diags)
    );

    let out = f.run(&["diff", "base..HEAD", "--format", "json", "--today", TODAY]);
    assert_eq!(
        out.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["base"]["commit"], f.resolve("base").to_string());
    assert_eq!(json["head"]["commit"], head);
    assert_eq!(json["today"], TODAY);

    let mut kinds: Vec<(&str, &str)> = json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id"),
                c["kind"].as_str().expect("kind"),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("POL-001", "content-changed"),
            ("POL-002", "metadata-changed"),
            ("POL-003", "renamed"),
            ("POL-004", "added"),
        ]
    );

    let edited = change(&json, "POL-001");
    assert_eq!(edited["version_before"], "1.0");
    assert_eq!(edited["version_after"], "1.0");
    assert_eq!(edited["content_changed"], true);
    assert_eq!(edited["bump_required"], true);
    assert_eq!(edited["path_after"], POLICY_PATH);

    let metadata = change(&json, "POL-002");
    assert_eq!(metadata["content_changed"], false);
    assert_eq!(metadata["bump_required"], false);
    assert_eq!(metadata["approvers"], Value::Null);

    let renamed = change(&json, "POL-003");
    assert_eq!(renamed["path_before"], AUP_PATH);
    assert_eq!(renamed["path_after"], AUP_RENAMED);
    assert_eq!(renamed["version_before"], "0.3");
    assert_eq!(renamed["version_after"], "0.3");
    assert_eq!(renamed["content_changed"], false);
    assert_eq!(renamed["bump_required"], false);
    assert_eq!(renamed["approvers"], Value::Null);

    let added = change(&json, "POL-004");
    assert_eq!(added["version_before"], Value::Null);
    assert_eq!(added["version_after"], "0.1");
    assert_eq!(added["path_before"], Value::Null);
    assert_eq!(added["bump_required"], false);

    // A policy is approved by CEO, BOARD or ISSC (built in), or a role with `approve-policy`
    // (CEO, here); only CEO is defined, held by Alice.
    for id in ["POL-001", "POL-004"] {
        let approvers = change(&json, id)["approvers"]
            .as_array()
            .unwrap_or_else(|| panic!("{id} needs approval"))
            .clone();
        let roles: Vec<&str> = approvers
            .iter()
            .map(|a| a["role"].as_str().expect("role"))
            .collect();
        assert_eq!(roles, ["BOARD", "CEO", "ISSC"]);
        let ceo = &approvers[1];
        assert_eq!(ceo["defined"], true);
        assert_eq!(
            ceo["holders"],
            serde_json::json!([{"name": CEO_NAME, "email": CEO_EMAIL}])
        );
        assert_eq!(approvers[0]["defined"], false);
    }

    let introduced = json["introduced"].as_array().expect("introduced");
    let codes: Vec<(&str, Option<&str>)> = introduced
        .iter()
        .map(|d| (d["code"].as_str().expect("code"), d["doc_id"].as_str()))
        .collect();
    assert!(
        codes.contains(&("version-not-bumped", Some("POL-001"))),
        "{codes:?}"
    );
    // Inherited from the base (its file was renamed, its line is the same finding): not new.
    assert!(
        !codes.iter().any(|(code, _)| *code == "broken-link"),
        "{codes:?}"
    );
    // Every introduced finding is really absent from the base.
    for d in introduced {
        assert!(
            !base_diags.iter().any(|b| b.code == d["code"]
                && b.message == d["message"]
                && b.doc_id.as_deref() == d["doc_id"].as_str()),
            "{d} was already at the base"
        );
    }
    assert!(json["counts"]["errors"].as_u64().expect("errors") >= 1);

    assert_untouched(&f, &head);
}

#[test]
fn diff_markdown_is_a_pull_request_comment() {
    let f = pull_request();
    let head = f.head_id();
    let out = f.run(&["diff", "base..HEAD", "--today", TODAY]);
    assert_eq!(
        out.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let text = &out.stdout;
    assert!(text.starts_with("## policybook: `base` ("), "{text}");
    assert!(text.contains("| Change | Document | Path | Version | Bump |"));
    assert!(
        text.contains(&format!(
            "| content changed | **POL-001** Information Security Policy | `{POLICY_PATH}` | 1.0 → 1.0 | **required** |"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "| renamed | **POL-003** Acceptable Use Policy | `{AUP_PATH}` → `{AUP_RENAMED}` | 0.3 → 0.3 |  |"
        )),
        "{text}"
    );
    assert!(text.contains("| metadata only | **POL-002**"), "{text}");
    assert!(text.contains("| added | **POL-004**"), "{text}");
    assert_eq!(text.matches("**required**").count(), 1, "{text}");
    assert!(text.contains("### Approvals required"));
    assert!(
        text.contains("CEO (Alice Example <alice@example.com>)"),
        "{text}"
    );
    assert!(text.contains("`version-not-bumped` **POL-001**"), "{text}");
    assert!(!text.contains("broken-link"), "{text}");
    assert_untouched(&f, &head);
}

#[test]
fn diff_without_changes_to_documents_passes() {
    let f = Fixture::clean().committed().branch("base");
    let head = f.head_id();
    let out = f.run(&["diff", "base..HEAD", "--today", TODAY]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains("No documents changed."),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Findings introduced (0 errors, 0 warnings)")
    );
    assert_untouched(&f, &head);
}

#[test]
fn diff_of_an_unknown_revision_is_a_usage_error() {
    let f = Fixture::clean().committed().branch("base");
    let head = f.head_id();
    let out = f.run(&["diff", "nonexistent..HEAD"]);
    assert_eq!(out.code, 2);
    // The failure, then what caused it (git's message, without libgit2's class and code).
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"error: cannot resolve `nonexistent..HEAD`"),
        "{}",
        out.stderr
    );
    assert!(
        lines.get(1).is_some_and(|l| l.starts_with("  caused by: ")
            && l.contains("nonexistent")
            && !l.contains("class=")),
        "{}",
        out.stderr
    );
    assert_untouched(&f, &head);
}

#[test]
fn diff_compares_commits_and_leaves_uncommitted_work_alone() {
    let f = Fixture::clean()
        .committed()
        .branch("base")
        .file(NEW_POLICY_PATH, NEW_POLICY)
        .commit("Add the supplier policy")
        .edit(
            POLICY_PATH,
            "Test Corp protects",
            "Test Corp (uncommitted) protects",
        );
    let head = f.head_id();
    let before = f.read(POLICY_PATH);
    let out = f.run(&["diff", "base..HEAD", "--format", "json", "--today", TODAY]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let ids: Vec<&str> = json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    // The uncommitted edit is not part of HEAD, so it is not reported, and it is still there.
    assert_eq!(ids, ["POL-004"]);
    assert_eq!(f.read(POLICY_PATH), before);
    assert_eq!(f.head_id(), head);
    let statuses = f.repo().statuses(None).expect("status");
    let dirty: Vec<String> = statuses
        .iter()
        .map(|s| s.path().unwrap_or("?").to_string())
        .collect();
    assert_eq!(
        dirty,
        [POLICY_PATH],
        "exactly the user's own edit is uncommitted"
    );
    assert!(f.repo().worktrees().expect("worktrees").is_empty());

    // `BASE` alone means `BASE..HEAD`; `BASE...HEAD` starts from the merge base (here: BASE).
    for spec in ["base", "base...HEAD"] {
        let again = f.run(&["diff", spec, "--format", "json", "--today", TODAY]);
        let other: Value = serde_json::from_str(&again.stdout).expect("JSON");
        assert_eq!(other["changes"], json["changes"], "{spec}");
        assert_eq!(other["base"]["commit"], json["base"]["commit"], "{spec}");
    }
}
