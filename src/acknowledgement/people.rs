//! The people file: `email,name,groups,joined,left`, one person per row, as an HR system
//! exports it. `groups` is `;`-separated audience ids (`all-staff;contractors`); `joined` and
//! `left` are `YYYY-MM-DD` dates, either may be empty. E-mail addresses compare case-blind.

use crate::dates::parse_date;
use crate::diagnostic::{Code, Diagnostic, Pos};
use crate::stat_cache::StatCache;
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// One person of the population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Lower-cased.
    pub email: String,
    pub name: String,
    pub groups: Vec<String>,
    pub joined: Option<Date>,
    pub left: Option<Date>,
    /// The row's line in the file.
    pub line: usize,
}

impl Person {
    /// Whether the person was with the organisation on `date` (joined on or before it, not
    /// yet left: the day of leaving is their last).
    pub fn present_on(&self, date: Date) -> bool {
        self.joined.is_none_or(|j| j <= date) && self.left.is_none_or(|l| date <= l)
    }

    /// Whether the person belonged to `group` on `date`.
    pub fn in_group_on(&self, group: &str, date: Date) -> bool {
        self.groups.iter().any(|g| g == group) && self.present_on(date)
    }
}

/// The people's trimmed, lower-cased addresses and their positions in `People::persons`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Emails {
    /// Each address's position.
    by_email: rustc_hash::FxHashMap<Arc<str>, u32>,
    /// Each position's address; empty for a later row of a duplicate address (whose
    /// position is the first row's).
    by_position: Vec<Arc<str>>,
}

impl Emails {
    /// The position of this trimmed, lower-cased address.
    pub fn get(&self, email: &str) -> Option<u32> {
        self.by_email.get(email).copied()
    }

    /// A record's trimmed address `email` as the people file has it (lower-cased), shared,
    /// and its person's position; the person at `guess` is tried first, with one comparison
    /// (a record file in the people file's order finds each person there). `email` is copied
    /// when nobody has it.
    pub fn find(&self, email: &str, guess: usize) -> (Arc<str>, Option<u32>) {
        if let Some(known) = self.by_position.get(guess)
            && **known == *email
            && !email.is_empty()
        {
            return (known.clone(), u32::try_from(guess).ok());
        }
        let email = super::csv_rows::lower(email);
        match self.by_email.get_key_value(&*email) {
            Some((known, &at)) => (known.clone(), Some(at)),
            None => (Arc::from(&*email), None),
        }
    }
}

/// The people file, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    /// The file, relative to the root (where findings point).
    pub file: String,
    /// In file order; a duplicate e-mail keeps its first row only.
    pub persons: Vec<Person>,
    /// Each e-mail's position in `persons`, built on the first look-up (records are checked
    /// one by one against a population of thousands).
    index: std::sync::OnceLock<Emails>,
    /// Each group's members' positions in `persons`, built on first use.
    groups: std::sync::OnceLock<HashMap<String, Vec<usize>>>,
}

impl People {
    pub fn by_email(&self, email: &str) -> Option<&Person> {
        self.by_normalised_email(&email.trim().to_lowercase())
    }

    /// Everyone who ever belonged to `group` per the file.
    pub fn in_group<'p>(&'p self, group: &'p str) -> impl Iterator<Item = &'p Person> + 'p {
        self.members(group).iter().map(|&i| &self.persons[i])
    }

    /// The positions in `persons` of everyone who ever belonged to `group`, in file order
    /// (indexed on first use: every document's audience groups are tallied against thousands).
    pub fn members(&self, group: &str) -> &[usize] {
        let index = self.groups.get_or_init(|| {
            let mut index: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, p) in self.persons.iter().enumerate() {
                for g in &p.groups {
                    // Looked up before copying the name: a few groups, thousands of people.
                    let members = match index.get_mut(g.as_str()) {
                        Some(members) => members,
                        None => index.entry(g.clone()).or_default(),
                    };
                    if members.last() != Some(&i) {
                        members.push(i);
                    }
                }
            }
            index
        });
        index.get(group).map_or(&[], Vec::as_slice)
    }

    /// `by_email` for an address already trimmed and lower-cased (as records keep them),
    /// without copying it.
    pub fn by_normalised_email(&self, email: &str) -> Option<&Person> {
        self.position(email).map(|i| &self.persons[i])
    }

    /// The position in `persons` of the person with this trimmed, lower-cased address.
    pub fn position(&self, email: &str) -> Option<usize> {
        self.emails().get(email).map(|i| i as usize)
    }

    /// Each person's address with their position in `persons`, built on first use; the
    /// records read share these copies of the addresses.
    pub fn emails(&self) -> &Emails {
        self.index.get_or_init(|| {
            let mut index = Emails::default();
            index.by_email.reserve(self.persons.len());
            for (i, p) in self.persons.iter().enumerate() {
                let i = u32::try_from(i).expect("fewer than 2^32 people");
                let email: Arc<str> = Arc::from(p.email.as_str());
                let first = *index.by_email.entry(email.clone()).or_insert(i);
                index
                    .by_position
                    .push(if first == i { email } else { Arc::from("") });
            }
            index
        })
    }
}

