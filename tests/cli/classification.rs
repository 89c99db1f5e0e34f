//! Classification across time: a revision is judged by the level its own front matter states.
//! A declassified document is published, but nothing of its confidential past — text, diff,
//! line counts, commit messages, file names — reaches any output; a document raised above the
//! threshold leaves the portal with all its earlier texts. The audit trail (versions, commits,
//! dates, approvers) stays.

use crate::support::*;
use std::collections::BTreeMap;

/// The code name that only the confidential revisions (and their commit messages) carry.
const CODE_NAME: &str = "NIGHTJAR";
/// The approver's trailer, as the approval commits write it.
const APPROVED_BY: &str = "Approved-by: Bob Example <bob@example.com>";
/// Procedures are approved by the CISO.
const CISO_NAME: &str = "Bob Example";
const CISO_EMAIL: &str = "bob@example.com";

/// A procedure: long enough that a rename with a changed line is still seen as a rename.
fn procedure(
    title: &str,
    classification: &str,
    version: &str,
    approved_on: Option<&str>,
    secret: &str,
) -> String {
    let approval = match approved_on {
        Some(date) => format!(
            "status: approved\neffective: {date}\napprovals:\n  - role: CISO\n    name: Bob Example\n    date: {date}\n"
        ),
        None => "status: draft\n".to_string(),
    };
    format!(
        "---\nid: PRC-SUP\ntitle: {title}\ntype: procedure\nclassification: {classification}\nversion: \"{version}\"\n{approval}owner: CISO\n---\n\n## Purpose\n\nThis procedure says how a new supplier is taken on.\n{secret}\n## Scope\n\nEvery supplier that handles Test Corp's information.\n\n## Steps\n\n1. The buyer records the supplier and the information it will handle.\n2. The CISO assesses the supplier's controls against the supplier policy.\n3. The contract names the security requirements and the right to audit.\n4. Access is granted for the agreed purpose only, and reviewed every year.\n5. At the end of the contract, access is removed and information returned.\n"
    )
}

/// Draft and approval while confidential (file, title, text and messages all name the code
/// name), then version 1.1: declassified to internal, renamed, the code name removed.
fn declassified() -> (Fixture, String) {
    let secret =
        format!("The acquisition is code-named {CODE_NAME}; its suppliers are vetted first.\n");
    let old_path = "content/procedures/nightjar-suppliers.md";
    let new_path = "content/procedures/supplier-onboarding.md";
    let title = format!("{CODE_NAME} Supplier Procedure");
    let f = Fixture::clean()
        .committed()
        .file(
            old_path,
            procedure(&title, "confidential", "0.9", None, &secret),
        )
        .commit_as(
            "Bob Example",
            "bob@example.com",
            "2026-03-02T09:00:00Z",
            &format!("Draft the {CODE_NAME} supplier procedure\n\nRefs: {CODE_NAME}-1\n"),
        )
        .file(
            old_path,
            procedure(&title, "confidential", "1.0", Some("2026-03-03"), &secret),
        )
        .commit_as(
            CISO_NAME,
            CISO_EMAIL,
            "2026-03-03T10:00:00Z",
            &format!("Approve the {CODE_NAME} supplier procedure v1.0\n\n{APPROVED_BY}\n"),
        );
    let approved_confidential = f.head_id();
    let f = f
        .rename(old_path, new_path)
        .file(
            new_path,
            procedure(
                "Supplier Onboarding Procedure",
                "internal",
                "1.1",
                Some("2026-03-10"),
                "",
            ),
        )
        .commit_as(
            CISO_NAME,
            CISO_EMAIL,
            "2026-03-10T10:00:00Z",
            &format!("Declassify: {CODE_NAME} is announced; v1.1\n\n{APPROVED_BY}\n"),
        );
    (f, approved_confidential)
}

/// Every file below `dir` whose text holds `needle`, ignoring case (the search index
/// lower-cases words).
fn files_holding(tree: &BTreeMap<String, Vec<u8>>, needle: &str) -> Vec<String> {
    let needle = needle.to_lowercase();
    tree.iter()
        .filter(|(_, bytes)| {
            String::from_utf8_lossy(bytes)
                .to_lowercase()
                .contains(&needle)
        })
        .map(|(path, _)| path.clone())
        .collect()
}

