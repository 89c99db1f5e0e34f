//! `policybook check`: one test per diagnostic code. Each starts from the clean fixture, seeds
//! exactly one defect, and asserts the code is reported once, at the exact file, line and
//! column; each also asserts the clean fixture does not report that code.

use crate::support::*;

const POLICY_FILE: &str = POLICY_PATH;

// ---------------------------------------------------------------------------------------------
// The clean fixture and exit codes

#[test]
fn clean_fixture_reports_nothing() {
    let f = Fixture::clean();
    let out = f.check();
    assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
    assert_eq!(
        out.diagnostics(),
        Vec::new(),
        "{}",
        show(&out.diagnostics())
    );
    assert_eq!(out.stdout.trim(), "[]");

    let human = f.run(&["check", "--today", TODAY]);
    assert_eq!(human.code, 0);
    assert_eq!(human.stdout, "");
    assert!(
        human
            .stderr
            .contains("ok: 4 documents: 0 errors, 0 warnings"),
        "{}",
        human.stderr
    );
}

#[test]
fn the_project_is_found_from_the_working_directory_without_root() {
    let f = Fixture::clean().edit(POLICY_FILE, "owner: CISO", "owner: CSO");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policybook"))
        .args(["check", "--format", "json", "--today", TODAY])
        .current_dir(f.join("content/policies"))
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run policybook");
    assert_eq!(out.status.code(), Some(1));
    let diags = parse_diagnostics(&String::from_utf8(out.stdout).unwrap());
    one_at(&diags, "unknown-role", POLICY_FILE, 7, 8);
}

#[test]
fn a_root_without_book_toml_is_an_environment_error() {
    let f = Fixture::new().file("content/x.md", "---\nid: X\n---\n");
    let out = f.run(&["check", "--today", TODAY]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("no book.toml"), "{}", out.stderr);
}

#[test]
fn errors_exit_1() {
    let f = Fixture::clean()
        .edit(POLICY_FILE, "owner: CISO", "owner: CSO")
        .commit("seed an error");
    let out = f.check();
    assert_eq!(out.code, 1);
    assert!(out.diagnostics().iter().any(|d| d.severity == "error"));
    let human = f.run(&["check", "--today", TODAY]);
    assert_eq!(human.code, 1);
    assert!(
        human
            .stderr
            .contains("checked 4 documents: 1 error, 0 warnings"),
        "{}",
        human.stderr
    );
}

#[test]
fn warnings_only_exit_0_and_deny_warnings_exit_1() {
    let f = Fixture::clean()
        .edit(POLICY_FILE, "audience:", "audiance:")
        .commit("seed a warning");
    let out = f.check();
    assert_eq!(out.code, 0, "{}", out.stdout);
    let diags = out.diagnostics();
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert_eq!(diags[0].severity, "warning");

    let denied = f.run(&[
        "check", "--format", "json", "--deny", "warnings", "--today", TODAY,
    ]);
    assert_eq!(denied.code, 1, "{}", denied.stdout);
    let diags = denied.diagnostics();
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert_eq!(diags[0].code, "unknown-field");
    assert_eq!(diags[0].severity, "error");
}

