//! The program failures that stop a command before it can report diagnostics about documents
//! (no book.toml, unreadable files, a failed render). Diagnostics about the documents themselves
//! are `diagnostic::Diagnostic`s, not errors. Stands on `diagnostic` only.

use crate::diagnostic::Diagnostic;
use std::path::PathBuf;

/// Failures that stop a command before it can report diagnostics about documents.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no book.toml found in {0} or any parent directory")]
    NoRoot(PathBuf),
    #[error("book.toml has errors")]
    Config(Vec<Diagnostic>),
    #[error("{0}")]
    Today(String),
    #[error("{0}")]
    Render(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
