//! `missing-section`: each controlled type's required headings, and for the information
//! security policy the headings clause 5.2 asks for.

use crate::content::Document;
use crate::diagnostic::{Code, Diagnostic};
use crate::site::Site;

/// What clause 5.2 requires the information security policy to contain.
pub const SECURITY_POLICY_SECTIONS: &[&str] = &[
    "Purpose",
    "Scope",
    "Information security objectives",
    "Commitment to compliance",
    "Continual improvement",
];

/// Compares headings loosely: case, surrounding space and a leading number (`2. Scope`) aside.
pub fn heading_matches(heading: &str, wanted: &str) -> bool {
    let trimmed = heading
        .trim()
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ')')
        .trim();
    trimmed.eq_ignore_ascii_case(wanted.trim())
}

pub fn has_section(doc: &Document, wanted: &str) -> bool {
    doc.outline
        .headings
        .iter()
        .any(|h| heading_matches(&h.text, wanted))
}

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    let policy_file = site.security_policy().map(|(d, _)| d.file.clone());
    for (doc, meta, _) in site.controlled() {
        let rules = site.project.rules(&meta.doc_type.value).expect("rules");
        let mut wanted: Vec<&str> = rules.required_sections.iter().map(String::as_str).collect();
        let is_policy = policy_file.as_deref() == Some(doc.file.as_str());
        if is_policy {
            for s in SECURITY_POLICY_SECTIONS {
                if !wanted.iter().any(|w| w.eq_ignore_ascii_case(s)) {
                    wanted.push(s);
                }
            }
        }
        for section in wanted {
            if has_section(doc, section) {
                continue;
            }
            let why = if is_policy && SECURITY_POLICY_SECTIONS.contains(&section) {
                "ISO 27001 clause 5.2 requires the information security policy to cover it"
                    .to_string()
            } else {
                format!(
                    "every {} needs it ([types.{}] required-sections)",
                    meta.doc_type.value, meta.doc_type.value
                )
            };
            // The first non-blank line of the body: where a reader starts to look.
            let blank = doc
                .body()
                .lines()
                .take_while(|l| l.trim().is_empty())
                .count();
            let line = doc.source[..doc.body_offset].lines().count() + 1 + blank;
            // A heading that is nearly the required one: a renamed or misspelt section.
            let near = crate::diagnostic::did_you_mean(
                section,
                doc.outline.headings.iter().map(|h| h.text.as_str()),
            )
            .and_then(|text| doc.outline.headings.iter().find(|h| h.text == text));
            let diagnostic = Diagnostic::new(
                Code::MissingSection,
                format!("required section \"{section}\" is missing"),
            )
            .doc(Some(&meta.id.value));
            out.push(match near {
                Some(heading) => diagnostic.at(&doc.file, heading.pos).help(format!(
                    "did you mean the heading \"{}\"? Rename it to `{section}`: {why}",
                    heading.text
                )),
                None => diagnostic
                    .at(&doc.file, crate::diagnostic::Pos::new(line, 1))
                    .help(format!("add a heading `## {section}`: {why}")),
            });
        }
    }
}
