//! Findings that need the Git history: `approval-not-evidenced`, `version-not-bumped`,
//! `uncommitted-changes`, `shallow-history` and `history-unavailable` (SPEC §4, §5).

use crate::config::Evidence as Mode;
use crate::content::Document;
use crate::content::document::Approval;
use crate::diagnostic::{Code, Diagnostic, Pos, Severity};
use crate::site::Site;
use crate::stamp::{self, Verifier};
use rayon::prelude::*;

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    let mode = site.project.config.approval.evidence;
    let history = match &site.history {
        Ok(h) => h,
        Err(unavailable) => {
            out.push(unavailable.diagnostic());
            if mode != Mode::None {
                for (doc, approvals) in approved_claims(site) {
                    for a in approvals {
                        out.push(
                            Diagnostic::new(
                                Code::ApprovalNotEvidenced,
                                format!("approval by {} ({}) cannot be evidenced: there is no Git history", a.name.value, a.role.value),
                            )
                            .at(&doc.file, a.pos)
                            .doc(doc.id())
                            .help("commit the approval with an `Approved-by:` trailer, or set [approval] evidence = \"none\""),
                        );
                    }
                }
            }
            return;
        }
    };
    if history.shallow {
        let d = Diagnostic::new(
            Code::ShallowHistory,
            "the repository is a shallow clone: first revisions, approval evidence and dates may be wrong",
        )
        .help("fetch the whole history: `git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout (GIT_DEPTH: 0 on GitLab); --allow-shallow builds anyway");
        out.push(if site.options.allow_shallow {
            d.severity(Severity::Warning)
        } else {
            d
        });
    }
    let verifier = Verifier::of(site, history);
    // Each document's history is independent of the others': read them in parallel, keep
    // the findings in document order. A document whose text is the one the previous build's
    // findings were made for keeps them (`Site::evidence_reusable`, given after a body edit
    // only): building every document's history again was most of the checks' time there.
    let reusable = &site.evidence_reusable;
    let per_document: Vec<Vec<Diagnostic>> = site
        .documents()
        .par_iter()
        .map(|doc| {
            if let Some(blob) = &doc.blob_id
                && let Some((was, found)) = reusable.get(&doc.file)
                && was == blob
            {
                return found.clone();
            }
            let mut found = Vec::new();
            document(site, &verifier, doc, &mut found);
            found
        })
        .collect();
    let kept: crate::site::FindingsByFile = (site.documents().iter().zip(&per_document))
        .filter_map(|(doc, found)| Some((doc.file.clone(), (doc.blob_id.clone()?, found.clone()))))
        .collect();
    *site
        .evidence_found
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = kept;
    out.extend(per_document.into_iter().flatten());
}

/// The history findings of one document.
fn document(site: &Site, verifier: &Verifier, doc: &Document, out: &mut Vec<Diagnostic>) {
    let mode = verifier.mode;
    let history = verifier.history;
    let Some(meta) = &doc.meta else { return };
    let dh = crate::history::versions::document_history(history, doc);
    if dh.uncommitted {
        let d = Diagnostic::new(
            Code::UncommittedChanges,
            if dh.blob.is_none() {
                "document is not committed".to_string()
            } else {
                "document has uncommitted changes".to_string()
            },
        )
        .at(&doc.file, Pos::new(1, 1))
        .doc(Some(&meta.id.value))
        .help("commit it: the portal shows it as an unversioned working copy until then");
        out.push(if site.options.strict {
            d.severity(Severity::Error)
        } else {
            d
        });
    }
    let Some(c) = doc.controlled() else {
        // A record's sign-off is evidenced as a controlled document's approvals are.
        if let Some(signoff) = meta.signoff.as_ref().filter(|s| s.is_approved())
            && mode != Mode::None
        {
            not_evidenced(site, verifier, doc, &dh, &signoff.approvals, out);
        }
        return;
    };

    if let (Some(version), Some(hash)) = (&c.version, &dh.current.content_hash)
        && let Some(approved) = dh
            .versions
            .iter()
            .find(|v| v.version == version.value && &v.content_hash != hash)
    {
        out.push(
            Diagnostic::new(
                Code::VersionNotBumped,
                format!(
                    "the content changed after version {} was approved in {}, but the version is still {}",
                    version.value,
                    crate::history::versions::short(&approved.approved_in),
                    version.value
                ),
            )
            .at(&doc.file, version.pos)
            .width(written_width(&doc.source, version.pos, &version.value))
            .doc(Some(&meta.id.value))
            .help("give the changed content a new version (e.g. bump MINOR) and have it approved again"),
        );
    }

    if c.is_approved() && site.project.config.approval.separation_of_duties {
        self_approvals(site, doc, &dh, &c.approvals, out);
    }
    if !c.is_approved() || mode == Mode::None {
        return;
    }
    not_evidenced(site, verifier, doc, &dh, &c.approvals, out);
}

