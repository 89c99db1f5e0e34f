//! Custody of the acknowledgement record files (issue 22, `[acknowledgement] custodians`):
//! every commit that adds or changes a record file must be a custodian's, judged by the roles
//! registry in force at that commit, and the file must be as committed; else its
//! acknowledgements count nowhere and `acknowledgement-record-not-evidenced` says why.

use crate::support::*;

const PEOPLE: &str = "email,name,groups,joined,left
ada@example.com,Ada Lovelace,all-staff,2020-01-01,
bob@example.com,Bob Builder,all-staff,2020-01-01,
";

const RECORD_FILE: &str = "acknowledgements/pol-001.csv";
const CODE: &str = "acknowledgement-record-not-evidenced";
const HANA: (&str, &str) = ("Hana Reyes", "hana@example.com");
const BOB: (&str, &str) = ("Bob Example", "bob@example.com");

/// Ada's acknowledgement of POL-001 1.0.
fn ada_acknowledged() -> String {
    "email,document,version,content_sha256,at,method,source\nada@example.com,POL-001,1.0,,2026-03-05T09:00:00Z,form,x\n".into()
}

/// The clean fixture with a people file, HR as the custodian role and Hana holding it.
fn custodied() -> Fixture {
    Fixture::custodied(PEOPLE)
}

/// The custodied fixture with Ada's acknowledgement committed by `who` on 2026-03-06.
fn ada_acknowledged_by(who: (&str, &str)) -> Fixture {
    commit_by(
        custodied().file(RECORD_FILE, ada_acknowledged()),
        who,
        "2026-03-06T10:00:00Z",
        "Acknowledgements of POL-001",
    )
}

fn commit_by(f: Fixture, who: (&str, &str), time: &str, summary: &str) -> Fixture {
    f.commit_as(who.0, who.1, time, &format!("{summary}\n"))
}

/// How many of the two people of `all-staff` the overdue finding says have not acknowledged.
fn not_acknowledged(diags: &[Diag]) -> String {
    let d = only(diags, "acknowledgement-overdue");
    d.message.split(" in `").next().unwrap_or("").to_string()
}

#[test]
fn a_record_file_a_custodian_committed_counts() {
    let f = ada_acknowledged_by(HANA);
    let diags = f.diagnostics();
    none_of(&diags, CODE);
    assert_eq!(not_acknowledged(&diags), "1 of 2", "{}", show(&diags));
    // The policy's page names the commit behind the records, its author and the role held.
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = f.read("site/docs/policies/information-security-policy.html");
    let short = &f.head_id()[..10];
    assert!(
        page.contains(&format!("<code>{RECORD_FILE}</code>: committed by a custodian"))
            && page.contains(&format!("added in <code class=\"hash\">{short}</code> at <time datetime=\"2026-03-06T10:00:00+00:00\">2026-03-06T10:00:00+00:00</time> by Hana Reyes &lt;hana@example.com&gt; (holder of HR)")),
        "{page}"
    );
}

