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
pub use records::{RECORD_HEADER, Record, Records, RepeatedFields};

use crate::config::Project;

use crate::diagnostic::Diagnostic;
use std::collections::BTreeMap;

/// The people and the records of a project, with what was wrong in reading them.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// `None` when `[acknowledgement] people` is not set.
    pub people: Option<People>,
    /// Every record of every record file, files in name order, rows in file order.
    pub records: Records,
    /// Findings about the files' own rows (`person-*`, `acknowledgement-invalid`).
    pub diagnostics: Vec<Diagnostic>,
    /// The Git blob id of every file read (the people file and each record file), by its
    /// path from the root: what `manifest.json` lists so that `verify` covers them, and what
    /// `custody` compares with their last commit.
    pub files: BTreeMap<String, String>,
    /// The positions in `records` of each document's records, in runs, built on first use.
    by_document: std::sync::OnceLock<
        std::collections::HashMap<std::sync::Arc<str>, Vec<std::ops::Range<usize>>>,
    >,
    /// Each record's person (position in the people file's `persons`), found as the records
    /// are read (or on first use, for records that were not read by `load`).
    persons: std::sync::OnceLock<Vec<Option<u32>>>,
    /// Per audience group and day: its members present that day (positions in the people
    /// file, in its order), found once per build for every tally of the group (see
    /// `ack_status`).
    pub present: PresentMemo,
    /// Per (document, version): the position in `records` of the record that acknowledges it
    /// for each person (by position in the people file), and the day their acknowledgement
    /// lapsed (`renew`) if it has, computed once for all its audiences.
    pub acknowledging: Memo<(String, String), AcknowledgingVersion>,
}

impl Register {
    /// The records of document `id`, in `records`' order (found without reading every record:
    /// a population of thousands makes hundreds of thousands of them).
    pub fn of_document<'r>(&'r self, id: &str) -> impl Iterator<Item = &'r Record> + 'r {
        self.runs(id)
            .iter()
            .flat_map(|run| self.records.range(run.clone()))
    }

    /// The positions in `records` of document `id`'s records, in order.
    pub fn positions(&self, id: &str) -> impl Iterator<Item = usize> + '_ {
        self.runs(id).iter().flat_map(Clone::clone)
    }

    /// Whether any record names document `id`.
    pub fn names(&self, id: &str) -> bool {
        !self.runs(id).is_empty()
    }

    /// The runs of positions in `records` of document `id`'s records, in order.
    fn runs(&self, id: &str) -> &[std::ops::Range<usize>] {
        let index = self.by_document.get_or_init(|| {
            let mut index: std::collections::HashMap<_, Vec<std::ops::Range<usize>>> =
                Default::default();
            // By runs of records of one document (a record file mostly holds one document's).
            let mut run: Option<(&std::sync::Arc<str>, usize)> = None;
            for (i, record) in self.records.iter().enumerate() {
                match run {
                    Some((document, _)) if same(document, &record.document) => {}
                    _ => {
                        if let Some((document, start)) = run {
                            index.entry(document.clone()).or_default().push(start..i);
                        }
                        run = Some((&record.document, i));
                    }
                }
            }
            if let Some((document, start)) = run {
                index
                    .entry(document.clone())
                    .or_default()
                    .push(start..self.records.len());
            }
            index
        });
        index.get(id).map_or(&[], Vec::as_slice)
    }

    /// The position in the people file of the person of record `i` (by position in
    /// `records`); `None` without a people file or when they are not in it.
    pub fn person_of(&self, i: usize) -> Option<usize> {
        let persons = self.persons.get_or_init(|| match &self.people {
            Some(people) => {
                let emails = people.emails();
                self.records.iter().map(|r| emails.get(&r.email)).collect()
            }
            None => Vec::new(),
        });
        persons.get(i).copied().flatten().map(|p| p as usize)
    }

    /// Drops the records of `files` (see `custody`), and every index and tally computed
    /// before, which named records by position.
    pub fn withhold(&mut self, files: &std::collections::HashSet<String>) {
        // The persons found so far stay those of the records kept.
        if let Some(mut persons) = self.persons.take()
            && persons.len() == self.records.len()
        {
            let mut kept = self.records.iter().map(|r| !files.contains(&*r.file));
            persons.retain(|_| kept.next().unwrap_or(false));
            self.persons = std::sync::OnceLock::from(persons);
        }
        self.records.retain(|r| !files.contains(&*r.file));
        self.by_document = Default::default();
        self.present = PresentMemo::default();
        self.acknowledging = Memo::default();
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_none() && self.records.is_empty()
    }
}

