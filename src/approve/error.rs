//! Why no approval was recorded: the error every step of `approve` returns.

/// Why no approval was recorded (the working tree is left as it was).
#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
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
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },
    #[error("{context}")]
    Ssh {
        context: String,
        #[source]
        source: ssh_key::Error,
    },
}
