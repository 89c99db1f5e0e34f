//! `policybook adopt [DIR]`: turns an existing repository of Markdown policies into a
//! policybook project in place (see `crate::adopt`): front matter proposed for every document,
//! book.toml, starter records; `--dry-run` only reports, `--commit` makes one commit.

use super::EXIT_OK;
use crate::Error;
use crate::adopt::{AdoptError, Options};
use anyhow::bail;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The repository to adopt (where book.toml goes); default: `--root`, else the current
    /// directory.
    pub dir: Option<PathBuf>,
    /// The folder holding the documents (relative to DIR); default: the deepest folder that
    /// holds every Markdown file (README, CHANGELOG and the like left out).
    #[arg(long, value_name = "DIR")]
    pub src: Option<PathBuf>,
    /// What proposed ids start with: `05-roles_policy.md` becomes PREFIX-005.
    #[arg(long, value_name = "PREFIX", default_value = "POL")]
    pub id_prefix: String,
    /// The organization's name, written into book.toml and the starter records.
    #[arg(long, value_name = "NAME", default_value = "Your Organization")]
    pub organization: String,
    /// Date the starter records carry (YYYY-MM-DD) instead of SOURCE_DATE_EPOCH or the clock.
    #[arg(long, value_parser = super::parse_today)]
    pub today: Option<jiff::civil::Date>,
    /// Print what would be done; write nothing.
    #[arg(long, conflicts_with = "commit")]
    pub dry_run: bool,
    /// Commit the adoption (one commit, as git's configured user).
    #[arg(long)]
    pub commit: bool,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let organization = args.organization.trim();
    if organization.is_empty() || organization.chars().any(char::is_control) {
        bail!("--organization must be a non-empty name on one line");
    }
    let (today, _) = crate::dates::resolve_today(args.today)?;
    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the working directory", e))?;
    let options = Options {
        dir: args
            .dir
            .as_ref()
            .or(root)
            .map_or(cwd.clone(), |d| cwd.join(d)),
        src: args.src.clone(),
        id_prefix: args.id_prefix.clone(),
        organization: organization.to_string(),
        today,
        dry_run: args.dry_run,
        commit: args.commit,
    };
    match crate::adopt::adopt(&options) {
        Ok(outcome) => {
            print!("{}", outcome.report());
            Ok(EXIT_OK)
        }
        Err(AdoptError::Refused(why)) => bail!("{why}\nnothing was written"),
        Err(e) => Err(e.into()),
    }
}