/// Whether two shared texts are the same (the same copy, mostly).
pub fn same(a: &std::sync::Arc<str>, b: &std::sync::Arc<str>) -> bool {
    std::sync::Arc::ptr_eq(a, b) || a == b
}

/// Reads the people file and the record files of `project`; files that are not configured or
/// not there give an empty part, never an error of their own.
pub fn load(project: &Project) -> Register {
    let mut diagnostics = Vec::new();
    let mut files = BTreeMap::new();
    let settings = &project.config.acknowledgement;
    // Git's index names the files that are as committed, without hashing them again.
    let records_dir = format!("{}/", settings.records.trim_end_matches('/'));
    let watched: Vec<&str> = settings
        .people
        .iter()
        .map(String::as_str)
        .chain([records_dir.as_str()])
        .collect();
    let stat_cache = crate::stat_cache::StatCache::open(&project.root, &watched);
    let people = settings.people.as_deref().map(|file| {
        people::read_file(
            &project.root,
            file,
            stat_cache.as_ref(),
            &mut diagnostics,
            &mut files,
        )
    });
    let (records, persons) = records::read_dir(
        &project.root,
        &settings.records,
        people.as_ref(),
        stat_cache.as_ref(),
        &mut diagnostics,
        &mut files,
    );
    Register {
        // Without a people file, nobody's: found on first use as before.
        persons: match people {
            Some(_) => std::sync::OnceLock::from(persons),
            None => Default::default(),
        },
        people,
        records,
        diagnostics,
        files,
        by_document: Default::default(),
        present: PresentMemo::default(),
        acknowledging: Memo::default(),
    }
}

/// For one person and one document version: the position in `Register::records` of the record
/// that acknowledges it, and the day an earlier acknowledgement lapsed (`renew`), if one did.
pub type Acknowledging = (Option<u32>, Option<jiff::civil::Date>);

/// What acknowledges one document version, for every person: a word per person (a population
/// of thousands times every version with records), and a day per person only when some
/// acknowledgement lapsed.
#[derive(Debug, Default)]
pub struct AcknowledgingVersion {
    /// By position in the people file, the position in `Register::records` of the first
    /// record that acknowledges it (`NOBODY`: none); empty when no record names the document.
    records: Vec<u32>,
    /// By position in the people file, the last day an acknowledgement of theirs lapsed, if
    /// one did; empty when none did (always, without `renew`).
    lapsed: Vec<Option<jiff::civil::Date>>,
    /// The last day any of them lapsed, if one did.
    pub last_lapse: Option<jiff::civil::Date>,
}

impl AcknowledgingVersion {
    const NOBODY: u32 = u32::MAX;

    /// Nothing acknowledged yet by any of `people` people.
    pub fn new(people: usize) -> AcknowledgingVersion {
        AcknowledgingVersion {
            records: vec![Self::NOBODY; people],
            lapsed: Vec::new(),
            last_lapse: None,
        }
    }

    /// Whether no record names the document (then nobody has an entry).
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// What acknowledges it for `person`.
    pub fn of(&self, person: usize) -> Acknowledging {
        let record = self.records.get(person).copied();
        (
            record.filter(|&r| r != Self::NOBODY),
            self.lapsed.get(person).copied().flatten(),
        )
    }

    /// Record `record` acknowledges it for `person`, unless an earlier one did.
    pub fn acknowledged(&mut self, person: usize, record: u32) {
        if let Some(first) = self.records.get_mut(person)
            && *first == Self::NOBODY
        {
            *first = record;
        }
    }

