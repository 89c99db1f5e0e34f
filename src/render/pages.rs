//! The template-facing view of the site: one function per page kind, each producing the JSON
//! value a template reads. Only published documents appear; every href is relative to the site
//! root (templates prefix `root`, so the site works from `file://` and below any `site-url`).

use crate::compliance::{ClauseMatrix, Evidence, Verdict, entry_anchor};
use crate::content::document::{Communication, Controlled, ManagementReview, Meta, Role};
use crate::content::{Document, Kind};
use crate::diagnostic::Diagnostic;
use crate::site::Site;
use crate::validate::communication::{Coverage, Reach};
use crate::validate::reviews::{ReviewState, review_due};
use serde_json::{Value, json};

/// Where a document's page is written: `docs/<path below src without .md>.html`.
pub fn doc_page(doc: &Document) -> String {
    let stem = doc.rel_path.strip_suffix(".md").unwrap_or(&doc.rel_path);
    format!("docs/{stem}.html")
}

/// Where a document's history page is written: by id, or for an unregistered file (no id) by
/// its path below src.
pub fn history_page(doc: &Document) -> String {
    match doc.id() {
        Some(id) => format!("history/{id}.html"),
        None => {
            let stem = doc.rel_path.strip_suffix(".md").unwrap_or(&doc.rel_path);
            format!("history/unregistered/{stem}.html")
        }
    }
}

/// The title an unregistered file is shown under: its first heading, else its path.
pub fn unregistered_title(doc: &Document) -> &str {
    doc.first_heading().unwrap_or(&doc.rel_path)
}

/// A document's table of contents: its second- and third-level headings.
fn toc(doc: &Document) -> Vec<Value> {
    doc.outline
        .headings
        .iter()
        .filter(|h| (2..=3).contains(&h.level))
        .map(|h| json!({"level": h.level, "text": h.text, "anchor": h.anchor}))
        .collect()
}

/// The page of an unregistered file (see `Site::unregistered`): its body, its outline, and
/// the findings about it (`front-matter-missing` first of all), in place of a header.
pub fn unregistered_document(doc: &Document, diagnostics: &[Diagnostic]) -> Value {
    let toc = toc(doc);
    let findings: Vec<Value> = diagnostics
        .iter()
        .filter(|d| d.file.as_deref() == Some(doc.file.as_str()))
        .map(|d| {
            json!({
                "code": d.code, "severity": d.severity.to_string(), "message": d.message,
                "line": d.line, "column": d.column, "help": d.help,
            })
        })
        .collect();
    json!({
        "id": doc.rel_path,
        "title": unregistered_title(doc),
        "type": "unregistered",
        "classification": crate::config::DEFAULT_CLASSIFICATION,
        "clauses": [],
        "source": doc.file,
        "body": "",
        "toc": toc,
        "controlled": null, "roles": null, "review": null, "communication": null,
        "signoff": null,
        "unregistered": {"diagnostics": findings},
    })
}

/// `../` once per directory level of `page`, so links resolve from wherever the page is.
pub fn root_of(page: &str) -> String {
    "../".repeat(page.matches('/').count())
}

fn title(doc: &Document) -> &str {
    doc.meta.as_ref().map_or("", |m| m.title.value.as_str())
}

/// A reference to a document by id: its title and page when published, else marked restricted
/// (its title must not leak).
fn doc_ref(site: &Site, id: &str) -> Value {
    match site.document(id).filter(|d| site.is_published(d)) {
        Some(d) => json!({"id": id, "title": title(d), "href": doc_page(d), "restricted": false}),
        None if site.document(id).is_some() => {
            json!({"id": null, "title": "restricted document", "href": null, "restricted": true})
        }
        None => json!({"id": id, "title": "unknown document", "href": null, "restricted": false}),
    }
}

fn role_ref(site: &Site, id: &str) -> Value {
    match site.published_role(id) {
        Some(r) => json!({"id": id, "title": r.title, "href": format!("roles.html#role-{id}")}),
        None => json!({"id": id, "title": "unknown role", "href": null}),
    }
}

fn review_state(state: ReviewState) -> &'static str {
    match state {
        ReviewState::Current => "current",
        ReviewState::DueSoon => "due-soon",
        ReviewState::Overdue => "overdue",
    }
}

