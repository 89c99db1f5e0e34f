//! The program failures that stop a command before it can report diagnostics about documents
//! (no book.toml, unreadable files, a failed render, git refusing). Diagnostics about the
//! documents themselves are `diagnostic::Diagnostic`s, not errors. Each variant keeps the error
//! that caused it as its `source`, so `main` can print the whole chain ("error: …", then
//! "caused by: …"); commands add context with `anyhow` at their boundary, as mdBook does.
//! Stands on `diagnostic` and `dates` only.

use crate::diagnostic::Diagnostic;
use std::path::PathBuf;

/// Failures that stop a command before it can report diagnostics about documents.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no book.toml found in {0} or any parent directory")]
    NoRoot(PathBuf),
    #[error("book.toml has errors")]
    Config(Vec<Diagnostic>),
    /// `SOURCE_DATE_EPOCH` cannot be read as a day.
    #[error(transparent)]
    Today(#[from] crate::dates::TodayError),
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{context}")]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },
    /// A theme template that does not compile or render (Tera keeps its own cause chain).
    #[error("{context}")]
    Template {
        context: String,
        #[source]
        source: tera::Error,
    },
    #[error("{context}")]
    Watch {
        context: String,
        #[source]
        source: notify::Error,
    },
    #[error("cannot listen on 127.0.0.1:{port}")]
    Bind {
        port: u16,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The history cannot be read (a shallow clone without `--allow-shallow`, a broken object):
    /// the diagnostic says why.
    #[error("{}", .0.message)]
    History(Box<Diagnostic>),
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub fn git(context: impl Into<String>, source: git2::Error) -> Self {
        Error::Git {
            context: context.into(),
            source,
        }
    }

    pub fn template(context: impl Into<String>, source: tera::Error) -> Self {
        Error::Template {
            context: context.into(),
            source,
        }
    }
}

/// What an error says, for a person: git2's errors without their class and code numbers.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    match error.downcast_ref::<git2::Error>() {
        Some(git) => git.message().to_string(),
        None => error.to_string(),
    }
}

/// An error and its causes on one line, `outer: inner: innermost`, for the places that show it
/// in one line (the `serve` overlay). Causes that repeat the text before them are left out.
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = describe(e);
        if !parts.last().is_some_and(|last| last.ends_with(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}
