//! Loading: takes the `Project` (`config`) and gives the `Corpus`: the files under `[book] src`
//! discovered, each Markdown file read into a typed `Document` (front matter with positions, its
//! outline, the `Facts` the history also reads from old blobs), and diagnostics about them.
//! Stands on `diagnostic` and `config`; must not import `history`, `site`, `validate` or
//! anything later: it knows nothing of Git's history or of rendering (only each file's blob id,
//! from Git's index when it vouches for the file: see `stat_cache`).

pub mod discover;
pub mod document;
pub mod facts;
pub mod fields;
pub mod front_matter;
pub mod outline;
pub mod yaml;

pub use document::{Document, Kind, Meta, Status};

use crate::config::Project;
use crate::diagnostic::Diagnostic;
use rayon::prelude::*;
use std::collections::BTreeSet;

/// Every document of the project, in path order, and the attachments beside them.
#[derive(Debug, Default)]
pub struct Corpus {
    pub documents: Vec<Document>,
    pub assets: BTreeSet<String>,
}

/// Reads every document under `src` (in parallel: parsing dominates on large repositories).
pub fn load(project: &Project) -> (Corpus, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let found = discover::walk(&project.root, &project.src_dir, &mut diagnostics);
    crate::prefetch::start(found.markdown.iter().map(|(_, _, p)| p.clone()).collect());
    let stat_cache = stat_cache(project);
    let read: Vec<(Option<Document>, Vec<Diagnostic>)> = found
        .markdown
        .par_iter()
        .map(|(rel_path, file, path)| read_one(project, rel_path, file, path, stat_cache.as_ref()))
        .collect();
    let mut documents = Vec::with_capacity(read.len());
    for (doc, diags) in read {
        documents.extend(doc);
        diagnostics.extend(diags);
    }
    (
        Corpus {
            documents,
            assets: found.assets,
        },
        diagnostics,
    )
}

/// What Git's index records of the files under `src`, which names the documents that are as
/// committed without hashing them again (see `stat_cache`); `None` outside a repository.
pub fn stat_cache(project: &Project) -> Option<crate::stat_cache::StatCache> {
    let src = project.src_dir.strip_prefix(&project.root).ok()?.to_str()?;
    let src = match src.replace('\\', "/").trim_end_matches('/') {
        "" => String::new(),
        dir => format!("{dir}/"),
    };
    crate::stat_cache::StatCache::open(&project.root, &[&src])
}

/// Reads the document at `path` (`file` from the root, `rel_path` from `src`), its blob id
/// from `stat_cache` when Git's index vouches for the file, else hashed; `None` (with the
/// finding) when it cannot be a document.
pub fn read_one(
    project: &Project,
    rel_path: &str,
    file: &str,
    path: &std::path::Path,
    stat_cache: Option<&crate::stat_cache::StatCache>,
) -> (Option<Document>, Vec<Diagnostic>) {
    match discover::read_text_and_id(path, file, stat_cache) {
        Err(d) => (None, vec![*d]),
        Ok((source, blob_id)) => {
            let (doc, diags) = document::read_with_id(project, rel_path, file, source, blob_id);
            (Some(doc), diags)
        }
    }
}