/// Reads `root/file`, its Git blob id going into `ids` (see `StatCache`); a missing or
/// unreadable file is one `person-invalid` finding.
pub fn read_file(
    root: &Path,
    file: &str,
    stat_cache: Option<&StatCache>,
    out: &mut Vec<Diagnostic>,
    ids: &mut BTreeMap<String, String>,
) -> People {
    match read_text(&root.join(file)) {
        Ok((text, stat)) => {
            let id = crate::stat_cache::blob_id(stat_cache, file, stat.as_ref(), text.as_bytes());
            ids.extend(id.map(|id| (file.to_string(), id)));
            parse(file, &text, out)
        }
        Err(e) => {
            out.push(
                Diagnostic::new(
                    Code::PersonInvalid,
                    format!("cannot read the people file `{file}`: {e}"),
                )
                .in_file(crate::config::FILE_NAME)
                .help("commit the file, or fix the path in [acknowledgement] people"),
            );
            People {
                file: file.to_string(),
                ..Default::default()
            }
        }
    }
}

/// The text of the file at `path` (failing as `std::fs::read_to_string` does), and its stat
/// data once read.
fn read_text(path: &Path) -> std::io::Result<(String, Option<std::fs::Metadata>)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    Ok((text, file.metadata().ok()))
}

/// The column of each field, by header name (case-blind); `email` is required.
struct Columns {
    email: usize,
    name: Option<usize>,
    groups: Option<usize>,
    joined: Option<usize>,
    left: Option<usize>,
}

/// Parses the text of a people file named `file`.
pub fn parse(file: &str, text: &str, out: &mut Vec<Diagnostic>) -> People {
    let mut people = People {
        file: file.to_string(),
        ..Default::default()
    };
    // Fields are trimmed as they are taken (the reader's trimming copies every row).
    let mut reader = super::csv_rows::Reader::new(csv::ReaderBuilder::new().flexible(true), text);
    let invalid = |line: usize, message: String, help: &str| {
        Diagnostic::new(Code::PersonInvalid, message)
            .at(file, Pos::new(line, 1))
            .help(help.to_string())
    };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            out.push(invalid(
                1,
                format!("the people file does not read as CSV: {e}"),
                HELP,
            ));
            return people;
        }
    };
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let Some(email) = column("email") else {
        out.push(invalid(
            1,
            "the people file has no `email` column".into(),
            HELP,
        ));
        return people;
    };
    let columns = Columns {
        email,
        name: column("name"),
        groups: column("groups"),
        joined: column("joined"),
        left: column("left"),
    };
    // Each address's first line (a population of thousands: hashed, not ordered), and room
    // for one person a line at once.
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    let mut seen: rustc_hash::FxHashMap<String, usize> = Default::default();
    seen.reserve(lines);
    people.persons.reserve(lines);
    // One row buffer for all rows.
    let mut row = csv::StringRecord::new();
    while let Some(read) = reader.next_row(&mut row) {
        let line = match read {
            Ok(line) => line,
            Err((line, why)) => {
                out.push(invalid(line, why, HELP));
                continue;
            }
        };
        if let Some(person) = person(&row, &columns, line, &mut |m, h| {
            out.push(invalid(line, m, h))
        }) {
            if let Some(first) = seen.get(&person.email) {
                out.push(
                    Diagnostic::new(
                        Code::PersonDuplicate,
                        format!("`{}` is listed twice (first on line {first})", person.email),
                    )
                    .at(file, Pos::new(line, 1))
                    .help("keep one row per person; merge the groups into it"),
                );
                continue;
            }
            seen.insert(person.email.clone(), line);
            people.persons.push(person);
        }
    }
    people
}

const HELP: &str = "the people file is CSV with the header `email,name,groups,joined,left`";

