//! "Did you mean" for every identifier a user types: on the command line (document ids and
//! paths, `--as`, `--role`, `--audience`) and in documents (roles in approvals, required
//! section headings, link targets); unknown keys in book.toml that govern publishing are errors.

use crate::support::*;

fn help_of<'a>(diags: &'a [Diag], code: &str) -> &'a str {
    only(diags, code).help.as_deref().unwrap_or("")
}

#[test]
fn documents_suggest_the_role_the_heading_and_the_file_meant() {
    let f = Fixture::clean()
        .edit(POLICY_PATH, "  - role: CEO", "  - role: CFO")
        .edit(
            POLICY_PATH,
            "## Continual improvement",
            "## Continuous improvement",
        )
        .edit(
            POLICY_PATH,
            "../roles/roles.md#roles",
            "../roles/role.md#roles",
        );
    let diags = f.diagnostics();
    // The approval in an unknown role: one error, with the suggestion (not also "not evidenced").
    assert!(
        help_of(&diags, "unknown-role").contains("did you mean `CEO`?"),
        "{}",
        show(&diags)
    );
    none_of(&diags, "approval-not-evidenced");
    // The renamed heading: pointed at, and named.
    let (line, _) = pos_of(&f.read(POLICY_PATH), "## Continuous improvement");
    let d = one_at(&diags, "missing-section", POLICY_PATH, line, 1);
    assert!(
        d.help
            .as_deref()
            .unwrap_or("")
            .contains("did you mean the heading \"Continuous improvement\"?"),
        "{d:?}"
    );
    // The link: the nearest existing file, as a link from this document.
    assert_eq!(
        help_of(&diags, "broken-link"),
        "did you mean `../roles/roles.md#roles`?"
    );
}

#[test]
fn the_command_line_suggests_ids_paths_approvers_and_roles() {
    let f = Fixture::clean().committed();
    let out = f.run(&["history", "POL-01"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `POL-001`?"),
        "{}",
        out.stderr
    );
    let out = f.run(&["history", "content/policies/information-security-polcy.md"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("did you mean `content/policies/information-security-policy.md`?"),
        "{}",
        out.stderr
    );
    let out = f.run(&["approve", "POL-01", "--as", CEO_NAME]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `POL-001`?"),
        "{}",
        out.stderr
    );
    let out = f.run(&["approve", "POL-001", "--as", "Alice Exampel"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `Alice Example`?"),
        "{}",
        out.stderr
    );
    let out = f.run(&["approve", "POL-001", "--as", CEO_NAME, "--role", "CE"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("did you mean `CEO`?"), "{}", out.stderr);
}

#[test]
fn an_unknown_audience_is_refused_with_the_suggestion_and_nothing_is_written() {
    let f = Fixture::clean().committed();
    let before = f.tree("content/communications");
    let out = f.run(&[
        "communicate",
        "POL-001",
        "--channel",
        "email",
        "--audience",
        "all-staf",
        "--today",
        TODAY,
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean `all-staff`?"),
        "{}",
        out.stderr
    );
    assert_eq!(f.tree("content/communications"), before);
}
