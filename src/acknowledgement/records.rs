//! Record files: `email,document,version,content_sha256,at,method,source`, one acknowledgement
//! per row, one file per import under the records directory (`*.csv` directly in it; the raw
//! exports kept in its `raw/` folder are not records). Files are only ever added, so two
//! imports in concurrent pull requests never conflict.

use crate::diagnostic::{Code, Diagnostic, Pos};
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The header every record file starts with.
pub const RECORD_HEADER: &str = "email,document,version,content_sha256,at,method,source";

/// One acknowledgement: who accepted which content of which document version, when, how.
/// The fields that repeat from row to row (all but the e-mail and the time) are shared
/// between the records of a file: an organisation of thousands has hundreds of thousands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Lower-cased.
    pub email: String,
    pub document: Arc<str>,
    pub version: Arc<str>,
    /// SHA-256 of the acknowledged content (the document's content hash); may be empty when
    /// the source tool does not know it.
    pub content_sha256: Arc<str>,
    pub at: jiff::Timestamp,
    pub method: Arc<str>,
    /// The raw export it came from: `FILE sha256:HEX`.
    pub source: Arc<str>,
    /// The record file (relative to the root) and the row's line, where findings point.
    pub file: Arc<str>,
    pub line: usize,
}

impl Record {
    /// The row as written to a record file (in `RECORD_HEADER`'s order).
    pub fn row(&self) -> [String; 7] {
        [
            self.email.clone(),
            self.document.to_string(),
            self.version.to_string(),
            self.content_sha256.to_string(),
            self.at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            self.method.to_string(),
            self.source.to_string(),
        ]
    }
}

