//! What changed between the two sides: documents, and the findings HEAD introduces.

use super::types::{Approver, Change, ChangeKind, Holder};
use crate::Site;
use crate::diagnostic::Diagnostic;
use std::collections::{BTreeMap, HashSet};

/// What a document looks like at one side of the comparison.
struct Snapshot<'a> {
    id: Option<&'a str>,
    title: Option<&'a str>,
    doc_type: Option<&'a str>,
    file: &'a str,
    source: &'a str,
    version: Option<String>,
    status: Option<String>,
    content_hash: Option<String>,
    disclosure: crate::disclosure::Disclosure,
}

/// Documents keyed by id (by path for those without readable front matter); the first of a
/// duplicated id wins, as everywhere else.
fn snapshots(site: &Site) -> BTreeMap<String, Snapshot<'_>> {
    let mut out = BTreeMap::new();
    for doc in site.documents() {
        let meta = doc.meta.as_ref();
        let key = match doc.id() {
            Some(id) => format!("id:{id}"),
            None => format!("path:{}", doc.file),
        };
        let facts = doc.facts.clone();
        out.entry(key).or_insert(Snapshot {
            id: doc.id(),
            title: meta.map(|m| m.title.value.as_str()),
            doc_type: meta.map(|m| m.doc_type.value.as_str()),
            file: &doc.file,
            source: &doc.source,
            version: facts.version,
            status: facts.status,
            disclosure: crate::disclosure::of_facts(&site.project, &doc.facts),
            content_hash: facts.content_hash,
        });
    }
    out
}

fn approvers(site: &Site, doc_type: &str) -> Vec<Approver> {
    crate::validate::authorised_roles(site, doc_type)
        .into_iter()
        .map(|id| {
            let role = site.role(&id);
            Approver {
                defined: role.is_some(),
                holders: role
                    .into_iter()
                    .flat_map(|r| r.holders_on(site.today))
                    .map(|h| Holder {
                        name: h.name.clone(),
                        email: h.email.clone(),
                    })
                    .collect(),
                role: id,
            }
        })
        .collect()
}

pub fn changes(base: &Site, head: &Site) -> Vec<Change> {
    let before = snapshots(base);
    let after = snapshots(head);
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        let (b, a) = (before.get(key), after.get(key));
        let Some(kind) = change_kind(b, a) else {
            continue;
        };
        let content_changed = match (b, a) {
            (Some(b), Some(a)) => b.content_hash != a.content_hash,
            _ => false,
        };
        let bump_required = content_changed && released_version_kept(b, a);
        let needs_approval = needs_approval(head, b, a, content_changed);
        let latest = a.or(b).expect("one side exists");
        let withheld = [b, a]
            .into_iter()
            .flatten()
            .find_map(|s| s.disclosure.withheld_level())
            .map(str::to_string);
        // A file name can repeat what a withheld text says.
        let path = |s: &Snapshot| match s.disclosure.is_shown() {
            true => s.file.to_string(),
            false => crate::file_history::WITHHELD_PATH.to_string(),
        };
        out.push(Change {
            kind,
            id: latest.id.map(str::to_string),
            title: latest
                .title
                .filter(|_| latest.disclosure.is_shown())
                .map(str::to_string),
            withheld,
            doc_type: latest.doc_type.map(str::to_string),
            path_before: b.map(path),
            path_after: a.map(path),
            version_before: b.and_then(|s| s.version.clone()),
            version_after: a.and_then(|s| s.version.clone()),
            status_before: b.and_then(|s| s.status.clone()),
            status_after: a.and_then(|s| s.status.clone()),
            content_changed,
            bump_required,
            approvers: needs_approval
                .then(|| approvers(head, a.and_then(|a| a.doc_type).unwrap_or_default())),
            rules: match needs_approval {
                true => a
                    .and_then(|a| a.doc_type)
                    .and_then(|t| head.project.rules(t))
                    .map(|r| r.quorum.clone())
                    .unwrap_or_default(),
                false => Vec::new(),
            },
        });
    }
    out.sort_by(|x, y| {
        (x.kind, x.path_after.as_ref().or(x.path_before.as_ref()))
            .cmp(&(y.kind, y.path_after.as_ref().or(y.path_before.as_ref())))
    });
    out
}

/// Identity of a finding across commits: code, document (or file) and message — not the line.
fn finding_key(d: &Diagnostic) -> (&'static str, Option<&str>, &str) {
    (
        d.code,
        d.doc_id.as_deref().or(d.file.as_deref()),
        d.message.as_str(),
    )
}

pub fn introduced(base: &[Diagnostic], head: &[Diagnostic]) -> Vec<Diagnostic> {
    let known: HashSet<_> = base.iter().map(finding_key).collect();
    let mut out: Vec<Diagnostic> = head
        .iter()
        .filter(|d| !known.contains(&finding_key(d)))
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    out
}

/// How a document changed between the sides; `None` when it did not.
fn change_kind(b: Option<&Snapshot>, a: Option<&Snapshot>) -> Option<ChangeKind> {
    Some(match (b, a) {
        (None, None) => return None,
        (None, Some(_)) => ChangeKind::Added,
        (Some(_), None) => ChangeKind::Removed,
        (Some(b), Some(a)) if b.file != a.file => ChangeKind::Renamed,
        (Some(b), Some(a)) if b.source == a.source => return None,
        (Some(b), Some(a)) if b.content_hash != a.content_hash => ChangeKind::ContentChanged,
        (Some(_), Some(_)) => ChangeKind::MetadataChanged,
    })
}

/// Released content (approved or retired at BASE) keeps its `version` at HEAD.
fn released_version_kept(b: Option<&Snapshot>, a: Option<&Snapshot>) -> bool {
    match (b, a) {
        (Some(b), Some(a)) => {
            b.version.is_some()
                && b.version == a.version
                && matches!(b.status.as_deref(), Some("approved" | "retired"))
        }
        _ => false,
    }
}

/// A new version, new content or a new `approved` of a controlled document needs someone to
/// approve it.
fn needs_approval(
    head: &Site,
    b: Option<&Snapshot>,
    a: Option<&Snapshot>,
    content_changed: bool,
) -> bool {
    a.is_some_and(|a| {
        let controlled = a.doc_type.is_some_and(|t| head.project.is_controlled(t));
        controlled
            && match b {
                None => true,
                Some(b) => {
                    content_changed
                        || b.version != a.version
                        || (a.status.as_deref() == Some("approved") && b.status != a.status)
                }
            }
    })
}
