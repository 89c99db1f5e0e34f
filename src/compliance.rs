//! The ISO/IEC 27001 clause 5 requirement pack: every lettered requirement of 5.1, 5.2 and 5.3,
//! in the standard's order, and the compliance demonstrations of the seed text, each decided
//! with the records that decide it. Nothing here renders.
//!
//! A row has one of three verdicts, never more generous than its evidence:
//!
//! - **met**: a rule decided it from the repository, and the row carries the records it used;
//! - **attested**: no rule can decide it, and top management stated it in an entry of an
//!   approved management review held within `[isms] management-review-interval`
//!   (`clauses: ["5.1 e"]` on an input or a done decision); the row carries that entry;
//! - **not evidenced**: neither, and the row says what would evidence it.
//!
//! The rules read a `Facts` summary of the site, not the site itself, so that each rule is a
//! small function that unit tests can check both ways (holds, fails).

use crate::content::document::{Input, Role, Signoff};
use crate::content::{Document, Kind};
use crate::diagnostic::{Code, Diagnostic};
use crate::requirements::{Attest, CLAUSE_5, SECTIONS, labels_for};
use crate::site::Site;
use crate::validate::authorised_roles;
use crate::validate::communication::{Reach, coverage};
use crate::validate::reviews::{ReviewState, review_due};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

/// A record that a row used: a document (optionally one entry of it), or one of the portal's
/// pages.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Evidence {
    pub label: String,
    /// A document id (the renderer links it), or none for a portal page.
    pub doc_id: Option<String>,
    /// A portal page such as `roles.html`.
    pub page: Option<&'static str>,
    /// An element id within the document's page (a review entry, a role).
    pub fragment: Option<String>,
}

impl Evidence {
    fn doc(id: &str, label: impl Into<String>) -> Self {
        Evidence {
            label: label.into(),
            doc_id: Some(id.to_string()),
            page: None,
            fragment: None,
        }
    }

    /// A document, labelled with its id and title.
    fn of_document(d: &Document) -> Self {
        let title = d.meta.as_ref().map_or("", |m| m.title.value.as_str());
        Evidence::doc(
            d.id().unwrap_or(""),
            format!("{} {title}", d.id().unwrap_or("")),
        )
    }

    fn at(mut self, fragment: String) -> Self {
        self.fragment = Some(fragment);
        self
    }
}

/// What a rule decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Met {
        finding: String,
        evidence: Vec<Evidence>,
    },
    Open {
        finding: String,
    },
}

fn met(finding: impl Into<String>, evidence: Vec<Evidence>) -> Outcome {
    Outcome::Met {
        finding: finding.into(),
        evidence,
    }
}

fn open(finding: impl Into<String>) -> Outcome {
    Outcome::Open {
        finding: finding.into(),
    }
}

/// A statement of top management: one entry of an approved, current management review.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Attestation {
    /// The review document, pointing at the entry.
    pub record: Evidence,
    pub review_date: String,
    /// `input 3` or `decision MR-2026-09-D3`.
    pub entry: String,
    pub text: String,
}

/// A row's verdict. Each claim holds what backs it, so a page cannot print "met" or "attested"
/// without the records.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Verdict {
    Met { evidence: Vec<Evidence> },
    Attested { attestation: Attestation },
    NotEvidenced { wanted: String },
}

impl Verdict {
    pub fn state(&self) -> &'static str {
        match self {
            Verdict::Met { .. } => "met",
            Verdict::Attested { .. } => "attested",
            Verdict::NotEvidenced { .. } => "not-evidenced",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    pub label: &'static str,
    pub clause: &'static str,
    pub requirement: &'static str,
    pub demonstration: bool,
    /// Why it is decided so, in one sentence.
    pub finding: String,
    pub verdict: Verdict,
}

/// How many rows are in each state.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    pub met: usize,
    pub attested: usize,
    pub not_evidenced: usize,
    pub total: usize,
}

