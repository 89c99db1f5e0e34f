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
    /// Build even when nothing the build reads changed since the last build into the same
    /// directory (which otherwise leaves the site as it is and prints the same findings).
    #[arg(long)]
    pub force: bool,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let options = crate::site::Options {
        drafts: args.drafts,
        ..args.validation.options()
    };
    let started = crate::timing::start();
    let fingerprint = fingerprint(&root, args);
    if let Some((inputs, out)) = &fingerprint
        && !args.force
        && let Some(last) = inputs.unchanged(out)
    {
        // Nothing the build reads changed, and the site is as the last build left it.
        crate::timing::phase("up-to-date check", started);
        crate::render::writer::recover(out);
        eprint!("{}", last.report);
        eprintln!(
            "{} (up to date: nothing changed since the last build)",
            last.built
        );
        return Ok(EXIT_OK);
    }
    crate::timing::phase("up-to-date check", started);
    let mut loaded = crate::load(&root, options)?;
    args.validation.apply(&mut loaded.diagnostics);
    let printed = std::sync::OnceLock::new();
    let report = || {
        let started = crate::timing::start();
        let sources = super::sources(&loaded.site);
        let text = args.validation.text(&loaded.diagnostics, &sources);
        eprint!("{text}");
        let _ = printed.set(text);
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
    let out = out_dir(&loaded.site.project, args)?;
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
    let built = format!(
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
    eprintln!("{built}");
    if let Some((inputs, recorded_out)) = &fingerprint
        && *recorded_out == out
    {
        inputs.record(&out, printed.into_inner().unwrap_or_default(), built);
    }
    // The process ends here: freeing the site (every revision of every document, hundreds
    // of thousands of small allocations on a large repository) one by one would only delay
    // the exit.
    std::mem::forget(loaded);
    Ok(EXIT_OK)
}

/// The fingerprint of what a build with `args` reads, and the directory it writes; `None`
/// when the configuration does not load (the build reports why) or no fingerprint can be
/// taken.
fn fingerprint(
    root: &std::path::Path,
    args: &Args,
) -> Option<(crate::up_to_date::Inputs, PathBuf)> {
    let (project, _) = crate::config::load(root).ok()?;
    let out = out_dir(&project, args).ok()?;
    let (today, source) = crate::dates::resolve_today(args.validation.today).ok()?;
    // `--force` decides whether to look, not what is built: a forced build's record serves
    // the next build without it.
    let unforced = Args {
        force: false,
        ..args.clone()
    };
    let settings = format!(
        "{unforced:?}\ntoday {today} {source:?}\nterminal {}",
        std::io::stderr().is_terminal()
    );
    let inputs = crate::up_to_date::Inputs::take(&project, &settings, &out)?;
    Some((inputs, out))
}

/// Where the site goes: `--out` (from the working directory), else `[build] build-dir`.
fn out_dir(project: &crate::config::Project, args: &Args) -> Result<PathBuf, crate::Error> {
    Ok(match &args.out {
        Some(out) if out.is_absolute() => out.clone(),
        Some(out) => std::env::current_dir()
            .map_err(|e| crate::Error::io("cannot read the working directory", e))?
            .join(out),
        None => project.build_dir.clone(),
    })
}
