//! `ack import`: a CSV export of acknowledgements (a form tool, an LMS, an e-signature tool)
//! checked row by row and kept as a record file (see `acknowledgement::records`), with the raw
//! export beside it under `raw/`. A row is accepted when the person is in the people file and
//! in the document's audience on the day, the version was the one in force at that time, and
//! the content hash (when the export has one) is that version's; a row already on record is a
//! duplicate. Both files are written whole or not at all (`atomic`), and only when some row is
//! accepted; `commit` makes one commit of them. Takes the loaded `Site`; only `cmd` uses it.

mod error;
mod judge;
mod request;

pub use error::ImportError;
pub use judge::Rejection;
pub use request::{Fields, Request};

use crate::acknowledgement::{Record, records};
use crate::site::Site;
use error::{git, io};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// The columns an export may have; `email` and `at` are required.
pub const COLUMNS: &[&str] = &["email", "at", "version", "content_sha256"];

/// What an import did, row by row (rows are the export's line numbers).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub accepted: Vec<Record>,
    pub rejected: Vec<(usize, Rejection)>,
    /// Rows already on record (or twice in the export): the line, and the person.
    pub duplicates: Vec<(usize, String)>,
    /// The record file and the raw export written (relative to the root), if any row was
    /// accepted.
    pub written: Option<(String, String)>,
    pub commit: Option<String>,
}

/// Checks every row of the export and writes what was accepted.
pub fn import(root: &Path, site: &Site, request: &Request) -> Result<Report, ImportError> {
    let context = judge::Context::of(site, request)?;
    let raw = std::fs::read(&request.file)
        .map_err(io(format!("cannot read {}", request.file.display())))?;
    let rows = read_rows(&raw, &request.map)?;
    let mut report = Report::default();
    let mut seen: std::collections::HashSet<(String, String)> = site
        .acknowledgements
        .records
        .iter()
        // A lapsed acknowledgement (`[acknowledgement] renew`) is renewed, not duplicated.
        .filter(|r| {
            *r.document == *request.document && crate::ack_status::lapses(site, r).is_none()
        })
        .map(|r| (r.email.to_string(), r.version.to_string()))
        .collect();
    for (line, fields) in rows {
        match context.judge(&fields) {
            Err(why) => report.rejected.push((line, why)),
            Ok(record) => {
                if seen.insert((record.email.to_string(), record.version.to_string())) {
                    report.accepted.push(Record { line, ..record });
                } else {
                    report.duplicates.push((line, record.email.to_string()));
                }
            }
        }
    }
    if report.accepted.is_empty() {
        return Ok(report);
    }
    let written = write(root, site, request, &raw, &mut report.accepted)?;
    if request.commit {
        report.commit = Some(commit(root, request, &written, report.accepted.len())?);
    }
    report.written = Some(written);
    Ok(report)
}