impl Tally {
    fn of<'a>(rows: impl Iterator<Item = &'a Requirement>) -> Tally {
        let mut t = Tally::default();
        for r in rows {
            t.total += 1;
            match r.verdict {
                Verdict::Met { .. } => t.met += 1,
                Verdict::Attested { .. } => t.attested += 1,
                Verdict::NotEvidenced { .. } => t.not_evidenced += 1,
            }
        }
        t
    }

    /// "14 met, 4 attested, 3 not evidenced": every state named, even at zero, so that a count
    /// of met rows is never read as the whole.
    pub fn headline(&self) -> String {
        format!(
            "{} met, {} attested, {} not evidenced",
            self.met, self.attested, self.not_evidenced
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseSection {
    pub clause: &'static str,
    pub title: &'static str,
    pub requirements: Vec<Requirement>,
    pub tally: Tally,
    pub headline: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseMatrix {
    pub sections: Vec<ClauseSection>,
    pub tally: Tally,
    pub headline: String,
}

/// The rule that decides each requirement of `requirements::CLAUSE_5`, by its label.
const RULES: &[(&str, Rule)] = &[
    ("5.1 a", rule_51a),
    ("5.1 b", rule_51b),
    ("5.1 c", no_rule),
    ("5.1 d", rule_51d),
    ("5.1 e", no_rule),
    ("5.1 f", no_rule),
    ("5.1 g", rule_51g),
    ("5.1 h", no_rule),
    ("5.1 records", rule_51_records),
    ("5.1 involvement", rule_51_involvement),
    ("5.2 a", rule_52a),
    ("5.2 b", rule_52b),
    ("5.2 c", rule_52c),
    ("5.2 d", rule_52d),
    ("5.2 e", rule_52e),
    ("5.2 f", rule_52f),
    ("5.2 g", rule_52g),
    ("5.2 review", rule_52_review),
    ("5.3", rule_53),
    ("5.3 a", rule_53a),
    ("5.3 b", rule_53b),
    ("5.3 registry", rule_53_registry),
    ("5.3 common roles", rule_53_common),
];

type Rule = fn(&Facts) -> Outcome;

/// The rule of a requirement; every requirement has one (a unit test holds it so), and one that
/// had none could only be attested.
fn rule_of(label: &str) -> Rule {
    RULES
        .iter()
        .find(|(l, _)| *l == label)
        .map_or(no_rule, |(_, rule)| *rule)
}

// ---------------------------------------------------------------------------------------------
// What the rules read.

/// The information security policy, as the rules see it.
#[derive(Debug, Clone, Default)]
pub struct PolicyFacts {
    pub evidence: Option<Evidence>,
    pub approved: bool,
    /// Approved by authorised roles, every approval evidenced.
    pub approved_by_top: bool,
    pub approvers: Vec<String>,
    /// The required headings it has.
    pub sections: Vec<&'static str>,
    /// Classified at the lowest level.
    pub public: bool,
    pub audiences: usize,
    /// The communication entries that reached its audiences; `reached` of `audiences`.
    pub reached: usize,
    pub communications: Vec<Evidence>,
    /// `Some((overdue, last, due))` when it has a review date.
    pub review: Option<(bool, Date, Date)>,
    /// What the acknowledgement records say of the version in force; `None` without a people
    /// file, without records of the policy, or when nobody is required.
    pub acknowledgements: Option<AckFacts>,
}

/// Who acknowledged the policy's version in force, from the records.
#[derive(Debug, Clone, Default)]
pub struct AckFacts {
    /// The record files that hold acknowledgements of the policy.
    pub files: Vec<Evidence>,
    /// People required and received, over every audience group.
    pub required: usize,
    pub received: usize,
    /// The groups with people outstanding: `all-staff (2 of 3 outstanding)`.
    pub outstanding: Vec<String>,
    /// The groups with people past their deadline: `all-staff (1 of 3 overdue)`.
    pub overdue: Vec<String>,
}

impl AckFacts {
    /// `171 of 207 (82 %)`: the rate rounded down, so that it never shows 100 % while one
    /// person is outstanding.
    pub fn rate(&self) -> String {
        let percent = (self.received * 100)
            .checked_div(self.required)
            .unwrap_or(100);
        format!("{} of {} ({percent} %)", self.received, self.required)
    }
}

/// The latest management review.
#[derive(Debug, Clone)]
pub struct ReviewFacts {
    pub evidence: Evidence,
    pub date: Date,
    pub current: bool,
    pub decisions: usize,
    /// Its attendees that are top management.
    pub top_attendees: Vec<String>,
}

/// A role assigned a 5.3 requirement.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub role: String,
    pub holders: Vec<String>,
    pub registry: Evidence,
    pub registry_approved: bool,
    pub communications: Vec<Evidence>,
}

/// Everything the rules decide from, summarised from the site once.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub policy: PolicyFacts,
    pub objectives: Vec<Evidence>,
    pub processes: Vec<Evidence>,
    pub training: Vec<Evidence>,
    pub overdue_decisions: usize,
    pub review: Option<ReviewFacts>,
    pub interval: String,
    pub registries: Vec<Evidence>,
    pub roles: usize,
    pub undefined_duties: Vec<String>,
    pub missing_required: Vec<String>,
    pub unheld: Vec<String>,
    pub registry_communications: Vec<Evidence>,
    /// By 5.3 label.
    pub assignments: BTreeMap<&'static str, Vec<Assignment>>,
}

const APPROVAL_CODES: &[Code] = &[
    Code::ApproverNotAuthorized,
    Code::ApprovalMissing,
    Code::ApprovalNotEvidenced,
];

fn has_error(diagnostics: &[Diagnostic], doc_id: &str, codes: &[Code]) -> bool {
    diagnostics.iter().any(|d| {
        d.is_error()
            && d.doc_id.as_deref() == Some(doc_id)
            && codes.iter().any(|c| c.as_str() == d.code)
    })
}

/// A record (review, roles registry) that top management approved: `status: approved`, with
/// approvals that the approval rules found nothing wrong with (authorised, evidenced in Git).
pub fn record_approved(doc: &Document, diagnostics: &[Diagnostic]) -> bool {
    let signoff: Option<&Signoff> = doc.meta.as_ref().and_then(|m| m.signoff.as_ref());
    signoff.is_some_and(|s| s.is_approved() && !s.approvals.is_empty())
        && !has_error(diagnostics, doc.id().unwrap_or(""), APPROVAL_CODES)
}

/// Whether a review held on `date` is within the management review interval of today.
fn within_interval(site: &Site, date: Date) -> bool {
    date <= site.today && site.project.management_review_interval.after(date) >= site.today
}

/// Summarises the site for the rules. Only published documents are cited.
pub fn facts(site: &Site, diagnostics: &[Diagnostic]) -> Facts {
    let top: Vec<String> = authorised_roles(site, "policy");
    let registries: Vec<&Document> = site
        .roles_documents()
        .filter(|d| site.is_published(d))
        .collect();
    let roles: Vec<&Role> = site.published_roles().collect();
    Facts {
        objectives: published_controlled(site, &|t| t == "objective"),
        processes: published_controlled(site, &|t| t != "policy" && t != "objective"),
        training: site
            .communications()
            .filter(|(d, c)| {
                site.is_published(d)
                    && c.channel
                        .as_ref()
                        .is_some_and(|ch| ch.value == "training" || ch.value == "onboarding")
            })
            .map(|(d, _)| Evidence::of_document(d))
            .collect(),
        overdue_decisions: site
            .reviews()
            .flat_map(|(_, r)| &r.decisions)
            .filter(|d| !d.done && d.due.as_ref().is_some_and(|due| due.value < site.today))
            .count(),
        review: review_facts(site, diagnostics, &top),
        interval: site.project.management_review_interval.to_string(),
        registry_communications: registries
            .iter()
            .flat_map(|d| communications_of(site, d))
            .collect(),
        registries: registries
            .iter()
            .map(|d| Evidence::of_document(d))
            .collect(),
        roles: roles.len(),
        undefined_duties: roles
            .iter()
            .filter(|r| r.responsibilities.is_empty())
            .map(|r| r.id.value.clone())
            .collect(),
        missing_required: site
            .project
            .config
            .isms
            .required_roles
            .iter()
            .filter(|alts| !alts.iter().any(|id| site.published_role(id).is_some()))
            .map(|alts| alts.join("/"))
            .collect(),
        unheld: roles
            .iter()
            .filter(|r| !r.group && r.holders_on(site.today).next().is_none())
            .map(|r| r.id.value.clone())
            .collect(),
        assignments: assignments(site, diagnostics),
        policy: policy_facts(site, diagnostics, &top),
    }
}

/// The published, approved controlled documents in force whose type `t` accepts.
fn published_controlled(site: &Site, t: &dyn Fn(&str) -> bool) -> Vec<Evidence> {
    site.controlled_in_force()
        .filter(|(d, m, c)| c.is_approved() && site.is_published(d) && t(&m.doc_type.value))
        .map(|(d, _, _)| Evidence::of_document(d))
        .collect()
}

/// What the published information security policy shows (the default, "no policy", when
/// none is published). `top` are the roles authorised to approve a policy.
fn policy_facts(site: &Site, diagnostics: &[Diagnostic], top: &[String]) -> PolicyFacts {
    let mut policy = PolicyFacts::default();
    let Some((doc, c)) = site.security_policy().filter(|(d, _)| site.is_published(d)) else {
        return policy;
    };
    let id = doc.id().unwrap_or("");
    policy.evidence = Some(Evidence::of_document(doc));
    policy.approved = c.is_approved();
    policy.approved_by_top = c.is_approved()
        && !c.approvals.is_empty()
        && policy_approvals_sound(site, doc, diagnostics, top);
    policy.approvers = c
        .approvals
        .iter()
        .map(|a| format!("{} ({})", a.name.value, a.role.value))
        .collect();
    policy.sections = crate::validate::REQUIRED_POLICY_SECTIONS
        .iter()
        .copied()
        .filter(|s| crate::validate::sections_has(doc, s))
        .collect();
    policy.public = doc.meta.as_ref().is_some_and(|m| {
        site.project.config.isms.classification_levels.first() == Some(&m.classification.value)
    });
    let cov: Vec<_> = coverage(site)
        .into_iter()
        .filter(|x| x.document.id() == Some(id))
        .collect();
    policy.audiences = cov.len();
    for x in &cov {
        if let Reach::Communicated { entry, date, .. } = &x.reach {
            policy.reached += 1;
            if site.is_published_id(entry)
                && !policy
                    .communications
                    .iter()
                    .any(|e| e.doc_id.as_deref() == Some(entry))
            {
                policy
                    .communications
                    .push(Evidence::doc(entry, format!("{entry} ({date})")));
            }
        }
    }
    policy.review =
        review_due(site, doc, c).map(|r| (r.state == ReviewState::Overdue, r.last, r.due));
    policy.acknowledgements = acknowledgement_facts(site, id);
    policy
}

/// The acknowledgements of document `id`'s version in force (see `AckFacts`).
fn acknowledgement_facts(site: &Site, id: &str) -> Option<AckFacts> {
    let register = &site.acknowledgements;
    register.people.as_ref()?;
    let files: std::collections::BTreeSet<&str> =
        register.of_document(id).map(|r| &*r.file).collect();
    if files.is_empty() {
        return None;
    }
    let mut facts = AckFacts {
        files: files
            .into_iter()
            .map(|file| Evidence {
                label: format!("{file} (acknowledgement records)"),
                doc_id: None,
                page: None,
                fragment: None,
            })
            .collect(),
        ..AckFacts::default()
    };
    // Only this document's versions in force are tallied, not every document's.
    let tallies = site
        .controlled_in_force()
        .filter(|(_, meta, _)| meta.id.value == id)
        .flat_map(|(_, _, c)| crate::ack_status::of_version(site, id, c));
    for (tally, _) in tallies {
        let (required, received) = (tally.required_count(), tally.received());
        facts.required += required;
        facts.received += received;
        if received < required {
            facts.outstanding.push(format!(
                "{} ({} of {required} outstanding)",
                tally.audience,
                required - received
            ));
        }
        let overdue = tally.overdue_count(site.today);
        if overdue > 0 {
            facts.overdue.push(format!(
                "{} ({overdue} of {required} overdue)",
                tally.audience
            ));
        }
    }
    (facts.required > 0).then_some(facts)
}

/// Whether the policy's approvals are sound. The rules judged the working copy's approvals; a
/// version in force (its successor in review) is judged here, by the evidence of its own
/// approvals, each by one of the `top` roles.
fn policy_approvals_sound(
    site: &Site,
    doc: &Document,
    diagnostics: &[Diagnostic],
    top: &[String],
) -> bool {
    match site.as_in_force(doc) {
        None => !has_error(diagnostics, doc.id().unwrap_or(""), APPROVAL_CODES),
        Some(in_force) => {
            let evidence = crate::stamp::in_force_evidence(site, in_force);
            !evidence.is_empty()
                && evidence
                    .iter()
                    .all(|e| e.evidence.is_evidenced() && top.contains(&e.role))
        }
    }
}

/// The latest published management review, with which of the `top` roles attended.
fn review_facts(site: &Site, diagnostics: &[Diagnostic], top: &[String]) -> Option<ReviewFacts> {
    // Only a review that top management approved is a record of one: a draft, or the
    // placeholder `adopt` writes, evidences no meeting.
    site.reviews()
        .filter(|(d, _)| site.is_published(d) && record_approved(d, diagnostics))
        .filter_map(|(d, r)| Some((d, r.date.as_ref()?.value)))
        .max_by_key(|(_, date)| *date)
        .and_then(|(d, date)| {
            let Kind::ManagementReview(r) = &d.meta.as_ref()?.kind else {
                return None;
            };
            Some(ReviewFacts {
                evidence: Evidence::doc(
                    d.id().unwrap_or(""),
                    format!("{} management review {date}", d.id().unwrap_or("")),
                ),
                date,
                current: within_interval(site, date),
                decisions: r.decisions.len(),
                top_attendees: r
                    .attendees
                    .iter()
                    .filter(|a| top.contains(&a.value))
                    .map(|a| a.value.clone())
                    .collect(),
            })
        })
}

/// The published communication log entries that name `doc`.
fn communications_of(site: &Site, doc: &Document) -> Vec<Evidence> {
    let id = doc.id().unwrap_or("");
    site.communications()
        .filter(|(d, c)| site.is_published(d) && c.documents.iter().any(|x| x.id.value == id))
        .map(|(d, c)| {
            let date = c
                .date
                .as_ref()
                .map_or(String::new(), |x| x.value.to_string());
            Evidence::doc(
                d.id().unwrap_or(""),
                format!("{} ({date})", d.id().unwrap_or("")),
            )
        })
        .collect()
}

/// The roles each clause 5 duty (an `Attest::Role` label) is assigned to in the published
/// registries, with their holders today and the registry's approval and communications.
fn assignments(site: &Site, diagnostics: &[Diagnostic]) -> BTreeMap<&'static str, Vec<Assignment>> {
    let mut assignments: BTreeMap<&'static str, Vec<Assignment>> = BTreeMap::new();
    for (doc, role) in site.all_roles().filter(|(d, _)| site.is_published(d)) {
        // A duplicate definition is not the role (`duplicate-id` reports it).
        if !site
            .role(&role.id.value)
            .is_some_and(|r| std::ptr::eq(r, role))
        {
            continue;
        }
        for clause in &role.clauses {
            let Some(label) = labels_for(Attest::Role).find(|l| *l == clause.value) else {
                continue;
            };
            assignments.entry(label).or_default().push(Assignment {
                role: role.id.value.clone(),
                holders: role
                    .holders_on(site.today)
                    .map(|h| h.name.clone())
                    .collect(),
                registry: Evidence::of_document(doc).at(format!("role-{}", role.id.value)),
                registry_approved: record_approved(doc, diagnostics),
                communications: communications_of(site, doc),
            });
        }
    }
    assignments
}

