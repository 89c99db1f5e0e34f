//! `policybook approve`: the front-matter entry, the commit with its `Approved-by:` trailer
//! (signed with SSH on request), and the refusals.

use crate::support::*;

/// The clean fixture with version 1.1 of the policy drafted and committed by Bob, ready for
/// approval.
fn drafted(f: Fixture) -> Fixture {
    f.edit(POLICY_PATH, "version: \"1.0\"", "version: \"1.1\"")
        .edit(POLICY_PATH, "status: approved", "status: in-review")
        .edit(
            POLICY_PATH,
            "## Purpose",
            "## Purpose\n\nVersion 1.1 adds this sentence.",
        )
        .commit_as(
            "Bob Example",
            "bob@example.com",
            "2026-03-04T09:00:00Z",
            "Draft version 1.1 of the information security policy",
        )
}

/// `approve POL-001 --as WHO --date 2026-03-05 EXTRA…`.
fn approve(f: &Fixture, who: &str, extra: &[&str]) -> Output {
    let mut args = vec!["approve", "POL-001", "--as", who, "--date", "2026-03-05"];
    args.extend_from_slice(extra);
    f.run(&args)
}

fn head_message(f: &Fixture) -> (String, String, String) {
    let head = f.repo().head().unwrap().peel_to_commit().unwrap();
    let author = head.author();
    (
        head.message().unwrap().to_string(),
        author.name().unwrap().to_string(),
        author.email().unwrap().to_string(),
    )
}

const EVIDENCE_CODES: &[&str] = &[
    "approval-not-evidenced",
    "approval-missing",
    "approver-not-authorized",
    "version-not-bumped",
    "uncommitted-changes",
];

#[test]
fn approve_records_the_approval_in_front_matter_and_a_trailer_commit() {
    let f = drafted(Fixture::clean().committed());
    let before = f.head_id();
    let diags = f.diagnostics();
    // Version 1.0 stays in force while 1.1 is in review: the policy is not missing.
    none_of(&diags, "mandatory-document-missing");

    let out = approve(&f, "Alice Example", &[]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("approved POL-001 v1.1"),
        "{}",
        out.stderr
    );

    // One new commit, authored by the approver, whose last paragraph is the trailer.
    let head = f.repo().head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.parent_id(0).unwrap().to_string(), before);
    let (message, name, email) = head_message(&f);
    assert_eq!((name.as_str(), email.as_str()), (CEO_NAME, CEO_EMAIL));
    assert!(message.starts_with("Approve POL-001 v1.1: Information Security Policy\n\n"));
    assert!(
        message.ends_with("\n\nApproved-by: Alice Example <alice@example.com>\n"),
        "{message:?}"
    );

    // The front matter: this version's approval only, approved, effective from the approval.
    let text = f.read(POLICY_PATH);
    assert!(text.contains("status: approved\n"), "{text}");
    assert!(text.contains("effective: 2026-03-05\n"), "{text}");
    assert!(
        text.contains("approvals:\n  - role: CEO\n    name: \"Alice Example\"\n    date: 2026-03-05\naudience:"),
        "{text}"
    );
    assert!(
        !text.contains("date: 2026-03-01\naudience"),
        "the 1.0 approval is not this version's"
    );
    // The working tree is clean: the commit holds exactly the approval.
    let statuses = f.repo().statuses(None).unwrap();
    assert!(
        statuses
            .iter()
            .all(|s| s.status().is_ignored() || s.status() == git2::Status::WT_NEW),
        "dirty after approve"
    );

    let diags = f.diagnostics();
    for code in EVIDENCE_CODES.iter().chain(&["mandatory-document-missing"]) {
        none_of(&diags, code);
    }
}

#[test]
fn the_same_approver_cannot_approve_a_version_twice() {
    let f = drafted(Fixture::clean().committed());
    let first = approve(&f, "alice@example.com", &[]);
    assert!(first.code <= 1, "{}", first.stderr);
    // Alice again: refused, nothing committed.
    let head = f.head_id();
    let again = approve(&f, "alice@example.com", &[]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again.stderr.contains("already approved"),
        "{}",
        again.stderr
    );
    assert_eq!(f.head_id(), head);
}

