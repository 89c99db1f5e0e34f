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
            // The people file and the acknowledgement records name people: never published.
            assert!(
                !text.contains("email,name,groups,joined,left")
                    && !text.contains("email,document,version,content_sha256"),
                "{} publishes the HR data",
                path.display()
            );
            pages += usize::from(path.extension().is_some_and(|e| e == "html"));
        }
    }
    // Five portal pages and one page per published document.
    assert!(pages > 20, "only {pages} pages");
    let dashboard = std::fs::read_to_string(site.join("index.html")).unwrap();
    // The September review attests 5.1 c, e and h; nothing attests 5.1 f.
    assert!(
        dashboard.contains("19 met, 3 attested, 1 not evidenced, of 23 requirements"),
        "the headline counts every state"
    );
    assert!(!dashboard.contains("of 23 requirements met"));
    let rows = matrix_rows(&dashboard);
    let lettered: Vec<&str> = rows
        .iter()
        .map(|(label, _)| label.as_str())
        .filter(|l| l.len() <= 5)
        .collect();
    assert_eq!(
        lettered,
        [
            "5.1 a", "5.1 b", "5.1 c", "5.1 d", "5.1 e", "5.1 f", "5.1 g", "5.1 h", "5.2 a",
            "5.2 b", "5.2 c", "5.2 d", "5.2 e", "5.2 f", "5.2 g", "5.3", "5.3 a", "5.3 b"
        ],
        "{rows:?}"
    );
    let state = |label: &str| {
        rows.iter()
            .find(|(l, _)| l == label)
            .map(|(_, s)| s.as_str())
            .unwrap_or_else(|| panic!("no row {label}"))
    };
    assert_eq!(state("5.1 c"), "attested");
    assert_eq!(state("5.1 e"), "attested");
    assert_eq!(state("5.1 h"), "attested");
    assert_eq!(state("5.1 f"), "not-evidenced");
    // HR's imports: 170 of the 209 people required have acknowledged the policy in force, and
    // the rest are within their deadline (the policy was published on 27 November).
    assert_eq!(state("5.2 f"), "met");
    assert!(
        dashboard.contains("Acknowledged by 170 of 209 (81 %); within their deadline: all-staff (34 of 182 outstanding), contractors (5 of 27 outstanding).")
            && dashboard.contains("hr-example/acknowledgements/POL-001-0a10b78d7a48.csv (acknowledgement records)"),
        "5.2 f does not cite the acknowledgement records"
    );
    // Each record file was committed by the Head of People (`custodians = ["HR"]`).
    let policy =
        std::fs::read_to_string(site.join("docs/policies/information-security-policy.html"))
            .unwrap();
    assert_eq!(
        policy.matches(": committed by a custodian").count(),
        2,
        "the two record files of POL-001"
    );
    assert!(policy.contains(
        "by Joanne Pickering &lt;joanne.pickering@larkspurhealth.example&gt; (holder of HR)"
    ));
    assert_eq!(state("5.3 a"), "met");
    assert_eq!(state("5.3 b"), "met");
    // An attested row links the review entry that states it.
    assert!(
        dashboard.contains("docs/reviews/2026-09-management-review.html#decision-MR-2026-09-D3"),
        "5.1 c does not link decision D3"
    );
    assert!(dashboard.contains("docs/roles/roles-and-responsibilities.html#role-CISO"));
}

/// The (label, state) of each row of the dashboard's clause 5 matrix, in page order.
fn matrix_rows(html: &str) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<tr class=\"") {
        rest = &rest[i + 11..];
        let state = &rest[..rest.find('"').unwrap()];
        if !["met", "attested", "not-evidenced"].contains(&state) {
            continue;
        }
        let cell = &rest[rest.find("<td>").unwrap() + 4..];
        let label = &cell[..cell.find("</td>").unwrap()];
        rows.push((label.to_string(), state.to_string()));
    }
    rows
}