/// The element id of a review entry on the review's page.
pub fn entry_anchor(kind: &str, key: &str) -> String {
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{kind}-{safe}")
}

/// The latest statement of each review-attestable requirement: entries of approved, published
/// management reviews held within the interval (inputs, and decisions that are done).
pub fn attestations(site: &Site, diagnostics: &[Diagnostic]) -> BTreeMap<String, Attestation> {
    let mut reviews: Vec<(Date, &Document, &crate::content::document::ManagementReview)> = site
        .reviews()
        .filter(|(d, _)| site.is_published(d) && record_approved(d, diagnostics))
        .filter_map(|(d, r)| Some((r.date.as_ref()?.value, d, r)))
        .filter(|(date, _, _)| within_interval(site, *date))
        .collect();
    // Newest first; the first statement found for a label wins.
    reviews.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id().cmp(&b.1.id())));
    let mut out = BTreeMap::new();
    for (date, doc, review) in reviews {
        let id = doc.id().unwrap_or("");
        let record = |fragment: String, what: &str| {
            Evidence::doc(id, format!("{id} management review {date}, {what}")).at(fragment)
        };
        let entries = review
            .inputs
            .iter()
            .enumerate()
            .map(|(i, input): (usize, &Input)| {
                let n = (i + 1).to_string();
                (
                    &input.clauses,
                    format!("input {n}"),
                    entry_anchor("input", &n),
                    &input.text,
                )
            })
            .chain(review.decisions.iter().filter(|d| d.done).map(|d| {
                (
                    &d.clauses,
                    format!("decision {}", d.id),
                    entry_anchor("decision", &d.id),
                    &d.text,
                )
            }));
        for (clauses, entry, fragment, text) in entries {
            for clause in clauses {
                if !labels_for(Attest::Review).any(|l| l == clause.value) {
                    continue;
                }
                out.entry(clause.value.clone())
                    .or_insert_with(|| Attestation {
                        record: record(fragment.clone(), &entry),
                        review_date: date.to_string(),
                        entry: entry.clone(),
                        text: text.clone(),
                    });
            }
        }
    }
    out
}

