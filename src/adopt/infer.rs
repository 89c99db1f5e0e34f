//! What `adopt` proposes for one Markdown file, from its path and text alone: the id (from a
//! number prefix or the file name), the title (from the first heading) and the type (from the
//! name or the folder). Pure functions, so each guess is unit-tested both ways.

/// How a value was arrived at: the report says which guesses a human should look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Read from the file (a number prefix, a heading, a type word in the name or folder).
    Found,
    /// Nothing to read it from: a default, which the report says.
    Assumed,
}

/// The document types `adopt` knows how to propose, and the words that name them.
const TYPE_WORDS: &[(&str, &str)] = &[
    ("policy", "policy"),
    ("policies", "policy"),
    ("standard", "standard"),
    ("standards", "standard"),
    ("procedure", "procedure"),
    ("procedures", "procedure"),
    ("roles", "roles"),
    ("responsibilities", "roles"),
];

/// The type a file's name or folder names: the last type word of the file name ("roles_policy"
/// is a policy about roles), else of the nearest folder that has one; else `policy`, assumed.
pub fn doc_type(rel_path: &str) -> (&'static str, Source) {
    let mut parts: Vec<&str> = rel_path.split('/').collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.strip_suffix(".md").unwrap_or(file);
    let named = |name: &str| {
        name.split(|c: char| !c.is_ascii_alphanumeric())
            .rev()
            .find_map(|word| {
                let word = word.to_ascii_lowercase();
                TYPE_WORDS.iter().find(|(w, _)| *w == word).map(|(_, t)| *t)
            })
    };
    named(stem)
        .or_else(|| parts.iter().rev().find_map(|folder| named(folder)))
        .map_or(("policy", Source::Assumed), |t| (t, Source::Found))
}

/// The number a file name starts with (`05-roles_policy.md` → 5), when digits are followed by a
/// separator (`2fa-policy.md` has none).
pub fn number_prefix(stem: &str) -> Option<u64> {
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = &stem[digits..];
    let separated = rest.is_empty() || rest.starts_with(['-', '_', '.', ' ']);
    separated.then(|| stem[..digits].parse().ok()).flatten()
}

/// The id proposed for a file: `PREFIX-005` from a number prefix, else `PREFIX-` and the file
/// name in capitals (`access-control.md` → `POL-ACCESS-CONTROL`). Uniqueness is the caller's.
pub fn id(prefix: &str, rel_path: &str) -> String {
    let file = rel_path.rsplit('/').next().unwrap_or(rel_path);
    let stem = file.strip_suffix(".md").unwrap_or(file);
    if let Some(n) = number_prefix(stem) {
        return format!("{prefix}-{n:03}");
    }
    let mut slug = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_uppercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("{prefix}-DOC")
    } else {
        format!("{prefix}-{slug}")
    }
}

/// `id`, or with `-2`, `-3`, … when it is taken; the id returned is marked taken.
pub fn unique_id(
    prefix: &str,
    rel_path: &str,
    taken: &mut std::collections::BTreeSet<String>,
) -> String {
    let base = id(prefix, rel_path);
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// A heading without the section number it starts with: "5. Roles" → "Roles", "1.2 Scope" →
/// "Scope", "05 - Access control" → "Access control". A heading that is only a number stays.
pub fn strip_number(heading: &str) -> &str {
    let text = heading.trim();
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return text;
    }
    let number = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let rest = &text[number..];
    let rest = rest.strip_prefix(')').unwrap_or(rest);
    // A number glued to a word ("2FA policy") is part of the title.
    if rest.starts_with(char::is_alphanumeric) {
        return text;
    }
    let rest = rest
        .trim_start()
        .trim_start_matches(['-', '\u{2013}', '\u{2014}', ':'])
        .trim();
    if rest.is_empty() { text } else { rest }
}

/// Whether a title names the information security policy (ISO 27001 5.2), which the adopted
/// front matter marks with `clauses: ["5.2"]`.
pub fn is_security_policy(title: &str) -> bool {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words
        .windows(3)
        .any(|w| w == ["information", "security", "policy"])
}

