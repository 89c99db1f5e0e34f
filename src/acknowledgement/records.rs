//! Record files: `email,document,version,content_sha256,at,method,source`, one acknowledgement
//! per row, one file per import under the records directory (`*.csv` directly in it; the raw
//! exports kept in its `raw/` folder are not records). Files are only ever added, so two
//! imports in concurrent pull requests never conflict.

use super::people::{Emails, People};
use crate::diagnostic::{Code, Diagnostic, Pos};
use crate::stat_cache::StatCache;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The header every record file starts with.
pub const RECORD_HEADER: &str = "email,document,version,content_sha256,at,method,source";

/// One acknowledgement: who accepted which content of which document version, when, how.
/// The fields that repeat from row to row (all but the e-mail, the time and the line) are one
/// shared `RepeatedFields`, which a record reads as its own (`record.document`): an
/// organisation of thousands has hundreds of thousands of records, and each is then a few
/// words instead of a few cache lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Lower-cased; shared with the people file's copy when the person is in it (every person
    /// acknowledges many documents).
    pub email: Arc<str>,
    pub repeated: Arc<RepeatedFields>,
    pub at: jiff::Timestamp,
    /// The row's line in `file`, where findings point.
    pub line: usize,
}

/// The fields of a record that consecutive rows of a record file mostly share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedFields {
    pub document: Arc<str>,
    pub version: Arc<str>,
    /// SHA-256 of the acknowledged content (the document's content hash); may be empty when
    /// the source tool does not know it.
    pub content_sha256: Arc<str>,
    pub method: Arc<str>,
    /// The raw export it came from: `FILE sha256:HEX`.
    pub source: Arc<str>,
    /// The record file (relative to the root), where findings point.
    pub file: Arc<str>,
}

impl std::ops::Deref for Record {
    type Target = RepeatedFields;

    fn deref(&self) -> &RepeatedFields {
        &self.repeated
    }
}

impl Record {
    /// The row as written to a record file (in `RECORD_HEADER`'s order).
    pub fn row(&self) -> [String; 7] {
        [
            self.email.to_string(),
            self.document.to_string(),
            self.version.to_string(),
            self.content_sha256.to_string(),
            self.at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            self.method.to_string(),
            self.source.to_string(),
        ]
    }
}

/// Every record of every record file: files in name order, rows in file order, addressed as
/// one list by position. Each file's rows stay in the list they were read into (files are read
/// side by side): an organisation of thousands has hundreds of thousands of records, and
/// copying them into one list would write megabytes of fresh memory twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    /// Each file's records (none empty).
    files: Vec<Vec<Record>>,
    /// The position of each file's first record.
    starts: Vec<usize>,
    len: usize,
}

impl Records {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, position: usize) -> Option<&Record> {
        let file = self
            .starts
            .partition_point(|&s| s <= position)
            .checked_sub(1)?;
        self.files[file].get(position - self.starts[file])
    }

    /// Every record, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Record> {
        self.files.iter().flatten()
    }

    /// The records at `positions`, in order.
    pub fn range(&self, positions: std::ops::Range<usize>) -> impl Iterator<Item = &Record> {
        self.iter().skip(positions.start).take(positions.len())
    }

    /// Adds a file's records after the others.
    pub fn push_file(&mut self, records: Vec<Record>) {
        if !records.is_empty() {
            self.starts.push(self.len);
            self.len += records.len();
            self.files.push(records);
        }
    }

    /// Keeps the records `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&Record) -> bool) {
        let files = std::mem::take(&mut self.files);
        *self = Records::default();
        for mut records in files {
            records.retain(&mut keep);
            self.push_file(records);
        }
    }
}

impl std::ops::Index<usize> for Records {
    type Output = Record;

    fn index(&self, position: usize) -> &Record {
        match self.get(position) {
            Some(record) => record,
            None => panic!("record {position} of {}", self.len),
        }
    }
}

impl From<Vec<Record>> for Records {
    fn from(records: Vec<Record>) -> Records {
        let mut all = Records::default();
        all.push_file(records);
        all
    }
}