/// Decides every row. Only published documents are cited as evidence.
pub fn matrix(site: &Site, diagnostics: &[Diagnostic]) -> ClauseMatrix {
    decide(&facts(site, diagnostics), &attestations(site, diagnostics))
}

/// Decides every row from the facts and the attestations found.
pub fn decide(facts: &Facts, attestations: &BTreeMap<String, Attestation>) -> ClauseMatrix {
    let rows: Vec<Requirement> = CLAUSE_5
        .iter()
        .map(|row| {
            let (finding, verdict) = match rule_of(row.label)(facts) {
                Outcome::Met { finding, evidence } => (finding, Verdict::Met { evidence }),
                Outcome::Open { finding } => match attestations.get(row.label) {
                    Some(a) if row.attest == Attest::Review => (
                        format!(
                            "Stated by top management in the approved management review of {} ({}).",
                            a.review_date, a.entry
                        ),
                        Verdict::Attested {
                            attestation: a.clone(),
                        },
                    ),
                    _ => (
                        finding,
                        Verdict::NotEvidenced {
                            wanted: row.wanted.to_string(),
                        },
                    ),
                },
            };
            Requirement {
                label: row.label,
                clause: row.clause,
                requirement: row.requirement,
                demonstration: row.demonstration,
                finding,
                verdict,
            }
        })
        .collect();
    let mut sections = Vec::new();
    for &(clause, title) in SECTIONS {
        let requirements: Vec<Requirement> = rows
            .iter()
            .filter(|r| r.clause == clause)
            .cloned()
            .collect();
        let tally = Tally::of(requirements.iter());
        sections.push(ClauseSection {
            clause,
            title,
            requirements,
            headline: tally.headline(),
            tally,
        });
    }
    let tally = Tally::of(rows.iter());
    ClauseMatrix {
        sections,
        headline: tally.headline(),
        tally,
    }
}

