//! `policybook serve`: build, serve on 127.0.0.1 with live reload, rebuild on every change.

use super::Validation;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub validation: Validation,
    /// Port on 127.0.0.1 (0 picks a free one). The preview is never served on other interfaces.
    #[arg(long, short, default_value_t = 3000)]
    pub port: u16,
    /// Open the portal in the desktop's browser.
    #[arg(long)]
    pub open: bool,
    /// Poll for changes instead of relying on file-system events (network mounts, some
    /// containers and VMs lose them).
    #[arg(long)]
    pub poll: bool,
    /// Write the site here instead of `[build] build-dir`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Leave out the draft pages (the working versions of documents in force at an earlier
    /// version), as `build` does without `--drafts`.
    #[arg(long)]
    pub no_drafts: bool,
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let out = match &args.out {
        Some(out) if out.is_absolute() => Some(out.clone()),
        Some(out) => Some(
            std::env::current_dir()
                .map_err(|e| crate::Error::io("cannot read the working directory", e))?
                .join(out),
        ),
        None => None,
    };
    crate::serve::run(
        &root,
        crate::serve::Options {
            port: args.port,
            open: args.open,
            poll: args.poll,
            site: crate::site::Options {
                drafts: !args.no_drafts,
                ..args.validation.options()
            },
            out,
        },
    )?;
    Ok(super::EXIT_OK)
}
