//! Judges who kept the acknowledgement record files (`[acknowledgement] custodians`): every
//! commit that added or changed a record file must have been made by a holder of a custodian
//! role on its date, by the roles registry in force at that commit (its first parent's, as for
//! approvals: see `rules_at`), and with `evidence = "signed"` signed by that holder's key in the
//! signer list in force there. A record file that is not committed, differs from its last
//! commit, or has a commit by anyone else is withheld: its records do not count (the caller
//! removes them) and `validate` reports it. Without custodians nothing is judged.

use crate::acknowledgement::custody::{CustodyCommit, FileCustody};
use crate::config::Evidence as Mode;
use crate::history::{CommitRecord, HistoryIndex};
use crate::rules_at::RulesAt;
use crate::site::Site;

/// The custody of every record file read, in file order; empty without custodians.
pub fn judge(site: &Site) -> Vec<FileCustody> {
    let custodians = &site.project.config.acknowledgement.custodians;
    if custodians.is_empty() {
        return Vec::new();
    }
    // Each record file with the documents its records acknowledge, in file order.
    let mut files: Vec<(&str, std::collections::BTreeSet<&str>)> = Vec::new();
    for r in &site.acknowledgements.records {
        match files.last_mut() {
            Some((file, documents)) if *file == &*r.file => {
                documents.insert(&r.document);
            }
            _ => files.push((&r.file, [&*r.document].into())),
        }
    }
    files
        .into_iter()
        .map(|(file, documents)| {
            let mut custody = match site.history.as_ref() {
                Ok(history) => of_file(site, history, custodians, file),
                Err(_) => FileCustody {
                    file: file.to_string(),
                    documents: Vec::new(),
                    commits: Vec::new(),
                    withheld: Some("there is no Git history to show who committed it".into()),
                },
            };
            custody.documents = documents.into_iter().map(str::to_string).collect();
            custody
        })
        .collect()
}

/// The custody of the record files that hold acknowledgements of document `id`.
pub fn of_document<'s>(site: &'s Site, id: &'s str) -> impl Iterator<Item = &'s FileCustody> {
    site.record_custody
        .iter()
        .filter(move |c| c.documents.iter().any(|d| d == id))
}

fn of_file(site: &Site, history: &HistoryIndex, custodians: &[String], file: &str) -> FileCustody {
    let revisions = history.revisions(file);
    let mut commits = Vec::new();
    let mut withheld = None;
    // Oldest first. A merge that only brought in a blob some other revision made is not
    // judged: the commit that made the blob is.
    let made_elsewhere = |blob: &Option<String>, at: usize| {
        revisions
            .iter()
            .enumerate()
            .any(|(i, r)| i != at && r.blob == *blob && !is_merge(history, &r.commit))
    };
    for (at, revision) in revisions.iter().enumerate().rev() {
        let Some(commit) = history.commit(&revision.commit) else {
            continue;
        };
        if is_merge(history, &commit.id) && made_elsewhere(&revision.blob, at) {
            continue;
        }
        let judged = judge_commit(site, history, custodians, commit, &revision.kind);
        if withheld.is_none() {
            withheld = why_not(&judged, site.project.config.approval.evidence);
        }
        commits.push(judged);
    }
    if commits.is_empty() {
        withheld = Some("it is not committed".into());
    } else if withheld.is_none() && !as_committed(site, history, file) {
        withheld = Some("it differs from its last commit".into());
    }
    FileCustody {
        file: file.to_string(),
        documents: Vec::new(),
        commits,
        withheld,
    }
}

fn is_merge(history: &HistoryIndex, id: &str) -> bool {
    history.commit(id).is_some_and(|c| c.parents.len() > 1)
}

/// Why a commit does not evidence custody, if it does not.
fn why_not(commit: &CustodyCommit, mode: Mode) -> Option<String> {
    let short = crate::history::versions::short(&commit.id);
    if commit.custodian.is_none() {
        return Some(format!(
            "commit {short} ({}) is by {}, who held no custodian role on that day",
            commit.change, commit.author
        ));
    }
    (mode == Mode::Signed && commit.signed_by.is_none()).then(|| {
        format!(
            "commit {short} ({}) by {} is not signed by a key the signer list in force allows for them",
            commit.change, commit.author
        )
    })
}

fn judge_commit(
    site: &Site,
    history: &HistoryIndex,
    custodians: &[String],
    commit: &CommitRecord,
    change: &str,
) -> CustodyCommit {
    let author = &commit.author;
    let date = crate::dates::commit_date(commit.committer.time, commit.committer.offset);
    let rules = site.rules_at.at(&site.project, history, &commit.id);
    let custodian = date.parse::<jiff::civil::Date>().ok().and_then(|day| {
        let rules = rules.as_deref()?;
        custodian_role(rules, custodians, &author.name, &author.email, day)
    });
    let signed_by = match (&rules, site.project.config.approval.evidence) {
        (Some(rules), Mode::Signed) if custodian.is_some() => {
            crate::stamp::signed_by(history, &rules.signers, commit, &author.email)
        }
        _ => None,
    };
    CustodyCommit {
        id: commit.id.clone(),
        change: change.to_string(),
        author: format!("{} <{}>", author.name, author.email),
        committer: format!("{} <{}>", commit.committer.name, commit.committer.email),
        time: crate::dates::rfc3339(commit.committer.time, commit.committer.offset),
        custodian,
        signed_by,
    }
}

/// The first custodian role (in `custodians`' order) the person held on `day`. A role counts
/// only if the `book.toml` in force at the commit also named it a custodian, when it named any:
/// widening the list later does not make earlier commits a custodian's.
fn custodian_role(
    rules: &RulesAt,
    custodians: &[String],
    name: &str,
    email: &str,
    day: jiff::civil::Date,
) -> Option<String> {
    let then = rules.custodians();
    custodians
        .iter()
        .filter(|id| then.is_none_or(|then| then.contains(id)))
        .find(|id| {
            rules.role(id).is_some_and(|role| {
                role.holders_on(day)
                    .any(|h| crate::stamp::is_holder(h, name, email))
            })
        })
        .cloned()
}

/// Whether the record file as read (its blob id, see `acknowledgement::Register::files`) is
/// the blob of its last revision.
fn as_committed(site: &Site, history: &HistoryIndex, file: &str) -> bool {
    let Some(last) = history
        .revisions(file)
        .first()
        .and_then(|r| r.blob.as_deref())
    else {
        return false;
    };
    site.acknowledgements
        .files
        .get(file)
        .is_some_and(|id| id == last)
}
