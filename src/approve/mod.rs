//! Recording an approval the way SPEC §5 evidences it (what `policybook approve` does): the
//! document's front matter gets the approval (`approvals`, `status: approved`, `effective`), and
//! a commit authored by the approver carries the `Approved-by:` trailer, optionally SSH-signed
//! with git's `user.signingkey`, optionally with a signed approval tag. Refuses when the approver
//! holds no role authorised for the document's type on the date, when they wrote the content and
//! separation of duties is on, or when other changes are uncommitted (the commit must contain
//! exactly the approval). Stands on the loaded `Site` and the validation rules; only `cmd` uses it.

mod error;
mod front_matter_edit;
mod git;
mod lock;

pub use error::ApproveError;
pub use lock::Lock;

use crate::content::Document;
use crate::content::document::Controlled;
use crate::diagnostic::did_you_mean;
use crate::validate::authorised_roles;
use crate::{Error, Site};
use std::path::{Path, PathBuf};

fn refuse<T>(why: String) -> Result<T, ApproveError> {
    Err(ApproveError::Refused(why))
}

/// ` (did you mean `X`?)` when a candidate is near `word`, else nothing.
fn hint<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> String {
    did_you_mean(word, candidates)
        .map(|best| format!(" (did you mean `{best}`?)"))
        .unwrap_or_default()
}

/// What to approve, as whom.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    /// A role holder's name or e-mail, as in the roles registry.
    pub approver: String,
    /// The role they approve in (needed when they hold several authorised roles).
    pub role: Option<String>,
    pub date: jiff::civil::Date,
    /// Sign the commit with git's `user.signingkey`.
    pub sign: bool,
    /// A paragraph for the commit message.
    pub message: Option<String>,
    /// Also write a signed approval tag `approval/ID/VERSION/ROLE`.
    pub tag: bool,
}

/// The approver chosen: a holder of an authorised role on the date.
#[derive(Debug, Clone)]
pub struct Approver {
    pub role: String,
    pub name: String,
    pub email: String,
}

/// What was recorded.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub approver: Approver,
    pub version: String,
    pub commit: String,
    /// The signed approval tag, with `--tag`.
    pub tag: Option<String>,
}

/// Records the approval `request` asks for in the project at `root`, loaded as `site`.
pub fn record(root: &Path, site: &Site, request: &Request) -> Result<Recorded, ApproveError> {
    let doc = find_document(site, &request.id)?;
    let (Some(meta), Some(controlled)) = (doc.meta.as_ref(), doc.controlled()) else {
        return refuse(format!(
            "`{}` is not a controlled document (only policies, standards, procedures, objectives and declared types are approved)",
            request.id
        ));
    };
    let approver = choose_approver(site, &meta.doc_type.value, request)?;
    refuse_repeat_or_own_work(site, doc, controlled, &approver, &request.id)?;
    let place = Place::of(root, site, doc)?;

    let original = std::fs::read(&place.file)
        .map_err(|e| Error::io(format!("cannot read {}", place.file.display()), e))?;
    let new_text = front_matter_edit::with_approval(
        doc,
        &approver.role,
        &approver.name,
        request.date,
        controlled.is_approved(),
    )?;
    crate::atomic::write(&place.file, new_text.as_bytes())
        .map_err(|e| Error::io(format!("cannot write {}", place.file.display()), e))?;
    let version = controlled
        .version
        .as_ref()
        .map(|v| v.value.clone())
        .unwrap_or_default();
    let message = commit_message(request, &meta.title.value, &version, &approver);
    let commit = git::commit(
        &place.repo,
        &place.repo_path,
        &approver.name,
        &approver.email,
        &message,
        request.sign,
    )
    .inspect_err(|_| {
        // Leave the working tree as it was: the approval was not recorded.
        let _ = crate::atomic::write(&place.file, &original);
    })?;
    let tag = match request.tag {
        false => None,
        true => Some(tag(
            &place.repo,
            request,
            &commit,
            &version,
            &approver,
            &new_text,
        )?),
    };
    Ok(Recorded {
        approver,
        version,
        commit,
        tag,
    })
}

fn find_document<'s>(site: &'s Site, id: &str) -> Result<&'s Document, ApproveError> {
    match site.documents().iter().find(|d| d.id() == Some(id)) {
        Some(doc) => Ok(doc),
        None => refuse(format!(
            "no document has the id `{id}`{}",
            hint(id, site.ids().map(|(id, _)| id))
        )),
    }
}

/// The holder the request names, in the one role of theirs that may approve a `doc_type`.
fn choose_approver(
    site: &Site,
    doc_type: &str,
    request: &Request,
) -> Result<Approver, ApproveError> {
    let date = request.date;
    let candidates = holders_named(site, &request.approver, date);
    if candidates.is_empty() {
        let holders: Vec<&str> = site
            .roles()
            .flat_map(|role| role.holders_on(date))
            .flat_map(|h| [h.name.as_str(), h.email.as_str()])
            .collect();
        return refuse(format!(
            "`{}` holds no role on {date} in the roles registry{}",
            request.approver,
            hint(request.approver.trim(), holders.into_iter())
        ));
    }
    let held: Vec<&str> = candidates.iter().map(|c| c.role.as_str()).collect();
    if let Some(wanted) = &request.role
        && !held.contains(&wanted.as_str())
    {
        return refuse(format!(
            "{} does not hold the role `{wanted}` on {date}{}; they hold {}",
            candidates[0].name,
            hint(wanted, held.iter().copied()),
            held.join(", ")
        ));
    }
    let authorised = authorised_roles(site, doc_type);
    let eligible: Vec<&Approver> = candidates
        .iter()
        .filter(|c| authorised.contains(&c.role))
        .filter(|c| request.role.as_ref().is_none_or(|r| *r == c.role))
        .collect();
    match eligible.as_slice() {
        [one] => Ok((*one).clone()),
        [] => refuse(format!(
            "{} may not approve a {doc_type}: on {date} they hold {}, and a {doc_type} is approved by {}",
            candidates[0].name,
            held.join(", "),
            if authorised.is_empty() {
                "no role yet".to_string()
            } else {
                authorised.join(", ")
            }
        )),
        several => {
            let roles: Vec<&str> = several.iter().map(|c| c.role.as_str()).collect();
            refuse(format!(
                "{} holds several roles that may approve a {doc_type} ({}); say which with --role",
                several[0].name,
                roles.join(", ")
            ))
        }
    }
}