/// `self-approval` (`[approval] separation-of-duties`): nobody who authored a change of the
/// content since the last approved version before this one may approve it.
fn self_approvals(
    site: &Site,
    doc: &Document,
    dh: &crate::history::versions::DocumentHistory,
    claims: &[Approval],
    out: &mut Vec<Diagnostic>,
) {
    let writers = crate::history::versions::content_authors_since_last_version(dh);
    for claim in claims {
        let Some(role) = site.role(&claim.role.value) else {
            continue;
        };
        let Some(holder) = role
            .holders_on(claim.date.value)
            .find(|h| h.name.trim().eq_ignore_ascii_case(claim.name.value.trim()))
        else {
            continue;
        };
        let Some((commit, author)) = writers.iter().find(|(_, a)| {
            (!holder.email.is_empty() && a.email.eq_ignore_ascii_case(&holder.email))
                || (!holder.name.is_empty() && a.name == holder.name)
        }) else {
            continue;
        };
        out.push(
            Diagnostic::new(
                Code::SelfApproval,
                format!(
                    "{} approves content they wrote: {} <{}> authored the change in {}",
                    claim.name.value,
                    author.name,
                    author.email,
                    crate::history::versions::short(commit)
                ),
            )
            .at(&doc.file, claim.pos)
            .doc(doc.id())
            .help("under [approval] separation-of-duties, someone who did not write the change must approve it"),
        );
    }
}

/// Approved documents and records with their front-matter approvals.
fn approved_claims(site: &Site) -> impl Iterator<Item = (&Document, &[Approval])> {
    site.documents().iter().filter_map(|doc| {
        if let Some(c) = doc.controlled() {
            return c.is_approved().then_some((doc, c.approvals.as_slice()));
        }
        let signoff = doc.meta.as_ref()?.signoff.as_ref()?;
        signoff
            .is_approved()
            .then_some((doc, signoff.approvals.as_slice()))
    })
}

/// `approval-not-evidenced` for each of `claims` (the working copy's approvals) that no commit
/// backs.
fn not_evidenced(
    site: &Site,
    verifier: &Verifier,
    doc: &Document,
    dh: &crate::history::versions::DocumentHistory,
    claims: &[Approval],
    out: &mut Vec<Diagnostic>,
) {
    let mode = verifier.mode;
    let window = crate::history::versions::current_window(dh);
    let evidence = stamp::current_evidence(site, verifier, dh);
    for (claim, a) in claims.iter().zip(&evidence) {
        if let Some(why) = stamp::date_mismatch(site, a, &window) {
            out.push(
                Diagnostic::new(
                    Code::ApprovalDateMismatch,
                    format!("approval by {} ({}) on {}: {why}", a.name, a.role, a.date),
                )
                .at(&doc.file, claim.date.pos)
                .width(10)
                .doc(doc.id())
                .help("date the approval on the day the approver approved this content, between its commit and the approval commit, while they held the role"),
            );
        }
        if let crate::history::versions::Evidence::NotEvidenced { reason } = &a.evidence {
            out.push(
                Diagnostic::new(
                    Code::ApprovalNotEvidenced,
                    format!("approval by {} ({}) on {} is not evidenced: {reason}", a.name, a.role, a.date),
                )
                .at(&doc.file, claim.pos)
                .doc(doc.id())
                .help(format!(
                    "commit the approval with the trailer `Approved-by: {} <email>` as the last paragraph of the message{}",
                    a.name,
                    if mode == Mode::Signed { ", signed with the approver's SSH key" } else { "" }
                )),
            );
        }
    }
}

/// How many characters a scalar takes where it was written: its text, plus the quotes when it
/// was quoted (`"1.0"`), so the caret underlines all of it.
fn written_width(source: &str, pos: Pos, value: &str) -> usize {
    let quoted = source
        .lines()
        .nth(pos.line.saturating_sub(1))
        .and_then(|line| line.chars().nth(pos.column.saturating_sub(1)))
        .is_some_and(|c| c == '"' || c == '\'');
    value.chars().count() + if quoted { 2 } else { 0 }
}
