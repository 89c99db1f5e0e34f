//! The commands, the top stage: one file per subcommand, each parsing its arguments, composing
//! the stages below (`pipeline::load`, `render`, `serve`, …) and printing the outcome. Takes
//! everything; gives an exit code: 0 success, 1 validation errors, 2 usage or environment
//! errors. Nothing in the crate imports `cmd` (only `main`).

pub mod ack;
pub mod adopt;
pub mod approve;
pub mod build;
pub mod check;
pub mod communicate;
pub mod diff;
pub mod export;
pub mod history;
pub mod init;
pub mod serve;
pub mod status;
pub mod verify;

use crate::diagnostic::report::{self, Format, Sources};
use crate::diagnostic::{Diagnostic, Severity};
use crate::{Error, Site};
use std::path::PathBuf;

pub const EXIT_OK: i32 = 0;
pub const EXIT_INVALID: i32 = 1;
pub const EXIT_ENVIRONMENT: i32 = 2;

/// Options every command that validates shares.
#[derive(Debug, Clone, clap::Args)]
pub struct Validation {
    /// Diagnostic output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Treat this class of findings as errors (`--deny warnings`).
    #[arg(long, value_enum)]
    pub deny: Vec<Deny>,
    /// Evaluate due dates as of this day (YYYY-MM-DD) instead of SOURCE_DATE_EPOCH or the clock.
    #[arg(long, value_parser = parse_today)]
    pub today: Option<jiff::civil::Date>,
    /// Fail on documents with uncommitted changes.
    #[arg(long)]
    pub strict: bool,
    /// Accept a shallow clone (pages say the history is incomplete).
    #[arg(long)]
    pub allow_shallow: bool,
    /// Human output: show this many findings, then a summary of the rest by code and file
    /// (0 shows all; `--format json` and `github` always list all).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub max_diagnostics: usize,
    /// No progress bar (it is only drawn on a terminal, outside CI, for work over a second).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Deny {
    Warnings,
}

/// Parses a `--today` value.
pub fn parse_today(text: &str) -> anyhow::Result<jiff::civil::Date> {
    crate::dates::parse_date(text)
        .ok_or_else(|| anyhow::anyhow!("`{text}` is not a date (YYYY-MM-DD)"))
}

impl Validation {
    pub fn options(&self) -> crate::site::Options {
        crate::site::Options {
            strict: self.strict,
            allow_shallow: self.allow_shallow,
            today: self.today,
            drafts: false,
        }
    }

    /// Prints the findings in the chosen format, human output capped by `--max-diagnostics`;
    /// applies `--quiet` to the progress bar of what follows.
    pub fn print(&self, diagnostics: &[Diagnostic], sources: &Sources, to_stderr: bool) {
        let text = self.text(diagnostics, sources);
        if to_stderr {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }

    /// The findings as `print` prints them; applies `--quiet` to the progress bar of what
    /// follows.
    pub fn text(&self, diagnostics: &[Diagnostic], sources: &Sources) -> String {
        if self.quiet {
            crate::progress::silence();
        }
        match self.format {
            Format::Human => report::human_capped(diagnostics, sources, self.max_diagnostics),
            format => report::render(format, diagnostics, sources),
        }
    }

    /// Applies `--deny warnings`.
    pub fn apply(&self, diagnostics: &mut [Diagnostic]) {
        if self.deny.contains(&Deny::Warnings) {
            for d in diagnostics.iter_mut() {
                d.severity = Severity::Error;
            }
        }
    }
}

/// Source texts of the documents and book.toml, for quoting lines in human output.
pub fn sources(site: &Site) -> Sources<'_> {
    let mut sources: Sources = site
        .documents()
        .iter()
        .map(|d| (d.file.as_str(), d.source.as_str()))
        .collect();
    sources.insert(crate::config::FILE_NAME, site.project.source.as_str());
    sources
}

pub fn print(format: Format, diagnostics: &[Diagnostic], sources: &Sources, to_stderr: bool) {
    let text = report::render(format, diagnostics, sources);
    if to_stderr {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
}

/// Reports an error that stopped the command, with its causes, and returns its exit code.
pub fn fail(error: &anyhow::Error, root: Option<&PathBuf>) -> i32 {
    match error.downcast_ref::<Error>() {
        Some(Error::Config(diagnostics)) => {
            let root = crate::find_root(root.map(PathBuf::as_path)).ok();
            let text = root
                .and_then(|r| std::fs::read_to_string(r.join(crate::config::FILE_NAME)).ok())
                .unwrap_or_default();
            let mut sources = Sources::new();
            sources.insert(crate::config::FILE_NAME, text.as_str());
            eprint!("{}", report::human(diagnostics, &sources));
            eprintln!("error: book.toml must be fixed before anything can be checked");
        }
        _ => {
            eprintln!("error: {error}");
            let mut shown = error.to_string();
            for cause in error.chain().skip(1) {
                // A cause whose text the line above already quotes adds nothing.
                let text = crate::error::describe(cause);
                if !shown.contains(&text) {
                    eprintln!("  caused by: {text}");
                }
                shown = text;
            }
        }
    }
    EXIT_ENVIRONMENT
}

/// What a command returns: its exit code, or the failure that stopped it (printed by `main`
/// with its causes, exit code 2).
pub type Outcome = anyhow::Result<i32>;

/// Resolves `--root`.
pub fn root(root: Option<&PathBuf>) -> Result<PathBuf, Error> {
    crate::find_root(root.map(PathBuf::as_path))
}
