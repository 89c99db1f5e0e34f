//! `policybook export`: the auditor evidence pack (one self-contained HTML file, optionally
//! printed to PDF by headless Chromium), and the print-only controlled-copy stamp of document
//! pages.

use crate::support::*;

const PACK: &str = "pack.html";

fn export(f: &Fixture, extra: &[&str]) -> Output {
    let mut args = vec!["export", "--today", TODAY, "--out", PACK];
    args.extend_from_slice(extra);
    f.run(&args)
}

fn pack(f: &Fixture) -> String {
    let out = export(f, &[]);
    assert_eq!(out.code, 0, "export failed:\n{}{}", out.stdout, out.stderr);
    f.read(PACK)
}

/// What `history --format json` says about the current approved version of POL-001: its
/// content hash and the commit that evidences its approval.
fn policy_history(f: &Fixture) -> (String, String) {
    let out = f.run(&["history", "POL-001", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let version = json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == "1.0")
        .unwrap_or_else(|| panic!("no approved version 1.0: {json:#}"));
    let hash = version["content_hash"].as_str().unwrap().to_string();
    let commit = version["approvals"][0]["commit"]
        .as_str()
        .unwrap_or_else(|| panic!("approval not evidenced by a commit: {version:#}"))
        .to_string();
    (hash, commit)
}

#[test]
fn export_writes_one_self_contained_pack() {
    let f = Fixture::clean();
    // Outside .git (history caches live there).
    let files = |f: &Fixture| -> Vec<String> {
        f.tree(".")
            .into_keys()
            .filter(|p| !p.starts_with(".git/"))
            .collect()
    };
    let before = files(&f);
    let html = pack(&f);
    let after = files(&f);
    let added: Vec<&String> = after.iter().filter(|p| !before.contains(p)).collect();
    assert_eq!(added, [PACK], "export wrote more than the pack");

    // Title page: organisation, the day, the HEAD commit.
    assert!(html.contains("Test Corp ISMS"), "{html}");
    assert!(html.contains("Test Corp"));
    assert!(html.contains(TODAY));
    assert!(html.contains(&f.head_id()), "the HEAD commit is missing");

    // The clause 5 matrix, with its requirements decided.
    assert!(html.contains("Clause 5 compliance matrix"));
    for clause in [
        "5.1 Leadership and commitment",
        "5.2 Information security policy",
    ] {
        assert!(html.contains(clause), "the matrix lacks {clause}");
    }
    assert!(html.contains("Met</span>"));

    // POL-001: version, content hash and approval evidence exactly as `history` reports them.
    let (hash, commit) = policy_history(&f);
    assert!(
        html.contains("id=\"doc-POL-001\""),
        "POL-001 is not in the pack"
    );
    assert!(html.contains("POL-001 version 1.0 (approved)"));
    assert!(html.contains(&hash), "content hash {hash} missing");
    assert!(html.contains(&commit), "evidence commit {commit} missing");
    assert!(html.contains("Alice Example"), "the approver is missing");
    assert!(html.contains("<span class=\"badge ok\">evidenced</span>"));
    // Its body, and its communication record.
    assert!(html.contains("Continual improvement"));
    assert!(
        html.contains("COM-2026-03-02"),
        "the communication is missing"
    );
    assert!(html.contains("all-staff e-mail"));
    // Only approved controlled documents: the roles registry and the review are records.
    assert!(!html.contains("id=\"doc-ROL-001\""));
    assert!(!html.contains("id=\"doc-MR-2026-Q1\""));

    // Self-contained: no script, no stylesheet or other resource from anywhere.
    let lower = html.to_ascii_lowercase();
    for needle in [
        "<script",
        "<link rel=\"stylesheet\"",
        "<link",
        "src=\"http",
        "src=\"//",
        "href=\"http",
        "href=\"//",
        "url(",
        "@import",
        "<iframe",
    ] {
        assert!(!lower.contains(needle), "the pack contains `{needle}`");
    }
    assert!(lower.contains("<style>"), "the CSS is not inline");

    // Deterministic.
    let again = pack(&f);
    assert!(html == again, "two exports of the same commit differ");
}

#[test]
fn external_links_in_documents_are_spelled_out_not_linked() {
    let f = Fixture::clean()
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            "See [ISO](https://www.iso.org/standard/27001) and ![chart](https://example.com/c.png).",
        )
        .commit("link the standard");
    let html = pack(&f);
    assert!(
        html.contains("(https://www.iso.org/standard/27001)"),
        "{html}"
    );
    assert!(!html.contains("href=\"https://"), "{html}");
    assert!(!html.contains("src=\"https://"), "{html}");
}

const SECRET_PHRASE: &str = "ZEBRA-MOONLIGHT-7731";

/// An approved, evidenced, confidential procedure: only its classification keeps it out.
fn with_secret() -> Fixture {
    Fixture::clean()
        .file(
            "content/procedures/vault.md",
            "---\nid: PRC-VAULT\ntitle: Vault Combination Procedure\ntype: procedure\nclassification: confidential\nversion: \"1.0\"\nstatus: approved\nowner: CISO\neffective: 2026-03-02\napprovals:\n  - role: CEO\n    name: Alice Example\n    date: 2026-03-02\n---\n\n## Purpose\n\nThe combination is ZEBRA-MOONLIGHT-7731.\n\n## Scope\n\nThe vault.\n",
        )
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            "We continually improve the ISMS; see [the restricted procedure](../procedures/vault.md#purpose).",
        )
        .commit("add a confidential procedure")
}

