//! The typed model of a document and how it is read from front matter. Reading never fails:
//! whatever is wrong becomes a diagnostic, and whatever could be read is kept, so one typo does
//! not hide every other finding in the file.

use super::fields::{Fields, Sink};
use super::front_matter::{self, SplitError};
use super::outline::{self, Outline};
use crate::config::Project;
use crate::dates::Interval;
use crate::diagnostic::{Code, Diagnostic, Pos, Spanned};
use jiff::civil::Date;
use std::fmt;

/// One Markdown file under `[book] src`.
#[derive(Debug, Clone)]
pub struct Document {
    /// Path below `src`, with `/` separators (`policies/access-control.md`).
    pub rel_path: String,
    /// Path below the project root (what diagnostics name).
    pub file: String,
    pub source: String,
    pub body_offset: usize,
    pub outline: Outline,
    /// `None` when the front matter is missing or broken, or lacks id, title or type.
    pub meta: Option<Meta>,
    /// What the working copy says about itself (version, status, content hash), read once
    /// here: validation and rendering both compare it with the history.
    pub facts: super::facts::Facts,
    /// The Git blob id (hex) of the file `source` was read from (with its byte order mark, if
    /// it had one): whether the working copy is what was committed.
    pub blob_id: Option<String>,
}

impl Document {
    pub fn id(&self) -> Option<&str> {
        self.meta.as_ref().map(|m| m.id.value.as_str())
    }

    pub fn body(&self) -> &str {
        &self.source[self.body_offset..]
    }

    /// The front matter and controlled fields of a controlled document, together: callers
    /// need not re-derive the `Meta` that a controlled document always has.
    pub fn controlled_meta(&self) -> Option<(&Meta, &Controlled)> {
        let meta = self.meta.as_ref()?;
        match &meta.kind {
            Kind::Controlled(c) => Some((meta, c)),
            _ => None,
        }
    }

    pub fn controlled(&self) -> Option<&Controlled> {
        self.controlled_meta().map(|(_, c)| c)
    }

    /// Whether the file has no front matter at all (`front-matter-missing`): a Markdown file
    /// not yet registered as a document, as an adopted repository's are until `adopt` runs.
    /// A file whose front matter is broken is not: what it states cannot be read.
    pub fn is_unregistered(&self) -> bool {
        self.meta.is_none()
            && matches!(
                front_matter::matter_text(&self.source),
                Err(SplitError::Missing)
            )
    }

    /// The text of the first heading, if there is one.
    pub fn first_heading(&self) -> Option<&str> {
        self.outline
            .headings
            .first()
            .map(|h| h.text.as_str())
            .filter(|t| !t.trim().is_empty())
    }
}

#[derive(Debug, Clone)]
pub struct Meta {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub doc_type: Spanned<String>,
    pub classification: Spanned<String>,
    pub clauses: Vec<Spanned<String>>,
    pub kind: Kind,
    /// The sign-off of a record (roles registry, management review): optional `status` and
    /// `approvals`, read and evidenced as a controlled document's are. `None` for other types.
    pub signoff: Option<Signoff>,
}

/// Top management's sign-off of a record. A record that is not `approved` (no `status`, or
/// another status) is a draft: the clause 5 matrix takes no attestation from it.
#[derive(Debug, Clone, Default)]
pub struct Signoff {
    pub status: Option<Spanned<Status>>,
    pub approvals: Vec<Approval>,
    /// Where `approvals:` (or, absent, `status:`) was written.
    pub approvals_pos: Option<Pos>,
}

impl Signoff {
    pub fn is_approved(&self) -> bool {
        self.status
            .as_ref()
            .is_some_and(|s| s.value == Status::Approved)
    }
}

#[derive(Debug, Clone)]
pub enum Kind {
    Controlled(Controlled),
    Roles(Vec<Role>),
    ManagementReview(ManagementReview),
    Communication(Communication),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Draft,
    InReview,
    Approved,
    Retired,
}

