//! `policybook verify [SITE]`: compares a published portal with what the repository builds
//! (see `crate::verify`) and says whether a commit proves it.

use super::{EXIT_INVALID, EXIT_OK};
use crate::diagnostic::report::count;
use crate::render::manifest;
use crate::verify::Verification;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The published site (default: `[build] build-dir`).
    pub site: Option<PathBuf>,
    /// Rebuild as of this day instead of the one recorded in the manifest.
    #[arg(long, value_parser = super::parse_today)]
    pub today: Option<jiff::civil::Date>,
    /// Accept a site that matches only the working copy, uncommitted changes included (a
    /// preview): without it, that is reported and exits 1, since no commit proves the site.
    #[arg(long)]
    pub allow_working_copy: bool,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let (project, _) = crate::config::load(&root).map_err(crate::Error::Config)?;
    let site_dir = args.site.clone().unwrap_or(project.build_dir);
    if !site_dir.is_dir() {
        anyhow::bail!(
            "{} is not a directory with a built site",
            site_dir.display()
        );
    }
    let v = crate::verify::verify(&root, &site_dir, args.today)?;
    if !v.has_manifest {
        eprintln!(
            "warning: {} has no readable {}; rebuilt as of today",
            site_dir.display(),
            manifest::FILE_NAME
        );
    }
    for p in &v.problems {
        println!("{p}");
    }
    let site = site_dir.display();
    let files = count(v.expected, "file");
    let head = &v.head;
    if !v.problems.is_empty() {
        if !v.working_copy_documents.is_empty() {
            eprintln!(
                "note: the manifest records working-copy (uncommitted) versions of {}",
                v.working_copy_documents.join(", ")
            );
        }
        eprintln!(
            "{} from what the repository builds",
            match v.problems.len() {
                1 => "1 file differs".to_string(),
                n => format!("{n} files differ"),
            }
        );
        return Ok(EXIT_INVALID);
    }
    let Some(what) = working_copy(&v) else {
        eprintln!("verified: {files} in {site} match the repository at {head}");
        return Ok(EXIT_OK);
    };
    if args.allow_working_copy {
        eprintln!("verified: {files} in {site} match the working copy on top of {head} ({what})");
        return Ok(EXIT_OK);
    }
    eprintln!(
        "error: {site} was built from a working copy, not from a commit ({what}); no commit proves it. Commit and rebuild, or pass --allow-working-copy to accept a preview"
    );
    Ok(EXIT_INVALID)
}

/// What of the working copy the site holds, when it holds any.
fn working_copy(v: &Verification) -> Option<String> {
    let mut what = Vec::new();
    if !v.uncommitted.is_empty() {
        what.push(format!("uncommitted: {}", v.uncommitted.join(", ")));
    }
    if !v.working_copy_documents.is_empty() {
        what.push(format!(
            "working-copy versions of {}",
            v.working_copy_documents.join(", ")
        ));
    }
    (!what.is_empty()).then(|| what.join("; "))
}
