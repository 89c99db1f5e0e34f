//! One error per cause: a front matter that does not parse yields its syntax error and nothing
//! derived from it; a misspelt required field yields one error with the suggestion;
//! diagnostics come sorted by file and line.

use crate::support::*;

#[test]
fn a_front_matter_that_does_not_parse_yields_only_its_syntax_error() {
    // A `:` in the title: before, also `mandatory-document-missing` and an `unknown-document`
    // for the communication of POL-001 with a wrong "did you mean ROL-001?".
    let f = Fixture::clean()
        .committed()
        .edit(
            POLICY_PATH,
            "title: Information Security Policy",
            "title: Policy: Information Security",
        )
        .commit("A colon in the title");
    let out = f.check();
    assert_eq!(out.code, 1);
    let diags = out.diagnostics();
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    one_at(&diags, "front-matter-syntax", POLICY_PATH, 3, 14);
}

#[test]
fn a_misspelt_required_field_is_one_error_with_the_suggestion() {
    // Committed, so that the history rules run too: before, `missing-field` and
    // `version-not-bumped` as errors and the suggestion only as a warning.
    let f = Fixture::clean()
        .committed()
        .edit(POLICY_PATH, "owner: CISO", "ownr: CISO")
        .commit("A typo in the owner field");
    let out = f.check();
    assert_eq!(out.code, 1);
    let diags = out.diagnostics();
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    let d = one_at(&diags, "unknown-field", POLICY_PATH, 7, 1);
    assert_eq!(d.severity, "error");
    assert!(d.message.contains("did you mean `owner`?"), "{}", d.message);
    // An unknown field that replaces nothing required stays a warning, with its suggestion.
    let g = Fixture::clean().edit(POLICY_PATH, "owner: CISO", "owner: CISO\naudiance: [x]");
    let diags = g.diagnostics();
    let d = only(&diags, "unknown-field");
    assert_eq!(d.severity, "warning");
    none_of(&diags, "missing-field");
}

#[test]
fn diagnostics_are_sorted_by_file_and_line() {
    let f = Fixture::clean()
        .edit(ROLES_PATH, "id: CTO", "id: CTO\n    titel: x")
        .edit(POLICY_PATH, "owner: CISO", "owner: CSO")
        .edit(
            POLICY_PATH,
            "audience: [all-staff]",
            "audience: [all-staff]\nfoo: 1",
        );
    let diags = f.diagnostics();
    assert!(diags.len() >= 3, "{}", show(&diags));
    let keys: Vec<_> = diags
        .iter()
        .map(|d| (d.file.is_none(), d.file.clone(), d.line, d.column))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "{}", show(&diags));
    // The human output names them in the same order.
    let human = f.run(&["check", "--today", TODAY]);
    let places: Vec<String> = diags
        .iter()
        .filter_map(|d| Some(format!("{}:{}:{}", d.file.as_ref()?, d.line?, d.column?)))
        .collect();
    let mut at = 0;
    for place in &places {
        let found = human.stdout[at..]
            .find(place.as_str())
            .unwrap_or_else(|| panic!("{place} out of order in:\n{}", human.stdout));
        at += found;
    }
}
