//! `broken-link`: relative links and images must reach a file under the content directory, and
//! `#anchors` a heading of the target; communication evidence must exist. External links are not
//! fetched (the portal must build offline).

use crate::content::Document;
use crate::diagnostic::{Code, Diagnostic, Pos};
use crate::site::Site;
use std::collections::HashMap;

/// Where a link in a document leads.
#[derive(Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// `https:`, `mailto:`, `//host`: not ours to check.
    External,
    /// A path below src (maybe empty: the same document) and an optional anchor.
    Local {
        path: String,
        anchor: Option<&'a str>,
    },
    /// A relative path that climbs out of the content directory.
    Outside,
}

/// Attachments a browser would run script from when opened on the portal. They are never
/// copied into the site: the portal sanitises documents, and these would bypass it.
pub fn is_active_content(path: &str) -> bool {
    let extension = path
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    matches!(
        extension.as_str(),
        "html" | "htm" | "xhtml" | "shtml" | "svg" | "svgz" | "xml" | "xsl" | "xslt" | "js" | "mjs"
    )
}

pub fn has_scheme(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    match dest.find(':') {
        Some(i) => {
            let scheme = &dest[..i];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !dest[..i].contains('/')
        }
        None => false,
    }
}

/// Resolves `dest` as written in the document at `from` (a path below src).
pub fn resolve<'a>(from: &str, dest: &'a str) -> Target<'a> {
    if has_scheme(dest) {
        return Target::External;
    }
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (dest, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    if path.is_empty() {
        return Target::Local {
            path: from.to_string(),
            anchor,
        };
    }
    let mut parts: Vec<&str> = if path.starts_with('/') {
        Vec::new()
    } else {
        from.split('/').collect()
    };
    if !path.starts_with('/') {
        parts.pop(); // the file name of `from`
    }
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Target::Outside;
                }
            }
            s => parts.push(s),
        }
    }
    Target::Local {
        path: parts.join("/"),
        anchor,
    }
}

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    let by_path: HashMap<&str, &Document> = site
        .documents()
        .iter()
        .map(|d| (d.rel_path.as_str(), d))
        .collect();
    for doc in site.documents() {
        for link in &doc.outline.links {
            if let Some(problem) = problem(site, &by_path, doc, &link.dest) {
                let mut d = broken(doc, link.pos, &link.dest, problem);
                // A missing file: the nearest existing one, as a link from this document (in
                // the help, so the finding itself stays the same when other files change).
                if let Target::Local { path, anchor } = resolve(&doc.rel_path, &link.dest)
                    && !by_path.contains_key(path.as_str())
                {
                    let existing = by_path
                        .keys()
                        .copied()
                        .chain(site.corpus.assets.iter().map(String::as_str));
                    if let Some(best) = nearest_path(&path, existing) {
                        let anchor = anchor.map(|a| format!("#{a}")).unwrap_or_default();
                        d = d.help(format!(
                            "did you mean `{}{anchor}`?",
                            relative_link(&doc.rel_path, best)
                        ));
                    }
                }
                out.push(d);
            } else if let Target::Local { path, .. } = resolve(&doc.rel_path, &link.dest)
                && site.corpus.assets.contains(&path)
                && is_active_content(&path)
            {
                out.push(unsafe_attachment(doc, link.pos, &link.dest));
            }
        }
        if let Some(crate::content::Kind::Communication(c)) = doc.meta.as_ref().map(|m| &m.kind) {
            for evidence in &c.evidence {
                let path = evidence.value.trim_start_matches("./");
                if is_active_content(path) && site.corpus.assets.contains(path) {
                    out.push(unsafe_attachment(doc, evidence.pos, &evidence.value));
                } else if !site.corpus.assets.contains(path) && !by_path.contains_key(path) {
                    out.push(
                        broken(doc, evidence.pos, &evidence.value, "no such file under the content directory".into())
                            .help("evidence paths are relative to the content directory, e.g. evidence/2026-03-02-email.pdf"),
                    );
                }
            }
        }
    }
}

fn unsafe_attachment(doc: &Document, pos: Pos, dest: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnsafeAttachment,
        format!("`{dest}` is a file browsers execute (HTML, SVG, XML or JavaScript); it is not published"),
    )
    .at(&doc.file, pos)
    .doc(doc.id())
    .help("attach it as PDF, an image (PNG, JPEG) or plain text instead")
}

