//! `policybook verify [SITE]`: rebuilds the portal in memory from the repository and compares
//! it with a published site, file by file. "Today" is taken from the site's manifest (the day
//! it was built for) unless `--today` says otherwise, so a site verifies on any later day.

use super::{EXIT_ENVIRONMENT, EXIT_INVALID, EXIT_OK};
use crate::render::{self, manifest};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The published site (default: `[build] build-dir`).
    pub site: Option<PathBuf>,
    /// Rebuild as of this day instead of the one recorded in the manifest.
    #[arg(long, value_parser = super::parse_today)]
    pub today: Option<jiff::civil::Date>,
}

fn read_tree(dir: &Path) -> std::io::Result<BTreeMap<String, Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path)?);
            }
        }
    }
    Ok(out)
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> Result<i32, crate::Error> {
    let root = super::root(root)?;
    let (project, _) = crate::config::load(&root).map_err(crate::Error::Config)?;
    let site_dir = match &args.site {
        Some(dir) => dir.clone(),
        None => project.build_dir.clone(),
    };
    if !site_dir.is_dir() {
        eprintln!(
            "error: {} is not a directory with a built site",
            site_dir.display()
        );
        return Ok(EXIT_ENVIRONMENT);
    }
    let published = read_tree(&site_dir)
        .map_err(|e| crate::Error::io(format!("cannot read {}", site_dir.display()), e))?;
    let recorded: Option<serde_json::Value> = published
        .get(manifest::FILE_NAME)
        .and_then(|bytes| serde_json::from_slice(bytes).ok());
    let today = args.today.or_else(|| {
        recorded
            .as_ref()
            .and_then(|m| m["today"].as_str())
            .and_then(crate::dates::parse_date)
    });
    if recorded.is_none() {
        eprintln!(
            "warning: {} has no readable {}; rebuilding as of today",
            site_dir.display(),
            manifest::FILE_NAME
        );
    }
    // Built with `--drafts` (or by `serve`): the draft pages are part of what it verifies.
    let drafts = recorded
        .as_ref()
        .is_some_and(|m| m["drafts"].as_bool() == Some(true));
    let options = crate::site::Options {
        today,
        drafts,
        ..Default::default()
    };
    let loaded = crate::load(&root, options)?;
    let expected = render::render_to_memory(&loaded.site, &loaded.diagnostics)?;

    let mut problems = Vec::new();
    for (path, bytes) in &expected {
        match published.get(path) {
            None => problems.push(format!("missing  {path}")),
            Some(actual) if actual != bytes => problems.push(format!("differs  {path}")),
            Some(_) => {}
        }
    }
    for path in published.keys() {
        if !expected.contains_key(path) {
            problems.push(format!("added    {path}"));
        }
    }
    for p in &problems {
        println!("{p}");
    }
    if problems.is_empty() {
        eprintln!(
            "verified: {} files in {} match the repository at {}",
            expected.len(),
            site_dir.display(),
            loaded
                .site
                .history
                .as_ref()
                .map_or("the working tree".to_string(), |h| h.head.clone())
        );
        Ok(EXIT_OK)
    } else {
        eprintln!(
            "{} files differ from what the repository builds",
            problems.len()
        );
        Ok(EXIT_INVALID)
    }
}
