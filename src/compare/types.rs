//! The report's data, serialised as `diff --format json` prints it.

use crate::diagnostic::Diagnostic;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub spec: String,
    pub commit: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    ContentChanged,
    MetadataChanged,
    Renamed,
    Removed,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::ContentChanged => "content changed",
            ChangeKind::MetadataChanged => "metadata only",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Holder {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Approver {
    pub role: String,
    /// Whether the role exists in the roles registry at HEAD.
    pub defined: bool,
    /// Its holders as of today, at HEAD.
    pub holders: Vec<Holder>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub id: Option<String>,
    /// The title (of HEAD's side, or BASE's for a removal), unless that side is withheld.
    pub title: Option<String>,
    /// The level that withholds a side's title and path, when its text is above
    /// `max-classification`: a pull-request report is read by more people than the document.
    pub withheld: Option<String>,
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
    pub path_before: Option<String>,
    pub path_after: Option<String>,
    pub version_before: Option<String>,
    pub version_after: Option<String>,
    pub status_before: Option<String>,
    pub status_after: Option<String>,
    /// The content hash (bookkeeping fields excluded) differs.
    pub content_changed: bool,
    /// Released content (approved or retired at BASE) changed and `version` did not.
    pub bump_required: bool,
    /// The roles that may approve the new version (any one of them), when it needs approval.
    pub approvers: Option<Vec<Approver>>,
    /// The type's `[[types.T.approval]]` rules the new version must meet, all of them (empty
    /// when one approval by any of `approvers` will do).
    pub rules: Vec<crate::config::ApprovalRule>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub documents: usize,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub base: Side,
    pub head: Side,
    pub today: String,
    pub changes: Vec<Change>,
    /// Findings present at HEAD and absent at BASE (same code, document and message).
    pub introduced: Vec<Diagnostic>,
    pub counts: Counts,
}