impl<'r> IntoIterator for &'r Records {
    type Item = &'r Record;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'r, Vec<Record>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.files.iter().flatten()
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

/// One record file read: its blob id, its records, each record's person (see
/// `Register::person_of`) and what was wrong in its rows.
type Parsed = (
    Option<String>,
    Vec<Record>,
    Vec<Option<u32>>,
    Vec<Diagnostic>,
);

/// The records of a file, with each one's person (position in the people file's `persons`,
/// `None` when not in it or without a people file), in the same order.
pub type Read = (Vec<Record>, Vec<Option<u32>>);

/// Reads every `*.csv` directly in `root/dir`, in name order; no directory, no records.
/// Each file's Git blob id goes into `ids`, by its path from the root (from `stat_cache` when
/// Git's index vouches for the file, else hashed). Each record's person is looked up in
/// `people` as it is read.
pub fn read_dir(
    root: &Path,
    dir: &str,
    people: Option<&People>,
    stat_cache: Option<&StatCache>,
    out: &mut Vec<Diagnostic>,
    ids: &mut BTreeMap<String, String>,
) -> (Records, Vec<Option<u32>>) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Default::default();
    };
    let mut files: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter(|name| name.ends_with(".csv"))
        .collect();
    files.sort();
    // The people's e-mails are indexed once, before the files are read in parallel.
    let emails = people.map(People::emails);
    // Files are read and parsed in parallel (an organisation of thousands imports hundreds of
    // thousands of rows), then taken in name order.
    use rayon::prelude::*;
    let read: Vec<(String, std::io::Result<Parsed>)> = files
        .into_par_iter()
        .map(|name| {
            let file = format!("{}/{name}", dir.trim_end_matches('/'));
            let read = with_text(&root.join(&file), |text, stat| {
                let id = crate::stat_cache::blob_id(stat_cache, &file, stat, text.as_bytes());
                let mut found = Vec::new();
                let (records, persons) = parse_with(&file, text, emails, &mut found);
                (id, records, persons, found)
            });
            (file, read)
        })
        .collect();
    let total = read
        .iter()
        .map(|(_, r)| r.as_ref().map_or(0, |(_, rows, _, _)| rows.len()))
        .sum();
    let mut records = Records::default();
    let mut persons = Vec::with_capacity(if emails.is_some() { total } else { 0 });
    for (file, read) in read {
        match read {
            Ok((id, rows, of, found)) => {
                ids.extend(id.map(|id| (file, id)));
                records.push_file(rows);
                persons.extend(of);
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
    (records, persons)
}

/// `f` of the text of the file at `path`, read as `std::fs::read_to_string` reads it (and
/// failing alike) into a buffer each thread keeps for the next file (record files are
/// megabytes, and fresh memory for each costs a page fault per page), and of its stat data
/// once read (see `StatCache`).
fn with_text<T>(
    path: &Path,
    f: impl FnOnce(&str, Option<&std::fs::Metadata>) -> T,
) -> std::io::Result<T> {
    use std::io::Read;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with(|buffer| {
        // A nested call (none today) would get a buffer of its own.
        let mut own = Vec::new();
        let mut kept = buffer.try_borrow_mut();
        let bytes = match kept.as_deref_mut() {
            Ok(kept) => kept,
            Err(_) => &mut own,
        };
        bytes.clear();
        let result = std::fs::File::open(path)
            .and_then(|mut file| file.read_to_end(bytes).map(|_| file.metadata().ok()))
            .and_then(|stat| {
                let text = std::str::from_utf8(bytes).map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "stream did not contain valid UTF-8",
                    )
                })?;
                Ok(f(text, stat.as_ref()))
            });
        // Not more than a large file's worth is kept.
        if bytes.capacity() > 64 << 20 {
            *bytes = Vec::new();
        }
        result
    })
}

/// Parses the text of one record file.
pub fn parse(file: &str, text: &str, out: &mut Vec<Diagnostic>) -> Vec<Record> {
    parse_with(file, text, None, out).0
}