// ---------------------------------------------------------------------------------------------
// The rules.

fn no_rule(_: &Facts) -> Outcome {
    open(
        "No rule can decide this from the repository: it needs top management's statement in an approved management review.",
    )
}

fn policy_evidence(f: &Facts) -> Vec<Evidence> {
    f.policy.evidence.iter().cloned().collect()
}

fn rule_51a(f: &Facts) -> Outcome {
    if !f.policy.approved {
        return open("No approved information security policy is published.");
    }
    if f.objectives.is_empty() {
        return open("No approved `objective` document sets the information security objectives.");
    }
    met(
        "An approved information security policy and approved objectives are published.",
        policy_evidence(f)
            .into_iter()
            .chain(f.objectives.clone())
            .collect(),
    )
}

fn rule_51b(f: &Facts) -> Outcome {
    if f.processes.is_empty() {
        return open("No approved standard or procedure is published.");
    }
    met(
        format!(
            "{} approved standards and procedures put the policy into practice.",
            f.processes.len()
        ),
        f.processes.clone(),
    )
}

fn rule_51d(f: &Facts) -> Outcome {
    let communicated = f.policy.audiences > 0 && f.policy.reached == f.policy.audiences;
    match (f.training.is_empty(), communicated) {
        (false, true) => met(
            format!(
                "{} training or onboarding communications are recorded, and the policy reached all {} of its audiences.",
                f.training.len(),
                f.policy.audiences
            ),
            f.training
                .iter()
                .chain(&f.policy.communications)
                .cloned()
                .collect(),
        ),
        (true, _) => open("No training or onboarding communication is recorded."),
        (false, false) => open("The policy has not reached every audience it names."),
    }
}

fn rule_51g(f: &Facts) -> Outcome {
    if !f.policy.sections.contains(&"Continual improvement") {
        return open("The policy has no \"Continual improvement\" section.");
    }
    if f.overdue_decisions > 0 {
        return open(format!(
            "{} management review decisions are open past their due date.",
            f.overdue_decisions
        ));
    }
    match &f.review {
        Some(r) if r.decisions > 0 => met(
            "The policy commits to continual improvement, management records improvement decisions, and none is overdue.",
            policy_evidence(f)
                .into_iter()
                .chain([r.evidence.clone()])
                .collect(),
        ),
        _ => open("No management review records improvement decisions."),
    }
}

fn rule_51_records(f: &Facts) -> Outcome {
    match &f.review {
        None => open("No approved management review is recorded."),
        Some(r) if !r.current => open(format!(
            "The latest management review was on {}; the next was due within {}.",
            r.date, f.interval
        )),
        Some(r) if r.decisions == 0 => open(format!(
            "The management review of {} records no decisions.",
            r.date
        )),
        Some(r) => met(
            format!(
                "The latest management review, on {}, is within the {} interval and records {} decisions.",
                r.date, f.interval, r.decisions
            ),
            vec![r.evidence.clone()],
        ),
    }
}

fn rule_51_involvement(f: &Facts) -> Outcome {
    match &f.review {
        Some(r) if r.current && !r.top_attendees.is_empty() => met(
            format!(
                "Top management ({}) attended the management review of {}.",
                r.top_attendees.join(", "),
                r.date
            ),
            vec![r.evidence.clone()],
        ),
        Some(r) if r.current => open(format!(
            "No top-management role attended the management review of {}.",
            r.date
        )),
        _ => open("No approved management review within the interval is recorded."),
    }
}

fn rule_52a(f: &Facts) -> Outcome {
    if f.policy.approved_by_top {
        met(
            format!(
                "Approved by top management: {}; the approvals are authorised and evidenced.",
                f.policy.approvers.join(", ")
            ),
            policy_evidence(f),
        )
    } else if f.policy.approved {
        open("The policy's approval is not by an authorised role, or not evidenced in Git.")
    } else {
        open("No approved information security policy is published.")
    }
}

