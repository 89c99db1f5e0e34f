//! Why no approval was recorded: the error every step of `approve` returns.

/// Why no approval was recorded (the working tree is left as it was).
#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    /// Refused before anything was written: the reason, and what to do.
    #[error("{0}")]
    Refused(String),
    /// A file or Git failure (`Error::Io`, `Error::Git`).
    #[error(transparent)]
    Program(#[from] crate::Error),
    #[error("{context}")]
    Ssh {
        context: String,
        #[source]
        source: ssh_key::Error,
    },
}