fn broken(doc: &Document, pos: Pos, dest: &str, problem: String) -> Diagnostic {
    Diagnostic::new(Code::BrokenLink, format!("link `{dest}`: {problem}"))
        .at(&doc.file, pos)
        .doc(doc.id())
        .help("fix the path (relative to this file) or the anchor; anchors are heading slugs such as #scope")
}

fn problem(
    site: &Site,
    by_path: &HashMap<&str, &Document>,
    doc: &Document,
    dest: &str,
) -> Option<String> {
    match resolve(&doc.rel_path, dest) {
        Target::External => None,
        Target::Outside => Some("leads outside the content directory".into()),
        Target::Local { path, anchor } => {
            if let Some(target) = by_path.get(path.as_str()) {
                match anchor {
                    Some(a) if !a.is_empty() && !target.outline.has_anchor(a) => {
                        let known: Vec<&str> = target
                            .outline
                            .headings
                            .iter()
                            .map(|h| h.anchor.as_str())
                            .collect();
                        Some(
                            match crate::diagnostic::did_you_mean(a, known.into_iter()) {
                                Some(best) => format!(
                                    "no heading with anchor `#{a}` in {} (did you mean `#{best}`?)",
                                    target.rel_path
                                ),
                                None => {
                                    format!("no heading with anchor `#{a}` in {}", target.rel_path)
                                }
                            },
                        )
                    }
                    _ => None,
                }
            } else if site.corpus.assets.contains(&path) {
                None
            } else {
                Some(format!(
                    "`{path}` does not exist under the content directory"
                ))
            }
        }
    }
}

/// The existing path nearest to `path` by edit distance, if it is a plausible typo (about one
/// edit per ten characters): paths share long prefixes, so word similarity would suggest any
/// file of the same directory.
pub fn nearest_path<'c>(path: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let allowed = 1 + path.chars().count() / 10;
    candidates
        .map(|c| (strsim::damerau_levenshtein(path, c), c))
        .filter(|(edits, _)| *edits <= allowed)
        .min_by_key(|(edits, _)| *edits)
        .map(|(_, c)| c)
}

/// The relative link from the document at `from` to the file at `to` (both relative to the
/// content directory).
fn relative_link(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(&to_parts[..to_parts.len() - 1])
        .take_while(|(a, b)| a == b)
        .count();
    let mut out: Vec<&str> = vec![".."; from_dirs.len() - common];
    out.extend(&to_parts[common..]);
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_paths_are_typos_not_neighbours() {
        let files = [
            "roles/roles-and-responsibilities.md",
            "policies/information-security-policy.md",
        ];
        assert_eq!(
            nearest_path("roles/roles-and-responsibilites.md", files.into_iter()),
            Some(files[0])
        );
        assert_eq!(
            nearest_path("policies/missing-0.md", files.into_iter()),
            None
        );
    }

    #[test]
    fn relative_links_between_content_files() {
        assert_eq!(
            relative_link("policies/a.md", "roles/r.md"),
            "../roles/r.md"
        );
        assert_eq!(relative_link("policies/a.md", "policies/b.md"), "b.md");
        assert_eq!(relative_link("a.md", "roles/r.md"), "roles/r.md");
        assert_eq!(relative_link("x/y/a.md", "x/b.md"), "../b.md");
    }

    #[test]
    fn resolves_relative_paths() {
        assert_eq!(
            resolve("policies/a.md", "../roles/r.md#ciso"),
            Target::Local {
                path: "roles/r.md".into(),
                anchor: Some("ciso")
            }
        );
        assert_eq!(resolve("a.md", "../x.md"), Target::Outside);
        assert_eq!(resolve("a.md", "https://example.com"), Target::External);
        assert_eq!(resolve("a.md", "mailto:x@example.com"), Target::External);
        assert_eq!(
            resolve("p/a.md", "#scope"),
            Target::Local {
                path: "p/a.md".into(),
                anchor: Some("scope")
            }
        );
        assert_eq!(
            resolve("p/a.md", "my%20file.pdf"),
            Target::Local {
                path: "p/my file.pdf".into(),
                anchor: None
            }
        );
    }
}