/// The title: the first heading of the text without its number, else the file name in words
/// (`05-roles_policy.md` → "Roles policy").
pub fn title(rel_path: &str, source: &str) -> (String, Source) {
    let outline = crate::content::outline::read(source, 0);
    if let Some(h) = outline.headings.first() {
        let text = strip_number(&h.text);
        if !text.is_empty() {
            return (text.to_string(), Source::Found);
        }
    }
    let file = rel_path.rsplit('/').next().unwrap_or(rel_path);
    let stem = file.strip_suffix(".md").unwrap_or(file);
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    let words: Vec<&str> = stem[digits..]
        .split(|c: char| c == '-' || c == '_' || c == '.' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let mut text = words.join(" ");
    if let Some(first) = text.chars().next() {
        text.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
    }
    if text.is_empty() {
        text = stem.to_string();
    }
    (text, Source::Assumed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_number_prefixes_else_the_name() {
        assert_eq!(id("POL", "05-roles_policy.md"), "POL-005");
        assert_eq!(id("ISMS", "policies/12_backup.md"), "ISMS-012");
        assert_eq!(id("POL", "1234-x.md"), "POL-1234");
        assert_eq!(id("POL", "access-control.md"), "POL-ACCESS-CONTROL");
        assert_eq!(id("POL", "2fa-policy.md"), "POL-2FA-POLICY");
        assert_eq!(id("POL", "--.md"), "POL-DOC");
    }

    #[test]
    fn ids_are_made_unique_in_order() {
        let mut taken = std::collections::BTreeSet::from(["POL-001".to_string()]);
        assert_eq!(unique_id("POL", "a/01-x.md", &mut taken), "POL-001-2");
        assert_eq!(unique_id("POL", "b/1-y.md", &mut taken), "POL-001-3");
        assert_eq!(unique_id("POL", "02-z.md", &mut taken), "POL-002");
    }

    #[test]
    fn types_come_from_the_name_then_the_folder() {
        assert_eq!(doc_type("05-roles_policy.md"), ("policy", Source::Found));
        assert_eq!(
            doc_type("roles-and-responsibilities.md"),
            ("roles", Source::Found)
        );
        assert_eq!(
            doc_type("password-standard.md"),
            ("standard", Source::Found)
        );
        assert_eq!(
            doc_type("procedures/backup.md"),
            ("procedure", Source::Found)
        );
        assert_eq!(
            doc_type("standards/sub/03-crypto.md"),
            ("standard", Source::Found)
        );
        assert_eq!(doc_type("misc/03-crypto.md"), ("policy", Source::Assumed));
        // "policyholder" is not the word "policy".
        assert_eq!(
            doc_type("policyholder-notes.md"),
            ("policy", Source::Assumed)
        );
    }

    #[test]
    fn heading_numbers_are_stripped_and_words_kept() {
        assert_eq!(strip_number("5. Roles Policy"), "Roles Policy");
        assert_eq!(strip_number("1.2 Scope"), "Scope");
        assert_eq!(strip_number("05 - Access control"), "Access control");
        assert_eq!(strip_number("3) Backups"), "Backups");
        assert_eq!(strip_number("2FA policy"), "2FA policy");
        assert_eq!(strip_number("Access control"), "Access control");
        assert_eq!(strip_number("42"), "42");
        assert_eq!(strip_number("2026 plan"), "plan");
    }

    #[test]
    fn the_security_policy_is_named_by_its_title() {
        assert!(is_security_policy("Information Security Policy"));
        assert!(is_security_policy("ACME information-security policy"));
        assert!(!is_security_policy("Information Security Standard"));
        assert!(!is_security_policy("Security policy"));
    }

    #[test]
    fn titles_come_from_the_first_heading_else_the_name() {
        assert_eq!(
            title("05-x.md", "Intro\n\n## 5. Roles\n\n# Other\n"),
            ("Roles".to_string(), Source::Found)
        );
        assert_eq!(
            title("p/05-roles_policy.md", "no heading here\n"),
            ("Roles policy".to_string(), Source::Assumed)
        );
        assert!(number_prefix("2fa").is_none());
        assert_eq!(number_prefix("007"), Some(7));
    }
}
