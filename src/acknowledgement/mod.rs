//! Per-person acknowledgements (ISO 27001 5.2 f, Annex A 5.1): the population that must
//! acknowledge documents (`[acknowledgement] people`, a CSV as an HR system exports it) and the
//! records of who acknowledged which version (append-only CSV files under
//! `[acknowledgement] records`, one per import). This module reads and checks both files on
//! their own (rows, dates, duplicates, with file:line); what they say about documents and
//! versions is judged by `validate`, and importing new records by `ack_import`. It reads only
//! the configuration and the files it names.

mod csv_rows;
pub mod custody;
pub mod people;
pub mod records;

pub use people::{People, Person};
pub use records::{RECORD_HEADER, Record};

use crate::config::Project;

use crate::diagnostic::Diagnostic;
use std::collections::BTreeMap;

/// The people and the records of a project, with what was wrong in reading them.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// `None` when `[acknowledgement] people` is not set.
    pub people: Option<People>,
    /// Every record of every record file, files in name order, rows in file order.
    pub records: Vec<Record>,
    /// Findings about the files' own rows (`person-*`, `acknowledgement-invalid`).
    pub diagnostics: Vec<Diagnostic>,
    /// The SHA-256 of every file read (the people file and each record file), by its path
    /// from the root: what `manifest.json` lists so that `verify` covers them.
    pub files: BTreeMap<String, String>,
    /// The positions in `records` of each document's records, built on first use.
    by_document: std::sync::OnceLock<std::collections::HashMap<String, Vec<usize>>>,
}

impl Register {
    /// The records of document `id`, in `records`' order (found without reading every record:
    /// a population of thousands makes hundreds of thousands of them).
    pub fn of_document<'r>(&'r self, id: &str) -> impl Iterator<Item = &'r Record> + 'r {
        let index = self.by_document.get_or_init(|| {
            let mut index: std::collections::HashMap<String, Vec<usize>> = Default::default();
            for (i, r) in self.records.iter().enumerate() {
                index.entry(r.document.clone()).or_default().push(i);
            }
            index
        });
        index
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| &self.records[i])
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_none() && self.records.is_empty()
    }
}

/// Reads the people file and the record files of `project`; files that are not configured or
/// not there give an empty part, never an error of their own.
pub fn load(project: &Project) -> Register {
    let mut diagnostics = Vec::new();
    let mut files = BTreeMap::new();
    let settings = &project.config.acknowledgement;
    let people = settings
        .people
        .as_deref()
        .map(|file| people::read_file(&project.root, file, &mut diagnostics, &mut files));
    let records = records::read_dir(
        &project.root,
        &settings.records,
        &mut diagnostics,
        &mut files,
    );
    Register {
        people,
        records,
        diagnostics,
        files,
        by_document: Default::default(),
    }
}

/// The date (UTC) of an RFC 3339 time.
pub fn utc_date(at: jiff::Timestamp) -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC.to_datetime(at).date()
}