/// Every (role, holder) on `date` whose name or e-mail is `wanted` (case-insensitively).
fn holders_named(site: &Site, wanted: &str, date: jiff::civil::Date) -> Vec<Approver> {
    let wanted = wanted.trim().to_lowercase();
    site.roles()
        .flat_map(|role| role.holders_on(date).map(move |h| (role, h)))
        .filter(|(_, h)| h.name.to_lowercase() == wanted || h.email.to_lowercase() == wanted)
        .map(|(role, h)| Approver {
            role: role.id.value.clone(),
            name: h.name.clone(),
            email: h.email.clone(),
        })
        .collect()
}

/// Refuses a second approval of the same version by the same holder, and (with separation of
/// duties) an approval by someone who wrote a change of the content since the last version.
fn refuse_repeat_or_own_work(
    site: &Site,
    doc: &Document,
    controlled: &Controlled,
    approver: &Approver,
    id: &str,
) -> Result<(), ApproveError> {
    let Approver { role, name, email } = approver;
    if controlled.is_approved()
        && controlled
            .approvals
            .iter()
            .any(|a| a.role.value == *role && a.name.value == *name)
    {
        return refuse(format!(
            "{name} ({role}) already approved this version of {id}"
        ));
    }
    if !site.project.config.approval.separation_of_duties {
        return Ok(());
    }
    let Ok(history) = site.history.as_ref() else {
        return Ok(());
    };
    let dh = crate::history::versions::document_history(history, doc);
    let writers = crate::history::versions::content_authors_since_last_version(&dh);
    match writers
        .iter()
        .find(|(_, a)| a.email.eq_ignore_ascii_case(email) || (email.is_empty() && a.name == *name))
    {
        Some((commit, _)) => refuse(format!(
            "{name} wrote a change of this content ({}), and [approval] separation-of-duties is on: someone else must approve it",
            crate::history::versions::short(commit)
        )),
        None => Ok(()),
    }
}

/// Where the approval is written: the repository, ready for a commit that holds only it.
struct Place {
    repo: git2::Repository,
    /// The document's file on disk.
    file: PathBuf,
    /// Its path in the repository.
    repo_path: String,
}

impl Place {
    fn of(root: &Path, site: &Site, doc: &Document) -> Result<Place, ApproveError> {
        let repo = git2::Repository::discover(root).map_err(|e| {
            ApproveError::Refused(format!(
                "approvals are recorded in Git, and {} is not in a repository: {}",
                root.display(),
                e.message()
            ))
        })?;
        let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
            return refuse("a bare repository has no documents to approve".into());
        };
        let file = site.project.src_dir.join(&doc.rel_path);
        let Some(repo_path) = crate::history::worktree::relative(&workdir, &file) else {
            return refuse("the document is outside the repository".into());
        };
        // Git's own lock: a running git command, or one that was killed. libgit2 would only say
        // "failed to create locked file" after the document was written.
        let index_lock = repo.path().join("index.lock");
        if index_lock.exists() {
            return refuse(format!(
                "{} exists: a git command is running in this repository, or one was interrupted; if none is running, delete it (rm {}) and approve again",
                index_lock.display(),
                index_lock.display()
            ));
        }
        // Uncommitted changes: any tracked file modified or staged, and untracked files in the
        // content directory (they would change what the approval covers).
        let src = crate::history::worktree::folder(&workdir, &site.project.src_dir);
        let dirty = crate::history::worktree::uncommitted(&repo, src.as_deref())
            .map_err(|e| Error::git("cannot read the working tree's status", e))?;
        if !dirty.is_empty() {
            return refuse(format!(
                "the working tree has uncommitted changes ({}); commit or stash them first, so that the approval commit holds only the approval",
                dirty.join(", ")
            ));
        }
        Ok(Place {
            repo,
            file,
            repo_path,
        })
    }
}

fn commit_message(request: &Request, title: &str, version: &str, approver: &Approver) -> String {
    let mut message = format!("Approve {} v{version}: {title}\n\n", request.id);
    if let Some(extra) = &request.message {
        message.push_str(extra.trim());
        message.push_str("\n\n");
    }
    message.push_str(&format!(
        "Approved-by: {} <{}>\n",
        approver.name, approver.email
    ));
    message
}

/// The signed approval tag on the approval commit; its name.
fn tag(
    repo: &git2::Repository,
    request: &Request,
    commit: &str,
    version: &str,
    approver: &Approver,
    new_text: &str,
) -> Result<String, ApproveError> {
    let hash = crate::content::facts::read(new_text)
        .content_hash
        .unwrap_or_default();
    let name = format!("approval/{}/{version}/{}", request.id, approver.role);
    git::approval_tag(repo, commit, &name, &approver.name, &approver.email, &hash).map_err(
        |e| {
            ApproveError::Refused(format!(
                "the approval is committed, but the tag is not: {}",
                crate::error::one_line(&e)
            ))
        },
    )?;
    Ok(name)
}
