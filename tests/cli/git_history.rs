//! The Git-history features against real repositories built with git2: renames (plain and with
//! edits), delete and re-add, merges and octopus merges (diffed against their first parent),
//! non-ASCII paths, SSH-signed commits, shallow clones, dirty working trees, version bumps,
//! approval evidence, missing or unusual repositories, the history cache, and a comparison with
//! `git log --follow` and `git log` (the only place the git CLI is used; skipped without it).
//! Regressions of the bugs found while writing them are at the end.
//!
//! Every commit has a fixed identity and time, so commit ids are the same on every run; tests
//! nevertheless compare with the ids the fixture reports rather than literal hashes.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// The revision of `commit` in a history report.
fn revision<'a>(h: &'a Value, commit: &str) -> &'a Value {
    h["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .find(|r| r["commit"] == commit)
        .unwrap_or_else(|| panic!("no revision {commit} in {h:#}"))
}

fn short(id: &str) -> &str {
    &id[..10]
}

/// A controlled document with `lines` as its body (one line each), for rename tests.
fn procedure(id: &str, title: &str, lines: &[String]) -> String {
    format!(
        "---\nid: {id}\ntitle: {title}\ntype: procedure\nversion: \"0.1\"\nstatus: draft\nowner: CISO\n---\n\n# {title}\n\n{}\n",
        lines.join("\n")
    )
}

/// Twenty distinct body lines.
fn body_lines(tag: &str) -> Vec<String> {
    (1..=20)
        .map(|i| format!("Step {i} of the {tag} procedure: do the {i}th thing carefully."))
        .collect()
}

/// The (line, column) of the CEO approval entry in the policy (where findings about it point).
fn approval_pos() -> (usize, usize) {
    let (line, _) = pos_of(POLICY, "  - role: CEO");
    (line, 5)
}

// ---------------------------------------------------------------------------------------------
// 1, 2. Renames
// ---------------------------------------------------------------------------------------------

