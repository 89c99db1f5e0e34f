//! `policybook approve ID --as NAME|EMAIL`: records an approval (see `crate::approve`), then
//! says what `check` now finds in the document.

use super::{EXIT_INVALID, EXIT_OK};
use crate::approve::{self, ApproveError, Lock, Request};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The document's id.
    pub id: String,
    /// The approver: a role holder's name or email, as in the roles registry.
    #[arg(long = "as", value_name = "NAME|EMAIL")]
    pub approver: String,
    /// The role they approve in (needed when they hold several authorised roles).
    #[arg(long)]
    pub role: Option<String>,
    /// The approval date (default: today, as `check` resolves it).
    #[arg(long, value_parser = super::parse_today)]
    pub date: Option<jiff::civil::Date>,
    /// Sign the commit with the SSH key in git's `user.signingkey` (`gpg.format = ssh`).
    #[arg(long)]
    pub sign: bool,
    /// A paragraph for the commit message (why, what was reviewed).
    #[arg(long)]
    pub message: Option<String>,
    /// Also write a signed approval tag `approval/ID/VERSION/ROLE` on the approval commit,
    /// naming the approver and the approved content hash, SSH-signed with `user.signingkey`:
    /// evidence with `evidence = "signed"` without signing the commit.
    #[arg(long)]
    pub tag: bool,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    // One approval at a time per repository (see `approve::Lock`).
    let _lock = match git2::Repository::discover(&root) {
        Ok(repo) => Some(Lock::acquire(
            &repo.path().join("policybook").join("approve.lock"),
        )?),
        Err(_) => None,
    };
    let loaded = crate::load(&root, crate::site::Options::default())?;
    let request = Request {
        id: args.id.clone(),
        approver: args.approver.clone(),
        role: args.role.clone(),
        date: args.date.unwrap_or(loaded.site.today),
        sign: args.sign,
        message: args.message.clone(),
        tag: args.tag,
    };
    let recorded = match approve::record(&root, &loaded.site, &request) {
        Ok(recorded) => recorded,
        Err(ApproveError::Refused(why)) => anyhow::bail!("{why}"),
        Err(e) => return Err(anyhow::Error::new(e).context("the approval was not recorded")),
    };
    let approver = &recorded.approver;
    eprintln!(
        "approved {} v{} as {} ({}) on {} in commit {}",
        args.id,
        recorded.version,
        approver.name,
        approver.role,
        request.date,
        &recorded.commit[..10]
    );
    if let Some(tag) = &recorded.tag {
        eprintln!("signed approval tag {tag}");
    }

    // What check now says about the document.
    let after = crate::load(&root, crate::site::Options::default())?;
    let findings: Vec<_> = after
        .diagnostics
        .iter()
        .filter(|d| d.doc_id.as_deref() == Some(args.id.as_str()))
        .cloned()
        .collect();
    if !findings.is_empty() {
        let sources = super::sources(&after.site);
        super::print(
            crate::diagnostic::report::Format::Human,
            &findings,
            &sources,
            true,
        );
    }
    Ok(if findings.iter().any(|d| d.is_error()) {
        EXIT_INVALID
    } else {
        EXIT_OK
    })
}
