//! The people file and the acknowledgement records against the documents: groups that are no
//! audience (`unknown-group`), audiences nobody belongs to (`audience-without-people`),
//! records by people not in the people file (`acknowledgement-unknown-person`), of unknown
//! documents (`unknown-document`) or of versions and content never approved
//! (`acknowledgement-wrong-version`). The files' own row findings come with them.

use crate::diagnostic::{Code, Diagnostic, Pos, Spanned, did_you_mean};
use crate::history::versions::{ApprovedVersion, document_history};
use crate::site::Site;
use std::collections::{BTreeSet, HashMap};

/// The files' own findings, the groups and audiences, and each record against the documents.
pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    let register = &site.acknowledgements;
    out.extend(register.diagnostics.iter().cloned());
    if let Some(people) = &register.people {
        groups_and_audiences(site, people, out);
    }
    records(site, out);
}

/// The tallies: overdue acknowledgements and typed counts the records contradict. A rule of
/// its own, so that it runs beside `check` (each reads hundreds of thousands of records when
/// an organisation of thousands has them, while the other rules are long done).
pub fn check_tallies(site: &Site, out: &mut Vec<Diagnostic>) {
    overdue(site, out);
    typed_counts(site, out);
}

/// `acknowledgement-overdue`: one finding per document and audience group with people past
/// their deadline, naming the first few.
fn overdue(site: &Site, out: &mut Vec<Diagnostic>) {
    for (tally, doc, pos) in crate::ack_status::all(site) {
        let late = tally.overdue_count(site.today);
        if late == 0 {
            continue;
        }
        let mut names: Vec<&str> = tally
            .overdue(site.today)
            .take(5)
            .map(|d| d.person.email.as_str())
            .collect();
        if late > names.len() {
            names.push("…");
        }
        let (file, pos) = site.finding_position(doc, pos);
        out.push(
            Diagnostic::new(
                Code::AcknowledgementOverdue,
                format!(
                    "{} of {} in `{}` have not acknowledged {} v{} by their deadline: {}",
                    late,
                    tally.required_count(),
                    tally.audience,
                    tally.document,
                    tally.version,
                    names.join(", ")
                ),
            )
            .at(file, pos)
            .width(tally.audience.chars().count())
            .doc(Some(&tally.document))
            .help(format!(
                "import their acknowledgements with `policybook ack import FILE --document {}`",
                tally.document
            )),
        );
    }
}

/// `acknowledgement-count-mismatch`: typed `{required, received}` that the records contradict.
fn typed_counts(site: &Site, out: &mut Vec<Diagnostic>) {
    for (entry, comm) in site.communications() {
        let Some(typed) = comm.acknowledgements else {
            continue;
        };
        let Some(computed) = crate::ack_status::entry_counts(site, comm) else {
            continue;
        };
        if typed == computed {
            continue;
        }
        let pos = entry
            .source
            .find("acknowledgements:")
            .map_or(Pos::new(1, 1), |o| Pos::of_offset(&entry.source, o));
        out.push(
            Diagnostic::new(
                Code::AcknowledgementCountMismatch,
                format!(
                    "typed acknowledgements {{required: {}, received: {}}}, but the records say {{required: {}, received: {}}}",
                    typed.0, typed.1, computed.0, computed.1
                ),
            )
            .at(&entry.file, pos)
            .help("the records' counts replace the typed ones; delete the typed `acknowledgements` or correct them"),
        );
    }
}

/// Every audience named by a document or a communication entry, where it is named.
fn audiences(site: &Site) -> Vec<(&str, &Spanned<String>)> {
    let mut found = Vec::new();
    for doc in site.documents() {
        if let Some(c) = doc.controlled() {
            found.extend(c.audience.iter().map(|a| (doc.file.as_str(), a)));
        }
    }
    for (entry, comm) in site.communications() {
        found.extend(comm.audience.iter().map(|a| (entry.file.as_str(), a)));
    }
    found
}

fn groups_and_audiences(
    site: &Site,
    people: &crate::acknowledgement::People,
    out: &mut Vec<Diagnostic>,
) {
    let named = audiences(site);
    let known: BTreeSet<&str> = named.iter().map(|(_, a)| a.value.as_str()).collect();
    let mut reported = BTreeSet::new();
    for person in &people.persons {
        for group in &person.groups {
            if known.contains(group.as_str()) || !reported.insert(group.as_str()) {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::UnknownGroup,
                format!(
                    "group `{group}` of `{}` is no audience of any document or communication",
                    person.email
                ),
            )
            .at(&people.file, Pos::new(person.line, 1));
            d = match did_you_mean(group, known.iter().copied()) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => d.help("name it in a document's `audience`, or drop it from the row"),
            };
            out.push(d);
        }
    }
    let held: BTreeSet<&str> = people
        .persons
        .iter()
        .flat_map(|p| p.groups.iter().map(String::as_str))
        .collect();
    for (file, audience) in named {
        if held.contains(audience.value.as_str()) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::AudienceWithoutPeople,
                format!(
                    "no one in `{}` belongs to audience `{}`",
                    people.file, audience.value
                ),
            )
            .at(file, audience.pos)
            .width(audience.value.chars().count())
            .help(format!(
                "add `{}` to the groups of its members in the people file, or fix the audience",
                audience.value
            )),
        );
    }
}

