//! `policybook verify [SITE]`: rebuilds the portal in memory from the repository and compares
//! it with a published site, file by file. "Today" is taken from the site's manifest (the day
//! it was built for) unless `--today` says otherwise, so a site verifies on any later day.

use super::{EXIT_INVALID, EXIT_OK};
use crate::diagnostic::report::count;
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
    /// Accept a site that matches only the working copy, uncommitted changes included (a
    /// preview): without it, that is reported and exits 1, since no commit proves the site.
    #[arg(long)]
    pub allow_working_copy: bool,
}

/// The uncommitted files under the project root that a build reads: tracked files changed or
/// staged, and untracked files in the content directory; the build directory is left out.
fn uncommitted_inputs(project: &crate::config::Project) -> Vec<String> {
    let Ok(repo) = git2::Repository::discover(&project.root) else {
        return Vec::new();
    };
    let Some(workdir) = repo.workdir() else {
        return Vec::new();
    };
    let under = |dir: &Path| crate::history::worktree::folder(workdir, dir);
    let (Some(root), Some(src)) = (under(&project.root), under(&project.src_dir)) else {
        return Vec::new();
    };
    let build = under(&project.build_dir);
    let Ok(paths) = crate::history::worktree::uncommitted(&repo, Some(&src)) else {
        return Vec::new();
    };
    paths
        .into_iter()
        .filter(|path| {
            path.starts_with(&root) && !build.as_deref().is_some_and(|b| path.starts_with(b))
        })
        .map(|path| path[root.len()..].to_string())
        .collect()
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

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let (project, _) = crate::config::load(&root).map_err(crate::Error::Config)?;
    let site_dir = match &args.site {
        Some(dir) => dir.clone(),
        None => project.build_dir.clone(),
    };
    if !site_dir.is_dir() {
        anyhow::bail!(
            "{} is not a directory with a built site",
            site_dir.display()
        );
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
    // What the manifest says was built from the working copy, and what is uncommitted now.
    let recorded_working_copy: Vec<String> = recorded
        .as_ref()
        .and_then(|m| m["documents"].as_array())
        .into_iter()
        .flatten()
        .filter(|d| d["working_copy"].as_bool() == Some(true))
        .filter_map(|d| d["id"].as_str().map(str::to_string))
        .collect();
    let dirty = uncommitted_inputs(&project);
    let head = loaded
        .site
        .history
        .as_ref()
        .map_or("the working tree".to_string(), |h| h.head.clone());
    if problems.is_empty() && (!dirty.is_empty() || !recorded_working_copy.is_empty()) {
        let mut what = Vec::new();
        if !dirty.is_empty() {
            what.push(format!("uncommitted: {}", dirty.join(", ")));
        }
        if !recorded_working_copy.is_empty() {
            what.push(format!(
                "working-copy versions of {}",
                recorded_working_copy.join(", ")
            ));
        }
        if args.allow_working_copy {
            eprintln!(
                "verified: {} in {} match the working copy on top of {head} ({})",
                count(expected.len(), "file"),
                site_dir.display(),
                what.join("; ")
            );
            return Ok(EXIT_OK);
        }
        eprintln!(
            "error: {} was built from a working copy, not from a commit ({}); no commit proves it. Commit and rebuild, or pass --allow-working-copy to accept a preview",
            site_dir.display(),
            what.join("; ")
        );
        return Ok(EXIT_INVALID);
    }
    if problems.is_empty() {
        eprintln!(
            "verified: {} in {} match the repository at {head}",
            count(expected.len(), "file"),
            site_dir.display(),
        );
        Ok(EXIT_OK)
    } else {
        if !recorded_working_copy.is_empty() {
            eprintln!(
                "note: the manifest records working-copy (uncommitted) versions of {}",
                recorded_working_copy.join(", ")
            );
        }
        eprintln!(
            "{} from what the repository builds",
            match problems.len() {
                1 => "1 file differs".to_string(),
                n => format!("{n} files differ"),
            }
        );
        Ok(EXIT_INVALID)
    }
}
