//! Loading: takes the `Project` (`config`) and gives the `Corpus`: the files under `[book] src`
//! discovered, each Markdown file read into a typed `Document` (front matter with positions, its
//! outline, the `Facts` the history also reads from old blobs), and diagnostics about them.
//! Stands on `diagnostic` and `config`; must not import `history`, `site`, `validate` or
//! anything later: it knows nothing of Git or rendering.

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
    let read: Vec<(Option<Document>, Vec<Diagnostic>)> = found
        .markdown
        .par_iter()
        .map(
            |(rel_path, file, path)| match discover::read_text(path, file) {
                Err(d) => (None, vec![*d]),
                Ok(source) => {
                    let (doc, diags) = document::read(project, rel_path, file, source);
                    (Some(doc), diags)
                }
            },
        )
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
