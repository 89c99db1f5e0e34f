//! The auditor evidence pack (`policybook export`): one self-contained HTML file holding the
//! clause 5 matrix and every published, approved controlled document with its stamp, approval
//! trail, communication record and body. The data is the portal's own (`pages`,
//! `history_view`), so the pack and the portal cannot disagree; only the body's links are
//! changed, so that the file makes no request of any kind when it is opened or printed.

use super::{history_view, manifest, markdown, pages, theme};
use crate::content::Document;
use crate::site::Site;
use crate::validate::{Diagnostic, communication};
use crate::{Error, compliance};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The template of the pack, in the theme.
pub const TEMPLATE: &str = "export.html";

/// A rendered evidence pack.
pub struct Pack {
    pub html: String,
    /// How many documents it holds.
    pub documents: usize,
}

/// Renders the pack. Deterministic: the same repository, config and day give the same bytes.
pub fn render(site: &Site, diagnostics: &[Diagnostic]) -> Result<Pack, Error> {
    let theme = theme::for_site(site)?;
    let paths = markdown::Paths::of(site);
    let history = site.history.as_ref().ok();
    let histories = history
        .map(|h| history_view::histories(site, h))
        .unwrap_or_default();
    let coverage = communication::coverage(site);
    let log = pages::communications(site, &coverage);
    let published_entries = history
        .map(|h| history_view::published_entries(site, h, &histories))
        .unwrap_or_default();

    // Published (so never above max-classification), controlled and approved.
    let mut included: Vec<&Document> = site
        .controlled_in_force()
        .filter(|(d, c)| site.is_published(d) && c.is_approved())
        .map(|(d, _)| d)
        .collect();
    let type_of = |d: &Document| d.meta.as_ref().map(|m| m.doc_type.value.clone());
    included.sort_by(|a, b| type_of(a).cmp(&type_of(b)).then(a.id().cmp(&b.id())));
    let ids: BTreeSet<&str> = included.iter().filter_map(|d| d.id()).collect();

    let of_document = |list: &Value, id: &str| -> Vec<Value> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter(|e| {
                e["id"] == id
                    || e["documents"]
                        .as_array()
                        .is_some_and(|ds| ds.iter().any(|d| d["id"] == id))
            })
            .cloned()
            .collect()
    };

    let documents: Vec<Value> = included
        .iter()
        .map(|doc| {
            let meta = doc.meta.as_ref().expect("published has meta");
            let id = meta.id.value.as_str();
            let anchor = anchor(id);
            let body = markdown::to_html(&doc.rel_path, doc.body(), &meta.title.value, &paths);
            let mut page = pages::document(site, doc, &self_contained(&body, &anchor));
            let views = history.and_then(|h| {
                let dh = histories.get(&doc.file)?.clone();
                Some(history_view::views(site, h, doc, dh))
            });
            page["anchor"] = json!(anchor);
            match views {
                Some(views) => {
                    page["stamp"] = views.stamp;
                    let mut versions = views.history["versions"].clone();
                    for v in versions.as_array_mut().into_iter().flatten() {
                        if let Some(map) = v.as_object_mut() {
                            map.remove("diff_ref");
                        }
                    }
                    page["versions"] = versions;
                }
                None => {
                    page["stamp"] = manifest::stamp_without_history(doc);
                    page["versions"] = json!([]);
                }
            }
            // Communication entries that name this document, newest first, as the log shows
            // them, then the automatic "published on the portal" entries and what is pending.
            page["communications"] = json!(of_document(&log["entries"], id));
            page["published"] = json!(of_document(&json!(published_entries), id));
            page["pending"] = json!(of_document(&log["pending"], id));
            page
        })
        .collect();

    let matrix = compliance::matrix(site, diagnostics);
    let mut matrix_json = serde_json::to_value(&matrix).expect("the matrix serialises");
    for section in matrix_json["sections"].as_array_mut().into_iter().flatten() {
        for requirement in section["requirements"].as_array_mut().into_iter().flatten() {
            for e in requirement["evidence"].as_array_mut().into_iter().flatten() {
                let href = e["doc_id"]
                    .as_str()
                    .filter(|id| ids.contains(id))
                    .map(|id| format!("#{}", anchor(id)));
                e["href"] = json!(href);
            }
        }
    }

    let count = documents.len();
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let data = json!({
        "title": site.project.title(),
        "organization": site.project.config.isms.organization,
        "language": site.project.config.book.language,
        "today": site.today.to_string(),
        "head": history.map(|h| h.head.clone()),
        "history_incomplete": history.is_some_and(|h| h.shallow),
        "errors": errors,
        "generator": format!("policybook {}", env!("CARGO_PKG_VERSION")),
        "matrix": matrix_json,
        "documents": documents,
    });
    let mut context = tera::Context::new();
    context.insert("pack", &data);
    let html = theme
        .tera
        .render(TEMPLATE, &context)
        .map_err(|e| Error::Render(format!("cannot render the evidence pack: {e}")))?;
    Ok(Pack {
        html,
        documents: count,
    })
}

