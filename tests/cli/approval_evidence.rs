//! Approval evidence an auditor can weigh: only the named approver's own commit or trailer
//! counts, each approval says what kind of evidence backs it (signed, authored, trailer by
//! proxy) and who authored and committed it, `.mailmap` never changes who a commit evidences,
//! and an approval's date must fit the content, the commit and the approver's holding.

use crate::support::*;
use serde_json::Value;

/// `history POL-001 --format json`: the first approval of the current version.
fn policy_approval(f: &Fixture) -> Value {
    let out = f.run(&["history", "POL-001", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    json["versions"].as_array().unwrap().last().unwrap()["approvals"][0].clone()
}

/// The clean fixture, but its approval commit is made by `name <email>` with `message`.
fn approved_by_commit_of(name: &str, email: &str, message: &str) -> Fixture {
    let mut f = Fixture::clean_files();
    f.commit_full(name, email, COMMIT_TIME, message, &[], None);
    f
}

#[test]
fn another_holder_of_the_role_does_not_evidence_the_named_approver() {
    // Zed holds CEO too, and commits the policy; the front matter says Alice approved it.
    let roles = ROLES.replace(
        "        email: alice@example.com\n        since: 2020-01-01\n",
        "        email: alice@example.com\n        since: 2020-01-01\n      - name: Zed Example\n        email: zed@example.com\n        since: 2020-01-01\n",
    );
    let mut f = Fixture::clean_files().file(ROLES_PATH, &roles);
    f.commit_full(
        "Zed Example",
        "zed@example.com",
        COMMIT_TIME,
        "Information security policy v1.0\n",
        &[],
        None,
    );
    let diags = f.diagnostics();
    let d = only(&diags, "approval-not-evidenced");
    assert!(
        d.message.contains("Alice Example as a holder of CEO"),
        "{}",
        show(&diags)
    );
    assert_eq!(policy_approval(&f)["evidenced"], false);

    // Alice's own commit of the same content (a bookkeeping field changed) evidences it.
    let f = f
        .edit(POLICY_PATH, "  last: 2026-03-01", "  last: 2026-03-02")
        .commit_as(
            CEO_NAME,
            CEO_EMAIL,
            "2026-03-02T10:00:00Z",
            "Record the policy's review\n",
        );
    let approval = policy_approval(&f);
    assert_eq!(approval["evidenced"], true, "{approval:#}");
    assert_eq!(approval["kind"], "authored", "{approval:#}");
    assert_eq!(approval["author"], "Alice Example <alice@example.com>");
}

#[test]
fn the_kind_of_evidence_is_named_with_author_and_committer() {
    // Alice's own commit: authored.
    let f = approved_by_commit_of(CEO_NAME, CEO_EMAIL, "Information security policy v1.0\n");
    let approval = policy_approval(&f);
    assert_eq!(approval["kind"], "authored", "{approval:#}");
    assert_eq!(approval["author"], "Alice Example <alice@example.com>");
    assert_eq!(approval["committer"], "Alice Example <alice@example.com>");
    assert_eq!(approval["evidence_time"], "2026-03-01T10:00:00+00:00");
    assert_eq!(approval["meaning"], "approved");
    assert!(f.diagnostics().is_empty());

    // Bob's commit naming Alice in a trailer: evidenced by proxy, both people shown.
    let f = approved_by_commit_of(
        "Bob Example",
        "bob@example.com",
        "Information security policy v1.0\n\nApproved-by: Alice Example <alice@example.com>\n",
    );
    let approval = policy_approval(&f);
    assert_eq!(approval["kind"], "trailer-by-proxy", "{approval:#}");
    assert_eq!(approval["author"], "Bob Example <bob@example.com>");
    let evidence = approval["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("Approved-by: Alice Example"),
        "{evidence}"
    );
    assert!(
        evidence.contains("by Bob Example <bob@example.com>"),
        "{evidence}"
    );
    assert!(f.diagnostics().is_empty());
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = f.read("site/docs/policies/information-security-policy.html");
    assert!(
        page.contains("<span class=\"badge\">trailer-by-proxy</span>"),
        "{page}"
    );
    assert!(
        page.contains("Approved by Alice Example, CEO, 2026-03-01T10:00:00+00:00"),
        "{page}"
    );

    // `allow-proxy = false`: the same commit evidences nothing.
    let f = f.edit(
        "book.toml",
        "[isms]",
        "[approval]\nallow-proxy = false\n\n[isms]",
    );
    let f = f.commit_as(
        CEO_NAME,
        CEO_EMAIL,
        "2026-03-02T10:00:00Z",
        "Refuse proxy trailers\n",
    );
    let diags = f.diagnostics();
    let d = only(&diags, "approval-not-evidenced");
    assert!(
        d.message.contains("allow-proxy = false"),
        "{}",
        show(&diags)
    );
}

#[test]
fn mailmap_never_changes_who_a_commit_evidences() {
    // Mallory commits the approval; a tracked .mailmap says she is Alice.
    let mut f = Fixture::clean_files().file(
        ".mailmap",
        "Alice Example <alice@example.com> Mallory <mallory@evil.test>\n",
    );
    f.commit_full(
        "Mallory",
        "mallory@evil.test",
        COMMIT_TIME,
        "Information security policy v1.0\n",
        &[],
        None,
    );
    for run in ["cold", "warm"] {
        let diags = f.diagnostics();
        only(&diags, "approval-not-evidenced");
        let out = f.run(&["history", "POL-001", "--format", "json"]);
        let json: Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            json["revisions"][0]["author"],
            serde_json::json!({"name": "Mallory", "email": "mallory@evil.test"}),
            "{run}"
        );
    }
}

#[test]
fn approval_dates_must_fit_the_content_the_commit_and_the_holding() {
    let cases = [
        // Before the content it approves was committed (2026-03-01).
        (
            "2026-02-01",
            "2026-02-01",
            None,
            "before the content it approves was committed on 2026-03-01",
        ),
        // After the commit that evidences it (2026-03-01), a day's tolerance aside.
        (
            "2026-03-20",
            "2026-03-20",
            None,
            "after the commit that evidences it on 2026-03-01",
        ),
        // After today (2026-06-01).
        ("2026-07-01", "2026-07-01", None, "after today (2026-06-01)"),
        // After Alice stopped holding CEO.
        (
            "2026-03-01",
            "2026-03-01",
            Some("2026-02-15"),
            "but Alice Example held CEO from 2020-01-01 until 2026-02-15",
        ),
    ];
    for (date, effective, until, expected) in cases {
        let policy = POLICY
            .replace("    date: 2026-03-01", &format!("    date: {date}"))
            .replace("effective: 2026-03-01", &format!("effective: {effective}"));
        let roles = match until {
            Some(until) => ROLES.replace(
                "        since: 2020-01-01\n",
                &format!("        since: 2020-01-01\n        until: {until}\n"),
            ),
            None => ROLES.to_string(),
        };
        let f = Fixture::clean()
            .file(POLICY_PATH, policy)
            .file(ROLES_PATH, roles);
        let diags = f.diagnostics();
        let d = only(&diags, "approval-date-mismatch");
        assert!(d.message.contains(expected), "{date}: {}", show(&diags));
        assert_eq!(
            d.line,
            Some(pos_of(&f.read(POLICY_PATH), &format!("date: {date}")).0)
        );
    }
    // The clean fixture's own date fits, and a day's tolerance covers time zones.
    assert!(Fixture::clean().diagnostics().is_empty());
    let policy = POLICY.replace("    date: 2026-03-01", "    date: 2026-02-28");
    let f = Fixture::clean().file(POLICY_PATH, policy);
    none_of(&f.diagnostics(), "approval-date-mismatch");
}

#[test]
fn an_approval_says_what_it_means() {
    let policy = POLICY.replace(
        "    date: 2026-03-01\n",
        "    date: 2026-03-01\n    meaning: approved for publication\n",
    );
    let f = Fixture::clean().file(POLICY_PATH, policy);
    assert!(f.diagnostics().is_empty(), "{}", show(&f.diagnostics()));
    assert_eq!(policy_approval(&f)["meaning"], "approved for publication");
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = f.read("site/docs/policies/information-security-policy.html");
    assert!(page.contains("<td>approved for publication</td>"), "{page}");
    assert!(
        page.contains("Approved for publication by Alice Example, CEO"),
        "{page}"
    );
}

/// A policy type that needs the CEO and two members of the board.
const QUORUM: &str = "[[types.policy.approval]]\nroles = [\"CEO\"]\n\n[[types.policy.approval]]\nroles = [\"BOARD\"]\ncount = 2\n\n[isms]";

fn with_board(board_approvers: &[(&str, &str)]) -> Fixture {
    let roles = ROLES.replace(
        "  - id: CISO\n",
        "  - id: BOARD\n    title: Board of directors\n    holders:\n      - {name: Carol Example, email: carol@example.com, since: 2020-01-01}\n      - {name: Dave Example, email: dave@example.com, since: 2020-01-01}\n  - id: CISO\n",
    );
    let mut approvals =
        String::from("approvals:\n  - role: CEO\n    name: Alice Example\n    date: 2026-03-01\n");
    let mut trailers = String::from("Approved-by: Alice Example <alice@example.com>\n");
    for (name, email) in board_approvers {
        approvals.push_str(&format!(
            "  - role: BOARD\n    name: {name}\n    date: 2026-03-01\n"
        ));
        trailers.push_str(&format!("Approved-by: {name} <{email}>\n"));
    }
    let policy = POLICY.replace(
        "approvals:\n  - role: CEO\n    name: Alice Example\n    date: 2026-03-01\n",
        &approvals,
    );
    let mut f = Fixture::clean_files()
        .file("book.toml", BOOK_TOML.replace("[isms]", QUORUM))
        .file(POLICY_PATH, policy)
        .file(ROLES_PATH, roles);
    f.commit_full(
        CEO_NAME,
        CEO_EMAIL,
        COMMIT_TIME,
        &format!("Information security policy v1.0\n\n{trailers}"),
        &[],
        None,
    );
    f
}

#[test]
fn every_approval_rule_needs_its_count_of_distinct_people() {
    // One board member of the two the second rule needs.
    let f = with_board(&[("Carol Example", "carol@example.com")]);
    let diags = f.diagnostics();
    let d = only(&diags, "approval-quorum-not-met");
    assert!(
        d.message.contains(
            "approval rule 2 needs 2 distinct approvers holding BOARD; it has 1 (Carol Example)"
        ),
        "{}",
        show(&diags)
    );
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    // The same person twice is still one.
    let f = with_board(&[
        ("Carol Example", "carol@example.com"),
        ("Carol Example", "carol@example.com"),
    ]);
    only(&f.diagnostics(), "approval-quorum-not-met");
    // Both: every rule holds.
    let f = with_board(&[
        ("Carol Example", "carol@example.com"),
        ("Dave Example", "dave@example.com"),
    ]);
    let diags = f.diagnostics();
    assert!(diags.is_empty(), "{}", show(&diags));
}

#[test]
fn separation_of_duties_keeps_authors_from_approving_their_own_change() {
    let sod = |f: Fixture| {
        f.edit(
            "book.toml",
            "[isms]",
            "[approval]\nseparation-of-duties = true\n\n[isms]",
        )
    };
    // Alice wrote the policy and approved it.
    let f = sod(Fixture::clean());
    let diags = f.diagnostics();
    let d = only(&diags, "self-approval");
    assert!(
        d.message
            .contains("Alice Example approves content they wrote"),
        "{}",
        show(&diags)
    );

    // Bob writes version 1.0 in review; Alice approves it in a commit of her own.
    let draft = POLICY
        .replace("status: approved", "status: in-review")
        .replace("effective: 2026-03-01\n", "")
        .replace(
            "approvals:\n  - role: CEO\n    name: Alice Example\n    date: 2026-03-01\n",
            "",
        );
    let mut f = sod(Fixture::clean_files().file(POLICY_PATH, &draft));
    f.commit_full(
        "Bob Example",
        "bob@example.com",
        "2026-02-20T10:00:00Z",
        "Policy 1.0 for review\n",
        &[],
        None,
    );
    // She did not write it: `approve` accepts her, and no finding follows.
    let out = f.run(&[
        "approve",
        "POL-001",
        "--as",
        "Alice Example",
        "--date",
        "2026-03-01",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    none_of(&f.diagnostics(), "self-approval");

    // Alice writes 1.1 herself: `approve` refuses her, and a hand-written approval is an error.
    let f = f
        .edit(
            POLICY_PATH,
            "version: \"1.0\"\nstatus: approved",
            "version: \"1.1\"\nstatus: in-review",
        )
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            "We continually improve the ISMS, every year.",
        )
        .commit_as(
            CEO_NAME,
            CEO_EMAIL,
            "2026-04-01T10:00:00Z",
            "Policy 1.1 for review\n",
        );
    let out = f.run(&[
        "approve",
        "POL-001",
        "--as",
        "Alice Example",
        "--date",
        "2026-04-02",
    ]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stderr.contains("separation-of-duties"),
        "{}",
        out.stderr
    );
}

/// Version 1.1 of the policy, approved by `role` `name` on 2026-04-02.
fn policy_v11(role: &str, name: &str) -> String {
    POLICY
        .replace("version: \"1.0\"", "version: \"1.1\"")
        .replace("effective: 2026-03-01", "effective: 2026-04-02")
        .replace(
            "  - role: CEO\n    name: Alice Example\n    date: 2026-03-01\n",
            &format!("  - role: {role}\n    name: {name}\n    date: 2026-04-02\n"),
        )
        .replace(
            "We continually improve the ISMS.",
            "We continually improve the ISMS, every year.",
        )
}

#[test]
fn a_commit_cannot_use_a_role_it_grants_itself() {
    // Mallory adds herself as a CEO (backdated) and approves 1.1 in the same commit.
    let roles = ROLES.replace(
        "        email: alice@example.com\n        since: 2020-01-01\n",
        "        email: alice@example.com\n        since: 2020-01-01\n      - name: Mallory Example\n        email: mallory@example.com\n        since: 2019-01-01\n",
    );
    let f = Fixture::clean()
        .committed()
        .file(ROLES_PATH, &roles)
        .file(POLICY_PATH, policy_v11("CEO", "Mallory Example"))
        .commit_as(
            "Mallory Example",
            "mallory@example.com",
            "2026-04-02T10:00:00Z",
            "Policy 1.1\n",
        );
    let diags = f.diagnostics();
    let d = only(&diags, "approval-not-evidenced");
    assert!(d.message.contains("did not hold CEO"), "{}", show(&diags));
    assert!(d.message.contains("grants itself"), "{}", show(&diags));
    assert_eq!(policy_approval(&f)["evidenced"], false);
    // Where each commit's rules are is kept for the next run, which judges the same.
    let kept = f.git_dir().join("policybook/rules.bin");
    assert!(kept.is_file(), "no rules.bin");
    assert_eq!(show(&f.diagnostics()), show(&diags));
    std::fs::remove_file(&kept).unwrap();
    assert_eq!(show(&f.diagnostics()), show(&diags));
}

#[test]
fn a_commit_cannot_use_an_authority_it_grants_itself() {
    // Carol (CTO) gives her role `approve-policy` and approves 1.1 as CTO in the same commit.
    let roles = ROLES.replace(
        "    title: Chief Technology Officer\n",
        "    title: Chief Technology Officer\n    authorities: [approve-policy]\n",
    );
    let f = Fixture::clean()
        .committed()
        .file(ROLES_PATH, &roles)
        .file(POLICY_PATH, policy_v11("CTO", "Carol Example"))
        .commit_as(
            "Carol Example",
            "carol@example.com",
            "2026-04-02T10:00:00Z",
            "Policy 1.1\n",
        );
    let diags = f.diagnostics();
    let d = only(&diags, "approval-not-evidenced");
    assert!(
        d.message.contains("role CTO could not approve a policy"),
        "{}",
        show(&diags)
    );

    // Granted first (its own commit), used after: the grant is in force by then.
    let f = Fixture::clean()
        .committed()
        .file(ROLES_PATH, &roles)
        .commit_as(
            CEO_NAME,
            CEO_EMAIL,
            "2026-04-01T10:00:00Z",
            "The CTO may approve policies\n",
        )
        .file(POLICY_PATH, policy_v11("CTO", "Carol Example"))
        .commit_as(
            "Carol Example",
            "carol@example.com",
            "2026-04-02T10:00:00Z",
            "Policy 1.1\n",
        );
    none_of(&f.diagnostics(), "approval-not-evidenced");
    assert_eq!(policy_approval(&f)["kind"], "authored");
}

#[test]
fn a_commit_cannot_use_a_laxer_rule_it_writes() {
    // Proxy trailers are refused; Bob's commit allows them and carries Alice's trailer.
    let f = Fixture::clean()
        .edit(
            "book.toml",
            "[isms]",
            "[approval]\nallow-proxy = false\n\n[isms]",
        )
        .committed()
        .edit("book.toml", "allow-proxy = false", "allow-proxy = true")
        .file(POLICY_PATH, policy_v11("CEO", "Alice Example"))
        .commit_as(
            "Bob Example",
            "bob@example.com",
            "2026-04-02T10:00:00Z",
            "Policy 1.1\n\nApproved-by: Alice Example <alice@example.com>\n",
        );
    let diags = f.diagnostics();
    let d = only(&diags, "approval-not-evidenced");
    assert!(
        d.message.contains("allow-proxy = false"),
        "{}",
        show(&diags)
    );
}

#[test]
fn the_control_changes_page_lists_who_changed_the_rules_and_who_approved() {
    let f = Fixture::clean()
        .edit(
            "book.toml",
            "[isms]",
            "[approval]\nallowed-signers = \".policybook/allowed_signers\"\n\n[isms]",
        )
        .file(".policybook/allowed_signers", "# nobody yet\n")
        .committed()
        .edit(
            ROLES_PATH,
            "    title: Chief Technology Officer\n",
            "    title: Chief Technology Officer\n    authorities: [approve-policy]\n",
        )
        .commit_as(
            "Carol Example",
            "carol@example.com",
            "2026-04-01T10:00:00Z",
            "The CTO may approve policies\n",
        )
        .file(
            ".policybook/allowed_signers",
            "# nobody yet\n# still nobody\n",
        )
        .commit_as(
            "Bob Example",
            "bob@example.com",
            "2026-04-02T10:00:00Z",
            "Note on signers\n\nApproved-by: Alice Example <alice@example.com>\n",
        );
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = f.read("site/control-changes.html");
    let rows: Vec<&str> = page.split("<tr>").skip(2).collect();
    // Newest first: the signer list, the registry, then the first commit's three files.
    assert_eq!(rows.len(), 5, "{page}");
    assert!(
        rows[0].contains("allowed signers")
            && rows[0].contains("Bob Example &lt;bob@example.com&gt;"),
        "{}",
        rows[0]
    );
    assert!(
        rows[0].contains("Approved-by")
            || rows[0].contains("Alice Example &lt;alice@example.com&gt;"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("roles registry") && rows[1].contains("Carol Example"),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains("no Approved-by"), "{}", rows[1]);
    assert!(
        rows[1].contains("The CTO may approve policies"),
        "{}",
        rows[1]
    );
    let first: String = rows[2..].concat();
    for controls in ["roles registry", "approval rules", "allowed signers"] {
        assert!(first.contains(controls), "{controls}: {first}");
    }
}

#[test]
fn the_pull_request_report_names_the_rules_a_new_version_needs() {
    let f = with_board(&[
        ("Carol Example", "carol@example.com"),
        ("Dave Example", "dave@example.com"),
    ]);
    let base = f.head_id();
    let f = f
        .edit(
            POLICY_PATH,
            "version: \"1.0\"\nstatus: approved",
            "version: \"1.1\"\nstatus: in-review",
        )
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            "We continually improve the ISMS, every year.",
        )
        .commit_as(
            "Bob Example",
            "bob@example.com",
            "2026-04-01T10:00:00Z",
            "Policy 1.1 for review\n",
        );
    let out = f.run(&["diff", &format!("{base}..HEAD"), "--today", TODAY]);
    assert!(out.code <= 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("distinct people, 1 of CEO and 2 of BOARD, from"),
        "{}",
        out.stdout
    );
    let json = f.run(&[
        "diff",
        &format!("{base}..HEAD"),
        "--format",
        "json",
        "--today",
        TODAY,
    ]);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let change = &report["changes"][0];
    assert_eq!(
        change["rules"],
        serde_json::json!([{"roles": ["CEO"], "count": 1}, {"roles": ["BOARD"], "count": 2}]),
        "{change:#}"
    );
}

#[test]
fn status_says_which_rule_still_needs_whom() {
    let f = with_board(&[("Carol Example", "carol@example.com")]);
    let out = f.run(&["status", "--format", "json", "--today", TODAY]);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    let group = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Approval rules not met (quorum, separation of duties)")
        .unwrap_or_else(|| panic!("{report:#}"));
    let item = &group["items"][0];
    assert_eq!(item["code"], "approval-quorum-not-met");
    assert!(
        item["message"]
            .as_str()
            .unwrap()
            .contains("needs 2 distinct approvers holding BOARD"),
        "{item:#}"
    );
    assert!(
        item["help"]
            .as_str()
            .unwrap()
            .contains("1 more approval by a holder of BOARD"),
        "{item:#}"
    );
}

#[test]
fn a_commit_cannot_use_a_signing_key_it_adds() {
    let (alice, mallory) = (key(7), key(9));
    let signers = SIGNERS_PATH;
    let line = |key: &ssh_key::PrivateKey| {
        format!("{CEO_EMAIL} {}\n", key.public_key().to_openssh().unwrap())
    };
    let f = signed_fixture(&alice).commit_signed_as(
        CEO_NAME,
        CEO_EMAIL,
        COMMIT_TIME,
        "Information security policy v1.0\n",
        &alice,
    );
    assert!(f.diagnostics().is_empty());
    // Mallory lists her key under Alice's address and signs Alice's approval of 1.1 with it,
    // in one commit.
    let f = f
        .file(signers, format!("{}{}", line(&alice), line(&mallory)))
        .file(POLICY_PATH, policy_v11("CEO", "Alice Example"))
        .commit_signed_as(
            CEO_NAME,
            CEO_EMAIL,
            "2026-04-02T10:00:00Z",
            "Policy 1.1\n\nApproved-by: Alice Example <alice@example.com>\n",
            &mallory,
        );
    let diags = f.diagnostics();
    let d = only(&diags, "approval-not-evidenced");
    assert!(
        d.message
            .contains("allowed-signers file in force before it"),
        "{}",
        show(&diags)
    );
    // The same commit signed with Alice's own key is evidence.
    let g = f.file(
        POLICY_PATH,
        policy_v11("CEO", "Alice Example").replace("every year", "each year"),
    );
    let g = g.commit_signed_as(
        CEO_NAME,
        CEO_EMAIL,
        "2026-04-02T11:00:00Z",
        "Policy 1.1, reworded\n\nApproved-by: Alice Example <alice@example.com>\n",
        &alice,
    );
    none_of(&g.diagnostics(), "approval-not-evidenced");
    assert_eq!(policy_approval(&g)["kind"], "signed");
}
