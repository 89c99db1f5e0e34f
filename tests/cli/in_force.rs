//! In-force versions (document control, ISO 27001 7.5.3): while the successor of an approved
//! policy is in review, the approved version stays in force. `check` stays green but for rules
//! about the draft itself, the portal publishes the approved text (read from Git) with its
//! stamp and a banner, and the draft page appears only with `--drafts`.

use crate::support::*;
use std::collections::BTreeMap;

const POLICY_PAGE: &str = "docs/policies/information-security-policy.html";
const DRAFT_PAGE: &str = "drafts/policies/information-security-policy.html";
const NEW_SENTENCE: &str = "Suppliers are assessed before they handle our information.";

/// The clean fixture (policy 1.0 approved and communicated), then a commit that puts version
/// 1.1 of the policy in review: new text, no approvals yet.
fn policy_in_review() -> (Fixture, String) {
    let f = Fixture::clean().committed();
    let approved = f.head_id();
    let f = f
        .edit(
            POLICY_PATH,
            "version: \"1.0\"\nstatus: approved",
            "version: \"1.1\"\nstatus: in-review",
        )
        .edit(POLICY_PATH, "effective: 2026-03-01\n", "")
        .edit(
            POLICY_PATH,
            "approvals:\n  - role: CEO\n    name: Alice Example\n    date: 2026-03-01\n",
            "",
        )
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            &format!("We continually improve the ISMS.\n\n{NEW_SENTENCE}"),
        )
        .commit_as(
            "Bob Example",
            "bob@example.com",
            "2026-04-01T09:00:00Z",
            "Information security policy 1.1: suppliers\n",
        );
    (f, approved)
}

fn build(f: &Fixture, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let mut args = vec!["build", "--today", TODAY];
    args.extend_from_slice(extra);
    let out = f.run(&args);
    assert_eq!(out.code, 0, "build failed:\n{}", out.stderr);
    f.tree("site")
}

fn text(site: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(
        site.get(path)
            .unwrap_or_else(|| panic!("no {path} in {:?}", site.keys().collect::<Vec<_>>()))
            .clone(),
    )
    .unwrap()
}