/// The element id of a document's section in the pack.
fn anchor(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("doc-{safe}")
}

/// A document body (already sanitised by `markdown::to_html`) made fit for a single offline
/// file: an external link keeps its text and shows its address as text (a printout needs it,
/// and the file must not reference anything outside itself); every other `href` and every
/// `src` is removed (the portal's relative pages and attachments do not travel with the pack);
/// element ids are prefixed with the document's anchor so that documents cannot collide.
pub fn self_contained(html: &str, anchor: &str) -> String {
    let spelled = spell_out_external_links(html);
    let prefix = format!("{anchor}-");
    let mut builder = markdown::sanitizer();
    builder
        .link_rel(None)
        .attribute_filter(|_element, attribute, value| match attribute {
            "href" | "src" | "srcset" => None,
            _ => Some(value.into()),
        })
        .id_prefix(Some(&prefix));
    builder.clean(&spelled).to_string()
}

/// `<a href="https://x" …>text</a>` → `<a class="external">text</a> <span class="url">(https://x)</span>`.
/// The input is ammonia's output: attributes double-quoted, values escaped, no nested links.
fn spell_out_external_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<a ") {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(tag_end) = tail.find('>') else {
            out.push_str(tail);
            return out;
        };
        let tag = &tail[..tag_end];
        let href = tag
            .find("href=\"")
            .map(|i| &tag[i + 6..])
            .and_then(|v| v.split_once('"').map(|(url, _)| url));
        let external = href.filter(|u| {
            let lower = u.to_ascii_lowercase();
            lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")
        });
        match (external, tail.find("</a>")) {
            (Some(url), Some(close)) if close > tag_end => {
                out.push_str("<a>");
                out.push_str(&tail[tag_end + 1..close]);
                out.push_str("</a> <span class=\"url\">(");
                out.push_str(url);
                out.push_str(")</span>");
                rest = &tail[close + 4..];
            }
            _ => {
                out.push_str(&tail[..=tag_end]);
                rest = &tail[tag_end + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_reference_nothing_outside_the_pack() {
        let html = r#"<h2 id="scope">Scope</h2><p>See <a href="https://www.iso.org/a?b=1&amp;c=2" rel="noopener noreferrer">ISO</a>, <a href="../roles/roles.html#roles">roles</a> and <img src="../evidence/x.png" alt="chart"> <a href="mailto:a@b.c">mail</a></p>"#;
        let out = self_contained(html, "doc-POL-001");
        assert!(!out.contains("href="), "{out}");
        assert!(!out.contains("src="), "{out}");
        assert!(out.contains(r#"id="doc-POL-001-scope""#), "{out}");
        assert!(
            out.contains("ISO</a> <span class=\"url\">(https://www.iso.org/a?b=1&amp;c=2)</span>"),
            "{out}"
        );
        assert!(out.contains(">roles</a>"), "{out}");
        assert!(out.contains("alt=\"chart\""), "{out}");
    }
}