/// `parse`, with each record's person looked up in `emails` (the people file's), whose copy
/// of the address the record then shares; without `emails`, no persons.
pub fn parse_with(
    file: &str,
    text: &str,
    emails: Option<&Emails>,
    out: &mut Vec<Diagnostic>,
) -> Read {
    let invalid = |line: usize, message: String| {
        Diagnostic::new(Code::AcknowledgementInvalid, message)
            .at(file, Pos::new(line, 1))
            .help(format!(
                "a record file is CSV with the header `{RECORD_HEADER}`, written by `policybook ack import`"
            ))
    };
    // Fields are trimmed as they are taken (cheaper than the reader's trimming, which copies
    // every row).
    let mut reader = super::csv_rows::Reader::new(&csv::ReaderBuilder::new(), text);
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
            return Default::default();
        }
        Err(e) => {
            out.push(invalid(1, format!("does not read as CSV: {e}")));
            return Default::default();
        }
    }
    // Most record files are as `ack import` writes them, without a quoted field: their rows
    // are split at commas directly, which is what the CSV reader would make of them, several
    // times faster (an organisation of thousands has hundreds of thousands of rows). A row
    // that is not as expected (another number of fields) sends the whole file to the reader,
    // which reports it as it always has.
    if let Some(body) = quote_free_body(text) {
        let mut rows = FileRecords::new(file, text, emails);
        let mut found = Vec::new();
        if split_rows(body, |line, fields| {
            rows.take(line, fields, &invalid, &mut found)
        }) {
            out.extend(found);
            return rows.finish();
        }
    }
    let mut rows = FileRecords::new(file, text, emails);
    read_rows(&mut reader, |line, row| match row {
        Ok(fields) => rows.take(line, fields, &invalid, out),
        Err(why) => out.push(invalid(line, why)),
    });
    rows.finish()
}

/// Calls `take` with each row the CSV reader reads after the header: its line and its seven
/// fields (missing ones empty), or why it does not read.
fn read_rows(
    reader: &mut super::csv_rows::Reader,
    mut take: impl FnMut(usize, Result<&[&str; 7], String>),
) {
    // One row buffer for all rows (a record file has thousands).
    let mut row = csv::StringRecord::new();
    while let Some(read) = reader.next_row(&mut row) {
        match read {
            Ok(line) => take(line, Ok(&std::array::from_fn(|i| row.get(i).unwrap_or("")))),
            Err((line, why)) => take(line, Err(why)),
        }
    }
}

/// The rows after the header of a record file that the CSV reader would read as split at
/// commas and newlines: no quote, no carriage return, no byte order mark, the header on the
/// first line. `None` for any other file.
fn quote_free_body(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b'\n')
        || text.starts_with('\u{feff}')
        || memchr::memchr2(b'"', b'\r', bytes).is_some()
    {
        return None;
    }
    let header_end = memchr::memchr(b'\n', bytes)?;
    Some(&text[header_end + 1..])
}

/// Calls `take` with each row of `body` (the lines after the header, the first being line 2)
/// and its seven fields, skipping empty lines as the CSV reader does; stops and says `false`
/// at the first row of another number of fields.
fn split_rows(body: &str, mut take: impl FnMut(usize, &[&str; 7])) -> bool {
    // One scan for both separators (SIMD; a field is a few bytes, a file megabytes).
    let mut fields = [""; 7];
    let (mut count, mut start, mut line) = (0, 0, 2);
    let ends = memchr::memchr2_iter(b',', b'\n', body.as_bytes()).chain(Some(body.len()));
    for end in ends {
        let ends_row = end == body.len() || body.as_bytes()[end] == b'\n';
        match fields.get_mut(count) {
            Some(field) => *field = &body[start..end],
            // An eighth field.
            None => return false,
        }
        count += 1;
        start = end + 1;
        if ends_row {
            match count {
                7 => take(line, &fields),
                // An empty line (or the end after the last newline).
                1 if fields[0].is_empty() => {}
                _ => return false,
            }
            count = 0;
            line += 1;
        }
    }
    true
}