/// The register row (and page header) of a controlled document.
pub fn controlled_summary(site: &Site, doc: &Document, meta: &Meta, c: &Controlled) -> Value {
    let due = review_due(site, doc, c);
    json!({
        "id": meta.id.value,
        "title": meta.title.value,
        "type": meta.doc_type.value,
        "href": doc_page(doc),
        "classification": meta.classification.value,
        "version": c.version.as_ref().map(|v| v.value.clone()),
        "status": c.status.as_ref().map(|s| s.value.as_str()),
        "owner": c.owner.as_ref().map(|o| role_ref(site, &o.value)),
        "effective": c.effective.as_ref().map(|d| d.value.to_string()),
        "next_review": due.map(|d| d.due.to_string()),
        "review_state": due.map(|d| review_state(d.state)),
        "last_review": due.map(|d| d.last.to_string()),
        "successor": successor(site, doc),
    })
}

/// The working version of a document in force at an earlier version: what the page's banner
/// and the register say ("version 1.1 is in review"), with its draft page when published.
pub fn successor(site: &Site, doc: &Document) -> Value {
    let Some(f) = site.as_in_force(doc) else {
        return Value::Null;
    };
    // Asked of this one document: scanning every published draft made the pages quadratic.
    let working = site.working(doc);
    let draft_published = site.published_draft(working).is_some();
    json!({
        "version": f.working_version,
        "status": f.working_status.as_str(),
        "said": match f.working_status {
            crate::content::Status::InReview => "in review",
            _ => "being drafted",
        },
        "href": draft_published.then(|| draft_page(working)),
    })
}

/// Where the draft page of a working version is written.
pub fn draft_page(doc: &Document) -> String {
    let stem = doc.rel_path.strip_suffix(".md").unwrap_or(&doc.rel_path);
    format!("drafts/{stem}.html")
}

/// The clause 5 matrix as templates read it: each row's state, finding, the records it used
/// (`evidence`, linked by `link`), and for a row not evidenced what would evidence it. An
/// attested row's only evidence is the review entry that states it.
pub fn matrix_view(matrix: &ClauseMatrix, link: &dyn Fn(&Evidence) -> Option<String>) -> Value {
    let evidence = |e: &Evidence| json!({"label": e.label, "href": link(e), "doc_id": e.doc_id});
    let sections: Vec<Value> = matrix
        .sections
        .iter()
        .map(|s| {
            let requirements: Vec<Value> = s
                .requirements
                .iter()
                .map(|r| {
                    let (used, attestation, wanted) = match &r.verdict {
                        Verdict::Met { evidence: used } => {
                            (used.iter().map(evidence).collect(), Value::Null, Value::Null)
                        }
                        Verdict::Attested { attestation: a } => (
                            vec![evidence(&a.record)],
                            json!({"entry": a.entry, "text": a.text, "review_date": a.review_date}),
                            Value::Null,
                        ),
                        Verdict::NotEvidenced { wanted } => (Vec::new(), Value::Null, json!(wanted)),
                    };
                    let mut row = json!({
                        "label": r.label, "clause": r.clause, "requirement": r.requirement,
                        "demonstration": r.demonstration, "state": r.verdict.state(),
                        "finding": r.finding,
                    });
                    row["evidence"] = Value::Array(used);
                    row["attestation"] = attestation;
                    row["wanted"] = wanted;
                    row
                })
                .collect();
            let mut section = json!({"clause": s.clause, "title": s.title, "headline": s.headline, "tally": s.tally});
            section["requirements"] = Value::Array(requirements);
            section
        })
        .collect();
    let mut view = json!({"headline": matrix.headline, "tally": matrix.tally});
    view["sections"] = Value::Array(sections);
    view
}

