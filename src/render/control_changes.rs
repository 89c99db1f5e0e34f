//! The "Control changes" page: every commit that changed what decides whether an approval is
//! evidenced — the roles registries (holders, authorities), `book.toml` (approval rules) and
//! the `allowed_signers` file — with who made it (raw identities), who approved it
//! (`Approved-by:` trailers), and its signature. An auditor reads here how the rules of
//! evidence themselves came to be.

use super::history_view::commit_href;
use crate::dates::{commit_date, rfc3339};
use crate::disclosure;
use crate::file_history::signature_view;
use crate::history::HistoryIndex;
use crate::site::Site;
use serde_json::{Value, json};

/// The page's data: the changes, newest first.
pub fn page(site: &Site, history: &HistoryIndex) -> Value {
    // (project file, what it controls, the disclosure of each revision)
    let mut files: Vec<(String, &'static str, Vec<disclosure::RevisionDisclosure>)> = Vec::new();
    for doc in site.roles_documents() {
        let dh = crate::history::versions::document_history(history, doc);
        let shown = disclosure::of_revisions(&site.project, &dh);
        files.push((doc.file.clone(), "roles registry", shown));
    }
    files.push((
        crate::config::FILE_NAME.to_string(),
        "approval rules",
        Vec::new(),
    ));
    if let Some(signers) = &site.project.config.approval.allowed_signers {
        files.push((signers.clone(), "allowed signers", Vec::new()));
    }
    let order: std::collections::HashMap<&str, usize> = history
        .walk
        .order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut rows: Vec<(usize, Value)> = Vec::new();
    for (file, controls, shown) in &files {
        for (n, revision) in history.revisions(file).iter().enumerate() {
            let Some(commit) = history.commit(&revision.commit) else {
                continue;
            };
            // The registry's revisions follow its classification; the others are settings.
            let message_withheld = shown.get(n).and_then(|d| d.message_withheld.clone());
            let approvers: Vec<&str> = commit
                .trailers
                .iter()
                .filter(|t| t.is("Approved-by"))
                .map(|t| t.value.as_str())
                .collect();
            rows.push((
                order.get(commit.id.as_str()).copied().unwrap_or(usize::MAX),
                json!({
                    "commit": commit.id,
                    "commit_short": crate::history::versions::short(&commit.id),
                    "commit_href": commit_href(site, &commit.id),
                    "date": commit_date(commit.committer.time, commit.committer.offset),
                    "time": rfc3339(commit.committer.time, commit.committer.offset),
                    "file": file,
                    "controls": controls,
                    "change": revision.kind,
                    "author": format!("{} <{}>", commit.author.name, commit.author.email),
                    "committer": format!("{} <{}>", commit.committer.name, commit.committer.email),
                    "summary": message_withheld.clone().unwrap_or_else(|| commit.summary.clone()),
                    "withheld": message_withheld.is_some(),
                    "approved_by": approvers,
                    "signature": signature_view(site, history, commit, true),
                }),
            ));
        }
    }
    rows.sort_by_key(|(i, _)| *i);
    object! {"changes" => rows.into_iter().map(|(_, v)| v).collect::<Vec<Value>>()}
}
