//! `--format human | json | github`: the same findings, for people, scripts and GitHub Actions.

use crate::support::*;
use std::collections::BTreeSet;

/// Three findings: an unknown owner (error, with a caret), a review due soon (warning) and a
/// missing management review (repository-wide, no file).
fn three_defects() -> Fixture {
    Fixture::clean()
        .edit(POLICY_PATH, "owner: CISO", "owner: CSO")
        .edit(POLICY_PATH, "  last: 2026-03-01", "  last: 2025-06-15")
        .remove(REVIEW_PATH)
        .commit("seed three defects")
}

/// Asserts `text` names no absolute path of the fixture.
fn assert_no_temp_path(f: &Fixture, text: &str) {
    let mut paths = vec![f.path().to_string_lossy().to_string()];
    if let Ok(canonical) = f.path().canonicalize() {
        paths.push(canonical.to_string_lossy().to_string());
    }
    let tmp = std::env::temp_dir().to_string_lossy().to_string();
    paths.push(tmp.trim_end_matches('/').to_string());
    for p in paths {
        assert!(!text.contains(&p), "output leaks the path {p}:\n{text}");
    }
    assert!(
        !text.contains("policybook-test-"),
        "output leaks the fixture directory:\n{text}"
    );
}

#[test]
fn human_output() {
    let f = three_defects();
    let out = f.run(&["check", "--today", TODAY]);
    assert_eq!(out.code, 1);
    assert_no_temp_path(&f, &out.stdout);
    assert_no_temp_path(&f, &out.stderr);
    assert_eq!(out.stderr, "checked 3 documents: 2 errors, 1 warning\n");
    // Redact anyway, so a leak could never make the snapshot machine-specific.
    let stdout = out.stdout.replace(&*f.path().to_string_lossy(), "[ROOT]");
    insta::assert_snapshot!("human_three_defects", stdout);
}

#[test]
fn human_is_the_default_format() {
    let f = three_defects();
    let default = f.run(&["check", "--today", TODAY]);
    let human = f.run(&["check", "--format", "human", "--today", TODAY]);
    assert_eq!(default.stdout, human.stdout);
    assert!(
        default
            .stdout
            .contains("error[unknown-role]: owner `CSO` is not a role")
    );
    assert!(
        default
            .stdout
            .contains("--> content/policies/information-security-policy.md:7:8"),
        "{}",
        default.stdout
    );
}

#[test]
fn human_output_has_no_colour_codes() {
    let out = three_defects().run(&["check", "--today", TODAY]);
    assert!(!out.stdout.contains('\u{1b}'), "{:?}", out.stdout);
}

#[test]
fn github_output() {
    let f = three_defects();
    let out = f.run(&["check", "--format", "github", "--today", TODAY]);
    assert_eq!(out.code, 1);
    assert_no_temp_path(&f, &out.stdout);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "::error title=management-review-overdue::[management-review-overdue] no management review is recorded%0Ahelp: record top management's review as a `type: management-review` document (ISO 27001 5.1, 9.3)",
            "::error file=content/policies/information-security-policy.md,line=7,col=8,title=unknown-role::[unknown-role] owner `CSO` is not a role%0Ahelp: did you mean `CISO`?",
            "::warning file=content/policies/information-security-policy.md,line=11,col=9,title=review-due-soon::[review-due-soon] review is due on 2026-06-15 (last reviewed 2025-06-15)%0Ahelp: review the document, then set `review: {last: YYYY-MM-DD}` to the review date",
        ],
        "{}",
        out.stdout
    );
    // Human-only summaries do not go to the workflow log.
    assert_eq!(out.stderr, "");
}

#[test]
fn github_output_shape() {
    // Independent of exact wording: one workflow command per finding.
    let out = three_defects().run(&["check", "--format", "github", "--today", TODAY]);
    for line in out.stdout.lines() {
        assert!(
            line.starts_with("::error ") || line.starts_with("::warning "),
            "{line}"
        );
        let (props, message) = line
            .split_once("::")
            .and_then(|(_, rest)| rest.split_once("::"))
            .expect("::level props::message");
        assert!(props.contains("title="), "{line}");
        assert!(!message.contains('\n'));
    }
    let located: Vec<&str> = out.stdout.lines().filter(|l| l.contains("file=")).collect();
    assert_eq!(located.len(), 2);
    for line in located {
        assert!(line.contains(",line="), "{line}");
    }
}