impl Status {
    pub fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "draft" => Status::Draft,
            "in-review" => Status::InReview,
            "approved" => Status::Approved,
            "retired" => Status::Retired,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in-review",
            Status::Approved => "approved",
            Status::Retired => "retired",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `MAJOR.MINOR`.
pub fn is_version(text: &str) -> bool {
    let mut parts = text.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| !p.is_empty() && p.len() < 6 && p.bytes().all(|b| b.is_ascii_digit()))
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// `[A-Za-z0-9][A-Za-z0-9._-]*`
pub fn is_id(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && text.len() <= 128
}

#[derive(Debug, Clone)]
pub struct Controlled {
    pub version: Option<Spanned<String>>,
    pub status: Option<Spanned<Status>>,
    pub owner: Option<Spanned<String>>,
    pub effective: Option<Spanned<Date>>,
    pub review_interval: Option<Spanned<Interval>>,
    pub review_last: Option<Spanned<Date>>,
    pub approvals: Vec<Approval>,
    /// Where `approvals:` (or, absent, `status:`) was written.
    pub approvals_pos: Option<Pos>,
    pub audience: Vec<Spanned<String>>,
    pub supersedes: Option<Spanned<String>>,
}

impl Controlled {
    pub fn is_approved(&self) -> bool {
        self.status
            .as_ref()
            .is_some_and(|s| s.value == Status::Approved)
    }
}

#[derive(Debug, Clone)]
pub struct Approval {
    pub role: Spanned<String>,
    pub name: Spanned<String>,
    pub date: Spanned<Date>,
    /// What the signature means (21 CFR 11.50), e.g. "approved", "reviewed"; default
    /// "approved".
    pub meaning: Option<Spanned<String>>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub id: Spanned<String>,
    pub title: String,
    pub responsibilities: Vec<String>,
    pub authorities: Vec<String>,
    pub holders: Vec<Holder>,
    pub reports_to: Option<Spanned<String>>,
    pub group: bool,
    /// Clause 5.3 requirements this role is assigned (`["5.3 a"]`).
    pub clauses: Vec<Spanned<String>>,
    pub pos: Pos,
}

impl Role {
    /// Holders on `date` (started on or before it, not ended before it).
    pub fn holders_on(&self, date: Date) -> impl Iterator<Item = &Holder> {
        self.holders.iter().filter(move |h| h.holds_on(date))
    }