fn section_rule(f: &Facts, name: &'static str) -> Outcome {
    if f.policy.evidence.is_none() {
        open("No information security policy is published.")
    } else if f.policy.sections.contains(&name) {
        met(
            format!("The policy has a \"{name}\" section."),
            policy_evidence(f),
        )
    } else {
        open(format!("The policy has no \"{name}\" section."))
    }
}

fn rule_52b(f: &Facts) -> Outcome {
    section_rule(f, "Information security objectives")
}

fn rule_52c(f: &Facts) -> Outcome {
    section_rule(f, "Commitment to compliance")
}

fn rule_52d(f: &Facts) -> Outcome {
    section_rule(f, "Continual improvement")
}

fn rule_52e(f: &Facts) -> Outcome {
    if f.policy.approved {
        met(
            "The approved policy is published on this portal.",
            policy_evidence(f),
        )
    } else if f.policy.evidence.is_some() {
        open("The published policy is not approved.")
    } else {
        open("No information security policy is published on this portal.")
    }
}

/// Communicated: every audience reached by a communication entry and, when acknowledgement
/// records exist, nobody required past their deadline without acknowledging (an audience with
/// people overdue keeps the row open, named; people still within their deadline are named in
/// the finding); without records, the communication entries alone decide.
fn rule_52f(f: &Facts) -> Outcome {
    if f.policy.audiences == 0 {
        return open("The policy names no approved version and `audience` to communicate it to.");
    }
    let acks = f.policy.acknowledgements.as_ref();
    let acknowledged = acks.map_or(String::new(), |a| {
        let pending = if a.outstanding.is_empty() {
            String::new()
        } else {
            format!("; within their deadline: {}", a.outstanding.join(", "))
        };
        format!(" Acknowledged by {}{pending}.", a.rate())
    });
    if let Some(a) = acks.filter(|a| !a.overdue.is_empty()) {
        return open(format!(
            "The current version is acknowledged by {}; overdue: {}.",
            a.rate(),
            a.overdue.join(", ")
        ));
    }
    if f.policy.reached < f.policy.audiences {
        return open(format!(
            "The current version reached {} of {} audiences.{acknowledged}",
            f.policy.reached, f.policy.audiences
        ));
    }
    let mut evidence = f.policy.communications.clone();
    evidence.extend(acks.iter().flat_map(|a| a.files.iter().cloned()));
    met(
        format!(
            "The current version reached all {} audiences.{acknowledged}",
            f.policy.audiences
        ),
        evidence,
    )
}

fn rule_52g(f: &Facts) -> Outcome {
    if f.policy.approved && f.policy.public {
        met(
            "The approved policy is classified at the lowest level: it may be given to any interested party.",
            policy_evidence(f),
        )
    } else {
        open(
            "The policy is not classified for sharing outside the organization, and top management has not stated how interested parties get it.",
        )
    }
}

fn rule_52_review(f: &Facts) -> Outcome {
    match f.policy.review {
        Some((false, last, due)) => met(
            format!("Last reviewed {last}; next review due {due}."),
            policy_evidence(f),
        ),
        Some((true, _, due)) => open(format!("The policy's review was due on {due}.")),
        None => open("No review date of an approved policy is recorded."),
    }
}

fn rule_53(f: &Facts) -> Outcome {
    if f.registries.is_empty() {
        return open("No roles registry is published.");
    }
    if !f.unheld.is_empty() {
        return open(format!(
            "Roles without a current holder: {}.",
            f.unheld.join(", ")
        ));
    }
    if f.registry_communications.is_empty() {
        return open(
            "Every role is assigned, but no communication of the roles registry is recorded.",
        );
    }
    met(
        "Every individual role has a current holder, and the roles registry was communicated.",
        f.registries
            .iter()
            .chain(&f.registry_communications)
            .cloned()
            .collect(),
    )
}

fn assignment_rule(f: &Facts, label: &'static str) -> Outcome {
    let Some(candidates) = f.assignments.get(label).filter(|a| !a.is_empty()) else {
        return open(format!("No role has `clauses: [\"{label}\"]`."));
    };
    let mut why = Vec::new();
    for a in candidates {
        if a.holders.is_empty() {
            why.push(format!("{} has no current holder", a.role));
        } else if !a.registry_approved {
            why.push(format!("the registry defining {} is not approved", a.role));
        } else if a.communications.is_empty() {
            why.push(format!(
                "the registry defining {} was not communicated",
                a.role
            ));
        } else {
            return met(
                format!(
                    "{} (held by {}) is assigned it in an approved roles registry that was communicated.",
                    a.role,
                    a.holders.join(", ")
                ),
                std::iter::once(Evidence {
                    label: format!("{} role {}", a.registry.label, a.role),
                    ..a.registry.clone()
                })
                .chain(a.communications.iter().cloned())
                .collect(),
            );
        }
    }
    open(format!("Assigned, but {}.", why.join("; ")))
}

fn rule_53a(f: &Facts) -> Outcome {
    assignment_rule(f, "5.3 a")
}

fn rule_53b(f: &Facts) -> Outcome {
    assignment_rule(f, "5.3 b")
}

fn rule_53_registry(f: &Facts) -> Outcome {
    if f.registries.is_empty() {
        return open("No roles registry is published.");
    }
    if !f.undefined_duties.is_empty() {
        return open(format!(
            "Roles without responsibilities: {}.",
            f.undefined_duties.join(", ")
        ));
    }
    met(
        format!(
            "The roles registry defines {}, each with its responsibilities.",
            crate::diagnostic::report::count(f.roles, "role")
        ),
        f.registries.clone(),
    )
}

