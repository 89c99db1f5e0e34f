//! The template-facing view of a document's Git history: its version stamp (document pages,
//! manifest), its history page (revisions, approved versions with evidence, diffs between
//! successive approved versions), the "published on the portal" communication entries and the
//! dashboard's recent changes.

use crate::content::Document;
use crate::dates::{commit_date, rfc3339};
use crate::history::HistoryIndex;
use crate::history::report;
use crate::site::Site;
use crate::stamp::{self, DocumentHistory, Verifier};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The commit link of `[output.html] commit-url`, if configured.
pub fn commit_href(site: &Site, commit: &str) -> Option<String> {
    site.project
        .config
        .output
        .html
        .commit_url
        .as_ref()
        .map(|url| url.replace("{commit}", commit))
}

fn evidence_json(site: &Site, approvals: &[stamp::ApprovalEvidence]) -> Vec<Value> {
    approvals
        .iter()
        .map(|a| {
            let commit = a.evidence.commit();
            json!({
                "role": a.role, "name": a.name, "date": a.date,
                "evidenced": a.evidence.is_evidenced(),
                "evidence": a.evidence.describe(),
                "commit": commit,
                "commit_short": commit.map(stamp::short),
                "commit_href": commit.and_then(|c| commit_href(site, c)),
            })
        })
        .collect()
}

/// Stamp and history of one document. `None` history means no Git history is available.
pub struct Views {
    pub stamp: Value,
    pub history: Value,
}

