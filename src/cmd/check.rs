//! `policybook check`: run every rule, print the findings, exit 1 on any error.

use super::{EXIT_INVALID, EXIT_OK, Validation};
use crate::diagnostic::report::{Format, count, summary};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub validation: Validation,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let mut loaded = crate::load(&root, args.validation.options())?;
    args.validation.apply(&mut loaded.diagnostics);
    let sources = super::sources(&loaded.site);
    args.validation.print(&loaded.diagnostics, &sources, false);
    let errors = loaded.diagnostics.iter().any(|d| d.is_error());
    if args.validation.format == Format::Human {
        eprintln!(
            "{} {}: {}",
            if errors { "checked" } else { "ok:" },
            count(loaded.site.documents().len(), "document"),
            summary(&loaded.diagnostics)
        );
    }
    Ok(if errors { EXIT_INVALID } else { EXIT_OK })
}