fn rule_53_common(f: &Facts) -> Outcome {
    if f.registries.is_empty() {
        return open("No roles registry is published.");
    }
    if !f.missing_required.is_empty() {
        return open(format!("Missing: {}.", f.missing_required.join(", ")));
    }
    met("Every required role is defined.", f.registries.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str) -> Evidence {
        Evidence::doc(id, id)
    }

    /// Facts under which every rule holds.
    fn complete() -> Facts {
        let date = Date::constant(2026, 3, 1);
        let assignment = |role: &str| Assignment {
            role: role.into(),
            holders: vec!["Bob".into()],
            registry: doc("ROL-001"),
            registry_approved: true,
            communications: vec![doc("COM-2")],
        };
        Facts {
            policy: PolicyFacts {
                evidence: Some(doc("POL-001")),
                approved: true,
                approved_by_top: true,
                approvers: vec!["Alice (CEO)".into()],
                sections: vec![
                    "Information security objectives",
                    "Commitment to compliance",
                    "Continual improvement",
                ],
                public: true,
                audiences: 1,
                reached: 1,
                communications: vec![doc("COM-1")],
                review: Some((false, date, Date::constant(2027, 3, 1))),
                acknowledgements: None,
            },
            objectives: vec![doc("OBJ-001")],
            processes: vec![doc("PRC-001")],
            training: vec![doc("COM-3")],
            overdue_decisions: 0,
            review: Some(ReviewFacts {
                evidence: doc("MR-1"),
                date,
                current: true,
                decisions: 2,
                top_attendees: vec!["CEO".into()],
            }),
            interval: "12 months".into(),
            registries: vec![doc("ROL-001")],
            roles: 3,
            undefined_duties: vec![],
            missing_required: vec![],
            unheld: vec![],
            registry_communications: vec![doc("COM-2")],
            assignments: [
                ("5.3 a", vec![assignment("CISO")]),
                ("5.3 b", vec![assignment("CISO")]),
            ]
            .into_iter()
            .collect(),
        }
    }

    type Breaks = fn(&mut Facts);

    /// For each rule-decided row, a change of the facts that must make it fail.
    const FAILS: &[(&str, Breaks)] = &[
        ("5.1 a", |f| f.objectives.clear()),
        ("5.1 b", |f| f.processes.clear()),
        ("5.1 d", |f| f.training.clear()),
        ("5.1 g", |f| f.overdue_decisions = 1),
        ("5.1 records", |f| {
            f.review.as_mut().unwrap().current = false
        }),
        ("5.1 involvement", |f| {
            f.review.as_mut().unwrap().top_attendees.clear()
        }),
        ("5.2 a", |f| f.policy.approved_by_top = false),
        ("5.2 b", |f| {
            f.policy.sections.retain(|s| !s.contains("objectives"))
        }),
        ("5.2 c", |f| {
            f.policy.sections.retain(|s| !s.contains("compliance"))
        }),
        ("5.2 d", |f| {
            f.policy.sections.retain(|s| !s.contains("improvement"))
        }),
        ("5.2 e", |f| f.policy.approved = false),
        ("5.2 f", |f| f.policy.reached = 0),
        ("5.2 g", |f| f.policy.public = false),
        ("5.2 review", |f| {
            f.policy.review.as_mut().unwrap().0 = true;
        }),
        ("5.3", |f| f.registry_communications.clear()),
        ("5.3 a", |f| {
            f.assignments.get_mut("5.3 a").unwrap()[0].registry_approved = false;
        }),
        ("5.3 b", |f| {
            f.assignments.get_mut("5.3 b").unwrap()[0].holders.clear();
        }),
        ("5.3 registry", |f| f.undefined_duties.push("CTO".into())),
        ("5.3 common roles", |f| {
            f.missing_required.push("VENDOR".into())
        }),
    ];

    fn outcome(label: &str, f: &Facts) -> Outcome {
        let (_, rule) = RULES
            .iter()
            .find(|(l, _)| *l == label)
            .expect("a rule's label");
        rule(f)
    }

    #[test]
    fn every_rule_holds_on_complete_facts_and_cites_evidence() {
        let f = complete();
        for (label, _) in FAILS {
            match outcome(label, &f) {
                Outcome::Met { evidence, .. } => {
                    assert!(!evidence.is_empty(), "{label} is met without evidence")
                }
                Outcome::Open { finding } => panic!("{label} fails on complete facts: {finding}"),
            }
        }
    }

    #[test]
    fn every_rule_fails_when_its_evidence_is_missing() {
        for (label, breaks) in FAILS {
            let mut f = complete();
            breaks(&mut f);
            assert!(
                matches!(outcome(label, &f), Outcome::Open { .. }),
                "{label} still holds"
            );
        }
    }

    fn acknowledged(received: usize, outstanding: &[&str]) -> AckFacts {
        let overdue = outstanding
            .iter()
            .map(|s| s.replace("outstanding", "overdue"));
        AckFacts {
            overdue: overdue.collect(),
            ..within_deadline(received, outstanding)
        }
    }

    /// Like `acknowledged`, the people outstanding all still within their deadline.
    fn within_deadline(received: usize, outstanding: &[&str]) -> AckFacts {
        AckFacts {
            files: vec![Evidence {
                label: "acknowledgements/a.csv (acknowledgement records)".into(),
                doc_id: None,
                page: None,
                fragment: None,
            }],
            required: 3,
            received,
            outstanding: outstanding.iter().map(|s| s.to_string()).collect(),
            overdue: Vec::new(),
        }
    }

    #[test]
    fn rule_52f_cites_the_acknowledgement_records_and_never_claims_more() {
        // Everyone acknowledged: met, citing the communication and the record file, with the rate.
        let mut f = complete();
        f.policy.acknowledgements = Some(acknowledged(3, &[]));
        let Outcome::Met { finding, evidence } = outcome("5.2 f", &f) else {
            panic!("5.2 f fails with every acknowledgement received")
        };
        assert!(
            finding.contains("Acknowledged by 3 of 3 (100 %)"),
            "{finding}"
        );
        let labels: Vec<&str> = evidence.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(
            labels,
            ["COM-1", "acknowledgements/a.csv (acknowledgement records)"]
        );
        // An audience with people overdue is named, and the row is open even though the
        // communication reached every audience; 2 of 3 rounds down.
        f.policy.acknowledgements = Some(acknowledged(2, &["all-staff (1 of 3 outstanding)"]));
        let Outcome::Open { finding } = outcome("5.2 f", &f) else {
            panic!("5.2 f holds with people overdue")
        };
        assert_eq!(
            finding,
            "The current version is acknowledged by 2 of 3 (66 %); overdue: all-staff (1 of 3 overdue)."
        );
        // People outstanding within their deadline are named, and the communication decides.
        f.policy.acknowledgements = Some(within_deadline(2, &["all-staff (1 of 3 outstanding)"]));
        let Outcome::Met { finding, .. } = outcome("5.2 f", &f) else {
            panic!("5.2 f fails while everyone outstanding is within their deadline")
        };
        assert_eq!(
            finding,
            "The current version reached all 1 audiences. Acknowledged by 2 of 3 (66 %); within their deadline: all-staff (1 of 3 outstanding)."
        );
        // Acknowledged by all, but a communication missing: still open, as without records.
        f.policy.acknowledgements = Some(acknowledged(3, &[]));
        f.policy.reached = 0;
        assert!(matches!(outcome("5.2 f", &f), Outcome::Open { .. }));
        // Without records the row is decided by the communication entries alone.
        let f = complete();
        let Outcome::Met { finding, evidence } = outcome("5.2 f", &f) else {
            panic!("5.2 f fails on complete facts")
        };
        assert_eq!(finding, "The current version reached all 1 audiences.");
        assert_eq!(evidence, [doc("COM-1")]);
    }

    #[test]
    fn every_requirement_has_exactly_one_rule() {
        for row in CLAUSE_5 {
            let n = RULES.iter().filter(|(l, _)| *l == row.label).count();
            assert_eq!(n, 1, "{} has {n} rules", row.label);
        }
        assert_eq!(
            RULES.len(),
            CLAUSE_5.len(),
            "a rule for a requirement that is not listed"
        );
    }

    #[test]
    fn every_row_is_decided_by_a_rule_or_may_be_attested() {
        let ruled: Vec<&str> = FAILS.iter().map(|(l, _)| *l).collect();
        for row in CLAUSE_5 {
            assert!(
                ruled.contains(&row.label) || row.attest == Attest::Review,
                "{} has neither a tested rule nor an attestation",
                row.label
            );
        }
        // Rows that only an attestation can decide never hold on facts alone.
        for row in CLAUSE_5.iter().filter(|r| !ruled.contains(&r.label)) {
            assert!(matches!(
                rule_of(row.label)(&complete()),
                Outcome::Open { .. }
            ));
        }
    }

    #[test]
    fn lettered_requirements_are_in_the_standards_order() {
        let lettered: Vec<&str> = CLAUSE_5
            .iter()
            .filter(|r| !r.demonstration)
            .map(|r| r.label)
            .collect();
        assert_eq!(
            lettered,
            [
                "5.1 a", "5.1 b", "5.1 c", "5.1 d", "5.1 e", "5.1 f", "5.1 g", "5.1 h", "5.2 a",
                "5.2 b", "5.2 c", "5.2 d", "5.2 e", "5.2 f", "5.2 g", "5.3", "5.3 a", "5.3 b"
            ]
        );
    }

    #[test]
    fn attestations_decide_only_open_attestable_rows_and_the_headline_counts_them() {
        let mut f = complete();
        f.policy.public = false;
        let statement = |entry: &str| Attestation {
            record: doc("MR-1"),
            review_date: "2026-03-01".into(),
            entry: entry.into(),
            text: "x".into(),
        };
        let attested: BTreeMap<String, Attestation> = [
            ("5.1 e".to_string(), statement("input 1")),
            ("5.2 g".to_string(), statement("decision D1")),
        ]
        .into_iter()
        .collect();
        let m = decide(&f, &attested);
        let state = |label: &str| {
            m.sections
                .iter()
                .flat_map(|s| &s.requirements)
                .find(|r| r.label == label)
                .unwrap()
                .verdict
                .state()
        };
        assert_eq!(state("5.1 e"), "attested");
        assert_eq!(state("5.2 g"), "attested");
        assert_eq!(state("5.1 c"), "not-evidenced");
        assert_eq!(state("5.1 a"), "met");
        assert_eq!(m.tally.total, CLAUSE_5.len());
        assert_eq!(m.tally.attested, 2);
        assert_eq!(m.tally.not_evidenced, 3, "5.1 c, f and h are open: {m:#?}");
        assert_eq!(
            m.headline,
            format!("{} met, 2 attested, 3 not evidenced", CLAUSE_5.len() - 5)
        );
    }
}
