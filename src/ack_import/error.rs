//! Why an import wrote nothing: the error every step of `ack_import` returns.

/// Why no record file was written (the repository is left as it was).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Refused before anything was written: the reason, and what to do.
    #[error("{0}")]
    Refused(String),
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{context}")]
    Csv {
        context: String,
        #[source]
        source: csv::Error,
    },
    #[error("{context}")]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },
}

pub(super) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ImportError {
    let context = context.into();
    move |source| ImportError::Io { context, source }
}

pub(super) fn git(context: &str) -> impl FnOnce(git2::Error) -> ImportError + '_ {
    move |source| ImportError::Git {
        context: context.to_string(),
        source,
    }
}
