//! The repository's own `content-example/`: the portal the README's quick start builds must
//! check clean and keep its confidential document out of every output.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn policybook(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_policybook"))
        .arg("--root")
        .arg(root())
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("the binary runs")
}

#[test]
fn content_example_checks_clean() {
    // A fixed day a few weeks after the example's approvals: nothing is due yet.
    let out = policybook(&["check", "--format", "json", "--today", "2026-12-15"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let diags: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(diags, serde_json::json!([]), "{stdout}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn content_example_builds_without_its_confidential_document() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let out = policybook(&[
        "build",
        "--today",
        "2026-12-15",
        "--out",
        site.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages = 0;
    let mut stack = vec![site.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("LARKSPUR-CONFIDENTIAL-CANARY"),
                "{} leaks",
                path.display()
            );
            assert!(
                !text.contains("security-incident-escalation-contacts"),
                "{} links it",
                path.display()
            );
            pages += usize::from(path.extension().is_some_and(|e| e == "html"));
        }
    }
    // Five portal pages and one page per published document.
    assert!(pages > 20, "only {pages} pages");
    let dashboard = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        dashboard.contains("19 of 19 requirements met"),
        "the example meets clause 5"
    );
}