pub fn dashboard(
    site: &Site,
    matrix: &ClauseMatrix,
    coverage: &[Coverage],
    diagnostics: &[Diagnostic],
) -> Value {
    let matrix = matrix_view(matrix, &|e| {
        let href = match (&e.doc_id, e.page) {
            (Some(id), _) => doc_ref(site, id)["href"].as_str().map(String::from),
            (None, Some(page)) => Some(page.to_string()),
            _ => None,
        };
        href.map(|h| match &e.fragment {
            Some(f) => format!("{h}#{f}"),
            None => h,
        })
    });
    let published: Vec<&Document> = site.published().collect();
    let count = |status: crate::content::Status| {
        site.controlled_in_force()
            .filter(|(d, _, c)| {
                site.is_published(d) && c.status.as_ref().is_some_and(|s| s.value == status)
            })
            .count()
    };
    object! {
        "matrix" => matrix,
        "reviews" => reviews_due(site),
        "awaiting" => awaiting_communication(site, coverage),
        "acknowledgements" => super::acknowledgements::dashboard_view(site, &|d| doc_page(d)),
        "recent" => recently_effective(site),
        "counts" => json!({
            "documents": published.len(),
            "approved": count(crate::content::Status::Approved),
            "in_review": count(crate::content::Status::InReview),
            "draft": count(crate::content::Status::Draft),
            "roles": site.published_roles().count(),
            "communications": site.communications().filter(|(d, _)| site.is_published(d)).count(),
        }),
        "diagnostics" => diagnostics_view(site, diagnostics),
        // Scaffold placeholders left (in published documents): the setup is incomplete.
        "placeholders" => shown_diagnostics(site, diagnostics)
            .filter(|d| d.code == crate::diagnostic::Code::Placeholder.as_str())
            .count(),
    }
}

/// The published documents whose review is due or overdue, soonest first.
fn reviews_due(site: &Site) -> Vec<Value> {
    let mut reviews: Vec<Value> = site
        .controlled_in_force()
        .filter(|(d, _, _)| site.is_published(d))
        .filter_map(|(d, _, c)| {
            let due = review_due(site, d, c)?;
            (due.state != ReviewState::Current).then(|| {
                json!({"id": d.id(), "title": title(d), "href": doc_page(d), "due": due.due.to_string(), "state": review_state(due.state)})
            })
        })
        .collect();
    reviews.sort_by(|a, b| a["due"].as_str().cmp(&b["due"].as_str()));
    reviews
}

/// The published documents' versions an audience has still to be told of (or is overdue).
fn awaiting_communication(site: &Site, coverage: &[Coverage]) -> Vec<Value> {
    coverage
        .iter()
        .filter(|c| {
            site.is_published(c.document) && matches!(c.reach, Reach::Awaiting | Reach::Overdue)
        })
        .map(|c| {
            json!({
                "id": c.document.id(), "title": title(c.document), "href": doc_page(c.document),
                "version": c.version, "audience": c.audience, "deadline": c.deadline.to_string(),
                "overdue": c.reach == Reach::Overdue,
            })
        })
        .collect()
}

/// The ten published, approved documents that took effect last, newest first.
fn recently_effective(site: &Site) -> Vec<Value> {
    let mut recent: Vec<(String, Value)> = site
        .controlled_in_force()
        .filter(|(d, _, c)| site.is_published(d) && c.is_approved())
        .filter_map(|(d, _, c)| {
            let eff = c.effective.as_ref()?.value.to_string();
            Some((eff.clone(), json!({"id": d.id(), "title": title(d), "href": doc_page(d), "version": c.version.as_ref().map(|v| v.value.clone()), "effective": eff})))
        })
        .collect();
    recent.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1["id"].as_str().cmp(&b.1["id"].as_str()))
    });
    recent.truncate(10);
    recent.into_iter().map(|(_, v)| v).collect()
}

/// Diagnostics safe to show on the portal: none about an unpublished document.
pub fn diagnostics_view(site: &Site, diagnostics: &[Diagnostic]) -> Vec<Value> {
    shown_diagnostics(site, diagnostics)
        .map(|d| {
            json!({
                "code": d.code, "severity": d.severity.to_string(), "message": d.message,
                "file": d.file, "line": d.line, "column": d.column, "help": d.help,
            })
        })
        .collect()
}

/// The diagnostics that may be shown beside the portal (its pages, `serve`'s overlay): none
/// that names an unpublished document by file, id or title.
pub fn shown_diagnostics<'d>(
    site: &Site,
    diagnostics: &'d [Diagnostic],
) -> impl Iterator<Item = &'d Diagnostic> {
    // An unregistered file is withheld as a document of the default level would be (see
    // `Site::unregistered`); its path can repeat what it holds.
    let unregistered_withheld = !site
        .project
        .publishable(crate::config::DEFAULT_CLASSIFICATION);
    let unpublished: Vec<&Document> = site
        .documents()
        .iter()
        .filter(|d| {
            !site.is_published(d)
                && (d.meta.is_some() || (unregistered_withheld && d.is_unregistered()))
        })
        .collect();
    // Anything a finding could name an unpublished document by: paths, id, title.
    let names: Vec<&str> = unpublished
        .iter()
        .flat_map(|d| {
            let (id, title) = d
                .meta
                .as_ref()
                .map_or(("", ""), |m| (m.id.value.as_str(), m.title.value.as_str()));
            [d.file.as_str(), d.rel_path.as_str(), id, title]
        })
        .filter(|n| !n.is_empty())
        .collect();
    let mentions = move |text: &str| names.iter().any(|n| text.contains(n));
    diagnostics.iter().filter(move |d| {
        !d.file
            .as_deref()
            .is_some_and(|f| unpublished.iter().any(|u| u.file == f))
            && !mentions(&d.message)
            && !d.help.as_deref().is_some_and(&mentions)
            && d.doc_id
                .as_deref()
                .is_none_or(|id| site.document(id).is_none_or(|doc| site.is_published(doc)))
    })
}