fn assert_absent(what: &str, text: &str, needle: &str) {
    assert!(
        !text.to_lowercase().contains(&needle.to_lowercase()),
        "{what} holds `{needle}`:\n{text}"
    );
}

fn build_site(f: &Fixture) -> BTreeMap<String, Vec<u8>> {
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "build failed:\n{}", out.stderr);
    assert_absent(
        "build's output",
        &format!("{}{}", out.stdout, out.stderr),
        CODE_NAME,
    );
    f.tree("site")
}

fn page(site: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(
        site.get(path)
            .unwrap_or_else(|| panic!("no {path}"))
            .clone(),
    )
    .unwrap()
}

#[test]
fn a_declassified_documents_confidential_past_reaches_no_output() {
    let (f, approved_confidential) = declassified();
    let site = build_site(&f);
    assert!(
        site.contains_key("docs/procedures/supplier-onboarding.html"),
        "not published"
    );
    let leaks = files_holding(&site, CODE_NAME);
    assert!(
        leaks.is_empty(),
        "the site leaks the code name in {leaks:?}"
    );

    // The history page keeps the audit trail of both versions and withholds the words.
    let history = page(&site, "history/PRC-SUP.html");
    assert!(history.contains("Version 1.1"), "{history}");
    assert!(history.contains("Version 1.0"), "{history}");
    assert!(
        history.contains("Changes since version 1.0: withheld: version 1.0 was confidential."),
        "{history}"
    );
    assert!(
        !history.contains("class=\"diff-table\""),
        "a diff is shown:\n{history}"
    );
    assert!(
        !history.contains("lines)</summary>"),
        "line counts are shown:\n{history}"
    );
    let v10 = &history[history.find("Version 1.0").unwrap()..];
    let v10 = &v10[..v10.find("</article>").unwrap()];
    assert!(
        v10.contains(&approved_confidential[..10]),
        "approval commit missing:\n{v10}"
    );
    assert!(
        v10.contains("<td>CISO</td><td>Bob Example</td><td>2026-03-03</td>"),
        "{v10}"
    );
    assert!(v10.contains("evidenced"), "{v10}");
    // Both confidential revisions and the declassifying one keep their rows, messages withheld;
    // the approval trailers stay, the free-text trailer goes.
    let revisions = &history[history.find("revisions-heading").unwrap()..];
    let rows: Vec<&str> = revisions.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 3, "{revisions}");
    let trailer = APPROVED_BY.replace('<', "&lt;").replace('>', "&gt;");
    for (row, message, approved) in [
        (
            rows[0],
            "withheld: this revision replaces a text that was confidential",
            true,
        ),
        (
            rows[1],
            "withheld: the document was confidential at this revision",
            true,
        ),
        (
            rows[2],
            "withheld: the document was confidential at this revision",
            false,
        ),
    ] {
        assert!(row.contains(message), "{row}");
        assert_eq!(row.contains(&trailer), approved, "{row}");
    }
    assert!(
        rows[0].contains("<td>1.1</td><td>approved</td>"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("<td>1.0</td><td>approved</td>"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].contains("<td>0.9</td><td>draft</td>"),
        "{}",
        rows[2]
    );
    assert!(!history.contains("Refs:"), "{history}");

    // The dashboard's recent changes withhold the same messages.
    let dashboard = page(&site, "index.html");
    assert!(
        dashboard.contains("withheld: this commit changed a text that was confidential"),
        "{dashboard}"
    );

    // The evidence pack, built from the same views.
    let out = f.run(&["export", "--today", TODAY, "--out", "pack.html"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let pack = f.read("pack.html");
    assert!(pack.contains("PRC-SUP"), "the pack lacks the procedure");
    assert_absent("the evidence pack", &pack, CODE_NAME);
    // Both versions stay in its approval trail; only 1.1 was ever on the portal.
    assert!(pack.contains("<tr><td>1.0</td>"), "{pack}");
    assert!(
        pack.contains("CISO Bob Example (2026-03-03): evidenced"),
        "{pack}"
    );
    assert!(pack.contains("PRC-SUP v1.1"), "{pack}");
    assert!(!pack.contains("PRC-SUP v1.0"), "{pack}");

    // The command-line outputs: history (JSON and text), check, the pull-request report.
    let json = f.run(&["history", "PRC-SUP", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert_absent("history --format json", &json.stdout, CODE_NAME);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let versions: Vec<&str> = report["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.0", "1.1"], "{report:#}");
    let withheld = report["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["withheld"] == true)
        .count();
    assert_eq!(withheld, 3, "{report:#}");
    let text = f.run(&["history", "PRC-SUP"]);
    assert_absent("history", &text.stdout, CODE_NAME);
    let check = f.run(&["check", "--format", "json", "--today", TODAY]);
    assert_absent("check --format json", &check.stdout, CODE_NAME);
    for format in ["markdown", "json"] {
        let range = format!("{approved_confidential}..HEAD");
        let diff = f.run(&["diff", &range, "--format", format, "--today", TODAY]);
        assert!(diff.code <= 1, "{}", diff.stderr);
        assert!(diff.stdout.contains("PRC-SUP"), "{}", diff.stdout);
        assert_absent("diff report", &diff.stdout, CODE_NAME);
    }

    // Raising the threshold shows what was withheld: the classification, nothing else, hid it.
    let f = f.edit(
        "book.toml",
        "[isms]",
        "[output.html]\nmax-classification = \"confidential\"\n\n[isms]",
    );
    let site = build_site_allowing_the_code_name(&f);
    let history = page(&site, "history/PRC-SUP.html");
    assert!(history.contains("class=\"diff-table\""), "{history}");
    assert!(history.contains(CODE_NAME), "{history}");
    assert!(history.contains("Refs: NIGHTJAR-1"), "{history}");
}

fn build_site_allowing_the_code_name(f: &Fixture) -> BTreeMap<String, Vec<u8>> {
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "build failed:\n{}", out.stderr);
    f.tree("site")
}

/// Internal at version 1.0, confidential from 1.1: the document leaves the portal, its
/// earlier (internal) texts and history page included, and the site still verifies.
#[test]
fn a_document_raised_above_the_threshold_leaves_with_its_past() {
    let phrase = "KESTREL-ORBIT";
    let path = "content/procedures/kestrel.md";
    let line = format!("Suppliers of the {phrase} programme are vetted first.\n");
    let f = Fixture::clean()
        .committed()
        .file(
            path,
            procedure(
                "Supplier Procedure",
                "internal",
                "1.0",
                Some("2026-03-03"),
                &line,
            ),
        )
        .commit_as(
            CISO_NAME,
            CISO_EMAIL,
            "2026-03-03T10:00:00Z",
            &format!("Approve v1.0\n\n{APPROVED_BY}\n"),
        );
    let site = build_site_allowing_the_code_name(&f);
    assert!(
        site.contains_key("history/PRC-SUP.html"),
        "published while internal"
    );
    assert!(
        !files_holding(&site, phrase).is_empty(),
        "the fixture shows nothing"
    );

    let f = f
        .file(
            path,
            procedure(
                "Supplier Procedure",
                "confidential",
                "1.1",
                Some("2026-03-10"),
                &line,
            ),
        )
        .commit_as(
            CISO_NAME,
            CISO_EMAIL,
            "2026-03-10T10:00:00Z",
            &format!("Reclassify as confidential, v1.1\n\n{APPROVED_BY}\n"),
        );
    let site = build_site_allowing_the_code_name(&f);
    for needle in [phrase, "PRC-SUP", "Supplier Procedure", "kestrel"] {
        let leaks = files_holding(&site, needle);
        assert!(leaks.is_empty(), "the site leaks `{needle}` in {leaks:?}");
    }
    assert!(!site.contains_key("history/PRC-SUP.html"));
    let out = f.run(&["export", "--today", TODAY, "--out", "pack.html"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for needle in [phrase, "PRC-SUP"] {
        assert_absent("the evidence pack", &f.read("pack.html"), needle);
    }
    let verify = f.run(&["verify", "site"]);
    assert_eq!(
        verify.code, 0,
        "verify failed:\n{}{}",
        verify.stdout, verify.stderr
    );
}
