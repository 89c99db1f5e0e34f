//! The ISO/IEC 27001 clause 5 requirement pack: each requirement of 5.1, 5.2 and 5.3 (as the
//! seed text states them), decided from the site and the diagnostics, with the evidence that
//! decides it. The dashboard shows this matrix; nothing here renders.

use crate::content::Kind;
use crate::site::Site;
use crate::validate::communication::{Reach, coverage};
use crate::validate::reviews::{ReviewState, latest_management_review, review_due};
use crate::validate::{Code, Diagnostic};
use serde::Serialize;

/// Something that shows a requirement is met: a document, or one of the portal's pages.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Evidence {
    pub label: String,
    /// A document id (the renderer links it), or none for a portal page.
    pub doc_id: Option<String>,
    /// A portal page such as `roles.html`.
    pub page: Option<&'static str>,
}

impl Evidence {
    fn doc(id: &str, label: impl Into<String>) -> Self {
        Evidence {
            label: label.into(),
            doc_id: Some(id.to_string()),
            page: None,
        }
    }
    /// A document, labelled with its title.
    fn of_document(d: &crate::content::Document) -> Self {
        Evidence::doc(
            d.id().unwrap_or(""),
            d.meta
                .as_ref()
                .map_or("", |m| m.title.value.as_str())
                .to_string(),
        )
    }
    fn page(page: &'static str, label: &str) -> Self {
        Evidence {
            label: label.into(),
            doc_id: None,
            page: Some(page),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    pub clause: &'static str,
    pub requirement: &'static str,
    pub met: bool,
    /// Why it is met or not, in one sentence.
    pub finding: String,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseSection {
    pub clause: &'static str,
    pub title: &'static str,
    pub requirements: Vec<Requirement>,
    pub met: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseMatrix {
    pub sections: Vec<ClauseSection>,
    pub met: usize,
    pub total: usize,
}

fn req(
    clause: &'static str,
    requirement: &'static str,
    met: bool,
    finding: String,
    evidence: Vec<Evidence>,
) -> Requirement {
    Requirement {
        clause,
        requirement,
        met,
        finding,
        evidence,
    }
}

fn has_diag(diagnostics: &[Diagnostic], doc_id: &str, codes: &[Code]) -> bool {
    diagnostics.iter().any(|d| {
        d.is_error()
            && d.doc_id.as_deref() == Some(doc_id)
            && codes.iter().any(|c| c.as_str() == d.code)
    })
}

/// Decides every requirement. Only published documents are cited as evidence.
pub fn matrix(site: &Site, diagnostics: &[Diagnostic]) -> ClauseMatrix {
    let policy = site.security_policy().filter(|(d, _)| site.is_published(d));
    let policy_approved = policy.as_ref().is_some_and(|(_, c)| c.is_approved());
    let policy_id = policy.as_ref().and_then(|(d, _)| d.id()).unwrap_or("");
    let policy_ev = || {
        policy
            .as_ref()
            .map(|(d, _)| vec![Evidence::of_document(d)])
            .unwrap_or_default()
    };
    let section = |name: &str| {
        policy
            .as_ref()
            .is_some_and(|(d, _)| crate::validate::sections_has(d, name))
    };

    let objectives: Vec<Evidence> = site
        .controlled()
        .filter(|(d, c)| {
            c.is_approved()
                && site.is_published(d)
                && d.meta
                    .as_ref()
                    .is_some_and(|m| m.doc_type.value == "objective")
        })
        .map(|(d, _)| Evidence::of_document(d))
        .collect();
    let procedures = site
        .controlled()
        .filter(|(d, c)| {
            c.is_approved()
                && site.is_published(d)
                && d.meta
                    .as_ref()
                    .is_some_and(|m| m.doc_type.value != "policy")
        })
        .count();

    let latest_review = latest_management_review(site).filter(|(d, _)| site.is_published(d));
    let review_ev = || {
        latest_review
            .map(|(d, date)| {
                vec![Evidence::doc(
                    d.id().unwrap_or(""),
                    format!("Management review {date}"),
                )]
            })
            .unwrap_or_default()
    };
    let review_current = latest_review
        .is_some_and(|(_, date)| site.project.management_review_interval.after(date) >= site.today);
    let latest_decisions = latest_review
        .and_then(|(d, _)| match &d.meta.as_ref()?.kind {
            Kind::ManagementReview(r) => Some(r.decisions.len()),
            _ => None,
        })
        .unwrap_or(0);
    let overdue_decisions = site
        .reviews()
        .flat_map(|(_, r)| &r.decisions)
        .filter(|d| !d.done && d.due.as_ref().is_some_and(|due| due.value < site.today))
        .count();
    let training = site
        .communications()
        .filter(|(_, c)| {
            c.channel
                .as_ref()
                .is_some_and(|ch| ch.value == "training" || ch.value == "onboarding")
        })
        .count();

    let policy_coverage: Vec<_> = coverage(site)
        .into_iter()
        .filter(|c| c.document.id() == Some(policy_id))
        .collect();
    let policy_communicated = !policy_coverage.is_empty()
        && policy_coverage
            .iter()
            .all(|c| matches!(c.reach, Reach::Communicated { .. }));
    let policy_review = policy.as_ref().and_then(|(d, c)| review_due(site, d, c));

    let mut roles_docs = site
        .roles_documents()
        .filter(|d| site.is_published(d))
        .peekable();
    let has_registry = roles_docs.peek().is_some();
    let roles_ev: Vec<Evidence> = roles_docs
        .map(Evidence::of_document)
        .chain(std::iter::once(Evidence::page(
            "roles.html",
            "Roles and responsibilities",
        )))
        .collect();
    let roles: Vec<_> = site.published_roles().collect();
    let undefined_duties: Vec<&str> = roles
        .iter()
        .filter(|r| r.responsibilities.is_empty())
        .map(|r| r.id.value.as_str())
        .collect();
    let missing_required: Vec<String> = site
        .project
        .config
        .isms
        .required_roles
        .iter()
        .filter(|alts| !alts.iter().any(|id| site.role(id).is_some()))
        .map(|alts| alts.join("/"))
        .collect();
    let unheld: Vec<&str> = roles
        .iter()
        .filter(|r| !r.group && r.holders_on(site.today).next().is_none())
        .map(|r| r.id.value.as_str())
        .collect();
    let roles_communications: Vec<Evidence> = site
        .communications()
        .filter(|(d, c)| {
            site.is_published(d)
                && c.documents.iter().any(|x| {
                    site.document(&x.id.value).is_some_and(|t| {
                        matches!(t.meta.as_ref().map(|m| &m.kind), Some(Kind::Roles(_)))
                    })
                })
        })
        .map(|(d, c)| {
            Evidence::doc(
                d.id().unwrap_or(""),
                c.date.as_ref().map_or("communication".to_string(), |date| {
                    format!("Communication {}", date.value)
                }),
            )
        })
        .collect();

    let yes_no =
        |met: bool, yes: &str, no: &str| if met { yes.to_string() } else { no.to_string() };

    let s51 = vec![
        req(
            "5.1 a",
            "Establish the information security policy and objectives, compatible with the strategic direction",
            policy_approved && !objectives.is_empty(),
            match (policy_approved, objectives.is_empty()) {
                (true, false) => {
                    "An approved information security policy and approved objectives are published."
                        .into()
                }
                (false, _) => "No approved information security policy is published.".into(),
                (true, true) => {
                    "No approved `objective` document sets the information security objectives."
                        .into()
                }
            },
            policy_ev().into_iter().chain(objectives.clone()).collect(),
        ),
        req(
            "5.1 b",
            "Integrate the ISMS requirements into the organisation's processes",
            procedures > 0,
            format!(
                "{procedures} approved standards, procedures or objectives put the policy into practice."
            ),
            vec![Evidence::page("documents.html", "Document register")],
        ),
        req(
            "5.1 c",
            "Ensure the resources needed for the ISMS are available",
            latest_decisions > 0,
            yes_no(
                latest_decisions > 0,
                &format!(
                    "The latest management review recorded {latest_decisions} decisions with owners."
                ),
                "No management review decisions (owners, resources, due dates) are recorded.",
            ),
            review_ev(),
        ),
        req(
            "5.1 d",
            "Communicate the importance of information security and promote a security culture",
            training > 0 && policy_communicated,
            format!(
                "{training} training or onboarding communications recorded; the policy is {}communicated to all its audiences.",
                if policy_communicated { "" } else { "not yet " }
            ),
            vec![Evidence::page("communications.html", "Communication log")],
        ),
        req(
            "5.1 g",
            "Promote continual improvement",
            overdue_decisions == 0 && section("Continual improvement"),
            if overdue_decisions > 0 {
                format!(
                    "{overdue_decisions} management review decisions are open past their due date."
                )
            } else if !section("Continual improvement") {
                "The policy has no \"Continual improvement\" section.".into()
            } else {
                "The policy commits to continual improvement and no review decision is overdue."
                    .into()
            },
            vec![Evidence::page(
                "leadership.html",
                "Leadership and management reviews",
            )],
        ),
        req(
            "5.1",
            "Record management reviews and decisions (leadership involvement)",
            review_current,
            match latest_review {
                Some((_, date)) if review_current => format!(
                    "Latest management review held on {date}, within the {} interval.",
                    site.project.management_review_interval
                ),
                Some((_, date)) => {
                    format!("Latest management review was on {date}; the next is overdue.")
                }
                None => "No management review is recorded.".into(),
            },
            review_ev(),
        ),
    ];

    let approved_by_top = policy_approved
        && !has_diag(
            diagnostics,
            policy_id,
            &[
                Code::ApproverNotAuthorized,
                Code::ApprovalMissing,
                Code::ApprovalNotEvidenced,
            ],
        );
    let s52 = vec![
        req(
            "5.2 a",
            "An information security policy appropriate to the purpose of the organisation",
            policy_approved,
            yes_no(
                policy_approved,
                "The information security policy is approved and published.",
                "No approved information security policy is published.",
            ),
            policy_ev(),
        ),
        req(
            "5.2 b",
            "Provides a framework for setting information security objectives",
            section("Information security objectives"),
            yes_no(
                section("Information security objectives"),
                "The policy has an \"Information security objectives\" section.",
                "The policy has no \"Information security objectives\" section.",
            ),
            policy_ev(),
        ),
        req(
            "5.2 c",
            "Includes a commitment to satisfy applicable requirements (legal, regulatory, contractual)",
            section("Commitment to compliance"),
            yes_no(
                section("Commitment to compliance"),
                "The policy has a \"Commitment to compliance\" section.",
                "The policy has no \"Commitment to compliance\" section.",
            ),
            policy_ev(),
        ),
        req(
            "5.2 d",
            "Includes a commitment to continual improvement of the ISMS",
            section("Continual improvement"),
            yes_no(
                section("Continual improvement"),
                "The policy has a \"Continual improvement\" section.",
                "The policy has no \"Continual improvement\" section.",
            ),
            policy_ev(),
        ),
        req(
            "5.2",
            "Approved by top management (CEO, Board or Steering Committee)",
            approved_by_top,
            yes_no(
                approved_by_top,
                "Approved by an authorised top-management role.",
                "Approval by top management is missing or not authorised.",
            ),
            policy_ev(),
        ),
        req(
            "5.2 f",
            "Communicated within the organisation and to interested parties",
            policy_communicated,
            if policy_coverage.is_empty() {
                "The policy names no `audience` to communicate it to.".into()
            } else {
                let reached = policy_coverage
                    .iter()
                    .filter(|c| matches!(c.reach, Reach::Communicated { .. }))
                    .count();
                format!(
                    "The current version reached {reached} of {} audiences.",
                    policy_coverage.len()
                )
            },
            vec![Evidence::page("communications.html", "Communication log")],
        ),
        req(
            "5.2 e",
            "Available as documented information (on the internal portal)",
            policy.is_some(),
            yes_no(
                policy.is_some(),
                "Published on this portal.",
                "Not published on this portal.",
            ),
            policy_ev(),
        ),
        req(
            "5.2",
            "Reviewed and updated regularly",
            policy_review.is_some_and(|r| r.state != ReviewState::Overdue),
            match policy_review {
                Some(r) if r.state == ReviewState::Overdue => {
                    format!("The review was due on {}.", r.due)
                }
                Some(r) => format!("Last reviewed {}; next review due {}.", r.last, r.due),
                None => "No review date is recorded.".into(),
            },
            policy_ev(),
        ),
    ];

    let s53 = vec![
        req(
            "5.3",
            "Document the roles relevant to information security",
            has_registry,
            yes_no(
                has_registry,
                &format!("A roles registry defines {} roles.", roles.len()),
                "No roles registry is published.",
            ),
            roles_ev.clone(),
        ),
        req(
            "5.3",
            "Define responsibilities and authorities for each role",
            has_registry && undefined_duties.is_empty(),
            if undefined_duties.is_empty() {
                "Every role lists its responsibilities.".into()
            } else {
                format!(
                    "Roles without responsibilities: {}.",
                    undefined_duties.join(", ")
                )
            },
            roles_ev.clone(),
        ),
        req(
            "5.3",
            "Common ISMS roles: CIO/CTO, CISO/ISO, network and system administrators, end users, third parties",
            has_registry && missing_required.is_empty(),
            if missing_required.is_empty() {
                "Every required role is defined.".into()
            } else {
                format!("Missing: {}.", missing_required.join(", "))
            },
            roles_ev.clone(),
        ),
        req(
            "5.3",
            "Assign the roles (every role has a current holder)",
            has_registry && unheld.is_empty(),
            if unheld.is_empty() {
                "Every individual role has a current holder.".into()
            } else {
                format!("Roles without a holder: {}.", unheld.join(", "))
            },
            roles_ev,
        ),
        req(
            "5.3",
            "Communicate roles and responsibilities within the organisation",
            !roles_communications.is_empty(),
            yes_no(
                !roles_communications.is_empty(),
                "The roles registry was communicated.",
                "No communication of the roles registry is recorded.",
            ),
            roles_communications,
        ),
    ];

    let sections: Vec<ClauseSection> = [
        ("5.1", "Leadership and commitment", s51),
        ("5.2", "Information security policy", s52),
        (
            "5.3",
            "Organisational roles, responsibilities and authorities",
            s53,
        ),
    ]
    .into_iter()
    .map(|(clause, title, requirements)| ClauseSection {
        clause,
        title,
        met: requirements.iter().filter(|r| r.met).count(),
        total: requirements.len(),
        requirements,
    })
    .collect();
    ClauseMatrix {
        met: sections.iter().map(|s| s.met).sum(),
        total: sections.iter().map(|s| s.total).sum(),
        sections,
    }
}