#[test]
fn github_properties_are_escaped() {
    let file = "content/policies/a,b:c.md";
    let out = Fixture::clean()
        .file(file, "no front matter\n")
        .run(&["check", "--format", "github", "--today", TODAY]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.starts_with(
            "::error file=content/policies/a%2Cb%3Ac.md,line=1,col=1,title=front-matter-missing::[front-matter-missing] "
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn json_is_a_valid_array_of_diagnostics() {
    let f = three_defects();
    let out = f.check();
    assert_eq!(out.code, 1);
    assert_no_temp_path(&f, &out.stdout);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let array = value.as_array().expect("an array");
    assert_eq!(array.len(), 3);
    let expected: BTreeSet<&str> = [
        "code", "severity", "message", "file", "line", "column", "doc_id", "help",
    ]
    .into();
    for item in array {
        let keys: BTreeSet<&str> = item
            .as_object()
            .expect("objects")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, expected, "{item}");
    }
    // Repository-wide findings come first, with null locations; then by file and position.
    assert_eq!(array[0]["code"], "management-review-overdue");
    assert_eq!(array[0]["file"], serde_json::Value::Null);
    assert_eq!(array[0]["line"], serde_json::Value::Null);
    assert_eq!(array[0]["doc_id"], serde_json::Value::Null);
    assert_eq!(
        array[1],
        serde_json::json!({
            "code": "unknown-role",
            "severity": "error",
            "message": "owner `CSO` is not a role",
            "file": "content/policies/information-security-policy.md",
            "line": 7,
            "column": 8,
            "doc_id": "POL-001",
            "help": "did you mean `CISO`?",
        })
    );
    assert_eq!(array[2]["severity"], "warning");
    assert_eq!(array[2]["code"], "review-due-soon");
    assert_eq!(array[2]["line"], 11);
    assert_eq!(array[2]["column"], 9);

    // The summary line is for humans only: stderr stays empty, stdout is pure JSON.
    assert_eq!(out.stderr, "");
}

#[test]
fn json_of_a_clean_repository_is_an_empty_array() {
    let out = Fixture::clean().check();
    assert_eq!(out.code, 0);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    assert_eq!(value, serde_json::json!([]));
}

#[test]
fn output_is_deterministic() {
    let f = three_defects();
    let first = f.run(&["check", "--format", "json", "--today", TODAY]);
    for _ in 0..3 {
        let again = f.run(&["check", "--format", "json", "--today", TODAY]);
        assert_eq!(first.stdout, again.stdout);
    }
}

#[test]
fn human_output_quotes_lines_with_multibyte_characters() {
    let f = Fixture::clean().edit(
        POLICY_PATH,
        "We continually improve the ISMS.",
        "Amélioration continue — voir [là](nulle-part.md).",
    );
    let text = f.read(POLICY_PATH);
    let (line, column) = pos_of(&text, "[là]");
    let diags = f.diagnostics();
    // Columns count characters, not bytes.
    one_at(&diags, "broken-link", POLICY_PATH, line, column);
    assert_eq!(column, 30);
    let out = f.run(&["check", "--today", TODAY]);
    assert!(
        out.stdout
            .contains("Amélioration continue — voir [là](nulle-part.md)."),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("{POLICY_PATH}:{line}:{column}")),
        "{}",
        out.stdout
    );
}

#[test]
fn after_the_first_findings_human_output_summarises_the_rest_by_code_and_file() {
    // 60 broken links in the policy, 5 in the review: 65 findings in all.
    let links: String = (0..60)
        .map(|i| format!("\n[x{i}](missing-{i}.md)\n"))
        .collect();
    let more: String = (0..5).map(|i| format!("\n[y{i}](gone-{i}.md)\n")).collect();
    let f = Fixture::clean()
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            &format!("We continually improve the ISMS.\n{links}"),
        )
        .edit(REVIEW_PATH, "\n---\n", &format!("\n---\n{more}"));
    let all = f.diagnostics();
    let total = all.len();
    assert!(total >= 65, "{}", show(&all));

    let shown = |out: &Output| {
        out.stdout
            .lines()
            .filter(|l| l.starts_with("error[") || l.starts_with("warning["))
            .count()
    };
    let out = f.run(&["check", "--today", TODAY]);
    assert_eq!(out.code, 1);
    assert_eq!(shown(&out), 50, "{}", out.stdout);
    assert!(
        out.stdout
            .contains(&format!("... {} more findings not shown", total - 50)),
        "{}",
        out.stdout
    );
    let by_code = out
        .stdout
        .split("by code:")
        .nth(1)
        .expect("a summary by code");
    assert!(by_code.contains("  broken-link: "), "{by_code}");
    assert!(
        by_code.contains("  broken-link: 15 errors in 2 files\n"),
        "{by_code}"
    );
    assert!(
        out.stdout.contains(&format!("  {REVIEW_PATH}: 5\n")),
        "{}",
        out.stdout
    );

    let few = f.run(&["check", "--today", TODAY, "--max-diagnostics", "3"]);
    assert_eq!(shown(&few), 3);
    let every = f.run(&["check", "--today", TODAY, "--max-diagnostics", "0"]);
    assert_eq!(shown(&every), total);
    assert!(!every.stdout.contains("more not shown"));
    // JSON is never capped.
    let json = f.run(&[
        "check",
        "--format",
        "json",
        "--today",
        TODAY,
        "--max-diagnostics",
        "3",
    ]);
    assert_eq!(json.diagnostics().len(), total);
}

#[test]
fn counts_are_in_the_right_number() {
    let f = Fixture::clean()
        .remove(REVIEW_PATH)
        .remove(COMMUNICATION_PATH)
        .remove(POLICY_PATH);
    let out = f.run(&["check", "--today", TODAY]);
    assert!(out.stderr.contains(" 1 document: "), "{}", out.stderr);
    assert!(!out.stderr.contains("1 documents"), "{}", out.stderr);
}
