//! Who kept each acknowledgement record file (`[acknowledgement] custodians`): the commits that
//! added or changed it, each with its author, committer and signature, and whether a holder of
//! a custodian role made it. The verdicts are made by the `custody` module (a later stage), which reads the history
//! and the rules in force at each commit; this module only holds them.

use serde::Serialize;

/// One record file's commits and verdict.
#[derive(Debug, Clone, Serialize)]
pub struct FileCustody {
    /// The record file, relative to the root.
    pub file: String,
    /// The documents its records acknowledge.
    pub documents: Vec<String>,
    /// Its commits, oldest first (merges that only carried a change made elsewhere are left
    /// out: the commit that made it is judged).
    pub commits: Vec<CustodyCommit>,
    /// `None` when every commit was a custodian's and the file is as committed; else why its
    /// records do not count.
    pub withheld: Option<String>,
}

/// A commit that added or changed a record file.
#[derive(Debug, Clone, Serialize)]
pub struct CustodyCommit {
    pub id: String,
    /// `added`, `modified`, `renamed`, …, as the history says.
    pub change: String,
    /// `Name <email>`, as committed (never mailmapped).
    pub author: String,
    pub committer: String,
    /// The committer's date and time (RFC 3339, in their offset).
    pub time: String,
    /// The custodian role the author held on the commit's date, by the rules in force at it.
    pub custodian: Option<String>,
    /// The fingerprint of the SSH key that signed it, when `evidence = "signed"` and the
    /// signature verifies with a key the signer list in force allows for the author.
    pub signed_by: Option<String>,
}