pub fn register(site: &Site) -> Value {
    let mut rows: Vec<Value> = site
        .controlled_in_force()
        .filter(|(d, _, _)| site.is_published(d))
        .map(|(d, m, c)| controlled_summary(site, d, m, c))
        .collect();
    rows.sort_by(|a, b| {
        a["type"]
            .as_str()
            .cmp(&b["type"].as_str())
            .then(a["id"].as_str().cmp(&b["id"].as_str()))
    });
    let records: Vec<Value> = site
        .published()
        .filter(|d| d.controlled().is_none())
        .map(|d| {
            let meta = d.meta.as_ref().expect("published has meta");
            json!({"id": meta.id.value, "title": meta.title.value, "type": meta.doc_type.value, "href": doc_page(d)})
        })
        .collect();
    let unregistered: Vec<Value> = site
        .unregistered()
        .map(|d| json!({"file": d.file, "title": unregistered_title(d), "href": doc_page(d)}))
        .collect();
    object! {"documents" => rows, "records" => records, "unregistered" => unregistered}
}

/// The page of one document: header fields, body, outline and the kind's own data.
pub fn document(site: &Site, doc: &Document, body_html: &str) -> Value {
    document_with(site, doc, body_html, true)
}

/// `document`, with the acknowledgement groups' `names` left null unless `names` (see
/// `acknowledgements::Listed`).
pub fn document_with(site: &Site, doc: &Document, body_html: &str, names: bool) -> Value {
    let meta = doc.meta.as_ref().expect("published has meta");
    let toc = toc(doc);
    let mut page = json!({
        "id": meta.id.value,
        "title": meta.title.value,
        "type": meta.doc_type.value,
        "classification": meta.classification.value,
        "clauses": meta.clauses.iter().map(|c| c.value.clone()).collect::<Vec<_>>(),
        "source": doc.file,
        "body": body_html,
        "toc": toc,
        "controlled": null, "roles": null, "review": null, "communication": null,
    });
    page["signoff"] = json!(meta.signoff.as_ref().map(signoff_view));
    match &meta.kind {
        Kind::Controlled(c) => page["controlled"] = controlled_view(site, doc, meta, c, names),
        Kind::Roles(roles) => {
            page["roles"] = Value::Array(
                roles
                    .iter()
                    .map(|r| role_view(site, doc, r))
                    .collect::<Vec<_>>(),
            )
        }
        Kind::ManagementReview(r) => page["review"] = review_view(site, doc, r),
        Kind::Communication(c) => page["communication"] = communication_view(site, doc, c),
    }
    page
}

fn controlled_view(site: &Site, doc: &Document, meta: &Meta, c: &Controlled, names: bool) -> Value {
    let mut v = controlled_summary(site, doc, meta, c);
    v["approvals"] = Value::Array(c
        .approvals
        .iter()
        .map(|a| json!({"role": role_ref(site, &a.role.value), "name": a.name.value, "date": a.date.value.to_string()}))
        .collect());
    v["audience"] = json!(
        c.audience
            .iter()
            .map(|a| a.value.clone())
            .collect::<Vec<_>>()
    );
    v["acknowledgements"] = match names {
        true => super::acknowledgements::document_view(site, &meta.id.value, c),
        false => super::acknowledgements::view_without_names(site, &meta.id.value, c),
    };
    // Who committed each record file, when custodians keep them (`custody`).
    v["record_files"] = Value::Array(
        crate::custody::of_document(site, &meta.id.value)
            .map(|f| {
                let mut f = json!(f);
                for k in f["commits"].as_array_mut().into_iter().flatten() {
                    k["short"] = json!(crate::history::versions::short(
                        k["id"].as_str().unwrap_or("")
                    ));
                }
                f
            })
            .collect::<Vec<_>>(),
    );
    v["supersedes"] = c
        .supersedes
        .as_ref()
        .map_or(Value::Null, |s| doc_ref(site, &s.value));
    v
}