/// The texts of every approved version of every published document (for the diffs between
/// versions), read in the order the commits were walked: that is close to pack order, and
/// libgit2 caches only the base of a delta chain, so this is many times faster than reading
/// them document by document.
pub fn version_texts(site: &Site, history: &HistoryIndex) -> HashMap<String, String> {
    let wanted: std::collections::HashSet<String> = site
        .published()
        .filter(|d| d.controlled().is_some())
        .flat_map(|d| {
            stamp::document_history(history, d)
                .versions
                .into_iter()
                .map(|v| v.blob)
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let ordered: Vec<&String> = history
        .walk
        .order
        .iter()
        .filter_map(|id| history.commit(id))
        .flat_map(|r| r.changes.iter().filter_map(|c| c.new.as_ref()))
        .filter(|b| wanted.contains(*b) && seen.insert(*b))
        .collect();
    // Contiguous runs per worker keep each worker's reads in pack order.
    let chunk = ordered
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(1);
    ordered
        .par_chunks(chunk)
        .flat_map_iter(|chunk| {
            let repo = git2::Repository::open(&history.git_dir).ok();
            chunk
                .iter()
                .filter_map(|blob| {
                    let repo = repo.as_ref()?;
                    let found = repo.find_blob(git2::Oid::from_str(blob).ok()?).ok()?;
                    let text = String::from_utf8(found.content().to_vec()).ok()?;
                    Some(((*blob).clone(), text))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

pub fn views(
    site: &Site,
    history: &HistoryIndex,
    doc: &Document,
    texts: &HashMap<String, String>,
) -> Views {
    let verifier = Verifier {
        mode: site.project.config.approval.evidence,
        signers: &site.signers,
        history,
    };
    let mut dh: DocumentHistory = stamp::document_history(history, doc);
    stamp::evidence_for_versions(site, &verifier, &mut dh);
    let current = stamp::current_evidence(site, &verifier, &dh);
    let last = dh.revisions.first();
    let stamp = json!({
        "id": doc.id(),
        "version": dh.current.version,
        "status": dh.current.status,
        "content_hash": dh.current.content_hash,
        "blob": dh.blob,
        "working_copy": dh.uncommitted,
        "last_commit": last.map(|r| r.commit.id.clone()),
        "last_commit_short": last.map(|r| stamp::short(&r.commit.id).to_string()),
        "last_commit_href": last.and_then(|r| commit_href(site, &r.commit.id)),
        "last_commit_time": last.map(|r| rfc3339(r.commit.committer.time, r.commit.committer.offset)),
        "approvals": evidence_json(site, &current),
        "history_incomplete": history.shallow,
    });

    let revisions: Vec<Value> = dh
        .revisions
        .iter()
        .map(|r| {
            let sig = report::signature_view(site, history, r.commit, true);
            json!({
                "commit": r.commit.id,
                "commit_short": stamp::short(&r.commit.id),
                "commit_href": commit_href(site, &r.commit.id),
                "time": rfc3339(r.commit.committer.time, r.commit.committer.offset),
                "date": commit_date(r.commit.committer.time, r.commit.committer.offset),
                "author": r.commit.author.name,
                "summary": r.commit.summary,
                "change": r.revision.kind,
                "path": history.project_path(&r.revision.path).unwrap_or(&r.revision.path),
                "version": r.facts.and_then(|f| f.version.clone()),
                "status": r.facts.and_then(|f| f.status.clone()),
                "content_hash": r.facts.and_then(|f| f.content_hash.clone()),
                "trailers": r.commit.trailers.iter().map(|t| json!({"key": t.key, "value": t.value})).collect::<Vec<_>>(),
                "signature": sig,
                "merge": r.commit.parents.len() > 1,
            })
        })
        .collect();

    let texts: Vec<Option<&String>> = dh.versions.iter().map(|v| texts.get(&v.blob)).collect();
    let versions: Vec<Value> = dh
        .versions
        .iter()
        .enumerate()
        .rev()
        .map(|(i, v)| {
            let commit = history.commit(&v.approved_in);
            let diff = (i > 0)
                .then(|| match (&texts[i - 1], &texts[i]) {
                    (Some(old), Some(new)) => Some(diff_lines(old, new)),
                    _ => None,
                })
                .flatten();
            json!({
                "version": v.version,
                "content_hash": v.content_hash,
                "approved_in": v.approved_in,
                "approved_in_short": stamp::short(&v.approved_in),
                "approved_in_href": commit_href(site, &v.approved_in),
                "approved_at": commit.map(|c| rfc3339(c.committer.time, c.committer.offset)),
                "approvals": evidence_json(site, &v.approvals),
                "previous": (i > 0).then(|| dh.versions[i - 1].version.clone()),
                "diff": diff,
            })
        })
        .collect();
    Views {
        stamp,
        history: json!({
            "revisions": revisions,
            "versions": versions,
            "incomplete": history.shallow,
            "head": history.head,
            "working_copy": dh.uncommitted,
        }),
    }
}

/// A line diff as rows for a template: `{kind: "add"|"del"|"ctx"|"gap", text}`; unchanged runs
/// are cut to three lines of context.
pub fn diff_lines(old: &str, new: &str) -> Value {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut rows = Vec::new();
    for group in diff.grouped_ops(3) {
        if !rows.is_empty() {
            rows.push(json!({"kind": "gap", "text": "…"}));
        }
        for op in group {
            for change in diff.iter_changes(&op) {
                let kind = match change.tag() {
                    similar::ChangeTag::Insert => "add",
                    similar::ChangeTag::Delete => "del",
                    similar::ChangeTag::Equal => "ctx",
                };
                rows.push(
                    json!({"kind": kind, "text": change.value().trim_end_matches(['\n', '\r'])}),
                );
            }
        }
    }
    let added = rows.iter().filter(|r| r["kind"] == "add").count();
    let removed = rows.iter().filter(|r| r["kind"] == "del").count();
    json!({"rows": rows, "added": added, "removed": removed})
}

/// "Published on the portal" entries: each approved version of each published document, at
/// the time its approval commit reached the published branch.
pub fn published_entries(site: &Site, history: &HistoryIndex) -> Vec<Value> {
    let mut out = Vec::new();
    for doc in site.published() {
        if doc.controlled().is_none() {
            continue;
        }
        let dh = stamp::document_history(history, doc);
        for v in &dh.versions {
            let Some(c) = history.commit(&v.approved_in) else {
                continue;
            };
            out.push(json!({
                "automatic": true,
                "date": commit_date(c.committer.time, c.committer.offset),
                "time": rfc3339(c.committer.time, c.committer.offset),
                "id": doc.id(),
                "title": doc.meta.as_ref().map(|m| m.title.value.clone()),
                "href": super::pages::doc_page(doc),
                "version": v.version,
                "commit_short": stamp::short(&v.approved_in),
                "commit_href": commit_href(site, &v.approved_in),
            }));
        }
    }
    out
}

/// The newest commits that changed a published document.
pub fn recent_changes(site: &Site, history: &HistoryIndex, limit: usize) -> Vec<Value> {
    let published: std::collections::HashMap<String, &Document> = site
        .published()
        .map(|d| (history.repo_path(&d.file), d))
        .collect();
    let mut out = Vec::new();
    for id in &history.walk.order {
        let Some(record) = history.commit(id) else {
            continue;
        };
        let docs: Vec<Value> = record
            .changes
            .iter()
            .filter_map(|c| published.get(&c.path))
            .map(|d| json!({"id": d.id(), "href": super::pages::doc_page(d)}))
            .collect();
        if docs.is_empty() {
            continue;
        }
        out.push(json!({
            "commit_short": stamp::short(&record.id),
            "commit_href": commit_href(site, &record.id),
            "date": commit_date(record.committer.time, record.committer.offset),
            "author": record.author.name,
            "summary": record.summary,
            "documents": docs,
        }));
        if out.len() == limit {
            break;
        }
    }
    out
}
