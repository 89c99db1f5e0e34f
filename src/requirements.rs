//! The clause 5 requirements of ISO/IEC 27001 as policybook reads them: every lettered
//! requirement of 5.1, 5.2 and 5.3 in the standard's order, the seed text's compliance
//! demonstrations last, what would evidence each, and who may attest one in a record. Pure data:
//! `validate` checks the labels records name against it, `compliance` decides each requirement.
//! It imports nothing from the crate.

use serde::Serialize;

/// Who may state a requirement in a record (the `clauses` field), when no rule decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attest {
    /// Decided by a rule only.
    No,
    /// An entry of an approved management review (`inputs`, `decisions`).
    Review,
    /// A role of the roles registry: decided by the rule "a role assigned this clause is held,
    /// its registry approved and communicated".
    Role,
}

/// One requirement: what it is, and how a record may name it.
pub struct Requirement {
    /// The label a record names it by (`clauses: ["5.1 e"]`) and the matrix shows.
    pub label: &'static str,
    /// The clause it belongs to: `5.1`, `5.2` or `5.3`.
    pub clause: &'static str,
    /// The requirement, in our words.
    pub requirement: &'static str,
    /// A compliance demonstration of the seed text, not a lettered requirement of the standard.
    pub demonstration: bool,
    pub attest: Attest,
    /// What would evidence the requirement when it is not evidenced.
    pub wanted: &'static str,
}

/// The clauses, with their titles in the standard.
pub const SECTIONS: &[(&str, &str)] = &[
    ("5.1", "Leadership and commitment"),
    ("5.2", "Information security policy"),
    (
        "5.3",
        "Organizational roles, responsibilities and authorities",
    ),
];