/// What a record's version is judged by: its document, version and content hash.
type Judged<'a> = (&'a str, &'a str, &'a str);

/// A document's approved versions, shared by the runs of its records.
type Approved = std::rc::Rc<Vec<ApprovedVersion>>;

/// Whether two keys are the same: mostly the same shared texts, compared by address first.
fn same_judged(a: &Judged, b: &Judged) -> bool {
    let same = |a: &str, b: &str| std::ptr::eq(a, b) || a == b;
    same(a.0, b.0) && same(a.1, b.1) && same(a.2, b.2)
}

fn records(site: &Site, out: &mut Vec<Diagnostic>) {
    let register = &site.acknowledgements;
    // Each document's approved versions, and each (document, version, hash)'s verdict, found
    // once: hundreds of thousands of records name a few dozen of them.
    let mut versions: HashMap<&str, Option<Approved>> = HashMap::new();
    // The document of the previous record, and its approved versions.
    let mut current: Option<(&std::sync::Arc<str>, Option<Approved>)> = None;
    let mut verdicts: HashMap<Judged, Option<String>> = HashMap::new();
    let mut last: Option<(Judged, Option<String>)> = None;
    for (i, record) in register.records.iter().enumerate() {
        let at = Pos::new(record.line, 1);
        if let Some(people) = &register.people
            && register.person_of(i).is_none()
        {
            out.push(
                Diagnostic::new(
                    Code::AcknowledgementUnknownPerson,
                    format!("`{}` is not in `{}`", record.email, people.file),
                )
                .at(&record.file, at)
                .doc(Some(&record.document))
                .help("add the person to the people file, or correct the e-mail address"),
            );
        }
        // Rows of one file mostly name the previous row's document: looked up once per run.
        if !matches!(&current, Some((d, _)) if crate::acknowledgement::same(d, &record.document)) {
            let found = versions.entry(&*record.document).or_insert_with(|| {
                let doc = site.document(&record.document)?;
                let history = site.history.as_ref().ok();
                Some(std::rc::Rc::new(history.map_or_else(Vec::new, |h| {
                    document_history(h, doc).versions
                })))
            });
            current = Some((&record.document, found.as_ref().map(std::rc::Rc::clone)));
        }
        let Some((_, approved)) = &current else {
            continue;
        };
        let Some(approved) = approved else {
            out.push(
                Diagnostic::new(
                    Code::UnknownDocument,
                    format!("acknowledged document `{}` does not exist", record.document),
                )
                .at(&record.file, at)
                .help("record files name documents by their `id`"),
            );
            continue;
        };
        if site.history.is_err() {
            continue;
        }
        let key = (&*record.document, &*record.version, &*record.content_sha256);
        // Rows of one file mostly repeat the previous row's document, version and hash.
        let problem = match &last {
            Some((k, verdict)) if same_judged(k, &key) => verdict.clone(),
            _ => {
                let verdict = verdicts
                    .entry(key)
                    .or_insert_with(|| {
                        wrong_version(approved, &record.version, &record.content_sha256)
                    })
                    .clone();
                last = Some((key, verdict.clone()));
                verdict
            }
        };
        if let Some(problem) = problem {
            out.push(
                Diagnostic::new(Code::AcknowledgementWrongVersion, problem)
                    .at(&record.file, at)
                    .doc(Some(&record.document))
                    .help(format!(
                        "approved versions of {}: {}",
                        record.document,
                        if approved.is_empty() {
                            "none".to_string()
                        } else {
                            approved
                                .iter()
                                .map(|v| v.version.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    )),
            );
        }
    }
}

/// Why an acknowledgement of `version` with `hash` (empty: not known) matches no approved
/// version; `None` when it matches one.
pub fn wrong_version(approved: &[ApprovedVersion], version: &str, hash: &str) -> Option<String> {
    let same: Vec<&ApprovedVersion> = approved.iter().filter(|v| v.version == version).collect();
    if same.is_empty() {
        return Some(format!("version {version} was never approved"));
    }
    if !hash.is_empty() && !same.iter().any(|v| v.content_hash == hash) {
        return Some(format!(
            "content {} is not the content of version {version} ({})",
            short(hash),
            short(&same[0].content_hash)
        ));
    }
    None
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
