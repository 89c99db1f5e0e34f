//! Why an import wrote nothing: the error every step of `ack_import` returns.

/// Why no record file was written (the repository is left as it was).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Refused before anything was written: the reason, and what to do.
    #[error("{0}")]
    Refused(String),
    /// A file or Git failure (`Error::Io`, `Error::Git`).
    #[error(transparent)]
    Program(#[from] crate::Error),
    #[error("{context}")]
    Csv {
        context: String,
        #[source]
        source: csv::Error,
    },
}

pub(super) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ImportError {
    let context = context.into();
    move |source| crate::Error::io(context, source).into()
}

pub(super) fn git(context: &str) -> impl FnOnce(git2::Error) -> ImportError + '_ {
    move |source| crate::Error::git(context, source).into()
}