#[test]
fn deny_warnings_on_a_clean_fixture_still_exits_0() {
    let out = Fixture::clean().run(&["check", "--deny", "warnings", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn today_flag_must_be_a_date() {
    let out = Fixture::clean().run(&["check", "--today", "2026-02-30"]);
    assert_eq!(out.code, 2, "{out:?}");
    // A usage error that names the value, the flag and the expected form; no findings.
    assert!(
        out.stderr.contains(
            "'2026-02-30' for '--today <TODAY>': `2026-02-30` is not a date (YYYY-MM-DD)"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[test]
fn source_date_epoch_is_today_when_no_flag_is_given() {
    let f = Fixture::clean();
    // 2026-06-01T00:00:00Z: the clean fixture is clean on that day.
    let out = f.run_with_env(
        &["check", "--format", "json"],
        &[("SOURCE_DATE_EPOCH", "1780272000")],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.diagnostics(), Vec::new());

    // 2027-06-01T12:00:00Z: the policy's review (due 2027-03-01) and the management review
    // (due 2027-02-15) are overdue.
    let out = f.run_with_env(
        &["check", "--format", "json"],
        &[("SOURCE_DATE_EPOCH", "1811851200")],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    let diags = out.diagnostics();
    let review = one_at(&diags, "review-overdue", POLICY_FILE, 11, 9);
    assert!(review.message.contains("2027-03-01"), "{}", review.message);
    one_at(&diags, "management-review-overdue", REVIEW_PATH, 5, 7);

    // `--today` wins over SOURCE_DATE_EPOCH.
    let out = f.run_with_env(
        &["check", "--format", "json", "--today", TODAY],
        &[("SOURCE_DATE_EPOCH", "1811851200")],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.diagnostics(), Vec::new());
}

#[test]
fn source_date_epoch_that_is_not_a_number_is_an_environment_error() {
    let out = Fixture::clean().run_with_env(&["check"], &[("SOURCE_DATE_EPOCH", "yesterday")]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("SOURCE_DATE_EPOCH"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// front-matter-missing, front-matter-syntax

#[test]
fn front_matter_missing() {
    assert_clean_lacks("front-matter-missing");
    let diags = Fixture::clean()
        .file(
            "content/policies/notes.md",
            "# Notes\n\nNo front matter here.\n",
        )
        .commit("seed")
        .diagnostics();
    let d = one_at(
        &diags,
        "front-matter-missing",
        "content/policies/notes.md",
        1,
        1,
    );
    assert_eq!(d.severity, "error");
    assert_eq!(d.doc_id, None);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn front_matter_syntax() {
    assert_clean_lacks("front-matter-syntax");
    let file = "content/standards/broken.md";
    let diags = Fixture::clean()
        .file(
            file,
            "---\nid: STD-001\ntitle: Broken: yes: no\ntype: standard\n---\n\n# Broken\n",
        )
        .commit("seed")
        .diagnostics();
    // The second `: ` on line 3 (column 14) is where the YAML stops parsing.
    let d = one_at(&diags, "front-matter-syntax", file, 3, 14);
    assert_eq!(d.severity, "error");
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn front_matter_syntax_duplicate_key() {
    let file = "content/standards/broken.md";
    let diags = Fixture::clean()
        .file(
            file,
            "---\nid: STD-001\ntitle: A\nid: STD-002\ntype: standard\n---\n",
        )
        .diagnostics();
    let d = one_at(&diags, "front-matter-syntax", file, 4, 1);
    assert!(d.message.contains("duplicate key `id`"), "{}", d.message);
}

#[test]
fn front_matter_syntax_unclosed() {
    let file = "content/standards/unclosed.md";
    let diags = Fixture::clean()
        .file(
            file,
            "---\nid: STD-001\ntitle: A\ntype: standard\n\n# Body without a closing line\n",
        )
        .diagnostics();
    one_at(&diags, "front-matter-syntax", file, 1, 1);
}

#[test]
fn front_matter_alias_bomb_is_refused() {
    let file = "content/standards/bomb.md";
    let mut yaml = String::from("---\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        yaml.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    yaml.push_str("---\n");
    let diags = Fixture::clean().file(file, yaml).diagnostics();
    let d = only(&diags, "front-matter-syntax");
    assert_eq!(d.file.as_deref(), Some(file));
}

// ---------------------------------------------------------------------------------------------
// missing-field, invalid-field, unknown-field

#[test]
fn missing_field() {
    assert_clean_lacks("missing-field");
    let diags = Fixture::clean()
        .edit(POLICY_FILE, "owner: CISO\n", "")
        .commit("seed")
        .diagnostics();
    // Reported where the front matter starts (line 2).
    let d = only(&diags, "missing-field");
    assert_eq!(
        (d.file.as_deref(), d.line),
        (Some(POLICY_FILE), Some(2)),
        "{}",
        show(&diags)
    );
    assert!(d.message.contains("owner"), "{}", d.message);
    assert_eq!(d.severity, "error");
    assert_eq!(d.doc_id.as_deref(), Some("POL-001"));
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn missing_field_column_is_the_start_of_the_mapping() {
    let diags = Fixture::clean()
        .edit(POLICY_FILE, "owner: CISO\n", "")
        .diagnostics();
    one_at(&diags, "missing-field", POLICY_FILE, 2, 1);
}

#[test]
fn missing_field_message_names_the_field_plainly() {
    let diags = Fixture::clean()
        .edit(POLICY_FILE, "owner: CISO\n", "")
        .diagnostics();
    let d = only(&diags, "missing-field");
    assert_eq!(d.message, "front matter has no `owner`");
}

#[test]
fn missing_field_in_a_nested_record() {
    let diags = Fixture::clean()
        .edit(POLICY_FILE, "    name: Alice Example\n", "")
        .diagnostics();
    // The approval on line 13 (`  - role: CEO`) lacks `name`.
    let d = with_code(&diags, "missing-field");
    assert_eq!(d.len(), 1, "{}", show(&diags));
    assert_eq!(
        (d[0].file.as_deref(), d[0].line),
        (Some(POLICY_FILE), Some(13))
    );
    assert!(
        d[0].message.contains("approvals[0]") && d[0].message.contains("name"),
        "{}",
        d[0].message
    );
}

#[test]
fn missing_field_of_a_record_type() {
    let file = "content/communications/2026-04-01-no-sender.md";
    let diags = Fixture::clean()
        .file(
            file,
            "---\nid: COM-2\ntitle: T\ntype: communication\ndate: 2026-04-01\ndocuments:\n  - id: POL-001\naudience: [all-staff]\nchannel: email\n---\n",
        )
        .diagnostics();
    let d = only(&diags, "missing-field");
    assert_eq!((d.file.as_deref(), d.line), (Some(file), Some(2)));
    assert!(d.message.contains("sender"), "{}", d.message);
}

#[test]
fn invalid_field() {
    assert_clean_lacks("invalid-field");
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "effective: 2026-03-01",
            "effective: 2026-02-30",
        )
        .commit("seed")
        .diagnostics();
    let d = one_at(&diags, "invalid-field", POLICY_FILE, 8, 12);
    assert!(d.message.contains("2026-02-30"), "{}", d.message);
    assert_eq!(d.severity, "error");
    assert_eq!(d.doc_id.as_deref(), Some("POL-001"));
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn invalid_field_version_status_type_and_id() {
    let diags = Fixture::clean()
        .edit(POLICY_FILE, "version: \"1.0\"", "version: \"v1\"")
        .diagnostics();
    let d = one_at(&diags, "invalid-field", POLICY_FILE, 5, 10);
    assert!(d.message.contains("version"), "{}", d.message);

    let diags = Fixture::clean()
        .edit(POLICY_FILE, "status: approved", "status: aproved")
        .diagnostics();
    let d = one_at(&diags, "invalid-field", POLICY_FILE, 6, 9);
    assert!(d.message.contains("status"), "{}", d.message);

    let diags = Fixture::clean()
        .file("content/x.md", "---\nid: X-1\ntitle: X\ntype: polcy\n---\n")
        .diagnostics();
    let d = one_at(&diags, "invalid-field", "content/x.md", 4, 7);
    assert!(
        d.help
            .as_deref()
            .unwrap_or("")
            .contains("did you mean `policy`"),
        "{d:?}"
    );

    let diags = Fixture::clean()
        .file(
            "content/x.md",
            "---\nid: \"bad id\"\ntitle: X\ntype: roles\nroles: []\n---\n",
        )
        .diagnostics();
    one_at(&diags, "invalid-field", "content/x.md", 2, 5);
}

#[test]
fn unknown_field() {
    assert_clean_lacks("unknown-field");
    let f = Fixture::clean()
        .edit(POLICY_FILE, "audience:", "audiance:")
        .commit("seed");
    let out = f.check();
    assert_eq!(out.code, 0, "a warning alone does not fail the check");
    let diags = out.diagnostics();
    let d = one_at(&diags, "unknown-field", POLICY_FILE, 16, 1);
    assert_eq!(d.severity, "warning");
    assert!(d.message.contains("audiance"), "{}", d.message);
    let help = d.help.as_deref().unwrap_or("");
    assert!(
        help.contains("did you mean") && help.contains("audience"),
        "{help}"
    );
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn unknown_key_in_book_toml_is_an_error_where_it_governs_publishing_with_did_you_mean() {
    // Elsewhere (here `[build]`) an unknown key stays a warning.
    let f = Fixture::clean().file(
        "book.toml",
        format!("{BOOK_TOML}\n[build]\nbuild-dri = \"out\"\n"),
    );
    let out = f.check();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = one_at(&out.diagnostics(), "unknown-field", "book.toml", 10, 1).clone();
    assert_eq!(d.severity, "warning");
    assert!(
        d.help
            .unwrap_or_default()
            .contains("did you mean `build-dir`")
    );
    // Under [output.html] (and [approval], [isms]) an ignored key may publish more than
    // intended: an error.
    let f = Fixture::clean().file(
        "book.toml",
        format!("{BOOK_TOML}\n[output.html]\nmax-clasification = \"internal\"\n"),
    );
    let out = f.check();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let diags = out.diagnostics();
    let d = one_at(&diags, "unknown-field", "book.toml", 10, 1);
    assert_eq!(d.severity, "error");
    assert!(
        d.help
            .as_deref()
            .unwrap_or("")
            .contains("did you mean `max-classification`"),
        "{d:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// duplicate-id, unknown-role, unknown-document

#[test]
fn duplicate_id() {
    assert_clean_lacks("duplicate-id");
    let dup = "content/communications/2026-03-03-again.md";
    let diags = Fixture::clean()
        .file(
            dup,
            COMMUNICATION.replace("date: 2026-03-02", "date: 2026-03-03"),
        )
        .commit("seed")
        .diagnostics();
    let found = with_code(&diags, "duplicate-id");
    assert_eq!(found.len(), 2, "both files are reported:\n{}", show(&diags));
    // Sorted by file: the original entry, then the copy.
    assert_eq!(
        (found[0].file.as_deref(), found[0].line, found[0].column),
        (Some(COMMUNICATION_PATH), Some(2), Some(5))
    );
    assert_eq!(
        (found[1].file.as_deref(), found[1].line, found[1].column),
        (Some(dup), Some(2), Some(5))
    );
    assert!(
        found[0].message.contains(&format!("{dup}:2")),
        "{}",
        found[0].message
    );
    assert!(
        found[1]
            .message
            .contains(&format!("{COMMUNICATION_PATH}:2")),
        "{}",
        found[1].message
    );
    for d in found {
        assert_eq!(d.severity, "error");
        assert_eq!(d.doc_id.as_deref(), Some("COM-2026-03-02"));
    }
    assert_eq!(diags.len(), 2, "{}", show(&diags));
}

#[test]
fn duplicate_role_id() {
    let extra = "content/roles/more-roles.md";
    let diags = Fixture::clean()
        .file(
            extra,
            "---\nid: ROL-002\ntitle: More roles\ntype: roles\nroles:\n  - id: CISO\n    title: Again\n    holders:\n      - name: Eve\n        email: eve@example.com\n---\n",
        )
        .diagnostics();
    let found = with_code(&diags, "duplicate-id");
    assert_eq!(found.len(), 2, "{}", show(&diags));
    assert_eq!(
        (found[0].file.as_deref(), found[0].line, found[0].column),
        (Some(extra), Some(6), Some(9))
    );
    assert_eq!(
        (found[1].file.as_deref(), found[1].line, found[1].column),
        (Some(ROLES_PATH), Some(15), Some(9))
    );
}

#[test]
fn unknown_role() {
    assert_clean_lacks("unknown-role");
    let diags = Fixture::clean()
        .edit(POLICY_FILE, "owner: CISO", "owner: CSO")
        .commit("seed")
        .diagnostics();
    let d = one_at(&diags, "unknown-role", POLICY_FILE, 7, 8);
    assert_eq!(d.severity, "error");
    assert!(d.message.contains("CSO"), "{}", d.message);
    assert_eq!(d.help.as_deref(), Some("did you mean `CISO`?"));
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn unknown_role_in_records() {
    let diags = Fixture::clean()
        .edit(
            REVIEW_PATH,
            "attendees: [CEO, CISO]",
            "attendees: [CEO, CFO]",
        )
        .diagnostics();
    one_at(&diags, "unknown-role", REVIEW_PATH, 6, 18);

    let diags = Fixture::clean()
        .edit(COMMUNICATION_PATH, "sender: CISO", "sender: COMMS")
        .diagnostics();
    one_at(&diags, "unknown-role", COMMUNICATION_PATH, 11, 9);
}

#[test]
fn unknown_document() {
    assert_clean_lacks("unknown-document");
    let file = "content/communications/2026-04-01-other.md";
    let diags = Fixture::clean()
        .file(
            file,
            "---\nid: COM-2026-04-01\ntitle: Other\ntype: communication\ndate: 2026-04-01\ndocuments:\n  - id: POL-999\n    version: \"1.0\"\naudience: [all-staff]\nchannel: intranet\nsender: CISO\n---\n",
        )
        .commit("seed")
        .diagnostics();
    let d = one_at(&diags, "unknown-document", file, 7, 9);
    assert_eq!(d.severity, "error");
    assert!(d.message.contains("POL-999"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn unknown_document_in_supersedes() {
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "clauses: [\"5.2\"]\n",
            "clauses: [\"5.2\"]\nsupersedes: POL-000\n",
        )
        .diagnostics();
    one_at(&diags, "unknown-document", POLICY_FILE, 18, 13);
}

// ---------------------------------------------------------------------------------------------
// approver-not-authorized, approval-missing

#[test]
fn approver_not_authorized() {
    assert_clean_lacks("approver-not-authorized");
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "  - role: CEO\n    name: Alice Example",
            "  - role: CTO\n    name: Carol Example",
        )
        .commit("seed")
        .diagnostics();
    let d = one_at(&diags, "approver-not-authorized", POLICY_FILE, 13, 11);
    assert_eq!(d.severity, "error");
    assert!(d.message.contains("CTO"), "{}", d.message);
    assert!(d.help.as_deref().unwrap_or("").contains("CEO"), "{d:?}");
}

#[test]
fn approver_not_holding_the_role() {
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "    name: Alice Example",
            "    name: Mallory Example",
        )
        .diagnostics();
    let d = one_at(&diags, "approver-not-authorized", POLICY_FILE, 14, 11);
    assert!(d.message.contains("Mallory Example"), "{}", d.message);
    assert!(
        d.help.as_deref().unwrap_or("").contains("Alice Example"),
        "{d:?}"
    );
}

#[test]
fn a_role_with_the_approve_authority_may_approve() {
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "  - role: CEO\n    name: Alice Example",
            "  - role: CTO\n    name: Carol Example",
        )
        .edit(
            ROLES_PATH,
            "    title: Chief Technology Officer\n",
            "    title: Chief Technology Officer\n    authorities: [approve-policy]\n",
        )
        // The CTO's approval is evidenced by the CTO's own trailer.
        .commit_as(
            "Carol Example",
            "carol@example.com",
            COMMIT_TIME,
            "Approve the policy\n\nApproved-by: Carol Example <carol@example.com>\n",
        )
        .diagnostics();
    assert_eq!(diags, Vec::new(), "{}", show(&diags));
}

#[test]
fn approval_missing_without_approvals() {
    assert_clean_lacks("approval-missing");
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "approvals:\n  - role: CEO\n    name: Alice Example\n    date: 2026-03-01\n",
            "",
        )
        .commit("seed")
        .diagnostics();
    // Without `approvals:`, the finding points at `status: approved`.
    let d = one_at(&diags, "approval-missing", POLICY_FILE, 6, 9);
    assert_eq!(d.severity, "error");
    assert_eq!(d.doc_id.as_deref(), Some("POL-001"));
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn approval_missing_when_effective_before_the_last_approval() {
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "effective: 2026-03-01",
            "effective: 2026-02-15",
        )
        .commit("seed")
        .diagnostics();
    let d = one_at(&diags, "approval-missing", POLICY_FILE, 8, 12);
    assert!(
        d.message.contains("2026-02-15") && d.message.contains("2026-03-01"),
        "{}",
        d.message
    );
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn a_draft_needs_no_approvals() {
    let diags = Fixture::clean()
        .file(
            "content/standards/draft.md",
            "---\nid: STD-001\ntitle: Draft standard\ntype: standard\nversion: \"0.1\"\nstatus: draft\nowner: CISO\n---\n\n## Purpose\n\n## Scope\n",
        )
        .diagnostics();
    assert_eq!(diags, Vec::new(), "{}", show(&diags));
}

// ---------------------------------------------------------------------------------------------
// review-overdue, review-due-soon

#[test]
fn review_overdue() {
    assert_clean_lacks("review-overdue");
    let diags = Fixture::clean()
        .edit(POLICY_FILE, "  last: 2026-03-01", "  last: 2025-05-01")
        .commit("seed")
        .diagnostics();
    let d = one_at(&diags, "review-overdue", POLICY_FILE, 11, 9);
    assert_eq!(d.severity, "error");
    assert!(d.message.contains("2026-05-01"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn review_due_soon() {
    assert_clean_lacks("review-due-soon");
    let f = Fixture::clean()
        .edit(POLICY_FILE, "  last: 2026-03-01", "  last: 2025-06-15")
        .commit("seed");
    let out = f.check();
    assert_eq!(out.code, 0, "a warning alone does not fail the check");
    let diags = out.diagnostics();
    let d = one_at(&diags, "review-due-soon", POLICY_FILE, 11, 9);
    assert_eq!(d.severity, "warning");
    assert!(d.message.contains("2026-06-15"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert_eq!(
        f.run(&["check", "--deny", "warnings", "--today", TODAY])
            .code,
        1
    );
}

#[test]
fn review_date_boundaries() {
    let state = |last: &str| {
        let diags = Fixture::clean()
            .edit(
                POLICY_FILE,
                "  last: 2026-03-01",
                &format!("  last: {last}"),
            )
            .diagnostics();
        let codes: Vec<String> = diags.iter().map(|d| d.code.clone()).collect();
        codes.join(",")
    };
    // Due on 2026-06-01 = today: due soon, not yet overdue.
    assert_eq!(state("2025-06-01"), "review-due-soon");
    // Due yesterday: overdue.
    assert_eq!(state("2025-05-31"), "review-overdue");
    // Due in exactly 30 days: due soon; in 31 days: current.
    assert_eq!(state("2025-07-01"), "review-due-soon");
    assert_eq!(state("2025-07-02"), "");
}

#[test]
fn review_interval_and_fallback_to_effective() {
    // Without `review`, the type's interval (12 months) counts from `effective`.
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "review:\n  interval: \"12 months\"\n  last: 2026-03-01\n",
            "",
        )
        .edit(
            POLICY_FILE,
            "effective: 2026-03-01",
            "effective: 2025-03-01",
        )
        .edit(POLICY_FILE, "    date: 2026-03-01", "    date: 2025-03-01")
        .diagnostics();
    one_at(&diags, "review-overdue", POLICY_FILE, 8, 12);

    // A 2-month interval from 2026-03-01 is due 2026-05-01.
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "interval: \"12 months\"",
            "interval: \"2 months\"",
        )
        .diagnostics();
    let d = one_at(&diags, "review-overdue", POLICY_FILE, 11, 9);
    assert!(d.message.contains("2026-05-01"), "{}", d.message);
}

// ---------------------------------------------------------------------------------------------
// not-communicated

#[test]
fn not_communicated() {
    assert_clean_lacks("not-communicated");
    let f = Fixture::clean()
        .edit(
            POLICY_FILE,
            "audience: [all-staff]",
            "audience: [all-staff, contractors]",
        )
        .commit("seed");
    let diags = f.diagnostics();
    let d = one_at(&diags, "not-communicated", POLICY_FILE, 16, 23);
    assert_eq!(d.severity, "error");
    assert!(
        d.message.contains("contractors") && d.message.contains("1.0"),
        "{}",
        d.message
    );
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn communication_of_another_version_does_not_count() {
    let diags = Fixture::clean()
        .edit(COMMUNICATION_PATH, "version: \"1.0\"", "version: \"0.9\"")
        .diagnostics();
    one_at(&diags, "not-communicated", POLICY_FILE, 16, 12);
}

#[test]
fn late_communication_is_a_warning_and_pending_is_fine() {
    let late = "content/communications/2026-04-15-contractors.md";
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "audience: [all-staff]",
            "audience: [all-staff, contractors]",
        )
        .file(
            late,
            COMMUNICATION
                .replace("id: COM-2026-03-02", "id: COM-2026-04-15")
                .replace("date: 2026-03-02", "date: 2026-04-15")
                .replace("audience: [all-staff]", "audience: [contractors]"),
        )
        .diagnostics();
    let d = one_at(&diags, "not-communicated", POLICY_FILE, 16, 23);
    assert_eq!(d.severity, "warning");

    // Effective 2026-05-20: the 30-day deadline (2026-06-19) has not passed yet.
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "audience: [all-staff]",
            "audience: [all-staff, contractors]",
        )
        .edit(
            POLICY_FILE,
            "effective: 2026-03-01",
            "effective: 2026-05-20",
        )
        .diagnostics();
    none_of(&diags, "not-communicated");
}

// ---------------------------------------------------------------------------------------------
// missing-section, broken-link

#[test]
fn missing_section() {
    assert_clean_lacks("missing-section");
    let diags = Fixture::clean()
        .edit(
            POLICY_FILE,
            "## Continual improvement\n\nWe continually improve the ISMS.\n",
            "",
        )
        .commit("seed")
        .diagnostics();
    // Reported at the first non-blank line of the body (the front matter is lines 1-18).
    let d = one_at(&diags, "missing-section", POLICY_FILE, 20, 1);
    assert_eq!(d.severity, "error");
    assert!(d.message.contains("Continual improvement"), "{}", d.message);
    assert!(d.help.as_deref().unwrap_or("").contains("5.2"), "{d:?}");
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn missing_section_of_a_type_and_loose_heading_matching() {
    let file = "content/standards/s.md";
    let diags = Fixture::clean()
        .file(
            file,
            "---\nid: STD-001\ntitle: S\ntype: standard\nversion: \"0.1\"\nstatus: draft\nowner: CISO\n---\n\n## 1. PURPOSE\n",
        )
        .diagnostics();
    let d = one_at(&diags, "missing-section", file, 10, 1);
    assert!(d.message.contains("Scope"), "{}", d.message);
}

#[test]
fn broken_link_to_a_missing_file() {
    assert_clean_lacks("broken-link");
    let f = Fixture::clean().edit(
        POLICY_FILE,
        "(../roles/roles.md#roles)",
        "(../roles/nope.md)",
    );
    let (line, column) = pos_of(&f.read(POLICY_FILE), "[roles registry]");
    let diags = f.commit("seed").diagnostics();
    let d = one_at(&diags, "broken-link", POLICY_FILE, line, column);
    assert_eq!((line, column), (31, 1));
    assert_eq!(d.severity, "error");
    assert!(d.message.contains("../roles/nope.md"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn broken_link_to_a_missing_anchor() {
    let f = Fixture::clean().edit(
        POLICY_FILE,
        "(../roles/roles.md#roles)",
        "(../roles/roles.md#rules)",
    );
    let diags = f.commit("seed").diagnostics();
    let d = one_at(&diags, "broken-link", POLICY_FILE, 31, 1);
    assert!(d.message.contains("#rules"), "{}", d.message);
    assert!(d.message.contains("did you mean `#roles`"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn broken_link_same_page_anchor_and_outside_and_evidence() {
    let f = Fixture::clean().edit(
        POLICY_FILE,
        "We continually improve the ISMS.",
        "We continually improve the [ISMS](#nowhere), see [up](../../book.toml).",
    );
    let text = f.read(POLICY_FILE);
    let diags = f.diagnostics();
    let found = with_code(&diags, "broken-link");
    assert_eq!(found.len(), 2, "{}", show(&diags));
    let (l1, c1) = pos_of(&text, "[ISMS]");
    let (l2, c2) = pos_of(&text, "[up]");
    assert_eq!((found[0].line, found[0].column), (Some(l1), Some(c1)));
    assert_eq!((found[1].line, found[1].column), (Some(l2), Some(c2)));
    assert!(found[1].message.contains("outside"), "{}", found[1].message);

    // Communication evidence must exist; an existing attachment satisfies it.
    let f = Fixture::clean().edit(
        COMMUNICATION_PATH,
        "sender: CISO\n",
        "sender: CISO\nevidence: [evidence/mail.pdf]\n",
    );
    let diags = f.diagnostics();
    one_at(&diags, "broken-link", COMMUNICATION_PATH, 12, 12);
    let diags = f
        .file("content/evidence/mail.pdf", "%PDF-1.4\n")
        .diagnostics();
    assert_eq!(diags, Vec::new(), "{}", show(&diags));
}

#[test]
fn links_to_attachments_and_external_urls_are_fine() {
    let diags = Fixture::clean()
        .file("content/evidence/diagram.png", [0x89u8, b'P', b'N', b'G', 0, 0])
        .edit(
            POLICY_FILE,
            "We continually improve the ISMS.",
            "See ![diagram](../evidence/diagram.png), <https://example.com> and [mail](mailto:x@example.com).",
        )
        .diagnostics();
    assert_eq!(diags, Vec::new(), "{}", show(&diags));
}

// ---------------------------------------------------------------------------------------------
// mandatory-document-missing, role-without-holder, required-role-missing,
// management-review-overdue

#[test]
fn mandatory_document_missing_without_a_5_2_policy() {
    assert_clean_lacks("mandatory-document-missing");
    let diags = Fixture::clean()
        .edit(POLICY_FILE, "clauses: [\"5.2\"]", "clauses: [\"5.1\"]")
        .commit("seed")
        .diagnostics();
    let d = one_without_file(&diags, "mandatory-document-missing");
    assert_eq!(d.severity, "error");
    assert!(
        d.message.contains("information security policy"),
        "{}",
        d.message
    );
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn mandatory_document_missing_when_the_policy_is_not_approved() {
    let diags = Fixture::clean()
        .edit(POLICY_FILE, "status: approved", "status: in-review")
        .commit("seed")
        .diagnostics();
    let d = one_at(&diags, "mandatory-document-missing", POLICY_FILE, 6, 9);
    assert!(d.message.contains("in-review"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn mandatory_document_missing_without_a_roles_registry() {
    let diags = Fixture::clean()
        .remove(ROLES_PATH)
        .commit("seed")
        .diagnostics();
    let d = one_without_file(&diags, "mandatory-document-missing");
    assert!(d.message.contains("roles registry"), "{}", d.message);
    // Without a registry, no role resolves; required roles are not checked on top.
    assert!(
        !with_code(&diags, "unknown-role").is_empty(),
        "{}",
        show(&diags)
    );
    none_of(&diags, "required-role-missing");
}

#[test]
fn role_without_holder() {
    assert_clean_lacks("role-without-holder");
    let f = Fixture::clean().edit(
        ROLES_PATH,
        "  - id: END-USER\n",
        "  - id: DPO\n    title: Data Protection Officer\n  - id: END-USER\n",
    );
    let (line, _) = pos_of(&f.read(ROLES_PATH), "  - id: DPO");
    let diags = f.commit("seed").diagnostics();
    let d = one_at(&diags, "role-without-holder", ROLES_PATH, line, 9);
    assert_eq!(line, 32);
    assert_eq!(d.severity, "error");
    assert!(d.message.contains("DPO"), "{}", d.message);
    assert_eq!(d.doc_id.as_deref(), Some("ROL-001"));
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn role_whose_holders_have_all_left() {
    let diags = Fixture::clean()
        .edit(
            ROLES_PATH,
            "        email: dave@example.com\n",
            "        email: dave@example.com\n        until: 2026-01-31\n",
        )
        .diagnostics();
    let d = one_at(&diags, "role-without-holder", ROLES_PATH, 27, 9);
    assert!(d.message.contains("no current holder"), "{}", d.message);
}

#[test]
fn required_role_missing() {
    assert_clean_lacks("required-role-missing");
    let diags = Fixture::clean()
        .edit(
            ROLES_PATH,
            "  - id: SYSADMIN\n    title: System Administrator\n    holders:\n      - name: Dave Example\n        email: dave@example.com\n",
            "",
        )
        .commit("seed")
        .diagnostics();
    let d = only(&diags, "required-role-missing");
    // Reported at the first role of the registry (line 7).
    assert_eq!(
        (d.file.as_deref(), d.line),
        (Some(ROLES_PATH), Some(7)),
        "{}",
        show(&diags)
    );
    assert!(
        d.message.contains("NETENG") && d.message.contains("SYSADMIN"),
        "{}",
        d.message
    );
    assert_eq!(d.severity, "error");
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn required_role_missing_column_is_the_start_of_the_role() {
    let diags = Fixture::clean()
        .file(
            "book.toml",
            format!("{BOOK_TOML}required-roles = [[\"DPO\"]]\n"),
        )
        .diagnostics();
    one_at(&diags, "required-role-missing", ROLES_PATH, 7, 5);
}

#[test]
fn required_roles_come_from_book_toml() {
    let diags = Fixture::clean()
        .file(
            "book.toml",
            format!("{BOOK_TOML}required-roles = [[\"DPO\"], [\"CISO\", \"ISO\"]]\n"),
        )
        .diagnostics();
    let d = only(&diags, "required-role-missing");
    assert!(d.message.contains("`DPO`"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn management_review_overdue() {
    assert_clean_lacks("management-review-overdue");
    let diags = Fixture::clean()
        .edit(REVIEW_PATH, "date: 2026-02-15", "date: 2025-05-31")
        .commit("seed")
        .diagnostics();
    let d = one_at(&diags, "management-review-overdue", REVIEW_PATH, 5, 7);
    assert_eq!(d.severity, "error");
    assert!(d.message.contains("2026-05-31"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));

    // Exactly 12 months ago is still in time.
    let diags = Fixture::clean()
        .edit(REVIEW_PATH, "date: 2026-02-15", "date: 2025-06-01")
        .diagnostics();
    assert_eq!(diags, Vec::new(), "{}", show(&diags));
}

#[test]
fn management_review_overdue_without_any_review() {
    let diags = Fixture::clean()
        .remove(REVIEW_PATH)
        .commit("seed")
        .diagnostics();
    one_without_file(&diags, "management-review-overdue");
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn management_review_interval_from_book_toml() {
    let diags = Fixture::clean()
        .file(
            "book.toml",
            format!("{BOOK_TOML}management-review-interval = \"3 months\"\n"),
        )
        .diagnostics();
    one_at(&diags, "management-review-overdue", REVIEW_PATH, 5, 7);
}

#[test]
fn decision_overdue() {
    assert_clean_lacks("decision-overdue");
    let diags = Fixture::clean()
        .edit(REVIEW_PATH, "status: done", "status: open")
        .diagnostics();
    let d = one_at(&diags, "decision-overdue", REVIEW_PATH, 12, 10);
    assert_eq!(d.severity, "warning");
}

// ---------------------------------------------------------------------------------------------
// unreadable-file

#[test]
fn unreadable_file_invalid_utf8() {
    assert_clean_lacks("unreadable-file");
    let file = "content/policies/latin1.md";
    let diags = Fixture::clean()
        .file(
            file,
            b"---\nid: POL-002\ntitle: Caf\xe9 policy\n---\n".as_slice(),
        )
        .commit("seed")
        .diagnostics();
    // The invalid byte follows `title: Caf` (10 characters) on line 3.
    let d = one_at(&diags, "unreadable-file", file, 3, 11);
    assert_eq!(d.severity, "error");
    assert!(d.message.contains("UTF-8"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn unreadable_file_nul_byte() {
    let file = "content/policies/binary.md";
    let diags = Fixture::clean()
        .file(file, b"---\nid: POL-003\x00\x01\x02\n---\n".as_slice())
        .commit("seed")
        .diagnostics();
    let d = one_at(&diags, "unreadable-file", file, 2, 12);
    assert!(d.message.contains("NUL"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[cfg(unix)]
#[test]
fn unreadable_file_symlink_out_of_the_repository() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "---\nid: X\n---\n").unwrap();
    let f = Fixture::clean();
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        f.join("content/policies/link.md"),
    )
    .unwrap();
    let diags = f.diagnostics();
    let d = only(&diags, "unreadable-file");
    assert_eq!(d.file.as_deref(), Some("content/policies/link.md"));
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn a_bom_is_ignored() {
    let diags = Fixture::clean()
        .file(POLICY_FILE, format!("\u{feff}{POLICY}"))
        .diagnostics();
    assert_eq!(diags, Vec::new(), "{}", show(&diags));
}

#[test]
fn crlf_line_endings_keep_positions() {
    let diags = Fixture::clean()
        .file(
            POLICY_FILE,
            POLICY
                .replace("owner: CISO", "owner: CSO")
                .replace('\n', "\r\n"),
        )
        .diagnostics();
    one_at(&diags, "unknown-role", POLICY_FILE, 7, 8);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

// ---------------------------------------------------------------------------------------------
// config-syntax and other book.toml errors

#[test]
fn config_syntax() {
    assert_clean_lacks("config-syntax");
    let f = Fixture::clean()
        .file(
            "book.toml",
            "[book]\ntitle = \"Test Corp ISMS\nsrc = \"content\"\n",
        )
        .commit("seed");
    let out = f.run(&["check", "--format", "json", "--today", TODAY]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.stdout, "", "nothing is checked");
    assert!(out.stderr.contains("config-syntax"), "{}", out.stderr);
    // The unterminated string on line 2 ends at column 24.
    assert!(out.stderr.contains("book.toml:2:24"), "{}", out.stderr);
    assert!(
        out.stderr.contains("title = \"Test Corp ISMS"),
        "quotes the line:\n{}",
        out.stderr
    );

    let build = f.run(&["build", "--today", TODAY]);
    assert_eq!(build.code, 2, "{build:?}");
    assert!(!f.join("site").exists());
}

#[test]
fn config_type_error_is_an_environment_error_with_position() {
    let f = Fixture::clean().file(
        "book.toml",
        format!("{BOOK_TOML}\n[communication]\ndeadline-days = \"soon\"\n"),
    );
    let out = f.run(&["check", "--today", TODAY]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("invalid-field"), "{}", out.stderr);
    assert!(out.stderr.contains("book.toml:10:"), "{}", out.stderr);
}

#[test]
fn config_errors_with_root_from_another_directory_keep_their_position() {
    let f = Fixture::clean().file(
        "book.toml",
        "[book]\ntitle = \"Test Corp ISMS\nsrc = \"content\"\n",
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policybook"))
        .arg("--root")
        .arg(f.path())
        .args(["check", "--today", TODAY])
        .current_dir(elsewhere.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("book.toml:2:24"), "{stderr}");
    assert!(stderr.contains("title = \"Test Corp ISMS"), "{stderr}");
}

#[test]
fn unreadable_file_nul_byte_after_invalid_utf8() {
    let file = "content/policies/binary.md";
    let diags = Fixture::clean()
        .file(file, b"---\n\xff\xff\xff\xff\xff\xff\nX\x00\n".as_slice())
        .diagnostics();
    one_at(&diags, "unreadable-file", file, 3, 2);
}

#[test]
fn columns_count_characters_in_front_matter() {
    let diags = Fixture::clean()
        .edit(
            POLICY_PATH,
            "audience: [all-staff]",
            "audience: [all-staff, société, contractors]",
        )
        .diagnostics();
    let found = with_code(&diags, "not-communicated");
    assert_eq!(found.len(), 2, "{}", show(&diags));
    assert_eq!((found[0].line, found[0].column), (Some(16), Some(23)));
    assert_eq!((found[1].line, found[1].column), (Some(16), Some(32)));
}

#[test]
fn unknown_classification_is_invalid() {
    let diags = Fixture::clean()
        .edit(
            POLICY_PATH,
            "type: policy\n",
            "type: policy\nclassification: secret\n",
        )
        .diagnostics();
    let d = one_at(&diags, "invalid-field", POLICY_PATH, 5, 17);
    assert!(d.message.contains("secret"), "{}", d.message);
}

#[test]
fn huge_files_are_refused() {
    let file = "content/policies/huge.md";
    let mut big = b"---\nid: POL-HUGE\n---\n".to_vec();
    big.resize(8 * 1024 * 1024 + 1, b'a');
    let diags = Fixture::clean().file(file, big).diagnostics();
    let d = one_at(&diags, "unreadable-file", file, 1, 1);
    assert!(d.message.contains("MiB"), "{}", d.message);
}

#[test]
fn approved_documents_need_an_effective_date() {
    let diags = Fixture::clean()
        .edit(POLICY_PATH, "effective: 2026-03-01\n", "")
        .diagnostics();
    let d = only(&diags, "missing-field");
    assert_eq!((d.file.as_deref(), d.line), (Some(POLICY_PATH), Some(2)));
    assert!(d.message.contains("effective"), "{}", d.message);
}

#[test]
fn approver_must_hold_the_role_on_the_approval_date() {
    let diags = Fixture::clean()
        .edit(
            ROLES_PATH,
            "        since: 2020-01-01",
            "        since: 2026-03-15",
        )
        .diagnostics();
    let d = one_at(&diags, "approver-not-authorized", POLICY_PATH, 14, 11);
    assert!(d.message.contains("2026-03-01"), "{}", d.message);
}