    /// An acknowledgement of `person`'s lapsed on `day`.
    pub fn lapsed(&mut self, person: usize, day: jiff::civil::Date) {
        if person >= self.records.len() {
            return;
        }
        if self.lapsed.is_empty() {
            self.lapsed = vec![None; self.records.len()];
        }
        self.lapsed[person] = self.lapsed[person].max(Some(day));
        self.last_lapse = self.last_lapse.max(Some(day));
    }
}

/// The members of an audience group present on a day.
#[derive(Debug, Default)]
pub struct Present {
    /// Positions in the people file, in its order.
    pub members: Vec<u32>,
    /// The last day any of them joined, if any joining day is known.
    pub last_joined: Option<jiff::civil::Date>,
}

type Slot<V> = std::sync::Arc<std::sync::OnceLock<std::sync::Arc<V>>>;

/// Values of one register computed on first use and then shared (the tallies, read by the
/// checks, the dashboard, the document pages, the communication log and the compliance facts
/// alike). Two threads asking for the same key at once compute it once; different keys compute
/// in parallel. A clone starts empty (it may be given to another register).
pub struct Memo<K, V>(std::sync::Mutex<std::collections::HashMap<K, Slot<V>>>);

/// The members of each audience group present on a day, found so far.
pub type PresentMemo = Memo<(String, jiff::civil::Date), Present>;

impl<K: std::hash::Hash + Eq, V> Memo<K, V> {
    /// The value of `key`, computed by `compute` the first time only.
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce() -> V) -> std::sync::Arc<V> {
        let slot = {
            let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(key).or_default().clone()
        };
        slot.get_or_init(|| std::sync::Arc::new(compute())).clone()
    }
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo(Default::default())
    }
}

impl<K, V> Clone for Memo<K, V> {
    fn clone(&self) -> Self {
        Memo::default()
    }
}

impl<K, V> std::fmt::Debug for Memo<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.0.lock().map_or(0, |m| m.len());
        write!(f, "Memo({len} computed)")
    }
}

/// `load`, timed (`POLICYBOOK_TIMINGS`).
pub fn timed_load(project: &Project) -> Register {
    let started = crate::timing::start();
    let register = load(project);
    crate::timing::phase("people and acknowledgement records", started);
    register
}

/// The date (UTC) of an RFC 3339 time.
pub fn utc_date(at: jiff::Timestamp) -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC.to_datetime(at).date()
}

/// Where the files `load` reads live, as absolute, canonical paths (as a file watcher reports
/// them): what `serve` watches, and what makes its next build read them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    /// The people file, when one is configured.
    pub people: Option<std::path::PathBuf>,
    /// The records directory (its `*.csv` are read, not its subdirectories).
    pub records: std::path::PathBuf,
}

impl Sources {
    pub fn of(project: &Project) -> Sources {
        let settings = &project.config.acknowledgement;
        Sources {
            people: settings
                .people
                .as_deref()
                .map(|file| canonical(&project.root.join(file))),
            records: canonical(&project.root.join(&settings.records)),
        }
    }

    /// Whether a change at `path` (absolute) may change what `load` reads: the people file,
    /// the records directory itself, or a `*.csv` directly in it.
    pub fn covers(&self, path: &std::path::Path) -> bool {
        let path = canonical(path);
        self.people.as_deref() == Some(path.as_path())
            || path == self.records
            || (path.parent() == Some(self.records.as_path())
                && path.extension().is_some_and(|e| e == "csv"))
    }

    /// The directories to watch for these files (that exist now): the records directory and
    /// the people file's directory.
    pub fn directories(&self) -> Vec<std::path::PathBuf> {
        let mut dirs = vec![self.records.clone()];
        dirs.extend(
            self.people
                .as_deref()
                .and_then(std::path::Path::parent)
                .map(std::path::Path::to_path_buf),
        );
        dirs.dedup();
        dirs.retain(|d| d.is_dir());
        dirs
    }
}

/// `path` made canonical as far as it exists: a file or directory that does not exist (yet)
/// keeps its name below its canonical parent.
fn canonical(path: &std::path::Path) -> std::path::PathBuf {
    if let Ok(found) = path.canonicalize() {
        return found;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => canonical(parent).join(name),
        _ => path.to_path_buf(),
    }
}