/// One row as a person; `None` (with a finding) when it has no e-mail address.
fn person(
    row: &csv::StringRecord,
    columns: &Columns,
    line: usize,
    invalid: &mut dyn FnMut(String, &str),
) -> Option<Person> {
    let field = |c: Option<usize>| c.and_then(|c| row.get(c)).map_or("", str::trim);
    let email = field(Some(columns.email)).to_lowercase();
    if email.is_empty() && row.iter().all(|f| f.trim().is_empty()) {
        return None; // a blank line
    }
    if !email.contains('@') {
        invalid(
            format!("line {line} has no e-mail address (`{email}`)"),
            "every person needs an e-mail address: records are matched on it",
        );
        return None;
    }
    let mut date = |name: &str, c: Option<usize>| {
        let text = field(c);
        if text.is_empty() {
            return None;
        }
        let parsed = parse_date(text);
        if parsed.is_none() {
            invalid(
                format!("`{name}` of `{email}` is `{text}`, not a date"),
                "write dates as YYYY-MM-DD, or leave the field empty",
            );
        }
        parsed
    };
    let joined = date("joined", columns.joined);
    let left = date("left", columns.left);
    if let (Some(j), Some(l)) = (joined, left)
        && l < j
    {
        invalid(
            format!("`{email}` left ({l}) before joining ({j})"),
            "fix the dates of this row",
        );
    }
    let groups = field(columns.groups)
        .split(';')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(String::from)
        .collect();
    Some(Person {
        email,
        name: field(columns.name).to_string(),
        groups,
        joined,
        left,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (People, Vec<Diagnostic>) {
        let mut out = Vec::new();
        let people = parse("people.csv", text, &mut out);
        (people, out)
    }

    #[test]
    fn rows_become_people_with_groups_and_dates() {
        let (people, found) = read(
            "email,name,groups,joined,left\nAda@Example.com,Ada,all-staff; contractors,2026-01-05,\n",
        );
        assert!(found.is_empty(), "{found:?}");
        let ada = people.by_email("ada@example.COM").unwrap();
        assert_eq!(ada.groups, ["all-staff", "contractors"]);
        assert_eq!(ada.joined, parse_date("2026-01-05"));
        assert_eq!(ada.left, None);
        assert_eq!(ada.line, 2);
        assert!(ada.in_group_on("contractors", parse_date("2026-01-05").unwrap()));
        assert!(!ada.in_group_on("contractors", parse_date("2026-01-04").unwrap()));
    }

    #[test]
    fn duplicates_and_bad_dates_are_reported_at_their_line() {
        let (people, found) = read(
            "email,name,groups,joined,left\na@x.org,A,all-staff,2026-01-01,\nA@x.org,A2,all-staff,,\nb@x.org,B,all-staff,01/02/2026,\nc@x.org,C,,2026-02-01,2026-01-01\n",
        );
        assert_eq!(people.persons.len(), 3);
        let at = |code: Code| {
            found
                .iter()
                .filter(|d| d.code == code.as_str())
                .map(|d| d.line.unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(at(Code::PersonDuplicate), [3]);
        assert_eq!(at(Code::PersonInvalid), [4, 5]);
    }

    #[test]
    fn headers_and_fields_are_trimmed_and_blank_rows_skipped() {
        let (people, found) = read(
            " Email , name ,groups , joined\n  Ada@x.org ,\u{a0}Ada Lovelace\u{a0}, all-staff ; board , 2026-01-05 \n  ,  , \n\"b@x.org\",\" Bob \",all-staff,\n",
        );
        assert!(found.is_empty(), "{found:?}");
        let names: Vec<_> = people
            .persons
            .iter()
            .map(|p| (&*p.email, &*p.name))
            .collect();
        assert_eq!(names, [("ada@x.org", "Ada Lovelace"), ("b@x.org", "Bob")]);
        assert_eq!(people.persons[0].groups, ["all-staff", "board"]);
        assert_eq!(people.persons[0].joined, parse_date("2026-01-05"));
        assert_eq!(people.persons[1].line, 4);
    }

    #[test]
    fn a_file_without_an_email_column_is_reported() {
        let (people, found) = read("name,groups\nAda,all-staff\n");
        assert!(people.persons.is_empty());
        assert_eq!(found[0].code, Code::PersonInvalid.as_str());
    }

    #[test]
    fn the_day_of_leaving_is_the_last_day_present() {
        let (people, _) = read("email,groups,joined,left\nl@x.org,all-staff,,2026-03-31\n");
        let leaver = &people.persons[0];
        assert!(leaver.present_on(parse_date("2026-03-31").unwrap()));
        assert!(!leaver.present_on(parse_date("2026-04-01").unwrap()));
    }
}
