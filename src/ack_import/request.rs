//! What an import is asked to do, and one row of an export as read.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// What to import.
#[derive(Debug, Clone)]
pub struct Request {
    pub file: PathBuf,
    pub document: String,
    /// The version every row acknowledges, unless the export has a version column.
    pub version: Option<String>,
    /// Our column → the export's header (`email` → `Employee e-mail`); unmapped columns are
    /// looked up under their own name.
    pub map: BTreeMap<String, String>,
    pub method: String,
    pub commit: bool,
}

/// One row of an export: our column → its value.
pub type Fields = BTreeMap<&'static str, String>;