/// Writes records as the text of a record file.
pub fn to_csv(records: &[Record]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = RECORD_HEADER.split(',').collect();
    let _ = writer.write_record(&header);
    for record in records {
        let _ = writer.write_record(record.row());
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One record file read: its SHA-256, its records and what was wrong in its rows.
type Parsed = (String, Vec<Record>, Vec<Diagnostic>);

/// Reads every `*.csv` directly in `root/dir`, in name order; no directory, no records.
/// Each file's SHA-256 goes into `digests`, by its path from the root.
pub fn read_dir(
    root: &Path,
    dir: &str,
    out: &mut Vec<Diagnostic>,
    digests: &mut BTreeMap<String, String>,
) -> Vec<Record> {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Vec::new();
    };
    let mut files: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter(|name| name.ends_with(".csv"))
        .collect();
    files.sort();
    // Files are read and parsed in parallel (an organisation of thousands imports hundreds of
    // thousands of rows), then taken in name order.
    use rayon::prelude::*;
    let read: Vec<(String, std::io::Result<Parsed>)> = files
        .into_par_iter()
        .map(|name| {
            let file = format!("{}/{name}", dir.trim_end_matches('/'));
            let read = std::fs::read_to_string(root.join(&file)).map(|text| {
                let digest = crate::hex::lower(&sha2::Sha256::digest(text.as_bytes()));
                let mut found = Vec::new();
                let records = parse(&file, &text, &mut found);
                (digest, records, found)
            });
            (file, read)
        })
        .collect();
    let mut records = Vec::new();
    for (file, read) in read {
        match read {
            Ok((digest, rows, found)) => {
                digests.insert(file, digest);
                records.extend(rows);
                out.extend(found);
            }
            Err(e) => out.push(
                Diagnostic::new(
                    Code::AcknowledgementInvalid,
                    format!("cannot read the record file: {e}"),
                )
                .in_file(&file)
                .help("record files are UTF-8 CSV written by `policybook ack import`"),
            ),
        }
    }
    records
}

/// `text` as shared text: the previous row's (`last`) when it is the same.
fn shared(last: &mut Option<Arc<str>>, text: &str) -> Arc<str> {
    match last {
        Some(same) if **same == *text => same.clone(),
        _ => last.insert(Arc::from(text)).clone(),
    }
}

/// `text` lower-cased, without copying it twice when it already is (e-mails and hashes mostly
/// are).
fn lower(text: &str) -> String {
    if text.bytes().any(|b| b.is_ascii_uppercase()) || !text.is_ascii() {
        text.to_lowercase()
    } else {
        text.to_string()
    }
}

/// Parses the text of one record file.
pub fn parse(file: &str, text: &str, out: &mut Vec<Diagnostic>) -> Vec<Record> {
    let invalid = |line: usize, message: String| {
        Diagnostic::new(Code::AcknowledgementInvalid, message)
            .at(file, Pos::new(line, 1))
            .help(format!(
                "a record file is CSV with the header `{RECORD_HEADER}`, written by `policybook ack import`"
            ))
    };
    // Fields are trimmed as they are taken (cheaper than the reader's trimming, which copies
    // every row).
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    match reader.headers() {
        Ok(h) if h.iter().map(str::trim).collect::<Vec<_>>().join(",") == RECORD_HEADER => {}
        Ok(h) => {
            out.push(invalid(
                1,
                format!(
                    "the header is `{}`, not `{RECORD_HEADER}`",
                    h.iter().map(str::trim).collect::<Vec<_>>().join(",")
                ),
            ));
            return Vec::new();
        }
        Err(e) => {
            out.push(invalid(1, format!("does not read as CSV: {e}")));
            return Vec::new();
        }
    }
    let mut records = Vec::new();
    // One row buffer for all rows (a record file has thousands), and the previous row's
    // shared fields.
    let mut row = csv::StringRecord::new();
    let file: Arc<str> = Arc::from(file);
    let mut last: [Option<Arc<str>>; 7] = Default::default();
    loop {
        let line = match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => row.position().map_or(1, |p| p.line() as usize),
            Err(e) => {
                let (line, why) = super::csv_rows::unreadable(&e);
                out.push(invalid(line, why));
                continue;
            }
        };
        let text = |i: usize| row.get(i).unwrap_or("").trim();
        let at = match text(4).parse::<jiff::Timestamp>() {
            Ok(at) => at,
            Err(_) => {
                out.push(invalid(
                    line,
                    format!("`at` is `{}`, not an RFC 3339 time", text(4)),
                ));
                continue;
            }
        };
        if text(0).is_empty() || text(1).is_empty() || text(2).is_empty() {
            out.push(invalid(
                line,
                "a record needs an e-mail, a document and a version".into(),
            ));
            continue;
        }
        let hash = text(3);
        let content_sha256 = if hash.bytes().any(|b| b.is_ascii_uppercase()) {
            Arc::from(hash.to_lowercase())
        } else {
            shared(&mut last[3], hash)
        };
        records.push(Record {
            email: lower(text(0)),
            document: shared(&mut last[1], text(1)),
            version: shared(&mut last[2], text(2)),
            content_sha256,
            at,
            method: shared(&mut last[5], text(5)),
            source: shared(&mut last[6], text(6)),
            file: file.clone(),
            line,
        });
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_file_reads_back_what_to_csv_wrote() {
        let record = Record {
            email: "ada@example.com".into(),
            document: "POL-001".into(),
            version: "1.0".into(),
            content_sha256: "ab".repeat(32).into(),
            at: "2026-02-01T09:30:00Z".parse().unwrap(),
            method: "form, online".into(),
            source: "export.csv sha256:00".into(),
            file: "acknowledgements/a.csv".into(),
            line: 2,
        };
        let mut out = Vec::new();
        let text = to_csv(std::slice::from_ref(&record));
        assert_eq!(parse("acknowledgements/a.csv", &text, &mut out), [record]);
        assert!(out.is_empty());
    }

    #[test]
    fn fields_and_headers_are_trimmed_and_repeated_fields_shared() {
        let mut out = Vec::new();
        let text = " email , document,version,content_sha256,at,method,source\n\
                    Ada@Example.com , POL-001 ,1.0, AB ,2026-02-01T09:30:00Z, form ,x\n\
                    bob@example.com,POL-001,1.0,AB,2026-02-01T09:30:00Z,form,x\n";
        let records = parse("r.csv", text, &mut out);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].email, "ada@example.com");
        assert_eq!(&*records[0].document, "POL-001");
        assert_eq!(&*records[0].content_sha256, "ab");
        assert_eq!(&*records[0].method, "form");
        assert_eq!(records[0].line, 2);
        assert!(Arc::ptr_eq(&records[0].document, &records[1].document));
        assert_eq!(records[1].content_sha256, records[0].content_sha256);
    }

    #[test]
    fn bad_rows_and_headers_are_reported_at_their_line() {
        let mut out = Vec::new();
        let text = format!(
            "{RECORD_HEADER}\na@x.org,POL-001,1.0,,yesterday,form,x\n,POL-001,1.0,,2026-01-01T00:00:00Z,form,x\n"
        );
        assert!(parse("r.csv", &text, &mut out).is_empty());
        let lines: Vec<_> = out.iter().map(|d| d.line.unwrap()).collect();
        assert_eq!(lines, [2, 3]);
        out.clear();
        assert!(parse("r.csv", "email,doc\n", &mut out).is_empty());
        assert_eq!(out[0].code, Code::AcknowledgementInvalid.as_str());
    }
}
