//! The acknowledgements of a document version on its page: per audience group, required,
//! received and outstanding (from `ack_status`), a progress bar's share, and the outstanding
//! people by name unless `[acknowledgement] show-names = false`; and the dashboard's rates.

use super::template_value::update;
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
        listed.fill(site.today, &mut view);
    }
    view
}

/// `document_view` with every group's `due` null: a page's list of outstanding people (up
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
                "due": null,
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

    /// Sets each group's `due` in `view` (a `view_without_names`).
    pub fn fill(self, today: jiff::civil::Date, view: &mut Value) {
        self.each_group(today, |i, runs| {
            view["groups"][i]["due"] = serde_json::to_value(runs).expect("names serialise");
        });
    }

    /// Each group's outstanding people as a page lists them, in the view's order, in runs of
    /// consecutive people who share a deadline: the deadline, whether it is past, the names.
    /// (Most people share their version's deadline: a template reads it once per run, not once
    /// per name, and each name is a string, not a record of three fields.)
    fn each_group(&self, today: jiff::civil::Date, mut f: impl FnMut(usize, &[Run<'_>])) {
        // Deadlines repeat: each written once.
        let mut deadlines: Vec<(jiff::civil::Date, String)> = Vec::new();
        for due in self.0.iter().flatten() {
            if !deadlines.iter().any(|(d, _)| *d == due.deadline) {
                deadlines.push((due.deadline, due.deadline.to_string()));
            }
        }
        let text = |date: jiff::civil::Date| {
            deadlines
                .iter()
                .find(|(d, _)| *d == date)
                .map_or("", |(_, text)| text.as_str())
        };
        for (i, group) in self.0.iter().enumerate() {
            let mut runs: Vec<(jiff::civil::Date, Vec<&str>)> = Vec::new();
            for due in group {
                match runs.last_mut() {
                    Some((deadline, names)) if *deadline == due.deadline => {
                        names.push(Self::name(due))
                    }
                    _ => runs.push((due.deadline, vec![Self::name(due)])),
                }
            }
            let runs: Vec<Run> = runs
                .into_iter()
                .map(|(deadline, names)| Run {
                    deadline: text(deadline),
                    overdue: deadline < today,
                    names,
                })
                .collect();
            f(i, &runs);
        }
    }

    /// Sets each group's `due` in a document page's data as the template reads it
    /// (`page.controlled.acknowledgements.groups[i].due`), made straight into the template
    /// engine's values, not a JSON object converted field by field (a large portal's pages
    /// list hundreds of thousands of names). The same data as `fill` makes (a unit test
    /// compares the two).
    pub fn fill_page(self, today: jiff::civil::Date, page: tera::Value) -> tera::Value {
        let mut due: Vec<tera::Value> = Vec::with_capacity(self.0.len());
        self.each_group(today, |_, runs| {
            due.push(tera::Value::from_serializable(runs))
        });
        update(page, "controlled", |controlled| {
            update(controlled, "acknowledgements", |view| {
                update(view, "groups", |groups| {
                    let Some(list) = groups.as_array() else {
                        return groups;
                    };
                    let list: Vec<tera::Value> = (list.iter().cloned().enumerate())
                        .map(|(i, group)| match due.get(i) {
                            Some(runs) => update(group, "due", |_| runs.clone()),
                            None => group,
                        })
                        .collect();
                    tera::Value::from(list)
                })
            })
        })
    }
}

/// Outstanding people a page lists one after the other who share a deadline (`due[]`:
/// deadline, overdue, names).
#[derive(serde::Serialize)]
struct Run<'a> {
    deadline: &'a str,
    overdue: bool,
    names: Vec<&'a str>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ack_status::Due;
    use crate::acknowledgement::people::Person;

    fn person(email: &str, name: &str) -> Person {
        Person {
            email: email.into(),
            name: name.into(),
            groups: vec!["all-staff".into()],
            joined: None,
            left: None,
            line: 2,
        }
    }

    /// The names `fill_page` puts into a document page's template value are those `fill` puts
    /// into its JSON, converted as every page's data is.
    #[test]
    fn names_made_for_the_template_are_the_names_of_the_json_view() {
        let people = [
            person("ann@example.com", "Ann <Admin> & Co"),
            person("bob@example.com", ""),
            person(
                "cho@example.com",
                "Chō Nakamura-Lindqvist, Head of Compliance",
            ),
        ];
        let date = |d: &str| d.parse::<jiff::civil::Date>().unwrap();
        let due = |i: usize, deadline: &str| Due {
            person: &people[i],
            index: i,
            deadline: date(deadline),
            acknowledged: None,
        };
        let listed = || {
            Listed(vec![
                vec![
                    due(0, "2026-01-10"),
                    due(2, "2026-01-10"),
                    due(1, "2026-03-01"),
                ],
                vec![],
                vec![
                    due(1, "2026-02-01"),
                    due(0, "2026-03-01"),
                    due(2, "2026-02-01"),
                ],
            ])
        };
        let group = |audience: &str| json!({"audience": audience, "required": 3, "received": 0, "due": null, "unlisted": 0});
        let page = json!({
            "id": "POL-1",
            "body": "<p>text</p>",
            "controlled": {
                "status": "approved",
                "acknowledgements": {
                    "version": "1.0",
                    "groups": [group("all-staff"), group("contractors"), group("board")],
                },
            },
        });
        let today = date("2026-02-01");
        let mut json_view = page.clone();
        listed().fill(today, &mut json_view["controlled"]["acknowledgements"]);
        // What both are made of: each name (the e-mail when there is none) in runs of people
        // one after the other who share a deadline, with whether it is past (a deadline of
        // today is not); a deadline met again later starts a run of its own.
        let groups = &json_view["controlled"]["acknowledgements"]["groups"];
        assert_eq!(
            groups[0]["due"],
            json!([
                {"deadline": "2026-01-10", "overdue": true, "names": ["Ann <Admin> & Co", "Chō Nakamura-Lindqvist, Head of Compliance"]},
                {"deadline": "2026-03-01", "overdue": false, "names": ["bob@example.com"]},
            ])
        );
        assert_eq!(groups[1]["due"], json!([]));
        assert_eq!(
            groups[2]["due"],
            json!([
                {"deadline": "2026-02-01", "overdue": false, "names": ["bob@example.com"]},
                {"deadline": "2026-03-01", "overdue": false, "names": ["Ann <Admin> & Co"]},
                {"deadline": "2026-02-01", "overdue": false, "names": ["Chō Nakamura-Lindqvist, Head of Compliance"]},
            ])
        );
        let expected = tera::Value::from_serializable(&json_view);
        let made = listed().fill_page(today, tera::Value::from_serializable(&page));
        assert!(made == expected, "{made:?}\n!=\n{expected:?}");
        // And the runs are there (not the null they replace).
        let names = made
            .get_from_path("controlled.acknowledgements.groups.0.due")
            .and_then(|n| n.as_array())
            .map(<[tera::Value]>::len);
        assert_eq!(names, Some(2));
    }
}