#[test]
fn approve_refuses_an_approver_without_an_authorised_role() {
    let f = drafted(Fixture::clean().committed());
    let head = f.head_id();
    let text = f.read(POLICY_PATH);
    let out = approve(&f, "bob@example.com", &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("may not approve a policy"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("CEO"), "names who may: {}", out.stderr);
    assert_eq!(f.head_id(), head);
    assert_eq!(f.read(POLICY_PATH), text);

    let out = f.run(&["approve", "POL-001", "--as", "nobody@example.com"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("holds no role"), "{}", out.stderr);
    // Before Alice held the role (since 2020-01-01).
    let out = f.run(&[
        "approve",
        "POL-001",
        "--as",
        "Alice Example",
        "--date",
        "2019-06-01",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(f.head_id(), head);
}

#[test]
fn approve_refuses_when_other_changes_are_uncommitted() {
    let f = drafted(Fixture::clean().committed()).edit(ROLES_PATH, "Lead the ISMS", "Lead it");
    let head = f.head_id();
    let out = approve(&f, "Alice Example", &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("uncommitted changes"), "{}", out.stderr);
    assert!(out.stderr.contains(ROLES_PATH), "{}", out.stderr);
    assert_eq!(f.head_id(), head);
    assert!(f.read(POLICY_PATH).contains("status: in-review"));

    let out = f.run(&["approve", "ROL-001", "--as", "Alice Example"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not a controlled document"),
        "{}",
        out.stderr
    );
}

#[test]
fn approve_sign_makes_an_ssh_signed_commit_that_evidences_the_approval() {
    let alice = key(7);
    let f = signed_fixture(&alice).commit_signed_as(
        CEO_NAME,
        CEO_EMAIL,
        COMMIT_TIME,
        "Information security policy v1.0\n\nApproved-by: Alice Example <alice@example.com>\n",
        &alice,
    );
    let f = drafted(f);
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("alice");
    std::fs::write(
        &key_file,
        alice
            .to_openssh(ssh_key::LineEnding::LF)
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    {
        let mut config = f.repo().config().unwrap();
        config.set_str("gpg.format", "ssh").unwrap();
        config
            .set_str("user.signingkey", key_file.to_str().unwrap())
            .unwrap();
    }
    let unsigned_first = f.diagnostics();
    none_of(&unsigned_first, "mandatory-document-missing");

    let out = approve(&f, "Alice Example", &["--sign"]);
    assert!(out.code <= 1, "{}", out.stderr);
    let head = f.repo().head().unwrap().peel_to_commit().unwrap();
    let (signature, _) = f
        .repo()
        .extract_signature(&head.id(), None)
        .expect("the commit is signed");
    assert!(
        signature
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN SSH SIGNATURE-----")
    );
    let h = f.run(&["history", "POL-001", "--format", "json"]);
    let h: serde_json::Value = serde_json::from_str(&h.stdout).unwrap();
    assert_eq!(
        h["revisions"][0]["signature"]["verified"], true,
        "{:#}",
        h["revisions"][0]
    );
    let diags = f.diagnostics();
    for code in EVIDENCE_CODES {
        none_of(&diags, code);
    }
}

#[test]
fn the_history_page_shows_the_diff_between_approved_versions_even_without_its_cache() {
    let f = drafted(Fixture::clean().committed());
    let out = approve(&f, "Alice Example", &[]);
    assert!(out.code <= 1, "{}", out.stderr);
    let build = |f: &Fixture| {
        let out = f.run(&["build", "--today", TODAY, "--allow-errors"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        std::fs::read_to_string(f.join("site/history/POL-001.html")).unwrap()
    };
    let page = build(&f);
    assert!(page.contains("Changes since version 1.0"), "{page}");
    assert!(page.contains("Version 1.1 adds this sentence."), "{page}");

    // The diff cache emptied behind policybook's back (its key file says it is complete) and no
    // previous site: the diff is computed again.
    std::fs::write(f.git_dir().join("policybook/diffs.json"), "{}").unwrap();
    std::fs::remove_dir_all(f.join("site")).unwrap();
    assert_eq!(build(&f), page);

    // No cache at all: the approved texts come from the pass that reads every revision's
    // facts, not from a second read of the repository. Same page.
    std::fs::remove_dir_all(f.git_dir().join("policybook")).unwrap();
    std::fs::remove_dir_all(f.join("site")).unwrap();
    assert_eq!(build(&f), page);
}

#[test]
fn concurrent_approvals_of_one_document_both_land() {
    // Two holders of CEO approve version 1.1 at the same moment, several times over.
    let roles_with_two_ceos = |f: Fixture| {
        f.edit(
            ROLES_PATH,
            "        email: alice@example.com\n        since: 2020-01-01\n",
            "        email: alice@example.com\n        since: 2020-01-01\n      - name: Erin Example\n        email: erin@example.com\n        since: 2020-01-01\n",
        )
    };
    for round in 0..3 {
        let f = drafted(roles_with_two_ceos(Fixture::clean().committed()));
        let before = f.head_id();
        let spawn = |who: &str| {
            std::process::Command::new(env!("CARGO_BIN_EXE_policybook"))
                .arg("--root")
                .arg(f.path())
                .args(["approve", "POL-001", "--as", who, "--date", "2026-03-05"])
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("alice@example.com"), spawn("erin@example.com"));
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "round {round}: {stderr}"
            );
        }
        let text = f.read(POLICY_PATH);
        assert!(
            text.contains("name: \"Alice Example\"") && text.contains("name: \"Erin Example\""),
            "round {round}: an approval was lost:\n{text}"
        );
        // Two commits on top of the draft, one per approver, each with its trailer.
        let repo = f.repo();
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let parent = head.parent(0).unwrap();
        assert_eq!(parent.parent_id(0).unwrap().to_string(), before);
        let trailers: Vec<String> = [head.message().unwrap(), parent.message().unwrap()]
            .iter()
            .map(|m| m.lines().last().unwrap().to_string())
            .collect();
        assert!(
            trailers.iter().any(|t| t.contains("alice@example.com")),
            "{trailers:?}"
        );
        assert!(
            trailers.iter().any(|t| t.contains("erin@example.com")),
            "{trailers:?}"
        );
        assert!(!f.git_dir().join("policybook/approve.lock").exists());
    }
}

/// `approve --tag` in a repository that requires signed evidence: the approval commit itself
/// is unsigned, and the signed approval tag evidences the approval. `git verify-tag` with the
/// same allowed_signers file agrees, for that tag and for one signed with a key not in it.
#[test]
fn a_signed_approval_tag_evidences_the_approval_as_git_verify_tag_does() {
    let alice = key(7);
    let mallory = key(9);
    let signers = SIGNERS_PATH;
    let f = signed_fixture(&alice).commit_signed_as(
        CEO_NAME,
        CEO_EMAIL,
        COMMIT_TIME,
        "Information security policy v1.0\n\nApproved-by: Alice Example <alice@example.com>\n",
        &alice,
    );
    let f = drafted(f);
    let keys = tempfile::tempdir().unwrap();
    let use_key = |key: &ssh_key::PrivateKey, file: &str| {
        let key_file = keys.path().join(file);
        std::fs::write(
            &key_file,
            key.to_openssh(ssh_key::LineEnding::LF).unwrap().as_bytes(),
        )
        .unwrap();
        let mut config = f.repo().config().unwrap();
        config.set_str("gpg.format", "ssh").unwrap();
        config
            .set_str("user.signingkey", key_file.to_str().unwrap())
            .unwrap();
    };

    // Signed with a key the list does not allow for Alice: no evidence.
    use_key(&mallory, "mallory");
    let out = approve(&f, "Alice Example", &["--tag"]);
    assert!(
        out.stderr
            .contains("signed approval tag approval/POL-001/1.1/CEO"),
        "{}",
        out.stderr
    );
    let diags = f.diagnostics();
    only(&diags, "approval-not-evidenced");
    let git_verify = |tag: &str| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(f.path())
            .args(["-c", "gpg.format=ssh", "-c"])
            .arg(format!(
                "gpg.ssh.allowedSignersFile={}",
                f.join(signers).display()
            ))
            .args(["verify-tag", tag])
            .output()
            .ok()
            .map(|o| o.status.success())
    };
    let tag = "approval/POL-001/1.1/CEO";
    if let Some(verified) = git_verify(tag) {
        assert!(!verified, "git verify-tag accepts Mallory's key");
    } else {
        assert!(std::env::var_os("CI").is_none(), "git is needed in CI");
    }

    // Alice signs the tag (the old one goes): the approval is evidenced by it.
    f.repo().tag_delete(tag).unwrap();
    use_key(&alice, "alice");
    let head = f.repo().head().unwrap().peel_to_commit().unwrap();
    // `approve` refuses a second approval of the same version: approve again from the draft.
    f.repo()
        .reset(
            &head.parent(0).unwrap().into_object(),
            git2::ResetType::Hard,
            None,
        )
        .unwrap();
    let out = approve(&f, "Alice Example", &["--tag"]);
    assert!(out.code <= 1, "{}", out.stderr);
    let diags = f.diagnostics();
    for code in EVIDENCE_CODES {
        none_of(&diags, code);
    }
    let h = f.run(&["history", "POL-001", "--format", "json"]);
    let h: serde_json::Value = serde_json::from_str(&h.stdout).unwrap();
    let approval = &h["versions"].as_array().unwrap().last().unwrap()["approvals"][0];
    assert_eq!(approval["kind"], "signed-tag", "{approval:#}");
    assert!(
        approval["evidence"].as_str().unwrap().contains(tag),
        "{approval:#}"
    );
    if let Some(verified) = git_verify(tag) {
        assert!(verified, "git verify-tag refuses Alice's tag");
    }
}
