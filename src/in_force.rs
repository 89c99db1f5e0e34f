//! In-force versions (ISO 27001 7.5.3, document control): while a controlled document's
//! successor is drafted or reviewed, the version approved before stays in force. A document
//! whose working copy is `draft` or `in-review` and which has an approved version on HEAD's
//! history is in force at the newest such version, read from the commit that approved it (the
//! blob in Git, never the working tree). The portal, the register, the matrix, search, review
//! dates and communication use that version; rules about the text being written (fields,
//! sections, links, evidence) keep reading the working copy.
//!
//! This module only finds the in-force versions; `Site` hands them out.

use crate::config::Project;
use crate::content::{Document, Status};
use crate::history::HistoryIndex;
use rayon::prelude::*;
use std::collections::HashMap;

/// The approved version of a document that is in force while its working copy is not.
#[derive(Debug, Clone)]
pub struct InForce {
    /// The version as the approving commit holds it (front matter and text).
    pub document: Document,
    /// The commit in which this version was first approved.
    pub approved_in: String,
    /// Its blob.
    pub blob: String,
    /// The working copy's version and status ("1.1", in review).
    pub working_version: Option<String>,
    pub working_status: Status,
    /// The working copy's index among the site's documents.
    pub working: usize,
}

/// The in-force version of every draft or in-review controlled document that has one, by the
/// document's file.
pub fn find(
    project: &Project,
    documents: &[Document],
    history: &HistoryIndex,
) -> HashMap<String, InForce> {
    let candidates: Vec<(usize, &Document, Status)> = documents
        .iter()
        .enumerate()
        .filter_map(|(i, doc)| {
            let status = doc.controlled()?.status.as_ref()?.value;
            matches!(status, Status::Draft | Status::InReview).then_some((i, doc, status))
        })
        .collect();
    if candidates.is_empty() {
        return HashMap::new();
    }
    // Independent per document: in parallel, one repository per worker (git2's is not Sync).
    candidates
        .par_iter()
        .map_init(
            || git2::Repository::open(&history.git_dir).ok(),
            |repo, &(working, doc, working_status)| {
                let found = of_document(project, history, repo.as_ref()?, doc)?;
                Some((
                    doc.file.clone(),
                    InForce {
                        working,
                        working_status,
                        working_version: doc
                            .controlled()
                            .and_then(|c| c.version.as_ref())
                            .map(|v| v.value.clone()),
                        ..found
                    },
                ))
            },
        )
        .flatten()
        .collect()
}

/// The newest approved version of `doc` on HEAD's history, read from its blob; `None` when
/// there is none, or its text is not the same document approved.
fn of_document(
    project: &Project,
    history: &HistoryIndex,
    repo: &git2::Repository,
    doc: &Document,
) -> Option<InForce> {
    let dh = crate::history::versions::document_history(history, doc);
    let version = dh.versions.last()?;
    let text = blob_text(repo, &version.blob)?;
    let (document, _) = crate::content::document::read(project, &doc.rel_path, &doc.file, text);
    let same = document.id() == doc.id() && document.controlled().is_some_and(|c| c.is_approved());
    same.then(|| InForce {
        document,
        approved_in: version.approved_in.clone(),
        blob: version.blob.clone(),
        working_version: None,
        working_status: Status::Draft,
        working: 0,
    })
}

fn blob_text(repo: &git2::Repository, id: &str) -> Option<String> {
    let blob = repo.find_blob(git2::Oid::from_str(id).ok()?).ok()?;
    String::from_utf8(blob.content().to_vec()).ok()
}