/// A record's sign-off as its front matter states it (`draft` when it has no status).
pub fn signoff_view(s: &crate::content::document::Signoff) -> Value {
    json!({
        "status": s.status.as_ref().map_or("draft", |x| x.value.as_str()),
        "approved": s.is_approved(),
        "approvals": s.approvals.iter().map(|a| json!({"role": a.role.value, "name": a.name.value, "date": a.date.value.to_string()})).collect::<Vec<_>>(),
    })
}

pub fn role_view(site: &Site, doc: &Document, r: &Role) -> Value {
    let current: Vec<Value> = r
        .holders
        .iter()
        .map(|h| {
            json!({"name": h.name, "email": h.email, "since": h.since.map(|d| d.to_string()),
                   "until": h.until.map(|d| d.to_string()), "current": h.holds_on(site.today)})
        })
        .collect();
    json!({
        "id": r.id.value, "title": r.title, "group": r.group,
        "responsibilities": r.responsibilities, "authorities": r.authorities,
        "holders": current,
        "reports_to": r.reports_to.as_ref().map(|t| role_ref(site, &t.value)),
        "clauses": r.clauses.iter().map(|c| c.value.clone()).collect::<Vec<_>>(),
        "defined_in": doc_page(doc),
        "defined_in_label": format!("{} {}", doc.id().unwrap_or_default(), title(doc)),
    })
}

pub fn review_view(site: &Site, _doc: &Document, r: &ManagementReview) -> Value {
    json!({
        "date": r.date.as_ref().map(|d| d.value.to_string()),
        "attendees": r.attendees.iter().map(|a| role_ref(site, &a.value)).collect::<Vec<_>>(),
        "inputs": r.inputs.iter().enumerate().map(|(i, input)| json!({
            "text": input.text,
            "clauses": input.clauses.iter().map(|c| c.value.clone()).collect::<Vec<_>>(),
            "anchor": entry_anchor("input", &(i + 1).to_string()),
        })).collect::<Vec<_>>(),
        "decisions": r.decisions.iter().map(|d| json!({
            "id": d.id, "text": d.text,
            "clauses": d.clauses.iter().map(|c| c.value.clone()).collect::<Vec<_>>(),
            "anchor": entry_anchor("decision", &d.id),
            "owner": d.owner.as_ref().map(|o| role_ref(site, &o.value)),
            "due": d.due.as_ref().map(|x| x.value.to_string()),
            "status": if d.done { "done" } else { "open" },
            "overdue": !d.done && d.due.as_ref().is_some_and(|x| x.value < site.today),
        })).collect::<Vec<_>>(),
    })
}

fn communication_view(site: &Site, doc: &Document, c: &Communication) -> Value {
    let dir = doc.rel_path.rsplit_once('/').map_or("", |(d, _)| d);
    let up = "../".repeat(if dir.is_empty() {
        0
    } else {
        dir.matches('/').count() + 1
    });
    json!({
        "date": c.date.as_ref().map(|d| d.value.to_string()),
        "channel": c.channel.as_ref().map(|x| x.value.clone()),
        "sender": c.sender.as_ref().map(|s| role_ref(site, &s.value)),
        "audience": c.audience.iter().map(|a| a.value.clone()).collect::<Vec<_>>(),
        "documents": c.documents.iter().map(|d| {
            let mut r = doc_ref(site, &d.id.value);
            r["version"] = json!(d.version.as_ref().map(|v| v.value.clone()));
            r
        }).collect::<Vec<_>>(),
        "evidence": c.evidence.iter().map(|e| {
            let path = e.value.trim_start_matches("./");
            json!({"path": path, "href": format!("docs/{path}"), "relative": format!("{up}{path}")})
        }).collect::<Vec<_>>(),
        // Counted from the records when there are any (see `ack_status`), else as typed.
        "acknowledgements": crate::ack_status::entry_counts(site, c).or(c.acknowledgements).map(|(req, rec)| json!({"required": req, "received": rec})),
    })
}

