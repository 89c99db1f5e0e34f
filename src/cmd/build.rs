//! `policybook build`: check, then render the portal. Refuses to publish with errors unless
//! `--allow-errors`, which builds a preview whose dashboard lists them.

use super::{EXIT_INVALID, EXIT_OK, Validation};
use crate::diagnostic::report::summary;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub validation: Validation,
    /// Write the site here instead of `[build] build-dir`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Publish even when there are errors (a preview: the dashboard lists them).
    #[arg(long)]
    pub allow_errors: bool,
    /// Also publish the working version of each document in force at an earlier version, as
    /// a page marked DRAFT (as `serve` does). Without it, only versions in force are published.
    #[arg(long)]
    pub drafts: bool,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let options = crate::site::Options {
        drafts: args.drafts,
        ..args.validation.options()
    };
    let mut loaded = crate::load(&root, options)?;
    args.validation.apply(&mut loaded.diagnostics);
    let report = || {
        let started = crate::timing::start();
        let sources = super::sources(&loaded.site);
        args.validation.print(&loaded.diagnostics, &sources, true);
        crate::timing::phase("report diagnostics", started);
    };
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 && !args.allow_errors {
        report();
        eprintln!(
            "error: not publishing: {} (fix them, or pass --allow-errors for a preview)",
            summary(&loaded.diagnostics)
        );
        return Ok(EXIT_INVALID);
    }
    let out = match &args.out {
        Some(out) if out.is_absolute() => out.clone(),
        Some(out) => std::env::current_dir()
            .map_err(|e| crate::Error::io("cannot read the working directory", e))?
            .join(out),
        None => loaded.site.project.build_dir.clone(),
    };
    // Into a pipe or a file (CI logs, `--format json`), the report is written while the site
    // renders; to a terminal, first, where the progress bar could otherwise cut into it.
    let written = if std::io::stderr().is_terminal() {
        report();
        crate::render::build(&loaded.site, &loaded.diagnostics, &out)?
    } else {
        let ((), written) = rayon::join(report, || {
            crate::render::build(&loaded.site, &loaded.diagnostics, &out)
        });
        written?
    };
    eprintln!(
        "built {} ({}, {} KiB) into {}{}",
        crate::diagnostic::report::count(written.pages, "page"),
        crate::diagnostic::report::count(written.files, "file"),
        written.bytes / 1024,
        out.display(),
        if errors > 0 {
            format!(" as a preview with {}", summary(&loaded.diagnostics))
        } else {
            String::new()
        }
    );
    // The process ends here: freeing the site (every revision of every document, hundreds
    // of thousands of small allocations on a large repository) one by one would only delay
    // the exit.
    std::mem::forget(loaded);
    Ok(EXIT_OK)
}