#[test]
fn a_record_file_anyone_else_committed_does_not_count() {
    let f = ada_acknowledged_by(BOB);
    let diags = f.diagnostics();
    let d = one_at(&diags, CODE, RECORD_FILE, 1, 1);
    assert_eq!(d.severity, "error");
    assert!(
        d.message.contains(
            "is by Bob Example <bob@example.com>, who held no custodian role on that day"
        ),
        "{}",
        d.message
    );
    assert_eq!(not_acknowledged(&diags), "2 of 2", "{}", show(&diags));
    let out = f.run(&["build", "--today", TODAY, "--allow-errors"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = f.read("site/docs/policies/information-security-policy.html");
    assert!(
        page.contains("<span class=\"badge bad\">not evidenced</span> commit ")
            && page.contains("its acknowledgements are not counted"),
        "{page}"
    );
}

#[test]
fn granting_yourself_the_custodian_role_in_the_same_commit_evidences_nothing() {
    // Bob makes himself a holder of HR and adds the records in one commit: the registry in
    // force at that commit (its parent's) does not name him.
    let f = custodied()
        .edit(
            ROLES_PATH,
            "        email: hana@example.com\n        since: 2020-01-01\n",
            "        email: hana@example.com\n        since: 2020-01-01\n      - name: Bob Example\n        email: bob@example.com\n        since: 2020-01-01\n",
        )
        .file(RECORD_FILE, ada_acknowledged());
    let f = commit_by(f, BOB, "2026-03-06T10:00:00Z", "HR for Bob, and records");
    let diags = f.diagnostics();
    one_at(&diags, CODE, RECORD_FILE, 1, 1);
    assert_eq!(not_acknowledged(&diags), "2 of 2", "{}", show(&diags));
    // His next record file, after the grant is in force, counts (the grant itself is the
    // roles registry's business: a control change on its own page).
    bobs_later_record_file_counts(f);
}

#[test]
fn a_record_file_changed_after_a_custodian_committed_it_does_not_count() {
    let f = ada_acknowledged_by(HANA);
    // Edited in the working copy only.
    let edited = f.edit(RECORD_FILE, ",form,x", ",meeting,x");
    withheld_as_changed(&edited);
    // The edit committed by Bob: his commit is not a custodian's.
    let f = commit_by(edited, BOB, "2026-03-07T10:00:00Z", "Fix the method");
    let diags = f.diagnostics();
    let d = one_at(&diags, CODE, RECORD_FILE, 1, 1);
    assert!(
        d.message.contains("(modified) is by Bob Example"),
        "{}",
        d.message
    );
}

#[test]
fn a_record_file_changed_to_the_same_size_does_not_count_even_with_its_old_times() {
    let f = ada_acknowledged_by(HANA);
    // The same number of bytes and the committed file's modification time: Git's index would
    // take it for the committed file but for its change time.
    withheld_as_changed(&f.edit_keeping_modified(RECORD_FILE, ",form,x", ",mail,x"));
}

/// The record file differs from what its custodian committed: withheld, so neither of the two
/// people has acknowledged.
fn withheld_as_changed(f: &Fixture) {
    let diags = f.diagnostics();
    let d = one_at(&diags, CODE, RECORD_FILE, 1, 1);
    assert!(
        d.message.ends_with("it differs from its last commit"),
        "{}",
        d.message
    );
    assert_eq!(not_acknowledged(&diags), "2 of 2", "{}", show(&diags));
}

#[test]
fn an_uncommitted_record_file_does_not_count_and_without_custodians_it_does() {
    let f = custodied().file(RECORD_FILE, ada_acknowledged());
    let diags = f.diagnostics();
    let d = one_at(&diags, CODE, RECORD_FILE, 1, 1);
    assert!(d.message.ends_with("it is not committed"), "{}", d.message);
    assert!(
        d.help.as_deref().unwrap_or("").contains("a holder of HR"),
        "{d:?}"
    );
    assert_eq!(not_acknowledged(&diags), "2 of 2", "{}", show(&diags));
    // Without custodians the file counts as it stands, as before.
    let f = f.edit("book.toml", "custodians = [\"HR\"]\n", "");
    let diags = f.diagnostics();
    none_of(&diags, CODE);
    assert_eq!(not_acknowledged(&diags), "1 of 2", "{}", show(&diags));
}

/// Signed evidence: the policy approved in a commit the CEO signed; Hana's key and the CEO's
/// in the signer list.
fn signed_custody() -> Fixture {
    let (alice, hana) = (key(1), key(2));
    let signers = format!(
        "{CEO_EMAIL} {}\nhana@example.com {}\n",
        alice.public_key().to_openssh().expect("OpenSSH key"),
        hana.public_key().to_openssh().expect("OpenSSH key")
    );
    let book = format!(
        "{BOOK_TOML}\n[approval]\nevidence = \"signed\"\nallowed-signers = \"{SIGNERS_PATH}\"\n{CUSTODIANS_TOML}"
    );
    Fixture::clean_files()
        .with_hr_role()
        .file("book.toml", book)
        .file(SIGNERS_PATH, signers)
        .file("people.csv", PEOPLE)
        .commit_signed_as(
            CEO_NAME,
            CEO_EMAIL,
            COMMIT_TIME,
            "Information security policy v1.0\n\nApproved-by: Alice Example <alice@example.com>\n",
            &alice,
        )
        .file(RECORD_FILE, ada_acknowledged())
}

#[test]
fn with_signed_evidence_the_custodian_must_sign_the_commit() {
    let unsigned = commit_by(
        signed_custody(),
        HANA,
        "2026-03-06T10:00:00Z",
        "Acknowledgements of POL-001",
    );
    let diags = unsigned.diagnostics();
    let d = one_at(&diags, CODE, RECORD_FILE, 1, 1);
    assert!(
        d.message.contains("by Hana Reyes <hana@example.com> is not signed by a key the signer list in force allows for them"),
        "{}",
        d.message
    );
    assert_eq!(not_acknowledged(&diags), "2 of 2", "{}", show(&diags));

    let signed = signed_custody().commit_signed_as(
        HANA.0,
        HANA.1,
        "2026-03-06T10:00:00Z",
        "Acknowledgements of POL-001\n",
        &key(2),
    );
    let diags = signed.diagnostics();
    none_of(&diags, CODE);
    assert_eq!(not_acknowledged(&diags), "1 of 2", "{}", show(&diags));
    let out = signed.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = signed.read("site/docs/policies/information-security-policy.html");
    assert!(
        page.contains("(holder of HR), signed with the key SHA256:"),
        "{page}"
    );
}

#[test]
fn widening_the_custodians_later_does_not_make_earlier_commits_a_custodians() {
    // Bob (CISO) commits records while only HR keeps them: withheld.
    let f = ada_acknowledged_by(BOB);
    // A later commit names CISO a custodian too: Bob's earlier commit stays withheld, judged
    // by the book.toml in force when he made it.
    let f = f
        .edit(
            "book.toml",
            "custodians = [\"HR\"]",
            "custodians = [\"HR\", \"CISO\"]",
        )
        .commit_as(
            CEO_NAME,
            CEO_EMAIL,
            "2026-03-07T09:00:00Z",
            "CISO keeps acknowledgement records too\n",
        );
    let diags = f.diagnostics();
    let d = one_at(&diags, CODE, RECORD_FILE, 1, 1);
    assert!(d.message.contains("is by Bob Example"), "{}", d.message);
    assert_eq!(not_acknowledged(&diags), "2 of 2", "{}", show(&diags));
    // His records committed after the change count.
    bobs_later_record_file_counts(f);
}

/// Bob, a custodian by now, commits a record file of his own acknowledgement: it counts (one
/// acknowledged of two), and only the earlier file is still reported.
fn bobs_later_record_file_counts(f: Fixture) {
    let f = commit_by(
        f.file(
            "acknowledgements/pol-001-bob.csv",
            "email,document,version,content_sha256,at,method,source\nbob@example.com,POL-001,1.0,,2026-03-07T09:00:00Z,form,y\n",
        ),
        BOB,
        "2026-03-08T10:00:00Z",
        "More acknowledgements",
    );
    let diags = f.diagnostics();
    assert_eq!(with_code(&diags, CODE).len(), 1, "{}", show(&diags));
    assert_eq!(not_acknowledged(&diags), "1 of 2", "{}", show(&diags));
}