/// Every requirement, in the standard's order within each clause, the seed's demonstrations last.
pub const CLAUSE_5: &[Requirement] = &[
    Requirement {
        label: "5.1 a",
        clause: "5.1",
        requirement: "The information security policy and objectives are set, and fit the organization's strategic direction",
        demonstration: false,
        attest: Attest::No,
        wanted: "an approved information security policy (a `policy` with `clauses: [\"5.2\"]`) and an approved `objective` document",
    },
    Requirement {
        label: "5.1 b",
        clause: "5.1",
        requirement: "ISMS requirements are built into the organization's processes",
        demonstration: false,
        attest: Attest::No,
        wanted: "an approved standard or procedure that puts the policy into practice",
    },
    Requirement {
        label: "5.1 c",
        clause: "5.1",
        requirement: "The resources the ISMS needs are made available",
        demonstration: false,
        attest: Attest::Review,
        wanted: "an input or done decision of an approved management review within the interval with `clauses: [\"5.1 c\"]` (e.g. the ISMS budget agreed)",
    },
    Requirement {
        label: "5.1 d",
        clause: "5.1",
        requirement: "Staff are told why effective information security and following the ISMS matter",
        demonstration: false,
        attest: Attest::No,
        wanted: "a training or onboarding communication, and the policy communicated to every audience it names",
    },
    Requirement {
        label: "5.1 e",
        clause: "5.1",
        requirement: "The ISMS achieves what it is meant to achieve",
        demonstration: false,
        attest: Attest::Review,
        wanted: "an input or done decision of an approved management review within the interval with `clauses: [\"5.1 e\"]` (e.g. performance against the objectives)",
    },
    Requirement {
        label: "5.1 f",
        clause: "5.1",
        requirement: "People are directed and supported to contribute to the ISMS's effectiveness",
        demonstration: false,
        attest: Attest::Review,
        wanted: "an input or done decision of an approved management review within the interval with `clauses: [\"5.1 f\"]` (e.g. training and awareness results)",
    },
    Requirement {
        label: "5.1 g",
        clause: "5.1",
        requirement: "Continual improvement is promoted",
        demonstration: false,
        attest: Attest::No,
        wanted: "a \"Continual improvement\" section in the policy, a management review with decisions, and no decision open past its due date",
    },
    Requirement {
        label: "5.1 h",
        clause: "5.1",
        requirement: "Other management roles are supported in showing leadership in their own areas",
        demonstration: false,
        attest: Attest::Review,
        wanted: "an input or done decision of an approved management review within the interval with `clauses: [\"5.1 h\"]`",
    },
    Requirement {
        label: "5.1 records",
        clause: "5.1",
        requirement: "Management reviews and their decisions are recorded",
        demonstration: true,
        attest: Attest::No,
        wanted: "a management review within the interval that records its decisions",
    },
    Requirement {
        label: "5.1 involvement",
        clause: "5.1",
        requirement: "Top management's involvement in the ISMS is documented",
        demonstration: true,
        attest: Attest::No,
        wanted: "a management review within the interval attended by a top-management role (one that may approve the policy)",
    },
    Requirement {
        label: "5.2 a",
        clause: "5.2",
        requirement: "The policy suits the purpose of the organization (approved by top management)",
        demonstration: false,
        attest: Attest::No,
        wanted: "the information security policy approved by a top-management role, the approval evidenced in Git",
    },
    Requirement {
        label: "5.2 b",
        clause: "5.2",
        requirement: "The policy sets information security objectives or a framework for setting them",
        demonstration: false,
        attest: Attest::No,
        wanted: "an \"Information security objectives\" section in the policy",
    },
    Requirement {
        label: "5.2 c",
        clause: "5.2",
        requirement: "The policy commits to meeting the applicable requirements",
        demonstration: false,
        attest: Attest::No,
        wanted: "a \"Commitment to compliance\" section in the policy",
    },
    Requirement {
        label: "5.2 d",
        clause: "5.2",
        requirement: "The policy commits to continually improving the ISMS",
        demonstration: false,
        attest: Attest::No,
        wanted: "a \"Continual improvement\" section in the policy",
    },
    Requirement {
        label: "5.2 e",
        clause: "5.2",
        requirement: "The policy is available as documented information",
        demonstration: false,
        attest: Attest::No,
        wanted: "the approved information security policy published on this portal",
    },
    Requirement {
        label: "5.2 f",
        clause: "5.2",
        requirement: "The policy is communicated within the organization",
        demonstration: false,
        attest: Attest::No,
        wanted: "an `audience` on the policy and a communication of its current version to each audience",
    },
    Requirement {
        label: "5.2 g",
        clause: "5.2",
        requirement: "The policy is available to interested parties, as appropriate",
        demonstration: false,
        attest: Attest::Review,
        wanted: "the policy classified at the lowest level (shareable with anyone), or an input or done decision of an approved management review within the interval with `clauses: [\"5.2 g\"]`",
    },
    Requirement {
        label: "5.2 review",
        clause: "5.2",
        requirement: "The policy is kept up to date: reviewed within its interval",
        demonstration: true,
        attest: Attest::No,
        wanted: "`review: {last: YYYY-MM-DD}` on the policy within its review interval",
    },
    Requirement {
        label: "5.3",
        clause: "5.3",
        requirement: "Responsibilities and authorities of the relevant roles are assigned and communicated",
        demonstration: false,
        attest: Attest::No,
        wanted: "a roles registry in which every individual role has a current holder, and a communication of the registry",
    },
    Requirement {
        label: "5.3 a",
        clause: "5.3",
        requirement: "A role is responsible and has authority for making the ISMS conform to ISO/IEC 27001",
        demonstration: false,
        attest: Attest::Role,
        wanted: "a role with `clauses: [\"5.3 a\"]` that has a current holder, in an approved roles registry that was communicated",
    },
    Requirement {
        label: "5.3 b",
        clause: "5.3",
        requirement: "A role is responsible and has authority for reporting ISMS performance to top management",
        demonstration: false,
        attest: Attest::Role,
        wanted: "a role with `clauses: [\"5.3 b\"]` that has a current holder, in an approved roles registry that was communicated",
    },
    Requirement {
        label: "5.3 registry",
        clause: "5.3",
        requirement: "A roles document states each role's responsibilities and authorities",
        demonstration: true,
        attest: Attest::No,
        wanted: "a published `type: roles` document in which every role lists its responsibilities",
    },
    Requirement {
        label: "5.3 common roles",
        clause: "5.3",
        requirement: "The common ISMS roles are defined ([isms] required-roles)",
        demonstration: true,
        attest: Attest::No,
        wanted: "a role for each entry of [isms] required-roles",
    },
];

/// The labels a record may name for `attest`.
pub fn labels_for(attest: Attest) -> impl Iterator<Item = &'static str> {
    CLAUSE_5
        .iter()
        .filter(move |r| r.attest == attest)
        .map(|r| r.label)
}

/// The requirement a label names.
pub fn find(label: &str) -> Option<&'static Requirement> {
    CLAUSE_5.iter().find(|r| r.label == label)
}
