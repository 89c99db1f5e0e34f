//! `duplicate-id`: document ids and role ids are unique across the repository. Each occurrence
//! is reported, naming the other, so both locations show up in CI annotations.

use crate::diagnostic::{Code, Diagnostic};
use crate::site::Site;
use std::collections::BTreeMap;

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    duplicate_document_ids(site, out);
    ids_differing_in_case(site, out);
    duplicate_role_ids(site, out);
}

/// A document id used by more than one document: each is reported, naming the others.
fn duplicate_document_ids(site: &Site, out: &mut Vec<Diagnostic>) {
    for (id, indices) in site.ids() {
        if indices.len() < 2 {
            continue;
        }
        let docs: Vec<_> = indices.iter().map(|&i| &site.documents()[i]).collect();
        for doc in &docs {
            let meta = doc.meta.as_ref().expect("indexed documents have meta");
            let others: Vec<String> = docs
                .iter()
                .filter(|d| d.file != doc.file)
                .map(|d| format!("{}:{}", d.file, d.meta.as_ref().expect("meta").id.pos.line))
                .collect();
            out.push(
                Diagnostic::new(
                    Code::DuplicateId,
                    format!("id `{id}` is also used by {}", others.join(", ")),
                )
                .at(&doc.file, meta.id.pos)
                .width(id.chars().count())
                .doc(Some(id))
                .help("give each document its own id; ids must stay stable once published"),
            );
        }
    }
}

/// Ids that differ only in case: distinct to policybook, but the same to a reader, to a
/// case-insensitive file system (pages are named after ids) and to most search boxes.
fn ids_differing_in_case(site: &Site, out: &mut Vec<Diagnostic>) {
    type Spelling<'a> = (&'a str, &'a [usize]);
    let mut folded: BTreeMap<String, Vec<Spelling>> = BTreeMap::new();
    for (id, indices) in site.ids() {
        folded
            .entry(id.to_lowercase())
            .or_default()
            .push((id, indices));
    }
    for spellings in folded.values().filter(|s| s.len() > 1) {
        for (id, indices) in spellings {
            let others: Vec<String> = spellings
                .iter()
                .filter(|(o, _)| o != id)
                .map(|(o, _)| format!("`{o}`"))
                .collect();
            for &i in indices.iter() {
                let doc = &site.documents()[i];
                let meta = doc.meta.as_ref().expect("indexed documents have meta");
                out.push(
                    Diagnostic::new(
                        Code::DuplicateId,
                        format!("id `{id}` differs only in case from {}", others.join(", ")),
                    )
                    .at(&doc.file, meta.id.pos)
                    .width(id.chars().count())
                    .doc(Some(id))
                    .help("ids that differ only in case collide on case-insensitive file systems and confuse readers; rename one"),
                );
            }
        }
    }
}

/// A role id defined more than once: each definition is reported, naming the others.
fn duplicate_role_ids(site: &Site, out: &mut Vec<Diagnostic>) {
    /// Where a role id is defined: file, the id as written, the defining document's id.
    type Place<'a> = (
        &'a str,
        &'a crate::diagnostic::Spanned<String>,
        Option<&'a str>,
    );
    let mut roles: BTreeMap<&str, Vec<Place>> = BTreeMap::new();
    for (doc, role) in site.all_roles() {
        roles.entry(role.id.value.as_str()).or_default().push((
            doc.file.as_str(),
            &role.id,
            doc.id(),
        ));
    }
    for (id, places) in roles {
        if places.len() < 2 {
            continue;
        }
        for (i, (file, spanned, doc_id)) in places.iter().enumerate() {
            let others: Vec<String> = places
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (f, s, _))| format!("{f}:{}", s.pos.line))
                .collect();
            out.push(
                Diagnostic::new(
                    Code::DuplicateId,
                    format!("role id `{id}` is also defined at {}", others.join(", ")),
                )
                .at(file, spanned.pos)
                .width(id.chars().count())
                .doc(*doc_id)
                .help("define each role once; list several holders under one role instead"),
            );
        }
    }
}
