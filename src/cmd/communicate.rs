//! `policybook communicate ID`: records that the current version of a controlled document was
//! communicated (see `crate::communicate`), then validates the project as `check` does and
//! prints the findings about the new entry and where each audience stands.

use super::{EXIT_INVALID, EXIT_OK, Validation};
use crate::Site;
use crate::communicate::{self, CommunicateError, Request};
use crate::content::document::CHANNELS;
use crate::validate::communication::{self, Reach};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The id of the controlled document that was communicated (e.g. POL-001).
    pub id: String,
    /// How it was communicated.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(CHANNELS.iter().copied()))]
    pub channel: String,
    /// A group it reached (repeat, or separate with commas); default: the document's `audience`.
    #[arg(long, value_name = "GROUP", value_delimiter = ',')]
    pub audience: Vec<String>,
    /// The day it was sent (YYYY-MM-DD); default: today (--today, SOURCE_DATE_EPOCH or the clock).
    #[arg(long, value_parser = super::parse_today)]
    pub date: Option<jiff::civil::Date>,
    /// A file holding the message as sent (the entry's body).
    #[arg(long, value_name = "FILE", conflicts_with = "message")]
    pub message_file: Option<PathBuf>,
    /// The message as sent, given inline.
    #[arg(long, value_name = "TEXT")]
    pub message: Option<String>,
    /// The role id that sent it; default: the document's owner.
    #[arg(long, value_name = "ROLE")]
    pub sender: Option<String>,
    #[command(flatten)]
    pub validation: Validation,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let loaded = crate::load(&root, args.validation.options())?;
    let request = Request {
        id: args.id.clone(),
        channel: args.channel.clone(),
        audience: args.audience.clone(),
        date: args.date.unwrap_or(loaded.site.today),
        message_file: args.message_file.clone(),
        message: args.message.clone(),
        sender: args.sender.clone(),
    };
    let refused = |e: CommunicateError| match e {
        CommunicateError::Refused(why) => anyhow::anyhow!("{why}"),
        other => anyhow::Error::new(other),
    };
    let (entry, unapproved) = communicate::entry(&loaded.site, &request).map_err(refused)?;
    if let Some(status) = unapproved {
        eprintln!(
            "warning: `{}` version {} is `{status}`, not approved: only approved versions count as communicated",
            entry.doc_id, entry.version
        );
    }
    let file = communicate::write(&loaded.site, &entry).map_err(refused)?;
    eprintln!("recorded {file} ({})", entry.id());

    // Validate the project with the new entry, exactly as `check` would.
    let mut loaded = crate::load(&root, args.validation.options())?;
    args.validation.apply(&mut loaded.diagnostics);
    let mine: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.file.as_deref() == Some(file.as_str()))
        .cloned()
        .collect();
    let sources = super::sources(&loaded.site);
    args.validation.print(&mine, &sources, false);
    print_reach(&loaded.site, &entry.doc_id);
    if mine.iter().any(|d| d.is_error()) {
        eprintln!("error: the new entry has errors: fix {file} (or delete it)");
        return Ok(EXIT_INVALID);
    }
    eprintln!("next: commit {file} (e.g. in a pull request)");
    Ok(EXIT_OK)
}

/// Where each audience of the document's current version stands now.
fn print_reach(site: &Site, doc_id: &str) {
    for cov in communication::coverage(site) {
        if cov.document.id() != Some(doc_id) {
            continue;
        }
        let state = match &cov.reach {
            Reach::Communicated { date, entry, late } => format!(
                "communicated on {date} ({entry}){}",
                if *late { ", after the deadline" } else { "" }
            ),
            Reach::Awaiting => format!("awaiting communication (deadline {})", cov.deadline),
            Reach::Overdue => format!("not communicated (deadline {} passed)", cov.deadline),
        };
        eprintln!("  {doc_id} v{} → {}: {state}", cov.version, cov.audience);
    }
}