#[test]
fn a_policy_in_review_leaves_the_approved_version_in_force() {
    let (f, approved) = policy_in_review();

    // `check` is green: the approved 1.0 is in force, so the policy is not missing, its
    // communication and review still count.
    let diags = f.diagnostics();
    assert!(diags.is_empty(), "{}", show(&diags));

    // The portal: the 1.0 text, its stamp (approving commit, evidenced approval), the banner.
    let site = build(&f, &[]);
    let page = text(&site, POLICY_PAGE);
    assert!(
        !page.contains(NEW_SENTENCE),
        "the draft text is published:\n{page}"
    );
    assert!(page.contains("version 1.0"), "{page}");
    assert!(
        page.contains(&approved[..10]),
        "the stamp does not name the approving commit:\n{page}"
    );
    assert!(
        page.contains("<span class=\"status status-approved\">approved</span>"),
        "{page}"
    );
    assert!(page.contains("Version 1.1 is in review."), "{page}");
    assert!(
        !page.contains("read the draft"),
        "a link to an unpublished draft:\n{page}"
    );
    assert!(
        page.contains("<span class=\"badge ok\">evidenced</span>"),
        "{page}"
    );
    assert!(
        !site.keys().any(|p| p.starts_with("drafts/")),
        "drafts published without --drafts"
    );
    let manifest: serde_json::Value = serde_json::from_slice(&site["manifest.json"]).unwrap();
    let stamp = manifest["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "POL-001")
        .unwrap();
    assert_eq!(stamp["version"], "1.0", "{stamp:#}");
    assert_eq!(stamp["status"], "approved", "{stamp:#}");
    assert_eq!(stamp["last_commit"], approved.as_str(), "{stamp:#}");
    assert_eq!(
        stamp["blob"],
        f.blob_at(&approved, POLICY_PATH).unwrap().as_str()
    );
    // The search index and the register hold the version in force.
    let index = text(&site, "assets/search-index.js");
    assert!(
        !index.contains("Suppliers are assessed"),
        "the draft is indexed"
    );
    let register = text(&site, "documents.html");
    assert!(register.contains("1.0"), "{register}");
    // The clause 5 matrix reads as it did with 1.0 approved and nothing in review.
    let before = build(&Fixture::clean().committed(), &[]);
    assert_eq!(
        matrix_rows(&text(&site, "index.html")),
        matrix_rows(&text(&before, "index.html"))
    );
    // The site verifies.
    let verify = f.run(&["verify", "site"]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);

    // `--drafts` adds the working version, marked, and links it from the page in force.
    let site = build(&f, &["--drafts"]);
    let draft = text(&site, DRAFT_PAGE);
    assert!(draft.contains(NEW_SENTENCE), "{draft}");
    assert!(draft.contains("class=\"draft-watermark\""), "{draft}");
    assert!(draft.contains("the version in force is"), "{draft}");
    let page = text(&site, POLICY_PAGE);
    assert!(page.contains("read the draft"), "{page}");
    assert!(!page.contains(NEW_SENTENCE), "{page}");
    let verify = f.run(&["verify", "site"]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);

    // The pull-request report introduces no finding.
    let diff = f.run(&[
        "diff",
        &format!("{approved}..HEAD"),
        "--format",
        "json",
        "--today",
        TODAY,
    ]);
    assert_eq!(diff.code, 0, "{}{}", diff.stdout, diff.stderr);
    let report: serde_json::Value = serde_json::from_str(&diff.stdout).unwrap();
    assert_eq!(report["introduced"], serde_json::json!([]), "{report:#}");
}

/// The clause 5 matrix of a dashboard: its headline and each row's clause and state.
fn matrix_rows(dashboard: &str) -> Vec<String> {
    let start = dashboard.find("id=\"matrix-heading\"").expect("a matrix");
    let matrix = &dashboard[start..];
    let matrix = &matrix[..matrix.find("</section>").unwrap_or(matrix.len())];
    let rows: Vec<String> = matrix
        .split("<tr")
        .skip(1)
        .map(|row| {
            let cells: String = row.split("</td>").take(2).collect();
            cells.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect();
    assert!(rows.len() > 20, "{matrix}");
    std::iter::once(matrix[..matrix.find("</h2>").unwrap()].to_string())
        .chain(rows)
        .collect()
}

/// A document never approved has nothing in force: it is published as the draft it is.
#[test]
fn a_document_never_approved_is_a_draft_as_before() {
    let f = Fixture::clean()
        .file(
            "content/procedures/backup.md",
            "---\nid: PRC-BACKUP\ntitle: Backup Procedure\ntype: procedure\nversion: \"0.1\"\nstatus: draft\nowner: CISO\n---\n\n## Purpose\n\nFirst draft of backups.\n\n## Scope\n\nAll servers.\n",
        )
        .commit("Draft the backup procedure");
    let site = build(&f, &[]);
    let page = text(&site, "docs/procedures/backup.html");
    assert!(page.contains("First draft of backups."), "{page}");
    assert!(!page.contains("stays in force"), "{page}");
}

/// With the policy's only approved version out of the history (never approved), the policy is
/// missing as before: in force needs an approved version on HEAD's history.
#[test]
fn a_policy_whose_only_version_is_in_review_is_still_missing() {
    let f = Fixture::clean()
        .edit(POLICY_PATH, "status: approved", "status: in-review")
        .committed();
    let diags = f.diagnostics();
    let missing = with_code(&diags, "mandatory-document-missing");
    assert_eq!(missing.len(), 1, "{}", show(&diags));
    assert!(missing[0].message.contains("in-review"), "{}", show(&diags));
}
