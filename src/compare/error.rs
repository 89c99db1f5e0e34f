//! Why no comparison was made.

/// Why no comparison was made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The repository or a commit holds no project to compare.
    #[error("{0}")]
    NoProject(String),
    #[error("{context}")]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },
    /// One side could not be loaded (its book.toml, say).
    #[error("cannot load the project at {side}")]
    Load {
        side: String,
        #[source]
        source: crate::Error,
    },
}
