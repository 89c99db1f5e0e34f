//! `policybook diff BASE..HEAD`: the pull-request report of `crate::compare`, as Markdown or
//! JSON; exits 1 when the change introduces errors.

use super::{EXIT_INVALID, EXIT_OK};
use crate::compare;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The commits to compare: `BASE..HEAD`, `BASE...HEAD` (from the merge base), or `BASE`
    /// alone (against HEAD); any revision git understands (`main`, `origin/main`, a commit id).
    #[arg(value_name = "BASE..HEAD")]
    pub range: String,
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
    /// Evaluate due dates as of this day (YYYY-MM-DD) instead of SOURCE_DATE_EPOCH or the clock.
    #[arg(long, value_parser = super::parse_today)]
    pub today: Option<jiff::civil::Date>,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let (today, _) = crate::dates::resolve_today(args.today)?;
    let report = compare::compare(&root, &args.range, today)?;
    match args.format {
        Format::Markdown => print!("{}", compare::markdown(&report)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialisable")
        ),
    }
    Ok(if report.counts.errors > 0 {
        EXIT_INVALID
    } else {
        EXIT_OK
    })
}