/// The export's data rows, each with its line.
fn read_rows(
    raw: &[u8],
    map: &BTreeMap<String, String>,
) -> Result<Vec<(usize, Fields)>, ImportError> {
    for column in map.keys() {
        if !COLUMNS.contains(&column.as_str()) {
            return Err(ImportError::Refused(format!(
                "--map names `{column}`, which is no column of a record; map one of: {}",
                COLUMNS.join(", ")
            )));
        }
    }
    let csv_error = |context: &str| {
        let context = context.to_string();
        move |source| ImportError::Csv { context, source }
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(raw);
    let headers = reader
        .headers()
        .map_err(csv_error("the export's header does not read as CSV"))?
        .clone();
    let mut index: BTreeMap<&'static str, usize> = BTreeMap::new();
    for column in COLUMNS {
        let header = map.get(*column).map_or(*column, String::as_str);
        if let Some(i) = headers.iter().position(|h| h.eq_ignore_ascii_case(header)) {
            index.insert(column, i);
        }
    }
    for required in ["email", "at"] {
        if !index.contains_key(required) {
            return Err(ImportError::Refused(format!(
                "the export has no `{}` column (its header: {}); name it with --map {required}=HEADER",
                map.get(required).map_or(required, String::as_str),
                headers.iter().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row.map_err(csv_error("a row of the export does not read as CSV"))?;
        if row.iter().all(str::is_empty) {
            continue;
        }
        let line = row.position().map_or(0, |p| p.line() as usize);
        let fields = index
            .iter()
            .map(|(column, &i)| (*column, row.get(i).unwrap_or("").to_string()))
            .collect();
        rows.push((line, fields));
    }
    Ok(rows)
}

/// Writes the raw export and then the record file, each whole; a record file that cannot be
/// written takes back the raw export it would have named. Returns both paths.
fn write(
    root: &Path,
    site: &Site,
    request: &Request,
    raw: &[u8],
    accepted: &mut [Record],
) -> Result<(String, String), ImportError> {
    let digest = crate::hex::lower(&Sha256::digest(raw));
    let dir = site
        .project
        .config
        .acknowledgement
        .records
        .trim_end_matches('/')
        .to_string();
    let name = request
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export.csv".into());
    let raw_file = format!("{dir}/raw/{}-{}", &digest[..12], sanitise(&name));
    let record_file = format!(
        "{dir}/{}-{}.csv",
        sanitise(&request.document),
        &digest[..12]
    );
    let source: std::sync::Arc<str> = format!("{raw_file} sha256:{digest}").into();
    let file: std::sync::Arc<str> = record_file.as_str().into();
    for record in accepted.iter_mut() {
        let repeated = std::sync::Arc::make_mut(&mut record.repeated);
        repeated.source = source.clone();
        repeated.file = file.clone();
    }
    if root.join(&record_file).exists() {
        return Err(ImportError::Refused(format!(
            "{record_file} exists: this export was imported before"
        )));
    }
    std::fs::create_dir_all(root.join(&dir).join("raw"))
        .map_err(io(format!("cannot create {dir}/raw")))?;
    let raw_path = root.join(&raw_file);
    let raw_is_new = !raw_path.exists();
    if raw_is_new {
        crate::atomic::write_new(&raw_path, raw).map_err(io(format!("cannot write {raw_file}")))?;
    }
    let text = records::to_csv(accepted);
    if let Err(e) = crate::atomic::write_new(&root.join(&record_file), text.as_bytes()) {
        if raw_is_new {
            let _ = std::fs::remove_file(&raw_path);
        }
        return Err(io(format!("cannot write {record_file}"))(e));
    }
    Ok((record_file, raw_file))
}

/// A file name made of safe characters only (the export's name is the user's).
fn sanitise(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Commits the two files on HEAD, as git's configured user.
fn commit(
    root: &Path,
    request: &Request,
    (record_file, raw_file): &(String, String),
    count: usize,
) -> Result<String, ImportError> {
    let repo = git2::Repository::discover(root).map_err(git("no Git repository to commit in"))?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| ImportError::Refused("the repository has no work tree".into()))?
        .to_path_buf();
    let root = root.canonicalize().map_err(io("cannot resolve the root"))?;
    let workdir = workdir
        .canonicalize()
        .map_err(io("cannot resolve the work tree"))?;
    let prefix = root.strip_prefix(&workdir).unwrap_or(Path::new(""));
    let mut index = repo.index().map_err(git("cannot read the index"))?;
    for file in [record_file, raw_file] {
        index
            .add_path(&prefix.join(file))
            .map_err(git("cannot stage the record files"))?;
    }
    index.write().map_err(git("cannot write the index"))?;
    let tree = index
        .write_tree()
        .and_then(|id| repo.find_tree(id))
        .map_err(git("cannot write the tree"))?;
    let signature = repo
        .signature()
        .map_err(git("set git's user.name and user.email to commit"))?;
    let parent = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(git("HEAD is not a commit"))?;
    let message = format!(
        "Acknowledgements of {}: {count} imported from {}\n\nRecords: {record_file}\nRaw export: {raw_file}\n",
        request.document,
        request
            .file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    );
    let id = repo
        .commit(
            Some("HEAD"),
            &signature,
            &signature,
            &message,
            &tree,
            &[&parent],
        )
        .map_err(git("cannot commit"))?;
    Ok(id.to_string())
}
