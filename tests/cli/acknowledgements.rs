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
fn rows_after_blank_lines_are_reported_at_their_own_line() {
    let people = format!("{PEOPLE}\n\ncy@example.com,Cy,all-staf,,\n");
    let f = with_people(&people).committed();
    let hash = content_hash(&f, "1.0");
    let row = |email: &str, method: &str| {
        format!("{email},POL-001,1.0,{hash},2026-03-05T09:00:00Z,{method},export.csv\n")
    };
    // Written as `ack import` writes them (no quote: split at commas) and with a quoted
    // field (read by the CSV reader): the same lines either way.
    // Lines: 1 the header, 2 ada, 3 blank, 4 eve, 5 and 6 blank, 7 bob's row of 8 fields.
    let plain = format!(
        "{HEADER}{}\n{}\n\n{}",
        row("ada@example.com", "form"),
        row("eve@example.com", "form"),
        row("bob@example.com", "form").replace(",form,", ",form,extra,")
    );
    let quoted = plain.replace(",form,export.csv", ",\"form, online\",export.csv");
    let f = f
        .file("acknowledgements/plain.csv", plain)
        .file("acknowledgements/quoted.csv", quoted);
    let diags = f.diagnostics();
    let at = |code: &str, file: &str| -> Vec<(usize, String)> {
        with_code(&diags, code)
            .into_iter()
            .filter(|d| d.file.as_deref() == Some(file))
            .map(|d| (d.line.unwrap(), d.message.clone()))
            .collect()
    };
    // `contractors` (line 3) is nobody's audience; `all-staf` (line 6) is a typo.
    let unknown: Vec<_> = at("unknown-group", "people.csv")
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(unknown, [3, 6], "{}", show(&diags));
    for file in ["acknowledgements/plain.csv", "acknowledgements/quoted.csv"] {
        let unknown = at("acknowledgement-unknown-person", file);
        assert_eq!(unknown.len(), 1, "{}", show(&diags));
        assert_eq!(unknown[0].0, 4, "{}", show(&diags));
        let invalid = at("acknowledgement-invalid", file);
        assert_eq!(
            invalid,
            [(
                7,
                "a row that does not read as CSV: it has 8 fields, the header 7".to_string()
            )],
            "{}",
            show(&diags)
        );
    }
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

// ---- `ack import` ----

/// Ada and Bob are all-staff; Carl only a contractor; Dan joins on 2026-04-01; Eve left on
/// 2026-02-28.
const POPULATION: &str = "email,name,groups,joined,left
ada@example.com,Ada Lovelace,all-staff,2020-01-01,
bob@example.com,Bob Builder,all-staff,2020-01-01,
carl@example.com,Carl Contractor,contractors,2020-01-01,
dan@example.com,Dan Newman,all-staff,2026-04-01,
eve@example.com,Eve Leaver,all-staff,2020-01-01,2026-02-28
";

/// The export of a form tool, with its own headers.
const MAP: &str = "email=Employee Email,at=Signed At,version=Policy Version,content_sha256=Hash";

fn population() -> Fixture {
    with_people(POPULATION).committed()
}

fn import(f: &Fixture, export: &str, extra: &[&str]) -> Output {
    std::fs::write(f.join("export.csv"), export).unwrap();
    let mut args = vec![
        "ack",
        "import",
        "export.csv",
        "--document",
        "POL-001",
        "--map",
        MAP,
    ];
    args.extend_from_slice(extra);
    f.run(&args)
}

fn export_of(rows: &[String]) -> String {
    format!(
        "Employee Email,Signed At,Policy Version,Hash\n{}\n",
        rows.join("\n")
    )
}

fn record_files(f: &Fixture) -> Vec<String> {
    f.tree("acknowledgements")
        .into_keys()
        .filter(|k| !k.starts_with("raw/"))
        .collect()
}

#[test]
fn import_accepts_rejects_each_reason_and_reports_duplicates() {
    let f = population();
    let hash = content_hash(&f, "1.0");
    let zeros = "0".repeat(64);
    let export = export_of(&[
        format!("ada@example.com,2026-03-05T09:00:00Z,1.0,{hash}"), // 2 accepted
        format!("carl@example.com,2026-03-05T09:00:00Z,1.0,{hash}"), // 3 not in the audience
        format!("zed@example.com,2026-03-05T09:00:00Z,1.0,{hash}"), // 4 not a person
        "bob@example.com,2026-02-01T09:00:00Z,1.0,".to_string(),    // 5 before the approval
        format!("bob@example.com,2026-03-05T09:00:00Z,1.0,{zeros}"), // 6 wrong hash
        "bob@example.com,2026-03-05T09:00:00Z,2.0,".to_string(),    // 7 never approved
        "ADA@example.com,2026-03-06T09:00:00Z,1.0,".to_string(),    // 8 duplicate
        "bob@example.com,yesterday,1.0,".to_string(),               // 9 bad time
        "eve@example.com,2026-03-05T09:00:00Z,1.0,".to_string(),    // 10 left before
        "dan@example.com,2026-03-05T09:00:00Z,1.0,".to_string(),    // 11 not joined yet
        "bob@example.com,2026-03-06T10:00:00+02:00,,".to_string(),  // 12 accepted, in force
    ]);
    let out = import(&f, &export, &["--method", "esign"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let rejected = |line: usize, needle: &str| {
        let prefix = format!("rejected  line {line}: ");
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(needle)),
            "line {line} not rejected for `{needle}`:\n{}",
            out.stdout
        );
    };
    rejected(3, "was not in the audience (all-staff)");
    rejected(4, "zed@example.com is not in the people file");
    rejected(5, "it was approved later");
    rejected(6, "is not the content of version 1.0");
    rejected(7, "version 2.0 was never approved");
    rejected(9, "not an RFC 3339 time");
    rejected(10, "was not in the audience");
    rejected(11, "was not in the audience");
    assert!(
        out.stdout.contains("duplicate line 8: ada@example.com"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("2 accepted, 8 rejected, 1 duplicate"),
        "{}",
        out.stdout
    );

    let files = record_files(&f);
    assert_eq!(files.len(), 1, "{files:?}");
    let written = f.read(&format!("acknowledgements/{}", files[0]));
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(
        lines[0],
        "email,document,version,content_sha256,at,method,source"
    );
    assert!(lines[1].starts_with(&format!(
        "ada@example.com,POL-001,1.0,{hash},2026-03-05T09:00:00Z,esign,acknowledgements/raw/"
    )));
    assert!(lines[2].starts_with(&format!(
        "bob@example.com,POL-001,1.0,{hash},2026-03-06T08:00:00Z,esign,"
    )));
    assert_eq!(lines.len(), 3);
    // The raw export is kept byte for byte, and the records name it with its digest.
    let raw = f.tree("acknowledgements/raw");
    assert_eq!(raw.len(), 1);
    let (raw_name, raw_bytes) = raw.into_iter().next().unwrap();
    assert_eq!(raw_bytes, export.as_bytes());
    assert!(
        lines[1].contains(&format!("raw/{raw_name} sha256:")),
        "{}",
        lines[1]
    );

    // The records pass check, and importing the same export again adds nothing.
    let diags = f.diagnostics();
    for code in [
        "acknowledgement-invalid",
        "acknowledgement-unknown-person",
        "acknowledgement-wrong-version",
    ] {
        none_of(&diags, code);
    }
    let again = import(&f, &export, &[]);
    assert!(
        again.stdout.contains("0 accepted, 8 rejected, 3 duplicate"),
        "{}",
        again.stdout
    );
    assert!(again.stdout.contains("nothing written"), "{}", again.stdout);
    assert_eq!(record_files(&f).len(), 1);
}

#[test]
fn a_superseded_version_is_rejected_and_the_one_in_force_is_taken() {
    let f = population()
        .edit(POLICY_PATH, "version: \"1.0\"", "version: \"1.1\"")
        .edit(
            POLICY_PATH,
            "entrusted to it.",
            "entrusted to it, carefully.",
        )
        .commit("Information security policy 1.1");
    let old = content_hash(&f, "1.0");
    let new = content_hash(&f, "1.1");
    assert_ne!(old, new);
    let out = import(
        &f,
        &export_of(&[
            format!("ada@example.com,2026-03-05T09:00:00Z,1.0,{old}"),
            "bob@example.com,2026-03-05T09:00:00Z,,".to_string(),
            format!("ada@example.com,2026-03-01T12:00:00Z,1.0,{old}"),
        ]),
        &[],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("rejected  line 2: version 1.0 was not in force at 2026-03-05T09:00:00Z: 1.1 had replaced it"), "{}", out.stdout);
    assert!(
        out.stdout.contains("2 accepted, 1 rejected, 0 duplicate"),
        "{}",
        out.stdout
    );
    let files = record_files(&f);
    let written = f.read(&format!("acknowledgements/{}", files[0]));
    assert!(
        written.contains(&format!("bob@example.com,POL-001,1.1,{new},")),
        "{written}"
    );
    assert!(
        written.contains(&format!(
            "ada@example.com,POL-001,1.0,{old},2026-03-01T12:00:00Z"
        )),
        "{written}"
    );
}

#[test]
fn an_import_that_cannot_write_leaves_nothing_behind() {
    let f = population();
    // Where the raw exports go is taken by a file: nothing can be written.
    let f = f.file("acknowledgements/raw", "not a directory");
    let out = import(
        &f,
        &export_of(&["ada@example.com,2026-03-05T09:00:00Z,1.0,".to_string()]),
        &[],
    );
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("nothing was imported"),
        "{}",
        out.stderr
    );
    assert_eq!(f.tree("acknowledgements").len(), 1);

    // The record file's name is taken by a dangling link: the raw export written first is
    // taken back.
    let f = population();
    let export = export_of(&["ada@example.com,2026-03-05T09:00:00Z,1.0,".to_string()]);
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(export.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::create_dir_all(f.join("acknowledgements")).unwrap();
    std::os::unix::fs::symlink(
        "nowhere",
        f.join(&format!("acknowledgements/POL-001-{}.csv", &digest[..12])),
    )
    .unwrap();
    let out = import(&f, &export, &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("cannot write acknowledgements/POL-001-"),
        "{}",
        out.stderr
    );
    assert!(
        f.tree("acknowledgements/raw").is_empty(),
        "{:?}",
        f.tree("acknowledgements")
    );
}

#[test]
fn import_refuses_without_people_or_with_an_unknown_column() {
    let f = Fixture::clean().committed();
    let out = import(&f, &export_of(&[]), &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("[acknowledgement] people"),
        "{}",
        out.stderr
    );

    let f = population();
    std::fs::write(
        f.join("export.csv"),
        "Mail,When\nada@example.com,2026-03-05T09:00:00Z\n",
    )
    .unwrap();
    let out = f.run(&["ack", "import", "export.csv", "--document", "POL-001"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--map email=HEADER"), "{}", out.stderr);
    let out = f.run(&[
        "ack",
        "import",
        "export.csv",
        "--document",
        "POL-001",
        "--map",
        "mail=Mail",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("`mail`, which is no column"),
        "{}",
        out.stderr
    );
    assert!(!f.join("acknowledgements").exists());
}

#[test]
fn import_commits_the_record_file_and_the_raw_export() {
    let f = population();
    {
        let mut config = f.repo().config().unwrap();
        config.set_str("user.name", "Hanna HR").unwrap();
        config.set_str("user.email", "hr@example.com").unwrap();
    }
    let out = import(
        &f,
        &export_of(&["ada@example.com,2026-03-05T09:00:00Z,1.0,".to_string()]),
        &["--commit"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let head = f.repo().head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.author().email().unwrap(), "hr@example.com");
    assert!(
        head.summary()
            .unwrap()
            .unwrap()
            .starts_with("Acknowledgements of POL-001: 1 imported")
    );
    let tree = head.tree().unwrap();
    let dir = tree
        .get_path(std::path::Path::new("acknowledgements"))
        .unwrap();
    let dir = f.repo().find_tree(dir.id()).unwrap();
    assert_eq!(dir.len(), 2, "the record file and raw/");
    assert!(
        !f.join("export.csv").exists()
            || tree.get_path(std::path::Path::new("export.csv")).is_err()
    );
}

// ---- who must acknowledge what ----

/// Records of POL-001 `version` by each of `emails` (no content hash: the tool had none).
fn records_of(version: &str, emails: &[&str]) -> String {
    let rows: String = emails
        .iter()
        .map(|e| format!("{e},POL-001,{version},,2026-03-05T09:00:00Z,form,x\n"))
        .collect();
    format!("{HEADER}{rows}")
}

fn overdue(diags: &[Diag]) -> Vec<&Diag> {
    with_code(diags, "acknowledgement-overdue")
}

#[test]
fn overdue_acknowledgements_are_reported_with_joiners_and_leavers() {
    // Ada acknowledged; Bob did not; Dan joined on 2026-04-01 (his deadline: 2026-05-01) and
    // did not; Eve left before and Carl is no all-staff: neither is required.
    let f = population().file(
        "acknowledgements/a.csv",
        records_of("1.0", &["ada@example.com"]),
    );
    let diags = f.diagnostics();
    let (line, column) = pos_of(POLICY, "all-staff]");
    let d = one_at(&diags, "acknowledgement-overdue", POLICY_PATH, line, column);
    assert_eq!(d.severity, "warning");
    assert!(
        d.message.contains("2 of 3 in `all-staff` have not acknowledged POL-001 v1.0 by their deadline: bob@example.com, dan@example.com"),
        "{}",
        d.message
    );

    // A joiner whose own deadline is still ahead is outstanding, not overdue.
    let later = POPULATION.replace(
        "dan@example.com,Dan Newman,all-staff,2026-04-01",
        "dan@example.com,Dan Newman,all-staff,2026-05-20",
    );
    let f = with_people(&later).committed().file(
        "acknowledgements/a.csv",
        records_of("1.0", &["ada@example.com"]),
    );
    let diags = f.diagnostics();
    assert!(only(&diags, "acknowledgement-overdue").message.contains("1 of 3 in `all-staff` have not acknowledged POL-001 v1.0 by their deadline: bob@example.com"), "{}", show(&diags));

    // Everyone acknowledged: nothing overdue; `--deny warnings` would have raised it.
    let f = population().file(
        "acknowledgements/a.csv",
        records_of(
            "1.0",
            &["ada@example.com", "bob@example.com", "dan@example.com"],
        ),
    );
    none_of(&f.diagnostics(), "acknowledgement-overdue");
}

#[test]
fn a_minor_bump_keeps_acknowledgements_and_a_major_bump_asks_again() {
    let everyone = records_of(
        "1.0",
        &["ada@example.com", "bob@example.com", "dan@example.com"],
    );
    let bumped = |to: &str| {
        population()
            .edit(
                POLICY_PATH,
                "version: \"1.0\"",
                &format!("version: \"{to}\""),
            )
            .edit(
                POLICY_PATH,
                "entrusted to it.",
                "entrusted to it, carefully.",
            )
            .commit(&format!("Information security policy {to}"))
            .file("acknowledgements/a.csv", everyone.clone())
    };
    let minor = bumped("1.1").diagnostics();
    assert!(overdue(&minor).is_empty(), "{}", show(&minor));
    let major = bumped("2.0").diagnostics();
    let d = only(&major, "acknowledgement-overdue");
    assert!(
        d.message
            .contains("3 of 3 in `all-staff` have not acknowledged POL-001 v2.0"),
        "{}",
        d.message
    );
}

#[test]
fn records_replace_typed_counts_and_a_disagreement_is_a_warning() {
    let typed = |required: u32, received: u32| {
        population().edit(
            COMMUNICATION_PATH,
            "sender: CISO\n",
            &format!(
                "sender: CISO\nacknowledgements: {{required: {required}, received: {received}}}\n"
            ),
        )
    };
    // Without records the typed counts stand.
    none_of(
        &typed(207, 171).diagnostics(),
        "acknowledgement-count-mismatch",
    );
    let records = records_of("1.0", &["ada@example.com"]);
    let f = typed(207, 171).file("acknowledgements/a.csv", records.clone());
    let diags = f.diagnostics();
    let (line, _) = pos_of(&f.read(COMMUNICATION_PATH), "acknowledgements:");
    let d = one_at(
        &diags,
        "acknowledgement-count-mismatch",
        COMMUNICATION_PATH,
        line,
        1,
    );
    assert!(
        d.message
            .contains("the records say {required: 3, received: 1}"),
        "{}",
        d.message
    );
    let f = typed(3, 1).file("acknowledgements/a.csv", records);
    none_of(&f.diagnostics(), "acknowledgement-count-mismatch");
}

#[test]
fn the_export_lists_the_whole_population_with_outcomes() {
    let f = population().file(
        "acknowledgements/a.csv",
        records_of("1.0", &["ada@example.com"]),
    );
    let out = f.run(&[
        "export",
        "--today",
        TODAY,
        "--acknowledgements",
        "population.csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!f.join("evidence-pack.html").exists());
    let csv = f.read("population.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "document,version,audience,email,name,joined,left,deadline,outcome,acknowledged_version,at,method,source",
            "POL-001,1.0,all-staff,ada@example.com,Ada Lovelace,2020-01-01,,2026-03-31,acknowledged,1.0,2026-03-05T09:00:00Z,form,x",
            "POL-001,1.0,all-staff,bob@example.com,Bob Builder,2020-01-01,,2026-03-31,overdue,,,,",
            "POL-001,1.0,all-staff,dan@example.com,Dan Newman,2026-04-01,,2026-05-01,overdue,,,,",
        ]
    );
    // The evidence pack summarises each document version's acknowledgements per audience.
    let out = f.run(&["export", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let pack = f.read("evidence-pack.html");
    assert!(
        pack.contains("<h3>Acknowledgements of version 1.0</h3>")
            && pack.contains(
                "<tr><td>all-staff</td><td>3</td><td>1</td><td>2</td><td>2</td><td>33 %</td></tr>"
            ),
        "{pack}"
    );
    // The pack names nobody: the summary only counts.
    assert!(!pack.contains("Bob Builder"), "{pack}");
    // Without a people file there is nothing to export.
    let out = Fixture::clean().run(&["export", "--acknowledgements", "population.csv"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("[acknowledgement] people"),
        "{}",
        out.stderr
    );
}

#[test]
fn status_lists_overdue_acknowledgements() {
    let f = population().file(
        "acknowledgements/a.csv",
        records_of("1.0", &["ada@example.com"]),
    );
    let out = f.run(&["status", "--today", TODAY]);
    assert!(
        out.stdout.contains("Acknowledgements overdue (warning, 1)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("bob@example.com, dan@example.com"),
        "{}",
        out.stdout
    );
    let f = population().file(
        "acknowledgements/a.csv",
        records_of(
            "1.0",
            &["ada@example.com", "bob@example.com", "dan@example.com"],
        ),
    );
    let out = f.run(&["status", "--today", TODAY]);
    assert!(
        !out.stdout.contains("Acknowledgements overdue"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_document_page_shows_acknowledgements_per_audience() {
    let people = POPULATION.replace("Bob Builder", "<b>Bob</b> Builder");
    let f = with_people(&people).committed().file(
        "acknowledgements/a.csv",
        records_of("1.0", &["ada@example.com"]),
    );
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = f.read("site/docs/policies/information-security-policy.html");
    assert!(page.contains("Acknowledgements of version 1.0"), "{page}");
    assert!(
        page.contains("<tr><td>all-staff</td><td>3</td><td>1</td><td>2 <span class=\"badge bad\">2 overdue</span></td>"),
        "{page}"
    );
    assert!(page.contains("value=\"33\""), "{page}");
    // Names are shown, escaped, with their deadlines.
    assert!(
        page.contains("&lt;b&gt;Bob&lt;&#x2F;b&gt; Builder — due 2026-03-31")
            || page.contains("&lt;b&gt;Bob&lt;/b&gt; Builder — due 2026-03-31"),
        "{page}"
    );
    assert!(page.contains("Dan Newman — due 2026-05-01"), "{page}");
    assert!(!page.contains("<b>Bob</b>"));

    // The names are not part of the page's data when its key is made (they are added when it
    // is rendered, and keyed apart): a build from the caches after only a name changed, which
    // changes nothing else on the page, still renders it again.
    let f = f.file("people.csv", people.replace("Dan Newman", "Daniel Newman"));
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = f.read("site/docs/policies/information-security-policy.html");
    assert!(page.contains("Daniel Newman — due 2026-05-01"), "{page}");
    assert!(!page.contains("Dan Newman"), "{page}");

    // `show-names = false`: only the counts.
    let f = f.file(
        "book.toml",
        format!("{BOOK_TOML}{ACK_TOML}show-names = false\n"),
    );
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = f.read("site/docs/policies/information-security-policy.html");
    assert!(
        page.contains("<td>all-staff</td><td>3</td><td>1</td>"),
        "{page}"
    );
    assert!(!page.contains("Dan Newman"), "{page}");
}

#[test]
fn verify_covers_the_people_and_record_files() {
    let records = records_of("1.0", &["ada@example.com"]);
    let f = population()
        .file("acknowledgements/a.csv", records.clone())
        .commit("Acknowledgements of POL-001");
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let manifest: serde_json::Value = serde_json::from_str(&f.read("site/manifest.json")).unwrap();
    let listed = manifest["acknowledgement_files"].as_object().unwrap();
    let names: Vec<_> = listed.keys().map(String::as_str).collect();
    assert_eq!(names, ["acknowledgements/a.csv", "people.csv"]);
    // Each by its Git blob id (from the index or hashed, the same id).
    for (path, id) in listed {
        let bytes = std::fs::read(f.path().join(path)).unwrap();
        let blob = git2::Oid::hash_object(git2::ObjectType::Blob, &bytes).unwrap();
        assert_eq!(id.as_str(), Some(blob.to_string().as_str()), "{path}");
    }
    let ok = f.run(&["verify"]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);

    // A record changed after the build (only its method: no page changes) is named, and the
    // manifest's digest, which covers the records, differs too.
    let f = f
        .file(
            "acknowledgements/a.csv",
            records.replace(",form,", ",meeting,"),
        )
        .commit("Acknowledgements of POL-001, method corrected");
    let bad = f.run(&["verify"]);
    assert_eq!(bad.code, 1, "{}{}", bad.stdout, bad.stderr);
    let lines: Vec<&str> = bad.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "differs  manifest.json",
            "differs  acknowledgements/a.csv (acknowledgement file, by its blob id in manifest.json)"
        ],
        "{}",
        bad.stdout
    );
    // A record file added after the build, and one removed, are named as well.
    let f = f
        .file(
            "acknowledgements/b.csv",
            records_of("1.0", &["bob@example.com"]),
        )
        .commit("More acknowledgements");
    let bad = f.run(&["verify"]);
    assert!(
        bad.stdout
            .contains("missing  acknowledgements/b.csv (acknowledgement file"),
        "{}",
        bad.stdout
    );
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let f = f
        .remove("acknowledgements/b.csv")
        .commit("Records withdrawn");
    let bad = f.run(&["verify"]);
    assert!(
        bad.stdout
            .contains("added    acknowledgements/b.csv (acknowledgement file"),
        "{}",
        bad.stdout
    );
}

#[test]
fn the_dashboard_shows_the_acknowledgement_rate_and_the_matrix_cites_the_records() {
    let f = population().file(
        "acknowledgements/a.csv",
        records_of("1.0", &["ada@example.com"]),
    );
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let index = f.read("site/index.html");
    assert!(
        index.contains("<span class=\"stat\">33 %</span> <a href=\"#acknowledgements-heading\">acknowledged</a> (1 of 3)"),
        "{index}"
    );
    assert!(
        index.contains("<td>1.0</td><td>1</td><td>3</td><td><progress max=\"100\" value=\"33\">"),
        "{index}"
    );
    // 5.2 f: people past their deadline keep the row open, their audience named.
    assert!(
        index.contains("The current version is acknowledged by 1 of 3 (33 %); overdue: all-staff (2 of 3 overdue)."),
        "{index}"
    );
    // A joiner still within their own deadline is not counted as overdue.
    let later = POPULATION.replace(
        "dan@example.com,Dan Newman,all-staff,2026-04-01",
        "dan@example.com,Dan Newman,all-staff,2026-05-20",
    );
    let f = with_people(&later).committed().file(
        "acknowledgements/a.csv",
        records_of("1.0", &["ada@example.com"]),
    );
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let index = f.read("site/index.html");
    assert!(
        index.contains("The current version is acknowledged by 1 of 3 (33 %); overdue: all-staff (1 of 3 overdue)."),
        "{index}"
    );

    // Everyone acknowledged: 100 %, and 5.2 f cites the record file beside the communication.
    let f = population().file(
        "acknowledgements/a.csv",
        records_of(
            "1.0",
            &["ada@example.com", "bob@example.com", "dan@example.com"],
        ),
    );
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let index = f.read("site/index.html");
    assert!(
        index.contains("<span class=\"stat\">100 %</span>"),
        "{index}"
    );
    assert!(
        index.contains("Acknowledged by 3 of 3 (100 %).")
            && index.contains("acknowledgements/a.csv (acknowledgement records)"),
        "{index}"
    );

    // Without records: no rate, and 5.2 f as before.
    let f = population();
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let index = f.read("site/index.html");
    assert!(!index.contains("acknowledgements-heading"), "{index}");
    assert!(!index.contains("acknowledgement records"), "{index}");
}

#[test]
fn a_large_population_lists_a_bounded_number_of_names() {
    let rows: String = (0..205)
        .map(|i| format!("p{i:03}@example.com,Person {i:03},all-staff,2020-01-01,\n"))
        .collect();
    let f = with_people(&format!("email,name,groups,joined,left\n{rows}"))
        .committed()
        .file(
            "acknowledgements/a.csv",
            records_of("1.0", &["p000@example.com"]),
        );
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = f.read("site/docs/policies/information-security-policy.html");
    assert!(page.contains("Person 200 — due"), "{page}");
    assert!(!page.contains("Person 201 — due"), "{page}");
    assert!(page.contains("… and 4 more"), "{page}");
}

// ---- renewal ----

/// The population's outcome per person on `today` (`export --acknowledgements`): email,
/// deadline, outcome.
fn outcomes(f: &Fixture, today: &str) -> Vec<String> {
    let out = f.run(&[
        "export",
        "--today",
        today,
        "--acknowledgements",
        "population.csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    f.read("population.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            format!("{} {} {}", fields[3], fields[7], fields[8])
        })
        .collect()
}

#[test]
fn with_renew_an_acknowledgement_older_than_the_period_is_asked_again() {
    // Everyone required acknowledged v1.0 on 2026-03-05; 2027-04-10 is 13 months later.
    let records = records_of(
        "1.0",
        &["ada@example.com", "bob@example.com", "dan@example.com"],
    );
    let f = population().file("acknowledgements/a.csv", records);
    let later = "2027-04-10";
    // Without `renew` an acknowledgement counts for as long as its version.
    assert!(
        outcomes(&f, later)
            .iter()
            .all(|o| o.ends_with(" acknowledged")),
        "{:?}",
        outcomes(&f, later)
    );
    let check = |f: &Fixture, today: &str| {
        f.run(&["check", "--format", "json", "--today", today])
            .diagnostics()
    };
    assert!(overdue(&check(&f, later)).is_empty());

    // With `renew = "12 months"` it lapsed on 2027-03-05: everyone is asked again, with
    // `deadline-days` (30) from that day.
    let f = f.file(
        "book.toml",
        format!("{BOOK_TOML}{ACK_TOML}renew = \"12 months\"\n"),
    );
    assert_eq!(
        outcomes(&f, later),
        [
            "ada@example.com 2027-04-04 overdue",
            "bob@example.com 2027-04-04 overdue",
            "dan@example.com 2027-04-04 overdue",
        ]
    );
    let diags = check(&f, later);
    let d = only(&diags, "acknowledgement-overdue");
    assert!(
        d.message
            .contains("3 of 3 in `all-staff` have not acknowledged POL-001 v1.0"),
        "{}",
        d.message
    );
    // Before its deadline a lapsed acknowledgement is outstanding, not yet overdue; within
    // the period it still counts.
    assert!(
        outcomes(&f, "2027-03-20")
            .iter()
            .all(|o| o.ends_with("2027-04-04 outstanding")),
        "{:?}",
        outcomes(&f, "2027-03-20")
    );
    // The check counts them so too (the version's own deadline passed a year before).
    assert!(overdue(&check(&f, "2027-03-20")).is_empty());
    assert!(
        outcomes(&f, "2027-03-05")
            .iter()
            .all(|o| o.ends_with(" acknowledged")),
        "{:?}",
        outcomes(&f, "2027-03-05")
    );

    // A renewal is imported (not a duplicate of the lapsed record) and counts again.
    let hash = content_hash(&f, "1.0");
    std::fs::write(
        f.join("export.csv"),
        export_of(&[format!("ada@example.com,2027-04-01T09:00:00Z,1.0,{hash}")]),
    )
    .unwrap();
    let out = f.run_with_env(
        &[
            "ack",
            "import",
            "export.csv",
            "--document",
            "POL-001",
            "--map",
            MAP,
        ],
        &[("SOURCE_DATE_EPOCH", "1807315200")], // 2027-04-10
    );
    assert!(
        out.stdout.contains("1 accepted, 0 rejected, 0 duplicate"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    assert_eq!(
        outcomes(&f, later)[0],
        "ada@example.com 2027-04-04 acknowledged"
    );
}

#[test]
fn an_invalid_renew_period_is_a_configuration_error() {
    let f = with_people(PEOPLE).file(
        "book.toml",
        format!("{BOOK_TOML}{ACK_TOML}renew = \"every year\"\n"),
    );
    let out = f.check();
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.stdout, "", "nothing is checked");
    let (line, _) = pos_of(&f.read("book.toml"), "renew =");
    assert!(out.stderr.contains("invalid-field"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("book.toml:{line}:")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("acknowledgement.renew"),
        "{}",
        out.stderr
    );
}
