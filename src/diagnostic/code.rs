//! The stable diagnostic codes. A code is part of the public contract (CI scripts match on it):
//! never rename one, only add.

use serde::Serialize;
use std::fmt;

/// How bad a finding is. `--deny warnings` promotes warnings to errors at report time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

macro_rules! codes {
    ($($variant:ident = $text:literal, $severity:ident, $doc:literal;)*) => {
        /// Every diagnostic code policybook can report.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            /// The severity a rule reports with unless it says otherwise.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => $doc,)* }
            }
        }
    };
}

codes! {
    ConfigSyntax = "config-syntax", Error, "book.toml is not valid TOML";
    FrontMatterMissing = "front-matter-missing", Error, "a document has no YAML front matter";
    FrontMatterSyntax = "front-matter-syntax", Error, "front matter YAML does not parse";
    MissingField = "missing-field", Error, "a required field is absent";
    InvalidField = "invalid-field", Error, "a field has the wrong type or format";
    UnknownField = "unknown-field", Warning, "a field nobody reads";
    UnreadableFile = "unreadable-file", Error, "a file under the content directory cannot be read as a document";
    DuplicateId = "duplicate-id", Error, "two documents or roles share an id";
    UnknownRole = "unknown-role", Error, "a reference to a role id that does not exist";
    UnknownDocument = "unknown-document", Error, "a reference to a document id that does not exist";
    ApproverNotAuthorized = "approver-not-authorized", Error, "the approving role may not approve this type, or the name does not hold it";
    ApprovalMissing = "approval-missing", Error, "an approved document without approvals, or effective before its last approval";
    ApprovalNotEvidenced = "approval-not-evidenced", Error, "a claimed approval that the Git history does not back";
    ApprovalQuorumNotMet = "approval-quorum-not-met", Error, "an approved document lacks the distinct approvers an approval rule of its type needs";
    SelfApproval = "self-approval", Error, "under separation of duties, an author of a content change approved it";
    ApprovalDateMismatch = "approval-date-mismatch", Error, "an approval dated before the content it approves, after the commit that evidences it or today, or outside the approver's holding of the role";
    VersionNotBumped = "version-not-bumped", Error, "content changed after this version was approved";
    ReviewOverdue = "review-overdue", Error, "the document's review date has passed";
    ReviewDueSoon = "review-due-soon", Warning, "the document's review is due within 30 days";
    NotCommunicated = "not-communicated", Error, "an approved version has not reached each audience within the deadline";
    MissingSection = "missing-section", Error, "a required section heading is absent";
    BrokenLink = "broken-link", Error, "a relative link to a missing file or heading anchor";
    UnsafeAttachment = "unsafe-attachment", Error, "a linked attachment that browsers would execute (HTML, SVG, XML, JavaScript); it is not published";
    MandatoryDocumentMissing = "mandatory-document-missing", Error, "no approved information security policy (5.2) or no roles registry (5.3)";
    RoleWithoutHolder = "role-without-holder", Error, "a role that is not a group has no current holder";
    RequiredRoleMissing = "required-role-missing", Error, "one of the required ISMS roles is not defined";
    ManagementReviewOverdue = "management-review-overdue", Error, "no management review within the review interval";
    DecisionOverdue = "decision-overdue", Warning, "an open management-review decision is past its due date";
    UncommittedChanges = "uncommitted-changes", Warning, "a document has changes that are not committed";
    ShallowHistory = "shallow-history", Error, "the Git history is incomplete (shallow clone)";
    HistoryUnavailable = "history-unavailable", Warning, "there is no Git history to read (not a repository, no commits)";
    Placeholder = "placeholder", Warning, "a `REPLACE ME` placeholder of the scaffold is left in a document";
    PersonInvalid = "person-invalid", Error, "a row of the people file is malformed: no e-mail, a bad date, left before joined";
    PersonDuplicate = "person-duplicate", Error, "two rows of the people file share an e-mail address";
    UnknownGroup = "unknown-group", Warning, "a person's group is no audience of any document or communication";
    AudienceWithoutPeople = "audience-without-people", Warning, "an audience that no person in the people file belongs to";
    AcknowledgementInvalid = "acknowledgement-invalid", Error, "a row of an acknowledgement record file is malformed";
    AcknowledgementUnknownPerson = "acknowledgement-unknown-person", Error, "an acknowledgement by an e-mail address that is not in the people file";
    AcknowledgementOverdue = "acknowledgement-overdue", Warning, "people of a document's audience have not acknowledged the version in force by their deadline";
    AcknowledgementCountMismatch = "acknowledgement-count-mismatch", Warning, "a communication entry's typed acknowledgement counts disagree with the records";
    AcknowledgementWrongVersion = "acknowledgement-wrong-version", Error, "an acknowledgement of a version never approved, or of content that is not that version's";
    AcknowledgementRecordNotEvidenced = "acknowledgement-record-not-evidenced", Error, "a record file that no custodian committed as it stands: its acknowledgements do not count";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