#[test]
fn plain_rename_is_followed_with_the_old_path_in_older_revisions() {
    const NEW: &str = "content/policies/isp.md";
    let f = Fixture::clean().committed();
    let c0 = f.head_id();
    let f = f
        .rename(POLICY_PATH, NEW)
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Shorter file name");
    let c1 = f.head_id();
    // A bookkeeping-only change (review date) after the rename: content hash unchanged.
    let f = f
        .edit(NEW, "  last: 2026-03-01", "  last: 2026-03-02")
        .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Record the review");
    let c2 = f.head_id();

    let h = history(&f, NEW);
    assert_eq!(h["id"], "POL-001");
    assert_eq!(h["path"], NEW);
    assert_eq!(
        revs(&h),
        [
            rev(&c2, NEW, "modified"),
            rev(&c1, NEW, "renamed"),
            rev(&c0, POLICY_PATH, "added"),
        ]
    );
    // Identical content under both names: one content hash throughout.
    let hashes: BTreeSet<&str> = h["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["content_hash"].as_str().expect("hash"))
        .collect();
    assert_eq!(hashes.len(), 1, "{h:#}");
    for r in h["revisions"].as_array().unwrap() {
        assert_eq!(
            (&r["version"], &r["status"]),
            (&"1.0".into(), &"approved".into())
        );
    }
    assert_eq!(revision(&h, &c1)["author"]["email"], BOB_EMAIL);
    assert_eq!(revision(&h, &c1)["summary"], "Shorter file name");

    // One approved version, approved in the first commit, evidenced by its trailer.
    let versions = h["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 1, "{h:#}");
    assert_eq!(versions[0]["version"], "1.0");
    assert_eq!(versions[0]["approved_in"], c0.as_str());
    assert_eq!(
        versions[0]["content_hash"],
        h["revisions"][0]["content_hash"]
    );
    let approval = &versions[0]["approvals"][0];
    assert_eq!(approval["evidenced"], true, "{approval:#}");
    assert_eq!(approval["commit"], c0.as_str());

    // By id: the same report.
    assert_eq!(history(&f, "POL-001"), h);
    // The approval made before the rename is still evidenced; nothing else to report.
    let diags = f.diagnostics();
    assert!(diags.is_empty(), "{}", show(&diags));
}

#[test]
fn rename_with_edits_is_followed_but_a_rewrite_is_not() {
    const OLD: &str = "content/procedures/access.md";
    const EDITED: &str = "content/procedures/access-control.md";
    const REWRITTEN: &str = "content/procedures/other.md";
    let lines = body_lines("access");
    let f = Fixture::clean()
        .file(OLD, procedure("PRC-001", "Access", &lines))
        .committed();
    let c0 = f.head_id();

    // ~80% of the lines kept (6 of 31 changed): a rename.
    let mut edited = lines.clone();
    for line in edited.iter_mut().take(6) {
        *line = format!("{line} (revised)");
    }
    let f = f
        .remove(OLD)
        .file(EDITED, procedure("PRC-001", "Access", &edited))
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Rename and revise");
    let c1 = f.head_id();
    let h = history(&f, EDITED);
    assert_eq!(h["id"], "PRC-001");
    assert_eq!(
        revs(&h),
        [rev(&c1, EDITED, "renamed"), rev(&c0, OLD, "added")]
    );
    assert_ne!(
        h["revisions"][0]["content_hash"], h["revisions"][1]["content_hash"],
        "the edits change the content hash"
    );

    // Under 50% similar (title and every body line changed): git would not call it a rename,
    // and neither does policybook: the history starts at the commit that added the new file.
    let f = f
        .remove(EDITED)
        .file(
            REWRITTEN,
            procedure("PRC-001", "Something else", &body_lines("unrelated")),
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Replace the procedure");
    let c2 = f.head_id();
    let h = history(&f, REWRITTEN);
    assert_eq!(revs(&h), [rev(&c2, REWRITTEN, "added")]);
    assert_eq!(history(&f, "PRC-001"), h);

    // The old paths are not tracked at HEAD any more.
    let out = f.run(&["history", EDITED, "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("not a file tracked at HEAD"),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Delete and re-add
// ---------------------------------------------------------------------------------------------

#[test]
fn delete_and_re_add_keeps_both_lives_and_the_deletion() {
    const P: &str = "content/procedures/backup.md";
    let f = Fixture::clean()
        .file(P, procedure("PRC-002", "Backup", &body_lines("backup")))
        .committed();
    let c0 = f.head_id();
    let f = f.edit(P, "Step 1 of", "Step one of").commit_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(1),
        "Reword step 1",
    );
    let c1 = f.head_id();
    let f = f
        .remove(P)
        .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Drop the backup procedure");
    let c2 = f.head_id();
    let f = f
        .file(
            P,
            procedure("PRC-002", "Backup and restore", &body_lines("restore"))
                .replace("\"0.1\"", "\"0.2\""),
        )
        .commit_as(
            BOB_NAME,
            BOB_EMAIL,
            &t(3),
            "Bring the backup procedure back",
        );
    let c3 = f.head_id();

    let h = history(&f, P);
    assert_eq!(
        revs(&h),
        [
            rev(&c3, P, "added"),
            rev(&c2, P, "deleted"),
            rev(&c1, P, "modified"),
            rev(&c0, P, "added"),
        ]
    );
    // The deletion has no content; the other revisions say what their blob says.
    let deleted = revision(&h, &c2);
    assert_eq!(
        (
            &deleted["version"],
            &deleted["status"],
            &deleted["content_hash"]
        ),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    assert_eq!(revision(&h, &c3)["version"], "0.2");
    assert_eq!(revision(&h, &c1)["version"], "0.1");
    let hash = |c: &str| {
        revision(&h, c)["content_hash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_ne!(hash(&c0), hash(&c1));
    assert_ne!(hash(&c1), hash(&c3));
    assert_eq!(history(&f, "PRC-002"), h);
}

// ---------------------------------------------------------------------------------------------
// 4, 5. Merges
// ---------------------------------------------------------------------------------------------

/// The policy at v1.1, approved by the CEO on 2026-03-05, with a changed body.
fn policy_v1_1() -> String {
    POLICY
        .replace("version: \"1.0\"", "version: \"1.1\"")
        .replace("effective: 2026-03-01", "effective: 2026-03-05")
        .replace("    date: 2026-03-01", "    date: 2026-03-05")
        .replace(
            "Test Corp protects the information entrusted to it.",
            "Test Corp protects the information entrusted to it, and its own.",
        )
}

struct Merged {
    f: Fixture,
    c0: String,
    b1: String,
    m1: String,
    merge: String,
}

/// main: c0 (clean fixture) — m1 (review edited) — merge; feature: c0 — b1 (Bob changes the
/// policy to v1.1 without a trailer). The merge commit carries `merge_message`.
fn merged(merge_message: &str) -> Merged {
    let f = Fixture::clean().committed();
    let main = f.current_branch();
    let c0 = f.head_id();
    let f = f
        .branch("feature")
        .switch("feature")
        .file(POLICY_PATH, policy_v1_1())
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Policy v1.1");
    let b1 = f.head_id();
    let f = f
        .switch(&main)
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Complete the review record");
    let m1 = f.head_id();
    let f = f.file(POLICY_PATH, policy_v1_1()).merge_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(3),
        merge_message,
        &["feature"],
    );
    let merge = f.head_id();
    assert_eq!(
        f.repo()
            .find_commit(f.resolve(&merge))
            .unwrap()
            .parent_count(),
        2
    );
    Merged {
        f,
        c0,
        b1,
        m1,
        merge,
    }
}

#[test]
fn merge_commit_trailer_evidences_the_branch_approval() {
    let Merged {
        f,
        c0,
        b1,
        m1,
        merge,
    } = merged(&approved("Merge branch 'feature' into 'main'"));

    let h = history(&f, "POL-001");
    // The merge differs from its first parent in the policy, so it is a revision; so is the
    // branch commit that made the change.
    assert_eq!(
        revs(&h),
        [
            rev(&merge, POLICY_PATH, "modified"),
            rev(&b1, POLICY_PATH, "modified"),
            rev(&c0, POLICY_PATH, "added"),
        ]
    );
    let mr = revision(&h, &merge);
    assert_eq!(
        mr["trailers"],
        serde_json::json!([{"key": "Approved-by", "value": "Alice Example <alice@example.com>"}])
    );
    assert_eq!(mr["summary"], "Merge branch 'feature' into 'main'");
    assert_eq!(mr["content_hash"], revision(&h, &b1)["content_hash"]);
    assert_eq!(revision(&h, &b1)["trailers"], serde_json::json!([]));

    let versions = h["versions"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = versions
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap(),
                v["approved_in"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, [("1.0", c0.as_str()), ("1.1", b1.as_str())]);
    let approval = &versions[1]["approvals"][0];
    assert_eq!(approval["role"], "CEO");
    assert_eq!(approval["date"], "2026-03-05");
    assert_eq!(approval["evidenced"], true, "{approval:#}");
    assert_eq!(approval["commit"], merge.as_str());
    // The trailer sits in Bob's merge commit: evidence by proxy, both people named.
    assert_eq!(approval["kind"], "trailer-by-proxy", "{approval:#}");
    assert_eq!(approval["author"], "Bob Example <bob@example.com>");
    assert_eq!(
        approval["evidence"],
        format!(
            "trailer by proxy: Approved-by: Alice Example <alice@example.com> in {} by Bob Example <bob@example.com>",
            short(&merge)
        )
    );

    // The review: the merge does not change it relative to the first parent.
    assert_eq!(commits(&history(&f, REVIEW_PATH)), [m1, c0]);

    let diags = f.diagnostics();
    none_of(&diags, "approval-not-evidenced");
    none_of(&diags, "version-not-bumped");
}

#[test]
fn merge_without_a_trailer_leaves_the_approval_unevidenced() {
    let Merged { f, .. } = merged("Merge branch 'feature' into 'main'\n");
    let diags = f.diagnostics();
    let (line, column) = approval_pos();
    let d = one_at(&diags, "approval-not-evidenced", POLICY_PATH, line, column);
    assert_eq!(d.severity, "error");
    assert_eq!(d.doc_id.as_deref(), Some("POL-001"));
    assert!(d.message.contains("Alice Example"), "{}", d.message);
}

#[test]
fn octopus_merge_is_diffed_against_its_first_parent() {
    let f = Fixture::clean().committed();
    let main = f.current_branch();
    let c0 = f.head_id();
    let f = f
        .branch("policy")
        .branch("roles")
        .switch("policy")
        .file(POLICY_PATH, policy_v1_1())
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Policy v1.1");
    let p1 = f.head_id();
    let f = f
        .switch("roles")
        .edit(
            ROLES_PATH,
            "[Run the ISMS]",
            "[Run the ISMS, Report to the CEO]",
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "CISO reports to the CEO");
    let r1 = f.head_id();
    let f = f
        .switch(&main)
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(3), "Complete the review record");
    let m1 = f.head_id();
    let policy = f.text_at("policy", POLICY_PATH);
    let roles = f.text_at("roles", ROLES_PATH);
    let f = f
        .file(POLICY_PATH, policy)
        .file(ROLES_PATH, roles)
        .merge_as(
            BOB_NAME,
            BOB_EMAIL,
            &t(4),
            &approved("Merge branches 'policy' and 'roles'"),
            &["policy", "roles"],
        );
    let oct = f.head_id();
    let parents: Vec<String> = f
        .repo()
        .find_commit(f.resolve(&oct))
        .unwrap()
        .parent_ids()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(parents, [m1.clone(), p1.clone(), r1.clone()]);

    assert_eq!(
        revs(&history(&f, POLICY_PATH)),
        [
            rev(&oct, POLICY_PATH, "modified"),
            rev(&p1, POLICY_PATH, "modified"),
            rev(&c0, POLICY_PATH, "added"),
        ]
    );
    assert_eq!(
        revs(&history(&f, ROLES_PATH)),
        [
            rev(&oct, ROLES_PATH, "modified"),
            rev(&r1, ROLES_PATH, "modified"),
            rev(&c0, ROLES_PATH, "added"),
        ]
    );
    // Unchanged relative to the first parent: not a revision of the review.
    assert_eq!(commits(&history(&f, REVIEW_PATH)), [m1, c0.clone()]);
    assert_eq!(commits(&history(&f, COMMUNICATION_PATH)), [c0]);

    // The octopus's trailer evidences the v1.1 approval made on the `policy` branch.
    let h = history(&f, "POL-001");
    let v = &h["versions"][1];
    assert_eq!(
        (&v["version"], &v["approved_in"]),
        (&"1.1".into(), &p1.as_str().into())
    );
    assert_eq!(v["approvals"][0]["commit"], oct.as_str());
    none_of(&f.diagnostics(), "approval-not-evidenced");
}

// ---------------------------------------------------------------------------------------------
// 6. Paths with spaces and non-ASCII characters
// ---------------------------------------------------------------------------------------------

#[test]
fn non_ascii_and_space_containing_paths() {
    const FR: &str = "content/policies/politique de sécurité.md";
    const MOVED: &str = "content/procédures et normes/accès réseau — v2.md";
    let f = Fixture::clean()
        .committed()
        .file(
            FR,
            procedure("PRC-FR", "Politique de sécurité", &body_lines("sécurité")),
        )
        .commit_as(
            BOB_NAME,
            BOB_EMAIL,
            &t(1),
            "Ajoute la politique de sécurité",
        );
    let c1 = f.head_id();
    let h = history(&f, FR);
    assert_eq!(h["path"], FR);
    assert_eq!(revs(&h), [rev(&c1, FR, "added")]);

    let f = f.edit(FR, "Step 2 of", "Étape 2 of").commit_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(2),
        "Révise l'étape 2",
    );
    let c2 = f.head_id();
    let f = f
        .rename(FR, MOVED)
        .commit_as(BOB_NAME, BOB_EMAIL, &t(3), "Déplace le document");
    let c3 = f.head_id();
    let h = history(&f, MOVED);
    assert_eq!(h["id"], "PRC-FR");
    assert_eq!(h["path"], MOVED);
    assert_eq!(
        revs(&h),
        [
            rev(&c3, MOVED, "renamed"),
            rev(&c2, FR, "modified"),
            rev(&c1, FR, "added"),
        ]
    );
    assert_eq!(revision(&h, &c2)["summary"], "Révise l'étape 2");
    assert_eq!(history(&f, "PRC-FR"), h);

    // Diagnostics name the file exactly too.
    let f = f.edit(MOVED, "Step 3 of", "Étape 3 of");
    let diags = f.diagnostics();
    let d = one_at(&diags, "uncommitted-changes", MOVED, 1, 1);
    assert_eq!(d.doc_id.as_deref(), Some("PRC-FR"));
}

// ---------------------------------------------------------------------------------------------
// 7. Signed commits
// ---------------------------------------------------------------------------------------------

const V1_MESSAGE: &str =
    "Information security policy v1.0\n\nApproved-by: Alice Example <alice@example.com>\n";

#[test]
fn ssh_signed_commit_verifies_and_evidences_the_approval() {
    let alice = key(7);
    let f = signed_fixture(&alice).commit_signed_as(
        CEO_NAME,
        CEO_EMAIL,
        COMMIT_TIME,
        V1_MESSAGE,
        &alice,
    );
    let c0 = f.head_id();
    let h = history(&f, "POL-001");
    assert_eq!(commits(&h), std::slice::from_ref(&c0));
    assert_eq!(
        h["revisions"][0]["signature"],
        serde_json::json!({"kind": "ssh", "verified": true, "key": fingerprint(&alice)})
    );
    assert!(fingerprint(&alice).starts_with("SHA256:"));
    let approval = &h["versions"][0]["approvals"][0];
    assert_eq!(approval["evidenced"], true, "{approval:#}");
    assert_eq!(approval["commit"], c0.as_str());
    assert_eq!(
        approval["evidence"],
        format!(
            "signed commit {} (key {} of alice@example.com)",
            short(&c0),
            fingerprint(&alice)
        )
    );
    assert_eq!(approval["kind"], "signed", "{approval:#}");
    let diags = f.diagnostics();
    assert!(diags.is_empty(), "{}", show(&diags));
}

#[test]
fn ssh_signature_by_a_key_not_in_allowed_signers_is_not_evidence() {
    let alice = key(7);
    let other = key(8);
    let f = signed_fixture(&other).commit_signed_as(
        CEO_NAME,
        CEO_EMAIL,
        COMMIT_TIME,
        V1_MESSAGE,
        &alice,
    );
    let h = history(&f, "POL-001");
    assert_eq!(
        h["revisions"][0]["signature"],
        serde_json::json!({"kind": "ssh", "verified": false, "key": null})
    );
    assert_eq!(h["versions"][0]["approvals"][0]["evidenced"], false);

    let diags = f.diagnostics();
    let (line, column) = approval_pos();
    let d = one_at(&diags, "approval-not-evidenced", POLICY_PATH, line, column);
    assert!(d.message.contains("no SSH signature"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn unsigned_commit_in_signed_mode_is_not_evidence() {
    let alice = key(7);
    let f = signed_fixture(&alice).commit_as(CEO_NAME, CEO_EMAIL, COMMIT_TIME, V1_MESSAGE);
    let h = history(&f, "POL-001");
    assert_eq!(
        h["revisions"][0]["signature"],
        serde_json::json!({"kind": "none", "verified": null, "key": null})
    );
    let diags = f.diagnostics();
    let (line, column) = approval_pos();
    one_at(&diags, "approval-not-evidenced", POLICY_PATH, line, column);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

/// An ASCII-armoured OpenPGP v4 signature packet naming issuer key id 123456789ABCDEF0 (its
/// signature value is junk: policybook reports OpenPGP signatures without verifying them).
fn pgp_armour() -> String {
    let mut body = vec![4u8, 0x00, 1, 8];
    body.extend([0, 6, 5, 2, 0x69, 0xa4, 0x0a, 0x00]); // hashed: creation time
    body.extend([0, 10, 9, 16, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]); // unhashed: issuer
    body.extend([0xab, 0xcd, 0x00, 0x08, 0x5a]); // hash prefix and a one-byte MPI
    let mut packet = vec![0x88, u8::try_from(body.len()).unwrap()];
    packet.extend(body);
    format!(
        "-----BEGIN PGP SIGNATURE-----\n\n{}\n=AAAA\n-----END PGP SIGNATURE-----\n",
        <base64ct::Base64 as base64ct::Encoding>::encode_string(&packet)
    )
}

#[test]
fn pgp_signature_is_reported_with_its_key_id_unverified() {
    let alice = key(7);
    // In trailer mode the signature does not matter: the trailer evidences the approval.
    let trailer_mode = Fixture::new()
        .file("book.toml", BOOK_TOML)
        .file(POLICY_PATH, POLICY)
        .file(ROLES_PATH, ROLES)
        .file(REVIEW_PATH, REVIEW)
        .file(COMMUNICATION_PATH, COMMUNICATION)
        .commit_with_signature_as(CEO_NAME, CEO_EMAIL, COMMIT_TIME, V1_MESSAGE, &pgp_armour());
    let h = history(&trailer_mode, "POL-001");
    assert_eq!(
        h["revisions"][0]["signature"],
        serde_json::json!({"kind": "pgp", "verified": null, "key": "123456789ABCDEF0"})
    );
    let diags = trailer_mode.diagnostics();
    assert!(diags.is_empty(), "{}", show(&diags));

    // In signed mode an OpenPGP signature cannot be verified: not evidence.
    let f = signed_fixture(&alice).commit_with_signature_as(
        CEO_NAME,
        CEO_EMAIL,
        COMMIT_TIME,
        V1_MESSAGE,
        &pgp_armour(),
    );
    let diags = f.diagnostics();
    let (line, column) = approval_pos();
    one_at(&diags, "approval-not-evidenced", POLICY_PATH, line, column);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

// ---------------------------------------------------------------------------------------------
// 8. Shallow clones
// ---------------------------------------------------------------------------------------------

#[test]
fn shallow_clone_is_an_error_unless_allowed() {
    let f = Fixture::clean()
        .committed()
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .commit_as(CEO_NAME, CEO_EMAIL, &t(1), &approved("Review record"));
    let c1 = f.head_id();
    let f = f
        .edit(REVIEW_PATH, "in full.", "in full, twice.")
        .commit_as(CEO_NAME, CEO_EMAIL, &t(2), &approved("Review record again"));
    let c2 = f.head_id();
    // A full run first: its cache (of the complete history) must not be used once shallow.
    assert!(f.diagnostics().is_empty());
    let f = f.shallow_at(&[&c1]);

    let out = f.check();
    assert_eq!(out.code, 1, "{}", out.stdout);
    let diags = f.diagnostics();
    let d = one_without_file(&diags, "shallow-history");
    assert_eq!(d.severity, "error");
    let help = d.help.as_deref().unwrap_or("");
    assert!(help.contains("fetch-depth: 0"), "{help}");
    assert!(help.contains("git fetch --unshallow"), "{help}");
    // The commit at the boundary is the first one history knows of: everything is added there.
    assert_eq!(
        revs(&history(&f, REVIEW_PATH)),
        [
            rev(&c2, REVIEW_PATH, "modified"),
            rev(&c1, REVIEW_PATH, "added")
        ]
    );
    assert_eq!(
        revs(&history(&f, POLICY_PATH)),
        [rev(&c1, POLICY_PATH, "added")]
    );

    let out = f.run(&[
        "check",
        "--format",
        "json",
        "--today",
        TODAY,
        "--allow-shallow",
    ]);
    let diags = out.diagnostics();
    assert_eq!(out.code, 0, "{}", show(&diags));
    let d = one_without_file(&diags, "shallow-history");
    assert_eq!(d.severity, "warning");
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

// ---------------------------------------------------------------------------------------------
// 9. Dirty working tree
// ---------------------------------------------------------------------------------------------

#[test]
fn uncommitted_changes_are_a_warning_and_an_error_with_strict() {
    let f = Fixture::clean().committed().edit(
        REVIEW_PATH,
        "reviewed the ISMS.",
        "reviewed the ISMS in full.",
    );
    let diags = f.diagnostics();
    let d = one_at(&diags, "uncommitted-changes", REVIEW_PATH, 1, 1);
    assert_eq!(d.severity, "warning");
    assert_eq!(d.message, "document has uncommitted changes");
    assert_eq!(d.doc_id.as_deref(), Some("MR-2026-Q1"));
    assert_eq!(diags.len(), 1, "{}", show(&diags));

    let out = f.run(&["check", "--format", "json", "--today", TODAY, "--strict"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let diags = out.diagnostics();
    let d = one_at(&diags, "uncommitted-changes", REVIEW_PATH, 1, 1);
    assert_eq!(d.severity, "error");
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn a_same_size_edit_with_the_old_modification_time_is_uncommitted() {
    // Git's index takes a file whose size and times are as it recorded them for the committed
    // one: the change time, which no one can set back, tells this edit apart.
    let f = Fixture::clean().committed().edit_keeping_modified(
        REVIEW_PATH,
        "reviewed the ISMS.",
        "reviewed the IMS!.",
    );
    let diags = f.diagnostics();
    let d = one_at(&diags, "uncommitted-changes", REVIEW_PATH, 1, 1);
    assert_eq!(d.message, "document has uncommitted changes");
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn untracked_document_is_not_committed() {
    const NEW: &str = "content/communications/2026-03-03-isp-v1-0-intranet.md";
    let f = Fixture::clean().committed().file(
        NEW,
        COMMUNICATION
            .replace("COM-2026-03-02", "COM-2026-03-03")
            .replace("channel: email", "channel: intranet"),
    );
    let diags = f.diagnostics();
    let d = one_at(&diags, "uncommitted-changes", NEW, 1, 1);
    assert_eq!(d.severity, "warning");
    assert!(d.message.contains("not committed"), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn uncommitted_edit_of_an_approved_policy() {
    // Editing the approved body without committing: the working copy is not what was approved
    // (version-not-bumped) and its approval cannot be evidenced by any commit.
    let f = Fixture::clean().committed().edit(
        POLICY_PATH,
        "protects the information",
        "guards the information",
    );
    let diags = f.diagnostics();
    one_at(&diags, "uncommitted-changes", POLICY_PATH, 1, 1);
    let (line, column) = approval_pos();
    let d = one_at(&diags, "approval-not-evidenced", POLICY_PATH, line, column);
    assert!(d.message.contains("not committed"), "{}", d.message);
    one_at(&diags, "version-not-bumped", POLICY_PATH, 5, 10);
    assert_eq!(diags.len(), 3, "{}", show(&diags));
}

// ---------------------------------------------------------------------------------------------
// 10. version-not-bumped
// ---------------------------------------------------------------------------------------------

#[test]
fn version_not_bumped_until_the_version_changes() {
    let f = Fixture::clean().committed();
    let c0 = f.head_id();
    let f = f
        .edit(
            POLICY_PATH,
            "protects the information",
            "guards the information",
        )
        .commit_as(CEO_NAME, CEO_EMAIL, &t(1), &approved("Reword the policy"));
    let diags = f.diagnostics();
    let d = one_at(&diags, "version-not-bumped", POLICY_PATH, 5, 10);
    assert_eq!(d.severity, "error");
    assert_eq!(d.doc_id.as_deref(), Some("POL-001"));
    assert!(d.message.contains("1.0"), "{}", d.message);
    assert!(d.message.contains(short(&c0)), "{}", d.message);
    assert_eq!(diags.len(), 1, "{}", show(&diags));

    // The history shows both contents under version 1.0.
    let h = history(&f, "POL-001");
    let versions: Vec<(&str, &str)> = h["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap(),
                v["content_hash"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions.len(), 2, "{h:#}");
    assert_eq!((versions[0].0, versions[1].0), ("1.0", "1.0"));
    assert_ne!(versions[0].1, versions[1].1);

    let f = f
        .edit(POLICY_PATH, "version: \"1.0\"", "version: \"1.1\"")
        .edit(POLICY_PATH, "status: approved", "status: draft")
        .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Start v1.1");
    let diags = f.diagnostics();
    none_of(&diags, "version-not-bumped");
    // Bumping the version does not change the content hash.
    let h = history(&f, "POL-001");
    assert_eq!(
        h["revisions"][0]["content_hash"],
        h["revisions"][1]["content_hash"]
    );
    assert_eq!(h["revisions"][0]["version"], "1.1");
    assert_eq!(h["revisions"][0]["status"], "draft");
}

// ---------------------------------------------------------------------------------------------
// 11. approval-not-evidenced
// ---------------------------------------------------------------------------------------------

/// The clean fixture's files committed once by `name <email>` with `message`.
fn committed_by(name: &str, email: &str, message: &str, roles: &str) -> Fixture {
    Fixture::new()
        .file("book.toml", BOOK_TOML)
        .file(POLICY_PATH, POLICY)
        .file(ROLES_PATH, roles)
        .file(REVIEW_PATH, REVIEW)
        .file(COMMUNICATION_PATH, COMMUNICATION)
        .commit_as(name, email, COMMIT_TIME, message)
}

#[test]
fn approval_without_trailer_by_a_non_holder_is_not_evidenced() {
    let f = committed_by(
        BOB_NAME,
        BOB_EMAIL,
        "Information security policy v1.0\n",
        ROLES,
    );
    let diags = f.diagnostics();
    let (line, column) = approval_pos();
    let d = one_at(&diags, "approval-not-evidenced", POLICY_PATH, line, column);
    assert_eq!(d.severity, "error");
    assert_eq!(d.doc_id.as_deref(), Some("POL-001"));
    assert!(
        d.message.contains("Alice Example") && d.message.contains("CEO"),
        "{}",
        d.message
    );
    assert!(
        d.help.as_deref().unwrap_or("").contains("Approved-by:"),
        "{:?}",
        d.help
    );
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    let h = history(&f, "POL-001");
    assert_eq!(h["versions"][0]["approvals"][0]["evidenced"], false);
    assert_eq!(h["versions"][0]["approvals"][0]["commit"], Value::Null);
}

#[test]
fn approved_by_trailer_of_the_holder_evidences_the_approval() {
    let f = committed_by(BOB_NAME, BOB_EMAIL, V1_MESSAGE, ROLES);
    let c0 = f.head_id();
    let diags = f.diagnostics();
    assert!(diags.is_empty(), "{}", show(&diags));
    let approval = &history(&f, "POL-001")["versions"][0]["approvals"][0];
    assert_eq!(approval["commit"], c0.as_str());
    assert_eq!(
        approval["evidence"],
        format!(
            "trailer by proxy: Approved-by: Alice Example <alice@example.com> in {} by Bob Example <bob@example.com>",
            short(&c0)
        )
    );
    assert_eq!(approval["kind"], "trailer-by-proxy", "{approval:#}");

    // Emails match case-insensitively.
    let f = committed_by(
        BOB_NAME,
        BOB_EMAIL,
        "Policy v1.0\n\nApproved-by: Alice Example <ALICE@Example.COM>\n",
        ROLES,
    );
    let diags = f.diagnostics();
    assert!(diags.is_empty(), "{}", show(&diags));
}

#[test]
fn approved_by_trailer_of_someone_not_yet_holding_the_role_is_not_evidence() {
    // Erin becomes a CEO holder on 2026-04-01, after the approval dated 2026-03-01.
    let roles = ROLES.replace(
        "        since: 2020-01-01\n",
        "        since: 2020-01-01\n      - name: Erin Example\n        email: erin@example.com\n        since: 2026-04-01\n",
    );
    let f = committed_by(
        BOB_NAME,
        BOB_EMAIL,
        "Policy v1.0\n\nApproved-by: Erin Example <erin@example.com>\n",
        &roles,
    );
    let diags = f.diagnostics();
    let (line, column) = approval_pos();
    one_at(&diags, "approval-not-evidenced", POLICY_PATH, line, column);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn only_approved_by_in_the_trailer_block_counts() {
    // `Approved-by:` in the body, not in the last paragraph: not a trailer.
    let f = committed_by(
        BOB_NAME,
        BOB_EMAIL,
        "Policy v1.0\n\nApproved-by: Alice Example <alice@example.com>\n\nSee the minutes.\n",
        ROLES,
    );
    let diags = f.diagnostics();
    let (line, column) = approval_pos();
    one_at(&diags, "approval-not-evidenced", POLICY_PATH, line, column);
    assert_eq!(
        history(&f, "POL-001")["revisions"][0]["trailers"],
        serde_json::json!([])
    );

    // `Reviewed-by:` of the CEO is a trailer, but not an approval.
    let f = committed_by(
        BOB_NAME,
        BOB_EMAIL,
        "Policy v1.0\n\nReviewed-by: Alice Example <alice@example.com>\n",
        ROLES,
    );
    one_at(
        &f.diagnostics(),
        "approval-not-evidenced",
        POLICY_PATH,
        line,
        column,
    );

    // Keys are case-insensitive (as git interpret-trailers reads them).
    let f = committed_by(
        BOB_NAME,
        BOB_EMAIL,
        "Policy v1.0\n\napproved-BY: Alice Example <alice@example.com>\n",
        ROLES,
    );
    none_of(&f.diagnostics(), "approval-not-evidenced");
}

// ---------------------------------------------------------------------------------------------
// 12. No repository, no commits, unborn branch, detached HEAD
// ---------------------------------------------------------------------------------------------

/// The clean fixture's files in a plain directory (no `.git` anywhere above it).
fn plain_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("policybook-plain-")
        .tempdir()
        .expect("temporary directory");
    for (rel, text) in [
        ("book.toml", BOOK_TOML),
        (POLICY_PATH, POLICY),
        (ROLES_PATH, ROLES),
        (REVIEW_PATH, REVIEW),
        (COMMUNICATION_PATH, COMMUNICATION),
    ] {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    assert!(
        git2::Repository::discover(dir.path()).is_err(),
        "the temporary directory is inside a Git repository"
    );
    dir
}

#[test]
fn not_a_git_repository() {
    let dir = plain_dir();
    let out = run_in(dir.path(), &["check", "--format", "json", "--today", TODAY]);
    let diags = out.diagnostics();
    assert_eq!(out.code, 1, "{}", show(&diags));
    let d = one_without_file(&diags, "history-unavailable");
    assert_eq!(d.severity, "warning");
    assert!(
        d.message.contains("not in a Git repository"),
        "{}",
        d.message
    );
    let (line, column) = approval_pos();
    let d = one_at(&diags, "approval-not-evidenced", POLICY_PATH, line, column);
    assert_eq!(d.severity, "error");
    assert_eq!(diags.len(), 2, "{}", show(&diags));

    for target in ["POL-001", POLICY_PATH] {
        let out = run_in(dir.path(), &["history", target, "--format", "json"]);
        assert_eq!(out.code, 2, "{}", out.stdout);
        assert_eq!(out.stdout, "");
        assert!(
            out.stderr.contains("error:") && out.stderr.contains("not in a Git repository"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn empty_repository_has_no_history() {
    let f = Fixture::new()
        .file("book.toml", BOOK_TOML)
        .file(POLICY_PATH, POLICY)
        .file(ROLES_PATH, ROLES)
        .file(REVIEW_PATH, REVIEW)
        .file(COMMUNICATION_PATH, COMMUNICATION);
    let diags = f.diagnostics();
    let d = one_without_file(&diags, "history-unavailable");
    assert!(d.message.contains("no commits"), "{}", d.message);
    let (line, column) = approval_pos();
    one_at(&diags, "approval-not-evidenced", POLICY_PATH, line, column);
    assert_eq!(diags.len(), 2, "{}", show(&diags));

    let out = f.run(&["history", "POL-001", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("no commits"), "{}", out.stderr);
}

#[test]
fn head_on_an_unborn_branch_has_no_history() {
    let f = Fixture::clean().committed();
    f.repo()
        .set_head("refs/heads/not-yet")
        .expect("point HEAD at an unborn branch");
    let diags = f.diagnostics();
    let d = one_without_file(&diags, "history-unavailable");
    assert!(d.message.contains("`not-yet`"), "{}", d.message);
    let out = f.run(&["history", "POL-001", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("not-yet"), "{}", out.stderr);
}

#[test]
fn detached_head_has_the_same_history() {
    let f = Fixture::clean()
        .committed()
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .commit_as(CEO_NAME, CEO_EMAIL, &t(1), &approved("Review record"));
    let head = f.head_id();
    let on_branch: Vec<Value> = [POLICY_PATH, REVIEW_PATH]
        .iter()
        .map(|p| history(&f, p))
        .collect();
    let diags_on_branch = f.diagnostics();

    let f = f.detach(&head);
    assert!(f.repo().head_detached().unwrap());
    for (p, expected) in [POLICY_PATH, REVIEW_PATH].iter().zip(&on_branch) {
        assert_eq!(&history(&f, p), expected, "{p}");
    }
    assert_eq!(f.diagnostics(), diags_on_branch);
    assert!(diags_on_branch.is_empty(), "{}", show(&diags_on_branch));

    // Detached at an older commit: the history stops there.
    let f = f.detach("HEAD~1");
    assert_eq!(commits(&history(&f, REVIEW_PATH)).len(), 1);
}

#[test]
fn without_a_repository_evidence_none_trusts_the_front_matter() {
    let dir = plain_dir();
    let book = format!("{BOOK_TOML}\n[approval]\nevidence = \"none\"\n");
    std::fs::write(dir.path().join("book.toml"), book).unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "--today", TODAY]);
    let diags = out.diagnostics();
    assert_eq!(out.code, 0, "{}", show(&diags));
    one_without_file(&diags, "history-unavailable");
    assert_eq!(diags.len(), 1, "{}", show(&diags));
}

#[test]
fn project_in_a_subdirectory_of_the_repository() {
    const NEW: &str = "content/policies/isp.md";
    let f = Fixture::new()
        .file("isms/book.toml", BOOK_TOML)
        .file(&format!("isms/{POLICY_PATH}"), POLICY)
        .file(&format!("isms/{ROLES_PATH}"), ROLES)
        .file(&format!("isms/{REVIEW_PATH}"), REVIEW)
        .file(&format!("isms/{COMMUNICATION_PATH}"), COMMUNICATION)
        .file("README.md", "The ISMS is in isms/.\n")
        .commit_as(CEO_NAME, CEO_EMAIL, COMMIT_TIME, V1_MESSAGE);
    let c0 = f.head_id();
    let f = f
        .rename(&format!("isms/{POLICY_PATH}"), &format!("isms/{NEW}"))
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Shorter name");
    let c1 = f.head_id();
    let root = f.join("isms");
    let json = |target: &str| -> Value {
        let out = run_in(&root, &["history", target, "--format", "json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str(&out.stdout).expect("JSON")
    };
    // Paths are relative to the project root (where book.toml is), not the repository's.
    let h = json("POL-001");
    assert_eq!(h["path"], NEW);
    assert_eq!(
        revs(&h),
        [rev(&c1, NEW, "renamed"), rev(&c0, POLICY_PATH, "added")]
    );
    assert_eq!(json(NEW), h);
    let out = run_in(&root, &["check", "--format", "json", "--today", TODAY]);
    assert!(out.diagnostics().is_empty(), "{}", out.stdout);

    std::fs::write(root.join(NEW), POLICY.replace("protects", "guards")).unwrap();
    let out = run_in(&root, &["check", "--format", "json", "--today", TODAY]);
    let diags = out.diagnostics();
    one_at(&diags, "uncommitted-changes", NEW, 1, 1);
    one_at(&diags, "version-not-bumped", NEW, 5, 10);
}

// ---------------------------------------------------------------------------------------------
// 13. The history cache
// ---------------------------------------------------------------------------------------------

fn cache_file(f: &Fixture) -> std::path::PathBuf {
    f.git_dir().join("policybook").join("history.bin")
}

/// Every observable result of the history: check's diagnostics and every document's history.
fn observe(f: &Fixture) -> (Vec<Diag>, Vec<Value>) {
    let paths = [POLICY_PATH, ROLES_PATH, REVIEW_PATH, COMMUNICATION_PATH];
    (
        f.diagnostics(),
        paths.iter().map(|p| history(f, p)).collect(),
    )
}

#[test]
fn cache_is_reused_extended_and_replaced_after_a_rewrite() {
    let f = Fixture::clean().committed();
    let main = f.current_branch();
    let c0 = f.head_id();
    let first = observe(&f);
    assert!(cache_file(&f).is_file(), "no cache written");
    let written = std::fs::read(cache_file(&f)).unwrap();
    let modified = |f: &Fixture| {
        std::fs::metadata(cache_file(f))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before = modified(&f);
    // Second run reads the cache: same results, and with nothing new it leaves the file as
    // it was (a write would replace it with a new file, modified now).
    assert_eq!(observe(&f), first);
    assert_eq!(modified(&f), before, "cache rewritten with nothing new");
    assert_eq!(std::fs::read(cache_file(&f)).unwrap(), written);

    // A new commit: it appears (the cache is extended, not trusted blindly).
    let f = f
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .commit_as(CEO_NAME, CEO_EMAIL, &t(1), &approved("Review record"));
    let c1 = f.head_id();
    assert_eq!(commits(&history(&f, REVIEW_PATH)), [c1.clone(), c0.clone()]);
    let extended = observe(&f);
    std::fs::remove_file(cache_file(&f)).unwrap();
    assert_eq!(observe(&f), extended, "cached and uncached runs differ");

    // Force-push equivalent: the branch is reset to c0 and something else is committed.
    let f = f
        .reset_hard(&c0)
        .edit(
            ROLES_PATH,
            "[Run the ISMS]",
            "[Run the ISMS, Report to the CEO]",
        )
        .commit_as(
            CEO_NAME,
            CEO_EMAIL,
            &t(2),
            &approved("CISO reports to the CEO"),
        );
    assert_eq!(f.current_branch(), main);
    let c2 = f.head_id();
    let rewritten = observe(&f);
    assert_eq!(
        commits(&rewritten.1[2]),
        std::slice::from_ref(&c0),
        "review history"
    );
    assert_eq!(commits(&rewritten.1[1]), [c2, c0], "roles history");
    for h in &rewritten.1 {
        assert!(
            !commits(h).contains(&c1),
            "rewritten-away commit {c1} in {h:#}"
        );
    }
    std::fs::remove_file(cache_file(&f)).unwrap();
    assert_eq!(observe(&f), rewritten, "cached and uncached runs differ");
}

#[test]
fn truncated_or_garbage_cache_is_ignored() {
    let f = Fixture::clean()
        .committed()
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .commit_as(CEO_NAME, CEO_EMAIL, &t(1), &approved("Review record"));
    let fresh = observe(&f);
    let cache = cache_file(&f);
    let bytes = std::fs::read(&cache).expect("cache written");
    assert!(bytes.len() > 100);

    std::fs::write(&cache, &bytes[..bytes.len() / 2]).unwrap();
    assert_eq!(observe(&f), fresh, "truncated cache");
    // It was rewritten whole (the same entries, maybe in another order: the same size).
    assert_eq!(std::fs::read(&cache).unwrap().len(), bytes.len());

    std::fs::write(&cache, b"\x00\xffnot a cache at all{{{").unwrap();
    assert_eq!(observe(&f), fresh, "garbage cache");

    // The right format number followed by the wrong shape, and a cache of an older format.
    let mut wrong = bytes[..8].to_vec();
    wrong.extend_from_slice(&[0xff; 64]);
    std::fs::write(&cache, &wrong).unwrap();
    assert_eq!(observe(&f), fresh, "wrong-shape cache");
    std::fs::write(&cache, br#"{"format": 2, "walk": []}"#).unwrap();
    assert_eq!(observe(&f), fresh, "old JSON cache");
}

/// A cache written before a branch was merged must give the same revisions as no cache: the
/// order of revisions must not depend on whether the merged branch's commits were walked
/// incrementally.
#[test]
fn cache_extension_over_a_merge_keeps_the_fresh_order() {
    let f = Fixture::clean().committed();
    let main = f.current_branch();
    let f = f
        .branch("feature")
        .switch("feature")
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Feature: review record");
    let b1 = f.head_id();
    let f = f
        .switch(&main)
        .edit(REVIEW_PATH, "# Management review", "# Management review Q1")
        .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Main: review title");
    let m1 = f.head_id();
    history(&f, REVIEW_PATH); // the cache now ends at m1
    let f = f
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .merge_as(
            BOB_NAME,
            BOB_EMAIL,
            &t(3),
            "Merge branch 'feature'",
            &["feature"],
        );
    let merge = f.head_id();
    let cached = commits(&history(&f, REVIEW_PATH));
    std::fs::remove_file(cache_file(&f)).unwrap();
    let fresh = commits(&history(&f, REVIEW_PATH));
    let c0 = fresh.last().cloned().unwrap();
    assert_eq!(fresh, [merge, m1, b1, c0], "fresh walk: newest first");
    assert_eq!(
        cached, fresh,
        "the cached run lists the revisions in another order"
    );
}

// ---------------------------------------------------------------------------------------------
// 14. Comparison with `git log --follow`
// ---------------------------------------------------------------------------------------------

/// `git log [--follow] --format=%H -- PATH` in the fixture (newest first), or `None` when git
/// is not installed. The user's and the system's Git configuration are ignored.

#[test]
fn revisions_match_git_log_except_merges() {
    const A: &str = "content/a.md";
    const A2: &str = "content/dir/a2.md";
    const A3: &str = "content/a3.md";
    const B: &str = "content/b.md";
    const C: &str = "content/c.md";
    const D: &str = "content/del.md";
    const FR: &str = "content/politique de sécurité.md";
    let doc = |id: &str, tag: &str| procedure(id, tag, &body_lines(tag));
    let commit =
        |f: Fixture, hour: u32, summary: &str| f.commit_as(BOB_NAME, BOB_EMAIL, &t(hour), summary);

    let f = Fixture::new()
        .file("book.toml", BOOK_TOML)
        .file(A, doc("A", "alpha"))
        .file(B, doc("B", "bravo"))
        .file(C, doc("C", "charlie"))
        .file(D, doc("D", "delta"))
        .file(FR, doc("FR", "sécurité"));
    let main = f.current_branch();
    let f = commit(f, 0, "Initial documents");
    let f = commit(f.edit(A, "Step 1 of", "Step one of"), 1, "Edit a");
    let f = commit(f.rename(A, A2), 2, "Move a");
    // A side branch changing b, merged while main changed c: the merge is TREESAME to the
    // branch for b.
    let f = f.branch("feat").switch("feat");
    let f = commit(f.edit(B, "Step 2 of", "Step two of"), 3, "Edit b on feat");
    let f = f.switch(&main);
    let f = commit(f.edit(C, "Step 3 of", "Step three of"), 4, "Edit c on main");
    let b_feat = f.text_at("feat", B);
    let f = f
        .file(B, b_feat)
        .merge_as(BOB_NAME, BOB_EMAIL, &t(5), "Merge feat", &["feat"]);
    // Delete and re-add.
    let f = commit(f.remove(D), 6, "Delete d");
    let f = commit(f.file(D, doc("D", "delta again")), 7, "Re-add d");
    // Rename with edits (6 of 31 lines changed).
    let mut edited = f.read(A2);
    for i in 4..=9 {
        edited = edited.replace(&format!("Step {i} of"), &format!("Step {i} (revised) of"));
    }
    let f = commit(f.remove(A2).file(A3, edited), 8, "Move and revise a");
    // An octopus merge: o1 changes c and the French document, o2 changes del, main changes b.
    let f = f.branch("o1").branch("o2").switch("o1");
    let f = commit(
        f.edit(C, "Step 5 of", "Step five of")
            .edit(FR, "Step 5 of", "Étape 5 of"),
        9,
        "o1",
    );
    let f = commit(
        f.switch("o2").edit(D, "Step 5 of", "Step five of"),
        10,
        "o2",
    );
    let f = commit(
        f.switch(&main).edit(B, "Step 5 of", "Step five of"),
        11,
        "Edit b on main",
    );
    let (c_o1, fr_o1, d_o2) = (f.text_at("o1", C), f.text_at("o1", FR), f.text_at("o2", D));
    let f = f.file(C, c_o1).file(FR, fr_o1).file(D, d_o2).merge_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(12),
        "Octopus",
        &["o1", "o2"],
    );
    // A merge where both sides changed c: not TREESAME to either parent, so plain `git log`
    // lists it (`git log --follow` does not: it lists no merge at all).
    let f = f.branch("both").switch("both");
    let f = commit(
        f.edit(C, "Step 7 of", "Step seven of"),
        13,
        "Edit c on both",
    );
    let f = commit(
        f.switch(&main).edit(C, "Step 15 of", "Step fifteen of"),
        14,
        "Edit c again",
    );
    let f = f.edit(C, "Step 7 of", "Step seven of").merge_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(15),
        "Merge both",
        &["both"],
    );
    let head = f.head_id();

    // The commit of the first-parent chain with this summary.
    let by_summary = |summary: &str| -> String {
        let mut c = f.repo().find_commit(f.resolve(&head)).unwrap();
        loop {
            if c.summary() == Ok(Some(summary)) {
                return c.id().to_string();
            }
            c = c
                .parent(0)
                .unwrap_or_else(|_| panic!("no commit {summary}"));
        }
    };
    let (merge_feat, octopus, merge_both) = (
        by_summary("Merge feat"),
        by_summary("Octopus"),
        by_summary("Merge both"),
    );
    let is_merge = |c: &str| f.repo().find_commit(f.resolve(c)).unwrap().parent_count() > 1;
    // Whether `path` in the merge `c` is as in one of its non-first parents (TREESAME to it).
    let treesame_to_a_later_parent = |c: &str, path: &str| {
        let commit = f.repo().find_commit(f.resolve(c)).unwrap();
        let mine = f.blob_at(c, path);
        commit
            .parent_ids()
            .skip(1)
            .any(|p| f.blob_at(&p.to_string(), path) == mine)
    };
    let changed_from_first_parent = |c: &str, path: &str| {
        let commit = f.repo().find_commit(f.resolve(c)).unwrap();
        f.blob_at(&commit.parent_id(0).unwrap().to_string(), path) != f.blob_at(c, path)
    };
    let without = |list: &[String], drop: &[String]| -> Vec<String> {
        list.iter().filter(|c| !drop.contains(c)).cloned().collect()
    };

    // (path, merges policybook lists, of which those TREESAME to a later parent)
    let expected: [(&str, Vec<String>, Vec<String>); 6] = [
        ("book.toml", vec![], vec![]),
        (A3, vec![], vec![]),
        (B, vec![merge_feat.clone()], vec![merge_feat.clone()]),
        (
            C,
            vec![merge_both.clone(), octopus.clone()],
            vec![octopus.clone()],
        ),
        (D, vec![octopus.clone()], vec![octopus.clone()]),
        (FR, vec![octopus.clone()], vec![octopus.clone()]),
    ];
    for (path, merges, treesame) in expected {
        let Some(follow) = git_log(&f, true, path) else {
            eprintln!("git is not installed: skipping the comparison with git log --follow");
            return;
        };
        let ours = commits(&history(&f, path));
        let ours_merges: Vec<String> = ours.iter().filter(|c| is_merge(c)).cloned().collect();
        assert_eq!(ours_merges, merges, "{path}: merges policybook lists");
        for m in &merges {
            assert!(changed_from_first_parent(m, path), "{path}: {m}");
        }

        // Deliberate difference 1: `git log --follow` shows no merge commit at all (it prunes by
        // the diff against the first parent only for commits with one parent; a merge has no
        // diff unless -m/-c is given). policybook diffs a merge against its first parent, so a
        // merge that brings a change into the branch is a revision (its `Approved-by` trailers
        // are often the approval). Apart from those merges, the two lists are the same, in the
        // same order (renames and delete + re-add followed alike).
        assert_eq!(
            without(&ours, &merges),
            follow,
            "{path}: vs git log --follow"
        );

        // Deliberate difference 2: plain `git log -- PATH` (no --follow, so only for paths
        // never renamed) lists a merge that differs from every parent (`Merge both`), but its
        // history simplification drops a merge TREESAME to one of its parents (the branch that
        // made the change) and follows that parent. policybook lists such merges too: the
        // difference is exactly them.
        if path != A3 {
            let plain = git_log(&f, false, path).expect("git");
            for m in &treesame {
                assert!(treesame_to_a_later_parent(m, path), "{path}: {m}");
            }
            assert_eq!(without(&ours, &treesame), plain, "{path}: vs git log");
        }
    }
    // The renamed file's history goes back through both renames to the first commit.
    let a3 = revs(&history(&f, A3));
    let paths: Vec<&str> = a3.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(paths, [A3, A2, A, A]);
    let kinds: Vec<&str> = a3.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(kinds, ["renamed", "renamed", "modified", "added"]);
}

// ---------------------------------------------------------------------------------------------
// Regressions: bugs found while writing these tests, fixed
// ---------------------------------------------------------------------------------------------

/// main: c0 — m1 (CEO, a bookkeeping-only edit of the policy: review.last) — merge (Bob, no
/// trailer); feature: c0 — b1 (Bob, policy v1.1 with `Approved-by: Alice`). Only the times of
/// b1 and m1 differ between the two calls.
fn branch_approval(b1_hour: u32, m1_hour: u32) -> Fixture {
    let f = Fixture::clean().committed();
    let main = f.current_branch();
    let f = f
        .branch("feature")
        .switch("feature")
        .file(POLICY_PATH, policy_v1_1())
        .commit_as(BOB_NAME, BOB_EMAIL, &t(b1_hour), &approved("Policy v1.1"));
    let f = f
        .switch(&main)
        .edit(POLICY_PATH, "  last: 2026-03-01", "  last: 2026-03-02")
        .commit_as(
            CEO_NAME,
            CEO_EMAIL,
            &t(m1_hour),
            &approved("Record the review"),
        );
    f.file(
        POLICY_PATH,
        policy_v1_1().replace("  last: 2026-03-01", "  last: 2026-03-02"),
    )
    .merge_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(3),
        "Merge branch 'feature'",
        &["feature"],
    )
}

#[test]
fn branch_approval_evidence_does_not_depend_on_unrelated_commit_times() {
    // m1 older than b1: the window is [b1, merge] and b1's trailer evidences the approval.
    let diags = branch_approval(2, 1).diagnostics();
    assert!(
        with_code(&diags, "approval-not-evidenced").is_empty(),
        "m1 older than b1:\n{}",
        show(&diags)
    );
    // The same graph and contents with m1 newer than b1: reported as not evidenced.
    let diags = branch_approval(1, 2).diagnostics();
    assert!(
        with_code(&diags, "approval-not-evidenced").is_empty(),
        "m1 newer than b1:\n{}",
        show(&diags)
    );
}

#[test]
fn deepened_shallow_clone_is_not_read_from_a_stale_cache() {
    let f = Fixture::clean()
        .committed()
        .edit(REVIEW_PATH, "reviewed the ISMS.", "reviewed the ISMS 1.")
        .commit_as(CEO_NAME, CEO_EMAIL, &t(1), &approved("r1"));
    let c1 = f.head_id();
    let f = f.edit(REVIEW_PATH, "ISMS 1.", "ISMS 2.").commit_as(
        CEO_NAME,
        CEO_EMAIL,
        &t(2),
        &approved("r2"),
    );
    let c2 = f.head_id();
    let f = f.edit(REVIEW_PATH, "ISMS 2.", "ISMS 3.").commit_as(
        CEO_NAME,
        CEO_EMAIL,
        &t(3),
        &approved("r3"),
    );
    let c3 = f.head_id();
    let f = f.shallow_at(&[&c2]);
    assert_eq!(
        revs(&history(&f, REVIEW_PATH)),
        [
            rev(&c3, REVIEW_PATH, "modified"),
            rev(&c2, REVIEW_PATH, "added")
        ]
    );
    // `git fetch --deepen=1`: the boundary moves to c1.
    let f = f.shallow_at(&[&c1]);
    let expected = [
        rev(&c3, REVIEW_PATH, "modified"),
        rev(&c2, REVIEW_PATH, "modified"),
        rev(&c1, REVIEW_PATH, "added"),
    ];
    assert_eq!(revs(&history(&f, REVIEW_PATH)), expected, "with the cache");
    std::fs::remove_file(cache_file(&f)).unwrap();
    assert_eq!(
        revs(&history(&f, REVIEW_PATH)),
        expected,
        "without the cache"
    );
}

#[test]
fn history_of_a_file_outside_the_content_directory_follows_renames() {
    let f = Fixture::clean()
        .committed()
        .file(
            "docs/guide.txt",
            "How to edit the ISMS.\nOpen a merge request.\n",
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Add a guide");
    let c1 = f.head_id();
    let f = f.rename("docs/guide.txt", "docs/handbook.txt").commit_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(2),
        "Rename the guide",
    );
    let c2 = f.head_id();
    assert_eq!(
        revs(&history(&f, "docs/handbook.txt")),
        [
            rev(&c2, "docs/handbook.txt", "renamed"),
            rev(&c1, "docs/guide.txt", "added")
        ]
    );
}

/// A document moved in from elsewhere in the repository keeps the history it had there
/// (`git log --follow` follows it too); `[history] follow-outside = false` starts the history
/// at the move, as before.
#[test]
fn move_into_the_content_directory_keeps_the_history_unless_turned_off() {
    const DRAFT: &str = "drafts/backup.md";
    const PUBLISHED: &str = "content/procedures/backup.md";
    let f = Fixture::clean()
        .committed()
        .file(DRAFT, procedure("PRC-002", "Backup", &body_lines("backup")))
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Draft the backup procedure");
    let c1 = f.head_id();
    let f = f.rename(DRAFT, PUBLISHED).commit_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(2),
        "Publish the backup procedure",
    );
    let c2 = f.head_id();
    assert_eq!(
        revs(&history(&f, PUBLISHED)),
        [rev(&c2, PUBLISHED, "renamed"), rev(&c1, DRAFT, "added")]
    );
    let f = f.file(
        "book.toml",
        format!("{BOOK_TOML}\n[history]\nfollow-outside = false\n"),
    );
    assert_eq!(
        revs(&history(&f, PUBLISHED)),
        [rev(&c2, PUBLISHED, "added")]
    );
}

#[test]
fn version_not_bumped_underlines_the_whole_version() {
    let f = Fixture::clean()
        .committed()
        .edit(
            POLICY_PATH,
            "protects the information",
            "guards the information",
        )
        .commit_as(CEO_NAME, CEO_EMAIL, &t(1), &approved("Reword the policy"));
    let out = f.run(&["check", "--today", TODAY]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.ends_with("| version: \"1.0\""))
        .unwrap_or_else(|| panic!("no source line:\n{}", out.stdout));
    let (source, marks) = (lines[at], lines[at + 1]);
    let underlined: String = source
        .chars()
        .zip(marks.chars().chain(std::iter::repeat(' ')))
        .filter(|(_, m)| *m == '^')
        .map(|(c, _)| c)
        .collect();
    assert!(
        underlined == "1.0" || underlined == "\"1.0\"",
        "underlined {underlined:?}:\n{}",
        out.stdout
    );
}