    pub fn may_approve(&self, doc_type: &str) -> bool {
        let wanted = format!("approve-{doc_type}");
        self.authorities.contains(&wanted)
    }
}

#[derive(Debug, Clone)]
pub struct Holder {
    pub name: String,
    pub email: String,
    pub since: Option<Date>,
    pub until: Option<Date>,
}

impl Holder {
    pub fn holds_on(&self, date: Date) -> bool {
        self.since.is_none_or(|s| s <= date) && self.until.is_none_or(|u| date <= u)
    }
}

#[derive(Debug, Clone)]
pub struct ManagementReview {
    pub date: Option<Spanned<Date>>,
    pub attendees: Vec<Spanned<String>>,
    pub inputs: Vec<Input>,
    pub decisions: Vec<Decision>,
}

/// A management review input: its text, and the clause 5 requirements top management states
/// it evidences (`clauses: ["5.1 e"]`), when written as a mapping `{text, clauses}`.
#[derive(Debug, Clone)]
pub struct Input {
    pub text: String,
    pub clauses: Vec<Spanned<String>>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub id: String,
    pub text: String,
    pub owner: Option<Spanned<String>>,
    pub due: Option<Spanned<Date>>,
    pub done: bool,
    /// The clause 5 requirements this decision attests (`clauses: ["5.1 c"]`).
    pub clauses: Vec<Spanned<String>>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Communication {
    pub date: Option<Spanned<Date>>,
    pub documents: Vec<CommunicatedDocument>,
    pub audience: Vec<Spanned<String>>,
    pub channel: Option<Spanned<String>>,
    pub sender: Option<Spanned<String>>,
    pub evidence: Vec<Spanned<String>>,
    pub acknowledgements: Option<(u64, u64)>,
}

#[derive(Debug, Clone)]
pub struct CommunicatedDocument {
    pub id: Spanned<String>,
    pub version: Option<Spanned<String>>,
}

pub const CHANNELS: &[&str] = &[
    "email",
    "intranet",
    "training",
    "meeting",
    "onboarding",
    "other",
];

/// Reads one document's source. Diagnostics about the file go to the returned list.
pub fn read(
    project: &Project,
    rel_path: &str,
    file: &str,
    source: String,
) -> (Document, Vec<Diagnostic>) {
    let blob_id = blob_id(source.as_bytes());
    read_with_id(project, rel_path, file, source, blob_id)
}

/// `read`, with the blob id of the file the source was read from already known.
pub fn read_with_id(
    project: &Project,
    rel_path: &str,
    file: &str,
    source: String,
    blob_id: Option<String>,
) -> (Document, Vec<Diagnostic>) {
    let sink = Sink::new(file);
    let mut facts = super::facts::Facts::default();
    let (meta, body_offset) = match front_matter::split(&source) {
        Err(SplitError::Missing) => {
            sink.report(
                sink.at(Code::FrontMatterMissing, Pos::new(1, 1), "document has no front matter")
                    .help("start the file with a `---` line, the YAML fields (id, title, type, …), and another `---` line"),
            );
            (None, 0)
        }
        Err(SplitError::Unclosed) => {
            sink.report(
                sink.at(
                    Code::FrontMatterSyntax,
                    Pos::new(1, 1),
                    "front matter is never closed",
                )
                .width(3)
                .help("end the front matter with a line holding only `---`"),
            );
            facts = super::facts::Facts::unreadable();
            (None, 0)
        }
        Ok(split) => match split.matter {
            Err(e) => {
                sink.report(
                    sink.at(Code::FrontMatterSyntax, e.pos, format!("invalid YAML: {}", e.message))
                        .help("fix the YAML syntax; values containing `: ` or starting with `[`, `{`, `*`, `&` need quotes"),
                );
                facts = super::facts::Facts::unreadable();
                (None, split.body_offset)
            }
            Ok(node) => {
                facts = super::facts::of_parsed(&node, &source, split.body_offset);
                let meta =
                    Fields::of(&node, "", &sink).and_then(|fields| read_meta(project, &fields));
                (meta, split.body_offset)
            }
        },
    };
    let outline = outline::read(&source, body_offset);
    let diagnostics = sink.diagnostics.into_inner();
    (
        Document {
            rel_path: rel_path.to_string(),
            file: file.to_string(),
            source,
            body_offset,
            outline,
            meta,
            facts,
            blob_id,
        },
        diagnostics,
    )
}

/// The Git blob id (hex) that `bytes` would have if committed.
pub fn blob_id(bytes: &[u8]) -> Option<String> {
    crate::stat_cache::hashed(bytes)
}

fn read_meta(project: &Project, f: &Fields) -> Option<Meta> {
    let sink = f.sink();
    let id = f.checked(
        "id",
        true,
        "an id such as `POL-001` (letters, digits, `.`, `_`, `-`)",
        is_id,
    );
    if let Some(id) = &id {
        *sink.doc_id.borrow_mut() = Some(id.value.clone());
    }
    let title = f.string("title", true, "give the document a title");
    let known = project.known_types().join(", ");
    let doc_type = f.string("type", true, &format!("one of: {known}"));
    let doc_type = doc_type.and_then(|t| {
        if project.is_known_type(&t.value) {
            Some(t)
        } else {
            let mut d = sink
                .at(
                    Code::InvalidField,
                    t.pos,
                    format!("`type` is `{}`, which is not a document type", t.value),
                )
                .width(t.value.chars().count());
            d = match crate::diagnostic::did_you_mean(&t.value, project.known_types().into_iter()) {
                Some(best) => d.help(format!(
                    "did you mean `{best}`? (or declare it under [types.{}] in book.toml)",
                    t.value
                )),
                None => d.help(format!(
                    "use one of {known}, or declare it under [types.{}] in book.toml",
                    t.value
                )),
            };
            sink.report(d);
            None
        }
    });
    let levels = project.config.isms.classification_levels.join(", ");
    let classification = f
        .checked("classification", false, &format!("one of: {levels}"), |c| {
            project.classification_rank(c).is_some()
        })
        .unwrap_or_else(|| match f.node("classification") {
            // Present but not a known level: never published (the finding says why).
            Some(node) => Spanned::new(crate::config::UNKNOWN_CLASSIFICATION.into(), node.pos),
            None => Spanned::new(crate::config::DEFAULT_CLASSIFICATION.into(), f.pos()),
        });
    let clauses = f.strings("clauses", false, "list ISO 27001 clauses, e.g. [\"5.2\"]");

    let kind = doc_type.as_ref().map(|t| match t.value.as_str() {
        "roles" => Kind::Roles(read_roles(f)),
        "management-review" => Kind::ManagementReview(read_review(f)),
        "communication" => Kind::Communication(read_communication(f)),
        _ => Kind::Controlled(read_controlled(f)),
    });
    let signoff = match &kind {
        Some(Kind::Roles(_) | Kind::ManagementReview(_)) => Some(read_signoff(f)),
        _ => None,
    };
    f.finish();
    Some(Meta {
        id: id?,
        title: title?,
        doc_type: doc_type?,
        classification,
        clauses,
        kind: kind?,
        signoff,
    })
}

fn read_status(f: &Fields, required: bool) -> Option<Spanned<Status>> {
    let text = f.checked(
        "status",
        required,
        "one of: draft, in-review, approved, retired",
        |s| Status::parse(s).is_some(),
    )?;
    Status::parse(&text.value).map(|s| Spanned::new(s, text.pos))
}

fn read_approvals(f: &Fields) -> Vec<Approval> {
    f.records(
        "approvals",
        false,
        "list approvals as `- {role: CEO, name: Jane Doe, date: 2026-03-02}`",
        |a| {
            let role = a.string("role", true, "the approving role id, e.g. CEO");
            let name = a.string("name", true, "the approver's name as in the roles registry");
            let date = a.date("date", true);
            let meaning = a.string(
                "meaning",
                false,
                "what the approval means, e.g. \"approved\"",
            );
            let pos = a.pos();
            a.finish();
            Some(Approval {
                role: role?,
                name: name?,
                date: date?,
                meaning,
                pos,
            })
        },
    )
}

/// A record's optional `status` and `approvals`.
fn read_signoff(f: &Fields) -> Signoff {
    let status = read_status(f, false);
    let approvals_pos = f
        .node("approvals")
        .map(|n| n.pos)
        .or(status.as_ref().map(|s| s.pos));
    Signoff {
        status,
        approvals: read_approvals(f),
        approvals_pos,
    }
}

fn read_clauses(f: &Fields) -> Vec<Spanned<String>> {
    f.strings(
        "clauses",
        false,
        "list the clause 5 requirements it evidences, e.g. [\"5.1 e\"]",
    )
}

fn read_controlled(f: &Fields) -> Controlled {
    let version = f.checked(
        "version",
        true,
        "a version `MAJOR.MINOR` such as \"1.2\"",
        is_version,
    );
    let status = read_status(f, true);
    let approved = status.as_ref().is_some_and(|s| s.value == Status::Approved);
    let owner = f.string(
        "owner",
        true,
        "the role id that owns this document, e.g. CISO",
    );
    let effective = f.date("effective", approved);
    let (review_interval, review_last) = f
        .record("review", |r| {
            let out = (r.interval("interval"), r.date("last", false));
            r.finish();
            out
        })
        .unwrap_or((None, None));
    let approvals_pos = f
        .node("approvals")
        .map(|n| n.pos)
        .or(status.as_ref().map(|s| s.pos));
    let approvals = read_approvals(f);
    let audience = f.strings(
        "audience",
        false,
        "list the groups, e.g. [all-staff, contractors]",
    );
    let supersedes = f.string(
        "supersedes",
        false,
        "the id of the document this one replaces",
    );
    Controlled {
        version,
        status,
        owner,
        effective,
        review_interval,
        review_last,
        approvals,
        approvals_pos,
        audience,
        supersedes,
    }
}

fn read_roles(f: &Fields) -> Vec<Role> {
    f.records(
        "roles",
        true,
        "list the roles as `- {id: CISO, title: …, holders: […]}`",
        |r| {
            let id = r.checked("id", true, "a role id such as `CISO`", is_id);
            let title = r.string(
                "title",
                true,
                "the role's title, e.g. Chief Information Security Officer",
            );
            let responsibilities = r
                .strings(
                    "responsibilities",
                    false,
                    "list what the role is responsible for",
                )
                .into_iter()
                .map(|s| s.value)
                .collect();
            let authorities = r
                .strings(
                    "authorities",
                    false,
                    "list what the role may decide, e.g. approve-policy",
                )
                .into_iter()
                .map(|s| s.value)
                .collect();
            let holders = r.records(
                "holders",
                false,
                "list the holders as `- {name: Jane Doe, email: jane@example.com}`",
                |h| {
                    let name = h.string("name", true, "the holder's full name");
                    let email = h.checked("email", true, "an e-mail address", |e| {
                        e.contains('@') && !e.contains(char::is_whitespace)
                    });
                    let since = h.date("since", false);
                    let until = h.date("until", false);
                    h.finish();
                    Some(Holder {
                        name: name?.value,
                        email: email?.value,
                        since: since.map(|d| d.value),
                        until: until.map(|d| d.value),
                    })
                },
            );
            let reports_to = r.string("reports-to", false, "the role id this role reports to");
            let group = r.bool("group").unwrap_or(false);
            let clauses = read_clauses(r);
            let pos = r.pos();
            r.finish();
            Some(Role {
                id: id?,
                title: title.map(|t| t.value).unwrap_or_default(),
                responsibilities,
                authorities,
                holders,
                reports_to,
                group,
                clauses,
                pos,
            })
        },
    )
}

fn read_review(f: &Fields) -> ManagementReview {
    let date = f.date("date", true);
    let attendees = f.strings(
        "attendees",
        true,
        "list the attending role ids, e.g. [CEO, CISO]",
    );
    let inputs = read_inputs(f);
    let decisions = f.records(
        "decisions",
        false,
        "list decisions as `- {id: D1, text: …, owner: CISO, due: 2026-06-30, status: open}`",
        |d| {
            let id = d.string("id", true, "a short decision id such as D1");
            let text = d.string("text", true, "what was decided");
            let owner = d.string("owner", true, "the role id responsible");
            let due = d.date("due", false);
            let status = d.checked("status", true, "`open` or `done`", |s| {
                s == "open" || s == "done"
            });
            let clauses = read_clauses(d);
            let pos = d.pos();
            d.finish();
            Some(Decision {
                id: id?.value,
                text: text?.value,
                owner,
                due,
                done: status.is_some_and(|s| s.value == "done"),
                clauses,
                pos,
            })
        },
    );
    ManagementReview {
        date,
        attendees,
        inputs,
        decisions,
    }
}

/// Review inputs: each a text, or a mapping `{text, clauses}`.
fn read_inputs(f: &Fields) -> Vec<Input> {
    const HELP: &str = "list the review inputs, as text or as `- {text: …, clauses: [\"5.1 e\"]}`";
    let mut out = Vec::new();
    for (i, node) in f.list("inputs", false, HELP).into_iter().enumerate() {
        if let Some(text) = node.as_str() {
            out.push(Input {
                text: text.to_string(),
                clauses: Vec::new(),
                pos: node.pos,
            });
            continue;
        }
        let Some(fields) = Fields::of(node, &format!("inputs[{i}]"), f.sink()) else {
            continue;
        };
        let text = fields.string("text", true, "what was reviewed");
        let clauses = read_clauses(&fields);
        fields.finish();
        if let Some(text) = text {
            out.push(Input {
                text: text.value,
                clauses,
                pos: node.pos,
            });
        }
    }
    out
}

fn read_communication(f: &Fields) -> Communication {
    let date = f.date("date", true);
    let documents = f.records(
        "documents",
        true,
        "list what was communicated as `- {id: POL-001, version: \"1.2\"}`",
        |d| {
            let id = d.string("id", true, "the document id");
            let version = d.checked(
                "version",
                false,
                "a version `MAJOR.MINOR` such as \"1.2\"",
                is_version,
            );
            d.finish();
            Some(CommunicatedDocument { id: id?, version })
        },
    );
    let audience = f.strings(
        "audience",
        true,
        "list the groups reached, e.g. [all-staff]",
    );
    let channel = f.checked(
        "channel",
        true,
        &format!("one of: {}", CHANNELS.join(", ")),
        |c| CHANNELS.contains(&c),
    );
    let sender = f.string("sender", true, "the role id that sent it, e.g. COMMS");
    let evidence = f.strings(
        "evidence",
        false,
        "list evidence files relative to the content directory",
    );
    let acknowledgements = f.record("acknowledgements", |a| {
        let required = a.integer("required", true);
        let received = a.integer("received", true);
        a.finish();
        Some((required?.value, received?.value))
    });
    Communication {
        date,
        documents,
        audience,
        channel,
        sender,
        evidence,
        acknowledgements: acknowledgements.flatten(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(source: &str) -> Document {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("book.toml"), "").unwrap();
        let project = crate::config::load(dir.path()).map_err(|_| ()).unwrap().0;
        read(&project, "a.md", "content/a.md", source.to_string()).0
    }

    #[test]
    fn only_a_file_without_any_front_matter_is_unregistered() {
        let plain = doc("# 5. Roles\n\nText.\n");
        assert!(plain.is_unregistered());
        assert_eq!(plain.first_heading(), Some("5. Roles"));
        // Front matter that cannot be read may state a level: not unregistered.
        assert!(!doc("---\nid: [\n---\n# A\n").is_unregistered());
        assert!(!doc("---\nid: A\n# never closed\n").is_unregistered());
        assert!(!doc("---\nid: A\ntitle: A\ntype: policy\n---\n# A\n").is_unregistered());
        assert_eq!(doc("no heading\n").first_heading(), None);
    }
}