pub fn roles(site: &Site) -> Value {
    let roles: Vec<Value> = site
        .all_roles()
        .filter(|(d, _)| site.is_published(d))
        .map(|(d, r)| role_view(site, d, r))
        .collect();
    // Documents × roles: who owns, who may approve, who approved.
    let columns: Vec<&Role> = site.published_roles().collect();
    let mut rows = Vec::new();
    for (doc, meta, c) in site
        .controlled_in_force()
        .filter(|(d, _, _)| site.is_published(d))
    {
        let rules = site.project.rules(&meta.doc_type.value);
        let cells: Vec<Value> = columns
            .iter()
            .map(|role| {
                let rid = &role.id.value;
                let owner = c.owner.as_ref().is_some_and(|o| &o.value == rid);
                let approved = c.approvals.iter().any(|a| &a.role.value == rid);
                let may = rules.is_some_and(|r| r.approvers.contains(rid))
                    || role.may_approve(&meta.doc_type.value);
                json!({"owner": owner, "approved": approved, "may_approve": may})
            })
            .collect();
        let mut row =
            json!({"id": meta.id.value, "title": meta.title.value, "href": doc_page(doc)});
        row["cells"] = Value::Array(cells);
        rows.push(row);
    }
    let role_ids: Vec<&str> = columns.iter().map(|r| r.id.value.as_str()).collect();
    let role_columns: Vec<Value> = columns
        .iter()
        .map(|r| json!({"id": r.id.value, "title": r.title}))
        .collect();
    object! {"roles" => roles, "role_ids" => role_ids, "role_columns" => role_columns, "matrix" => rows}
}

pub fn communications(site: &Site, coverage: &[Coverage]) -> Value {
    let mut entries: Vec<Value> = site
        .communications()
        .filter(|(d, _)| site.is_published(d))
        .map(|(d, c)| {
            let mut v = communication_view(site, d, c);
            v["id"] = json!(d.id());
            v["title"] = json!(title(d));
            v["href"] = json!(doc_page(d));
            v
        })
        .collect();
    entries.sort_by(|a, b| {
        b["date"]
            .as_str()
            .cmp(&a["date"].as_str())
            .then(a["id"].as_str().cmp(&b["id"].as_str()))
    });
    let mut audiences: Vec<String> = entries
        .iter()
        .flat_map(|e| e["audience"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(String::from))
        .collect();
    audiences.sort();
    audiences.dedup();
    let mut channels: Vec<String> = entries
        .iter()
        .filter_map(|e| e["channel"].as_str().map(String::from))
        .collect();
    channels.sort();
    channels.dedup();
    let mut documents: Vec<String> = entries
        .iter()
        .flat_map(|e| e["documents"].as_array().cloned().unwrap_or_default())
        .filter_map(|d| d["id"].as_str().map(String::from))
        .collect();
    documents.sort();
    documents.dedup();
    let pending: Vec<Value> = coverage
        .iter()
        .filter(|c| site.is_published(c.document) && matches!(c.reach, Reach::Awaiting | Reach::Overdue))
        .map(|c| json!({"id": c.document.id(), "title": title(c.document), "href": doc_page(c.document), "version": c.version, "audience": c.audience, "deadline": c.deadline.to_string(), "overdue": c.reach == Reach::Overdue}))
        .collect();
    object! {"entries" => entries, "audiences" => audiences, "channels" => channels, "documents" => documents, "pending" => pending}
}

pub fn leadership(site: &Site) -> Value {
    let mut reviews: Vec<Value> = site
        .reviews()
        .filter(|(d, _)| site.is_published(d))
        .map(|(d, r)| {
            let mut v = review_view(site, d, r);
            v["id"] = json!(d.id());
            v["title"] = json!(title(d));
            v["href"] = json!(doc_page(d));
            v
        })
        .collect();
    reviews.sort_by(|a, b| b["date"].as_str().cmp(&a["date"].as_str()));
    let open: Vec<Value> = reviews
        .iter()
        .flat_map(|r| {
            let review = json!({"id": r["id"], "href": r["href"], "date": r["date"]});
            r["decisions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|d| d["status"] == "open")
                .map(move |mut d| {
                    d["review"] = review.clone();
                    d
                })
        })
        .collect();
    let next_due = crate::validate::reviews::latest_management_review(site).map(|(_, date)| {
        site.project
            .management_review_interval
            .after(date)
            .to_string()
    });
    object! {"reviews" => reviews, "open_decisions" => open, "next_review_due" => next_due, "interval" => site.project.management_review_interval.to_string()}
}