/// The records of one file as its rows are taken: the fields that repeat from row to row are
/// shared with the previous row's, and each person is looked for after the previous row's.
struct FileRecords<'a> {
    file: Arc<str>,
    emails: Option<&'a Emails>,
    records: Vec<Record>,
    persons: Vec<Option<u32>>,
    /// The previous row's repeated fields.
    last: Option<Arc<RepeatedFields>>,
    /// Where the next row's person is looked for first: after the previous row's (files are
    /// mostly in the people file's order).
    next: usize,
}

impl<'a> FileRecords<'a> {
    fn new(file: &str, text: &str, emails: Option<&'a Emails>) -> FileRecords<'a> {
        // About one record per line: room for them all at once.
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        FileRecords {
            file: Arc::from(file),
            emails,
            records: Vec::with_capacity(lines),
            persons: Vec::with_capacity(if emails.is_some() { lines } else { 0 }),
            last: None,
            next: 0,
        }
    }

    /// Takes the row at `line` (its fields untrimmed), or says in `out` why it is not a record.
    fn take(
        &mut self,
        line: usize,
        fields: &[&str; 7],
        invalid: &impl Fn(usize, String) -> Diagnostic,
        out: &mut Vec<Diagnostic>,
    ) {
        let text = |i: usize| trim(fields[i]);
        let at = match timestamp(text(4)) {
            Ok(at) => at,
            Err(_) => {
                out.push(invalid(
                    line,
                    format!("`at` is `{}`, not an RFC 3339 time", text(4)),
                ));
                return;
            }
        };
        if text(0).is_empty() || text(1).is_empty() || text(2).is_empty() {
            out.push(invalid(
                line,
                "a record needs an e-mail, a document and a version".into(),
            ));
            return;
        }
        let email = match self.emails {
            Some(emails) => {
                let (email, person) = emails.find(text(0), self.next);
                self.next = person.map_or(0, |p| p as usize + 1);
                self.persons.push(person);
                email
            }
            None => Arc::from(&*super::csv_rows::lower(text(0))),
        };
        let repeated = self.repeated(text(1), text(2), text(3), text(5), text(6));
        self.records.push(Record {
            email,
            repeated,
            at,
            line,
        });
    }

    /// The previous row's repeated fields when this row's are the same, else new ones, which
    /// share each field that is the same as the previous row's.
    fn repeated(
        &mut self,
        document: &str,
        version: &str,
        hash: &str,
        method: &str,
        source: &str,
    ) -> Arc<RepeatedFields> {
        let last = self.last.as_ref();
        let same_but_hash = last.is_some_and(|last| {
            *last.document == *document
                && *last.version == *version
                && *last.method == *method
                && *last.source == *source
        });
        // Hashes are kept lower-cased. A row's is mostly the previous row's as it was kept:
        // then it is not looked at again.
        if let Some(last) = last.filter(|last| same_but_hash && *last.content_sha256 == *hash) {
            return last.clone();
        }
        let hash: std::borrow::Cow<str> = if hash.bytes().any(|b| b.is_ascii_uppercase()) {
            hash.to_lowercase().into()
        } else {
            hash.into()
        };
        if let Some(last) = last.filter(|last| same_but_hash && *last.content_sha256 == *hash) {
            return last.clone();
        }
        let same = |field: fn(&RepeatedFields) -> &Arc<str>, text: &str| match &self.last {
            Some(last) if **field(last) == *text => field(last).clone(),
            _ => Arc::from(text),
        };
        let fields = Arc::new(RepeatedFields {
            document: same(|f| &f.document, document),
            version: same(|f| &f.version, version),
            content_sha256: same(|f| &f.content_sha256, &hash),
            method: same(|f| &f.method, method),
            source: same(|f| &f.source, source),
            file: self.file.clone(),
        });
        self.last.insert(fields).clone()
    }

    fn finish(self) -> Read {
        (self.records, self.persons)
    }
}

/// `text.trim()`, without looking at its characters when its first and last bytes show there
/// is nothing to trim (fields mostly are so).
fn trim(text: &str) -> &str {
    // Every white space character that is not ASCII starts and ends with a byte above 0x7f.
    let edge = |b: u8| b.is_ascii() && b != b' ' && !(b'\t'..=b'\r').contains(&b);
    match text.as_bytes() {
        [first, .., last] if edge(*first) && edge(*last) => text,
        [only] if edge(*only) => text,
        _ => text.trim(),
    }
}

/// An RFC 3339 time, as `jiff` parses it; the form `import` writes (`2026-02-01T09:30:00Z`) is
/// read directly (hundreds of thousands of records), anything else by `jiff`.
fn timestamp(text: &str) -> Result<jiff::Timestamp, jiff::Error> {
    fn direct(b: &[u8]) -> Option<jiff::Timestamp> {
        let [
            y0,
            y1,
            y2,
            y3,
            b'-',
            m0,
            m1,
            b'-',
            d0,
            d1,
            b'T',
            h0,
            h1,
            b':',
            i0,
            i1,
            b':',
            s0,
            s1,
            b'Z',
        ] = *b
        else {
            return None;
        };
        let digits = |ds: &[u8]| {
            ds.iter().try_fold(0i16, |n, &d| {
                d.is_ascii_digit().then(|| n * 10 + i16::from(d - b'0'))
            })
        };
        let (year, month, day) = (
            digits(&[y0, y1, y2, y3])?,
            digits(&[m0, m1])?,
            digits(&[d0, d1])?,
        );
        let (hour, minute, second) = (digits(&[h0, h1])?, digits(&[i0, i1])?, digits(&[s0, s1])?);
        // A leap second (`:60`) is left to jiff.
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let date = jiff::civil::Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?)
            .ok()?;
        let time = jiff::civil::Time::new(hour as i8, minute as i8, second as i8, 0).ok()?;
        jiff::tz::Offset::UTC
            .to_timestamp(date.to_datetime(time))
            .ok()
    }
    match direct(text.as_bytes()) {
        Some(at) => Ok(at),
        None => text.parse(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_of_several_files_are_one_list() {
        let file = |name: &str, emails: &[&str]| -> Vec<Record> {
            let mut text = format!("{RECORD_HEADER}\n");
            for e in emails {
                text.push_str(&format!("{e},POL-1,1.0,,2026-01-01T00:00:00Z,form,\n"));
            }
            let mut out = Vec::new();
            let records = parse(name, &text, &mut out);
            assert!(out.is_empty(), "{out:?}");
            records
        };
        let mut records = Records::default();
        records.push_file(file("a.csv", &["a@x", "b@x"]));
        records.push_file(file("empty.csv", &[]));
        records.push_file(file("c.csv", &["c@x", "d@x", "e@x"]));
        let emails = |r: &Records| r.iter().map(|r| r.email.to_string()).collect::<Vec<_>>();
        assert_eq!(records.len(), 5);
        assert_eq!(emails(&records), ["a@x", "b@x", "c@x", "d@x", "e@x"]);
        let by_position: Vec<&str> = (0..5).map(|i| &*records[i].email).collect();
        assert_eq!(by_position, ["a@x", "b@x", "c@x", "d@x", "e@x"]);
        assert_eq!(records.get(5), None);
        let middle: Vec<&str> = records.range(1..4).map(|r| &*r.email).collect();
        assert_eq!(middle, ["b@x", "c@x", "d@x"]);
        // Dropping a whole file and a row of another keeps positions dense.
        records.retain(|r| &*r.file != "a.csv" && &*r.email != "d@x");
        assert_eq!(emails(&records), ["c@x", "e@x"]);
        assert_eq!(&*records[1].email, "e@x");
        assert_eq!(records.get(2), None);
    }

    #[test]
    fn a_record_file_reads_back_what_to_csv_wrote() {
        let record = Record {
            email: "ada@example.com".into(),
            repeated: Arc::new(RepeatedFields {
                document: "POL-001".into(),
                version: "1.0".into(),
                content_sha256: "ab".repeat(32).into(),
                method: "form, online".into(),
                source: "export.csv sha256:00".into(),
                file: "acknowledgements/a.csv".into(),
            }),
            at: "2026-02-01T09:30:00Z".parse().unwrap(),
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
        assert_eq!(&*records[0].email, "ada@example.com");
        assert_eq!(&*records[0].document, "POL-001");
        assert_eq!(&*records[0].content_sha256, "ab");
        assert_eq!(&*records[0].method, "form");
        assert_eq!(records[0].line, 2);
        assert!(Arc::ptr_eq(&records[0].document, &records[1].document));
        for text in [
            "",
            "a",
            " a",
            "a\t",
            "\u{a0}a",
            "a\u{3000}",
            "\u{b}x\u{c}",
            " ",
            "é",
            "ab",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
        assert_eq!(records[1].content_sha256, records[0].content_sha256);
    }

    /// The rows of `text` as the CSV reader reads them: (line, fields), or `None` when one
    /// does not read.
    fn read_by_csv(text: &str) -> Option<Vec<(usize, Vec<String>)>> {
        let mut reader =
            crate::acknowledgement::csv_rows::Reader::new(&csv::ReaderBuilder::new(), text);
        reader.headers().ok()?;
        let mut rows = Vec::new();
        let mut failed = false;
        read_rows(&mut reader, |line, row| match row {
            Ok(fields) => rows.push((line, fields.iter().map(|f| f.to_string()).collect())),
            Err(_) => failed = true,
        });
        (!failed).then_some(rows)
    }

    #[test]
    fn rows_split_at_commas_are_those_the_csv_reader_reads() {
        let header = format!("{RECORD_HEADER}\n");
        let row = "a@x.org,POL-1,1.0,ab,2026-01-01T00:00:00Z,form,x.csv sha256:00";
        let bodies = [
            format!("{row}\n"),
            row.to_string(),
            format!("{row}\n\n{row}\n\n\n"),
            format!("\n{row}\n{row}"),
            " , ,,, , é ,\u{3000}\n".to_string(),
            ",,,,,,\n".to_string(),
            String::new(),
            "\n\n".to_string(),
            // Rows of another number of fields: the reader reports them; split, they are
            // refused (and the file is read by the reader).
            format!("{row}\na,b,c,d,e,f\n"),
            format!("{row},extra\n"),
            " \n".to_string(),
        ];
        for body in bodies {
            let text = format!("{header}{body}");
            let quote_free = quote_free_body(&text).expect("no quote, no CR");
            let mut split = Vec::new();
            let whole = split_rows(quote_free, |line, fields| {
                split.push((line, fields.iter().map(|f| f.to_string()).collect()))
            });
            match read_by_csv(&text) {
                Some(rows) => {
                    assert!(whole, "{body:?} is refused but reads");
                    assert_eq!(split, rows, "{body:?}");
                }
                None => assert!(!whole, "{body:?} does not read but is split"),
            }
        }
        for text in [
            format!("{header}\"a\",b,c,d,e,f,g\n"),
            format!("{header}{row}\r\n"),
            format!("\u{feff}{header}"),
            format!("\n{header}"),
        ] {
            assert!(quote_free_body(&text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn files_read_and_fail_as_read_to_string_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let (good, bad) = (dir.path().join("good.csv"), dir.path().join("bad.csv"));
        std::fs::write(&good, "a,é\n").unwrap();
        std::fs::write(&bad, b"a,\xff\n").unwrap();
        let missing = dir.path().join("missing.csv");
        assert_eq!(with_text(&good, |t, _| t.to_string()).unwrap(), "a,é\n");
        for path in [&bad, &missing] {
            let ours = with_text(path, |_, _| ()).unwrap_err();
            let std = std::fs::read_to_string(path).unwrap_err();
            assert_eq!(ours.to_string(), std.to_string());
            assert_eq!(ours.kind(), std.kind());
        }
    }

    #[test]
    fn times_read_directly_are_those_jiff_reads() {
        for text in [
            "2026-02-01T09:30:00Z",
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59Z",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-12-31T23:59:60Z",
            "2026-01-01t00:00:00z",
            "2026-01-01T00:00:00+01:00",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2026-0a-01T00:00:00Z",
        ] {
            let jiff: Result<jiff::Timestamp, _> = text.parse();
            assert_eq!(timestamp(text).ok(), jiff.ok(), "{text}");
        }
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
