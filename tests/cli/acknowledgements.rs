//! Per-person acknowledgements (issue 22): the people file, the record files, and their
//! findings at file:line.

use crate::support::*;

const ACK_TOML: &str = "\n[acknowledgement]\npeople = \"people.csv\"\n";

const PEOPLE: &str = "email,name,groups,joined,left
ada@example.com,Ada Lovelace,all-staff,2020-01-01,
bob@example.com,Bob Builder,all-staff;contractors,2020-01-01,
";

/// The clean fixture with the people file configured (and `extra` appended to book.toml).
fn with_people(people: &str) -> Fixture {
    Fixture::clean()
        .file("book.toml", format!("{BOOK_TOML}{ACK_TOML}"))
        .file("people.csv", people)
}

/// The content hash of POL-001's approved version `version`, as `history --format json` says.
fn content_hash(f: &Fixture, version: &str) -> String {
    let out = f.run(&["history", "POL-001", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("history json");
    json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == version)
        .unwrap_or_else(|| panic!("no version {version}: {}", out.stdout))["content_hash"]
        .as_str()
        .unwrap()
        .to_string()
}

const HEADER: &str = "email,document,version,content_sha256,at,method,source\n";

#[test]
fn a_valid_people_file_adds_no_finding() {
    let diags = with_people(PEOPLE).diagnostics();
    for code in [
        "person-invalid",
        "person-duplicate",
        "audience-without-people",
    ] {
        none_of(&diags, code);
    }
}

#[test]
fn people_file_rows_are_checked_at_their_line() {
    let people = format!(
        "{PEOPLE}ADA@example.com,Ada Again,all-staff,,\ncy@example.com,Cy,all-staf,2026-13-01,\n"
    );
    let diags = with_people(&people).diagnostics();
    one_at(&diags, "person-duplicate", "people.csv", 4, 1);
    one_at(&diags, "person-invalid", "people.csv", 5, 1);
    // `contractors` (line 3) is nobody's audience either; `all-staf` (line 5) is a typo.
    let unknown = with_code(&diags, "unknown-group");
    let lines: Vec<_> = unknown.iter().map(|d| d.line.unwrap()).collect();
    assert_eq!(lines, [3, 5], "{}", show(&diags));
    assert!(
        unknown[1].help.as_deref().unwrap().contains("`all-staff`"),
        "{}",
        show(&diags)
    );
}

#[test]
fn an_audience_nobody_belongs_to_is_reported_where_it_is_named() {
    let diags = with_people("email,name,groups,joined,left\nada@example.com,Ada,contractors,,\n")
        .diagnostics();
    let found = with_code(&diags, "audience-without-people");
    let files: Vec<_> = found.iter().map(|d| d.file.as_deref().unwrap()).collect();
    assert_eq!(files, [COMMUNICATION_PATH, POLICY_PATH], "{}", show(&diags));
    let (line, _) = pos_of(POLICY, "audience:");
    assert_eq!(found[1].line, Some(line));
}

#[test]
fn a_missing_people_file_is_an_error() {
    let f = Fixture::clean().file("book.toml", format!("{BOOK_TOML}{ACK_TOML}"));
    let diags = f.diagnostics();
    only(&diags, "person-invalid");
}

#[test]
fn records_are_checked_against_people_and_approved_versions() {
    let f = with_people(PEOPLE).committed();
    let hash = content_hash(&f, "1.0");
    let rows = format!(
        "{HEADER}ada@example.com,POL-001,1.0,{hash},2026-03-05T09:00:00Z,form,export.csv\n\
         eve@example.com,POL-001,1.0,{hash},2026-03-05T09:00:00Z,form,export.csv\n\
         bob@example.com,POL-001,1.1,,2026-03-05T09:00:00Z,form,export.csv\n\
         bob@example.com,POL-001,1.0,{},2026-03-05T09:00:00Z,form,export.csv\n\
         bob@example.com,POL-404,1.0,,2026-03-05T09:00:00Z,form,export.csv\n\
         bob@example.com,POL-001,1.0,,last tuesday,form,export.csv\n",
        "0".repeat(64)
    );
    let f = f.file("acknowledgements/2026-03-05-pol-001.csv", rows);
    let diags = f.diagnostics();
    let file = "acknowledgements/2026-03-05-pol-001.csv";
    one_at(&diags, "acknowledgement-unknown-person", file, 3, 1);
    let wrong = with_code(&diags, "acknowledgement-wrong-version");
    let lines: Vec<_> = wrong.iter().map(|d| d.line.unwrap()).collect();
    assert_eq!(lines, [4, 5], "{}", show(&diags));
    assert!(
        wrong[0].message.contains("never approved"),
        "{}",
        show(&diags)
    );
    let unknown = with_code(&diags, "unknown-document");
    assert!(
        unknown
            .iter()
            .any(|d| d.file.as_deref() == Some(file) && d.line == Some(6)),
        "{}",
        show(&diags)
    );
    one_at(&diags, "acknowledgement-invalid", file, 7, 1);
}

#[test]
fn records_need_no_people_file_and_raw_exports_are_not_records() {
    let f = Fixture::clean().committed();
    let hash = content_hash(&f, "1.0");
    let f = f
        .file(
            "acknowledgements/a.csv",
            format!("{HEADER}zed@example.com,POL-001,1.0,{hash},2026-03-05T09:00:00Z,lms,x\n"),
        )
        .file(
            "acknowledgements/raw/export.csv",
            "whatever,the,tool,wrote\n",
        );
    let diags = f.diagnostics();
    for code in [
        "acknowledgement-unknown-person",
        "acknowledgement-wrong-version",
        "acknowledgement-invalid",
    ] {
        none_of(&diags, code);
    }
}