#[test]
fn documents_above_max_classification_never_reach_the_pack() {
    let f = with_secret();
    let html = pack(&f);
    assert!(html.contains("id=\"doc-POL-001\""), "the pack is empty");
    for secret in [
        SECRET_PHRASE,
        "PRC-VAULT",
        "Vault Combination Procedure",
        "procedures/vault",
    ] {
        assert!(!html.contains(secret), "the pack leaks `{secret}`");
    }
    // Raising the limit puts it in: the classification, not its status, kept it out.
    let f = f.edit(
        "book.toml",
        "[isms]",
        "[output.html]\nmax-classification = \"confidential\"\n\n[isms]",
    );
    let html = pack(&f);
    assert!(html.contains("id=\"doc-PRC-VAULT\""), "{html}");
    assert!(html.contains(SECRET_PHRASE));
}

#[test]
fn pdf_without_a_browser_exits_2_and_still_writes_the_html() {
    let f = Fixture::clean();
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().to_str().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_policybook"));
    command
        .arg("--root")
        .arg(f.path())
        .args(["export", "--today", TODAY, "--pdf", "pack.pdf"])
        .current_dir(f.path())
        .env("PATH", path)
        .env_remove("POLICYBOOK_CHROMIUM")
        .env_remove("SOURCE_DATE_EPOCH");
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for needle in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "POLICYBOOK_CHROMIUM",
        "apt-get install chromium",
    ] {
        assert!(
            stderr.contains(needle),
            "the message lacks `{needle}`:\n{stderr}"
        );
    }
    assert!(!f.join("pack.pdf").exists());
    // The HTML is written beside the PDF's name.
    let html = f.read("pack.html");
    assert!(html.contains("id=\"doc-POL-001\""), "{html}");
    assert!(stderr.contains("pack.html"), "{stderr}");
}

#[test]
fn pdf_with_a_browser_that_is_not_there_exits_2() {
    let f = Fixture::clean();
    let out = f.run_with_env(
        &["export", "--today", TODAY, "--out", PACK, "--pdf", "p.pdf"],
        &[("POLICYBOOK_CHROMIUM", "/nonexistent/chromium")],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("/nonexistent/chromium"),
        "{}",
        out.stderr
    );
    assert!(f.join(PACK).is_file());
}

#[test]
fn pdf_from_a_browser_that_writes_no_pdf_is_an_error() {
    let f = Fixture::clean();
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("chromium");
    std::fs::write(&fake, "#!/bin/sh\necho 'cannot open display' >&2\nexit 0\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = f.run_with_env(
        &["export", "--today", TODAY, "--out", PACK, "--pdf", "p.pdf"],
        &[("POLICYBOOK_CHROMIUM", fake.to_str().unwrap())],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("without writing a PDF"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("cannot open display"), "{}", out.stderr);
}

#[test]
fn pdf_is_checked_and_its_pages_counted() {
    let f = Fixture::clean();
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("chromium");
    // A stand-in browser: writes a two-page PDF where --print-to-pdf says.
    std::fs::write(
        &fake,
        "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in --print-to-pdf=*) out=\"${a#--print-to-pdf=}\";; esac; done\n\
         printf '%%PDF-1.4\\n1 0 obj <</Type /Pages /Count 2>>\\n2 0 obj <</Type /Page>>\\n3 0 obj <</Type /Page>>\\n%%%%EOF\\n' > \"$out\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = f.run_with_env(
        &["export", "--today", TODAY, "--out", PACK, "--pdf", "p.pdf"],
        &[("POLICYBOOK_CHROMIUM", fake.to_str().unwrap())],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("(2 pages)"), "{}", out.stderr);
    assert!(std::fs::read(f.join("p.pdf")).unwrap().starts_with(b"%PDF"));
}

#[test]
fn document_pages_carry_a_print_only_controlled_copy_stamp() {
    let f = Fixture::clean();
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = f.read("site/docs/policies/information-security-policy.html");
    let (hash, _) = policy_history(&f);
    let block = |class: &str| -> String {
        let start = page
            .find(&format!("<div class=\"{class}\""))
            .unwrap_or_else(|| panic!("no {class} block:\n{page}"));
        let end = start + page[start..].find("</div>").unwrap();
        page[start..end].to_string()
    };
    let header = block("print-header");
    assert!(header.contains("POL-001"), "{header}");
    assert!(header.contains("Version 1.0"), "{header}");
    assert!(header.contains("approved"), "{header}");
    assert!(header.contains("Uncontrolled when printed"), "{header}");
    let footer = block("print-footer");
    // Printed name, role, the UTC time of the evidencing commit and the meaning.
    assert!(
        footer.contains("Approved by Alice Example, CEO, 2026-03-01T10:00:00+00:00"),
        "{footer}"
    );
    assert!(footer.contains(&hash), "{footer}");
    assert!(footer.contains("Uncontrolled when printed"), "{footer}");

    // Hidden on screen, shown (fixed, on every page) in print; the print sheet is print-only.
    let screen = f.read("site/assets/css/policybook.css");
    assert!(screen.contains(".print-header, .print-footer { display: none; }"));
    let print = f.read("site/assets/css/print.css");
    assert!(print.contains("position: fixed"), "{print}");
    assert!(print.contains("counter(page)"), "{print}");
    assert!(
        page.contains("href=\"../../assets/css/print.css\" media=\"print\""),
        "{page}"
    );
}
