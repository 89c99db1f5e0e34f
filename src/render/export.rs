//! The auditor evidence pack (`policybook export`): one self-contained HTML file holding the
//! clause 5 matrix with each row's evidence, every published, approved controlled document with
//! its stamp, approval trail, communication record and body, the clause 5 records the matrix
//! cites (roles registries with their holders, management reviews with their inputs and
//! decisions, the communication log), and how to verify the pack. The data is the portal's own (`pages`,
//! `history_view`), so the pack and the portal cannot disagree; only the body's links are
//! changed, so that the file makes no request of any kind when it is opened or printed.

use super::{history_view, manifest, markdown, pages, theme};
use crate::content::document::ManagementReview;
use crate::content::{Document, Kind};
use crate::diagnostic::Diagnostic;
use crate::history::HistoryIndex;
use crate::site::Site;
use crate::validate::communication;
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
/// `manifest_digest` is the digest of the portal this commit builds (`manifest.json`), when
/// known.
pub fn render(
    site: &Site,
    diagnostics: &[Diagnostic],
    manifest_digest: Option<&str>,
) -> Result<Pack, Error> {
    let theme = theme::for_site(site)?;
    let history = site.history.as_ref().ok();
    let coverage = communication::coverage(site);
    let log = pages::communications(site, &coverage);

    let included = included_documents(site);
    let ids: BTreeSet<&str> = included.iter().filter_map(|d| d.id()).collect();
    let documents = document_sections(site, history, &included, &log);
    let roles = roles_records(site, diagnostics, &log);
    let reviews = review_records(site, diagnostics);

    let matrix = compliance::matrix(site, diagnostics);
    let record_anchors = record_anchors(site);
    let matrix_json = pages::matrix_view(&matrix, &|e| {
        evidence_link(
            e.doc_id.as_deref()?,
            e.fragment.as_deref(),
            &ids,
            &record_anchors,
            &log,
        )
    });
    let mut log_entries = log["entries"].clone();
    for e in log_entries.as_array_mut().into_iter().flatten() {
        let id = e["id"].as_str().unwrap_or("").to_string();
        e["anchor"] = json!(log_anchor(&id));
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
        "roles": roles,
        "reviews": reviews,
        "log": log_entries,
        "manifest_digest": manifest_digest,
        "interval": site.project.management_review_interval.to_string(),
    });
    let mut context = tera::Context::new();
    context.insert("pack", &data);
    let html = theme
        .tera
        .render(TEMPLATE, &context)
        .map_err(|e| Error::template("cannot render the evidence pack", e))?;
    Ok(Pack {
        html,
        documents: count,
    })
}

/// The documents the pack holds: published (so never above max-classification), controlled
/// and approved, by type then id.
fn included_documents(site: &Site) -> Vec<&Document> {
    let mut included: Vec<&Document> = site
        .controlled_in_force()
        .filter(|(d, _, c)| site.is_published(d) && c.is_approved())
        .map(|(d, _, _)| d)
        .collect();
    let type_of = |d: &Document| d.meta.as_ref().map(|m| m.doc_type.value.clone());
    included.sort_by(|a, b| type_of(a).cmp(&type_of(b)).then(a.id().cmp(&b.id())));
    included
}

/// The entries of `list` (communication log entries, pending items) that are about document
/// `id`, or name it among their documents.
fn entries_naming(list: &Value, id: &str) -> Vec<Value> {
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
}

/// One section per included document: its page data with a self-contained body, its stamp,
/// versions (without links to diffs the pack does not hold) and communication record.
fn document_sections(
    site: &Site,
    history: Option<&HistoryIndex>,
    included: &[&Document],
    log: &Value,
) -> Vec<Value> {
    let paths = markdown::Paths::of(site);
    let histories = history
        .map(|h| history_view::histories(site, h))
        .unwrap_or_default();
    let published_entries = json!(
        history
            .map(|h| history_view::published_entries(site, h, &histories))
            .unwrap_or_default()
    );
    included
        .iter()
        .map(|doc| {
            let meta = doc.meta.as_ref().expect("published has meta");
            let id = meta.id.value.as_str();
            let anchor = anchor(id);
            let body = markdown::to_html(&doc.rel_path, doc.body(), &meta.title.value, &paths);
            // The outstanding people are not named in the export (its counts are): no lists.
            let mut page = pages::document_with(site, doc, &self_contained(&body, &anchor), false);
            let views = history.and_then(|h| {
                let dh = histories.get(&doc.file)?.clone();
                Some(history_view::views(site, h, doc, dh))
            });
            page["anchor"] = json!(anchor);
            match views {
                Some(views) => {
                    page["stamp"] = views.stamp;
                    page["versions"] = versions_without_diff_links(&views.history["versions"]);
                }
                None => {
                    page["stamp"] = manifest::stamp_without_history(doc);
                    page["versions"] = json!([]);
                }
            }
            // Communication entries that name this document, newest first, as the log shows
            // them, then the automatic "published on the portal" entries and what is pending.
            page["communications"] = json!(entries_naming(&log["entries"], id));
            page["published"] = json!(entries_naming(&published_entries, id));
            page["pending"] = json!(entries_naming(&log["pending"], id));
            page
        })
        .collect()
}

