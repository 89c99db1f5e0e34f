//! The acknowledgements of a document version on its page: per audience group, required,
//! received and outstanding (from `ack_status`), a progress bar's share, and the outstanding
//! people by name unless `[acknowledgement] show-names = false`; and the dashboard's rates.

use crate::content::document::Controlled;
use crate::site::Site;
use serde_json::{Value, json};

/// The outstanding people a page names per group, at most: a population of thousands would
/// make pages of megabytes; the export (`export --acknowledgements`) lists everyone.
pub const NAMES_LISTED: usize = 200;

/// `null` when there is no people file or the version is not approved.
pub fn document_view(site: &Site, id: &str, c: &Controlled) -> Value {
    let mut view = view_without_names(site, id, c);
    if let Some(listed) = listed(site, id, c) {
        listed.fill(site, &mut view);
    }
    view
}

/// `document_view` with every group's `names` null: a page's list of outstanding people (up
/// to `NAMES_LISTED` per group, tens of thousands on a large portal) is added by `Listed`
/// only when the page is rendered, and goes into its key as bytes, not as JSON.
pub fn view_without_names(site: &Site, id: &str, c: &Controlled) -> Value {
    let tallies = crate::ack_status::of_version(site, id, c);
    if tallies.is_empty() {
        return Value::Null;
    }
    let groups: Vec<Value> = tallies
        .iter()
        .map(|(tally, _)| {
            let required = tally.required_count();
            let received = tally.received();
            json!({
                "audience": tally.audience,
                "required": required,
                "received": received,
                "outstanding": required - received,
                "overdue": tally.overdue_count(site.today),
                "percent": percent(received, required),
                "names": null,
                "unlisted": (required - received).saturating_sub(NAMES_LISTED),
            })
        })
        .collect();
    let mut view = json!({"version": c.version.as_ref().map(|v| v.value.clone()), "groups": null});
    view["groups"] = Value::Array(groups);
    view
}

/// The outstanding people a document page names, per audience group in the view's order.
pub struct Listed<'s>(Vec<Vec<crate::ack_status::Due<'s>>>);

/// `None` when names are not shown (`[acknowledgement] show-names = false`), there is no
/// people file or the version is not approved.
pub fn listed<'s>(site: &'s Site, id: &str, c: &'s Controlled) -> Option<Listed<'s>> {
    if !site.project.config.acknowledgement.show_names {
        return None;
    }
    let tallies = crate::ack_status::of_version(site, id, c);
    if tallies.is_empty() {
        return None;
    }
    Some(Listed(
        tallies
            .iter()
            .map(|(tally, _)| tally.outstanding().take(NAMES_LISTED).collect())
            .collect(),
    ))
}

impl Listed<'_> {
    fn name<'a>(due: &crate::ack_status::Due<'a>) -> &'a str {
        if due.person.name.is_empty() {
            &due.person.email
        } else {
            &due.person.name
        }
    }

    /// Adds what the names show to a page's key: each name, deadline and whether it is past.
    pub fn key(&self, site: &Site, key: &mut super::memo::PageKey) {
        let mut bytes = Vec::new();
        for group in &self.0 {
            bytes.clear();
            for due in group {
                let name = Self::name(due);
                bytes.extend((name.len() as u64).to_le_bytes());
                bytes.extend(name.as_bytes());
                let d = due.deadline;
                bytes.extend(d.year().to_le_bytes());
                bytes.extend([d.month() as u8, d.day() as u8, u8::from(d < site.today)]);
            }
            key.bytes(&bytes);
        }
    }

    /// Sets each group's `names` in `view` (a `view_without_names`).
    pub fn fill(self, site: &Site, view: &mut Value) {
        // Deadlines repeat (most people share their version's): each written once.
        let mut written: Option<(jiff::civil::Date, String)> = None;
        let mut deadline = |d: jiff::civil::Date| match &written {
            Some((at, text)) if *at == d => text.clone(),
            _ => written.insert((d, d.to_string())).1.clone(),
        };
        for (i, group) in self.0.into_iter().enumerate() {
            let names: Vec<Value> = group
                .iter()
                .map(|due| {
                    json!({
                        "name": Self::name(due),
                        "deadline": deadline(due.deadline),
                        "overdue": due.deadline < site.today,
                    })
                })
                .collect();
            view["groups"][i]["names"] = Value::Array(names);
        }
    }
}

/// The dashboard's acknowledgement rates: per published document version in force with an
/// audience, received of required (each person counted once per version, whatever their
/// groups), and the whole portal's rate; `null` without a people file or records. `href` is a
/// document's page.
pub fn dashboard_view(site: &Site, href: &dyn Fn(&crate::content::Document) -> String) -> Value {
    if site.acknowledgements.records.is_empty() {
        return Value::Null;
    }
    let mut versions: Vec<Value> = Vec::new();
    let (mut required, mut received) = (0usize, 0usize);
    let tallies = crate::ack_status::all(site);
    // Each person's mark in the current document (by their position in the people file): 1
    // required, 2 required and acknowledged in some group; reset after each document.
    let mut marks: Vec<u8> = Vec::new();
    let mut marked: Vec<usize> = Vec::new();
    // The tallies come document by document, one per audience group.
    for group in tallies.chunk_by(|a, b| std::ptr::eq(a.1, b.1)) {
        let (first, doc, _) = &group[0];
        if !site.is_published(doc) {
            continue;
        }
        // Each person once, acknowledged in any group.
        for (tally, _, _) in group {
            for (index, acknowledged) in tally.marks() {
                if marks.len() <= index {
                    marks.resize(index + 1, 0);
                }
                let mark = &mut marks[index];
                if *mark == 0 {
                    marked.push(index);
                }
                *mark = (*mark).max(if acknowledged { 2 } else { 1 });
            }
        }
        let of = marked.len();
        let got = marked.iter().filter(|&&i| marks[i] == 2).count();
        for &i in &marked {
            marks[i] = 0;
        }
        marked.clear();
        if of == 0 {
            continue;
        }
        required += of;
        received += got;
        versions.push(json!({
            "id": first.document,
            "title": doc.meta.as_ref().map(|m| m.title.value.clone()),
            "href": href(doc),
            "version": first.version,
            "required": of,
            "received": got,
            "percent": percent(got, of),
        }));
    }
    if versions.is_empty() {
        return Value::Null;
    }
    json!({
        "required": required,
        "received": received,
        "percent": percent(received, required),
        "versions": versions,
    })
}

/// `received` of `required` in whole per cent, rounded down (never 100 while one is missing).
fn percent(received: usize, required: usize) -> usize {
    (received * 100).checked_div(required).unwrap_or(100)
}