/// A document's versions as the portal shows them, less the links to diff pages, which do
/// not travel with the pack.
fn versions_without_diff_links(versions: &Value) -> Value {
    let mut versions = versions.clone();
    for v in versions.as_array_mut().into_iter().flatten() {
        if let Some(map) = v.as_object_mut() {
            map.remove("diff_ref");
        }
    }
    versions
}

/// The published roles registries (never above max-classification), in id order.
fn published_registries(site: &Site) -> Vec<&Document> {
    let mut registries: Vec<&Document> = site
        .roles_documents()
        .filter(|d| site.is_published(d))
        .collect();
    registries.sort_by(|a, b| a.id().cmp(&b.id()));
    registries
}

/// The ids of the records (roles registries, management reviews) the pack holds a section
/// for.
fn record_anchors(site: &Site) -> BTreeSet<String> {
    published_registries(site)
        .iter()
        .chain(site.reviews().map(|(d, _)| d).collect::<Vec<_>>().iter())
        .filter(|d| site.is_published(d))
        .filter_map(|d| d.id().map(String::from))
        .collect()
}

/// One section per published roles registry, with its roles, holders and communications.
fn roles_records(site: &Site, diagnostics: &[Diagnostic], log: &Value) -> Vec<Value> {
    published_registries(site)
        .iter()
        .filter_map(|doc| {
            let meta = doc.meta.as_ref()?;
            let Kind::Roles(list) = &meta.kind else {
                return None;
            };
            let id = meta.id.value.as_str();
            Some(json!({
                "id": id, "title": meta.title.value, "anchor": record_anchor(id),
                "source": doc.file,
                "signoff": meta.signoff.as_ref().map(pages::signoff_view),
                "approved": compliance::record_approved(doc, diagnostics),
                "roles": list.iter().map(|r| {
                    let mut v = pages::role_view(site, doc, r);
                    v["anchor"] = json!(format!("{}-role-{}", record_anchor(id), anchor_safe(&r.id.value)));
                    v
                }).collect::<Vec<_>>(),
                "communications": entries_naming(&log["entries"], id),
            }))
        })
        .collect()
}

/// One section per published management review, newest first.
fn review_records(site: &Site, diagnostics: &[Diagnostic]) -> Vec<Value> {
    let mut reviews: Vec<(&Document, &ManagementReview)> = site
        .reviews()
        .filter(|(d, _)| site.is_published(d))
        .collect();
    reviews.sort_by(|a, b| {
        let date = |r: &ManagementReview| r.date.as_ref().map(|d| d.value);
        date(b.1).cmp(&date(a.1)).then(a.0.id().cmp(&b.0.id()))
    });
    reviews
        .into_iter()
        .filter_map(|(doc, r)| {
            let meta = doc.meta.as_ref()?;
            let id = meta.id.value.as_str();
            let mut v = pages::review_view(site, doc, r);
            v["id"] = json!(id);
            v["title"] = json!(meta.title.value);
            v["anchor"] = json!(record_anchor(id));
            v["source"] = json!(doc.file);
            v["signoff"] = json!(meta.signoff.as_ref().map(pages::signoff_view));
            v["approved"] = json!(compliance::record_approved(doc, diagnostics));
            Some(v)
        })
        .collect()
}

/// Where a matrix row's evidence (document or record `id`, optionally an entry `fragment` in
/// it) is in the pack: a document's section, a record's section (and the entry in it), a
/// communication log entry, or nowhere when the pack does not hold it.
fn evidence_link(
    id: &str,
    fragment: Option<&str>,
    documents: &BTreeSet<&str>,
    records: &BTreeSet<String>,
    log: &Value,
) -> Option<String> {
    if documents.contains(id) {
        return Some(format!("#{}", anchor(id)));
    }
    if records.contains(id) {
        let base = record_anchor(id);
        return Some(match fragment {
            Some(f) => format!("#{base}-{}", anchor_safe(f)),
            None => format!("#{base}"),
        });
    }
    if log["entries"]
        .as_array()
        .is_some_and(|es| es.iter().any(|x| x["id"] == id))
    {
        return Some(format!("#{}", log_anchor(id)));
    }
    None
}

/// An id made safe for an element id.
fn anchor_safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The element id of a document's section in the pack.
fn anchor(id: &str) -> String {
    format!("doc-{}", anchor_safe(id))
}

/// The element id of a record's (roles registry, management review) section in the pack.
fn record_anchor(id: &str) -> String {
    format!("record-{}", anchor_safe(id))
}

/// The element id of a communication log entry in the pack.
fn log_anchor(id: &str) -> String {
    format!("log-{}", anchor_safe(id))
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
