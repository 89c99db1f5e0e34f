//! Who must acknowledge what: for each approved document version in force and each group of
//! its audience, the people required (in the group today: leavers drop out), who acknowledged
//! (a record of that version or an earlier one of the same major: a minor bump carries
//! acknowledgements over, a major bump asks again), who is outstanding, and who is overdue (each
//! person's deadline is `[communication] deadline-days` after the version took effect or, for
//! a joiner, after they joined). With `[acknowledgement] renew`, a record older than that period
//! no longer counts, and the person is asked again. Reads the `Site`'s people and records;
//! judges nothing else.

use crate::acknowledgement::{
    Acknowledging, AcknowledgingVersion, People, Person, Present, Record, Records,
};
use crate::site::Site;
use jiff::civil::Date;
use std::sync::Arc;

/// One person's obligation.
#[derive(Debug, Clone, Copy)]
pub struct Due<'a> {
    pub person: &'a Person,
    /// The person's position in the people file's `persons`.
    pub index: usize,
    pub deadline: Date,
    /// The record that acknowledges it, if any.
    pub acknowledged: Option<&'a Record>,
}

/// The obligations of one audience group for one document version. Each person's obligation
/// is worked out as it is read, from two shared lists: the group's members present on the day
/// (shared by every version the group must acknowledge) and what acknowledges the version for
/// each person (shared by its groups). A population of thousands times hundreds of versions
/// would otherwise be a list per tally, mostly of people nobody has heard from.
#[derive(Debug, Clone)]
pub struct Tally<'a> {
    pub document: String,
    pub version: String,
    pub audience: String,
    people: &'a People,
    /// The records `acknowledging` names by position.
    records: &'a Records,
    /// Everyone required: positions in the people file, in its order.
    present: Arc<Present>,
    acknowledging: Arc<AcknowledgingVersion>,
    /// When the version took effect, and the deadline of everyone who was there by then.
    effective: Date,
    common_deadline: Date,
    deadline_days: i64,
}

impl<'a> Tally<'a> {
    /// Everyone required, in the people file's order.
    pub fn required(&self) -> impl ExactSizeIterator<Item = Due<'a>> + '_ {
        self.present.members.iter().map(|&i| self.due(i as usize))
    }

    /// How many are required.
    pub fn required_count(&self) -> usize {
        self.present.members.len()
    }

    fn acknowledging(&self, person: usize) -> Acknowledging {
        self.acknowledging.of(person)
    }

    /// The day a person's deadline runs from: when the version took effect or, when later,
    /// when they joined or their earlier acknowledgement lapsed (`renew`).
    fn start(&self, person: &Person, lapsed: Option<Date>) -> Date {
        person
            .joined
            .max(lapsed)
            .map_or(self.effective, |d| d.max(self.effective))
    }

    /// A person's deadline, from the day it runs from (see `start`).
    fn deadline(&self, person: &Person, lapsed: Option<Date>) -> Date {
        match self.start(person, lapsed) {
            start if start == self.effective => self.common_deadline,
            start => crate::dates::add_days(start, self.deadline_days),
        }
    }

    fn due(&self, index: usize) -> Due<'a> {
        let person = &self.people.persons[index];
        let (record, lapsed) = self.acknowledging(index);
        Due {
            person,
            index,
            deadline: self.deadline(person, lapsed),
            acknowledged: record.map(|i| &self.records[i as usize]),
        }
    }

    fn is_acknowledged(&self, person: u32) -> bool {
        self.acknowledging(person as usize).0.is_some()
    }

    pub fn received(&self) -> usize {
        if self.acknowledging.is_empty() {
            return 0;
        }
        self.present
            .members
            .iter()
            .filter(|&&i| self.is_acknowledged(i))
            .count()
    }

    /// Everyone required (by position in the people file) and whether they acknowledged.
    pub fn marks(&self) -> impl Iterator<Item = (usize, bool)> + '_ {
        self.present
            .members
            .iter()
            .map(|&i| (i as usize, self.is_acknowledged(i)))
    }

    pub fn outstanding(&self) -> impl Iterator<Item = Due<'a>> + '_ {
        self.present
            .members
            .iter()
            .filter(|&&i| !self.is_acknowledged(i))
            .map(|&i| self.due(i as usize))
    }

    /// Whether every outstanding person is late on `today` (`Some(true)`), none is
    /// (`Some(false)`), or it depends on the person (`None`). Nobody's deadline is before the
    /// common one, so while that is to come nobody is late; once it has passed, everyone is
    /// when nobody joined (or had an acknowledgement lapse) within `deadline_days` of today.
    fn all_late(&self, today: Date) -> Option<bool> {
        use jiff::ToSpan;
        if self.common_deadline >= today {
            return Some(false);
        }
        let cutoff = today.checked_sub(self.deadline_days.days()).ok()?;
        let last_start = self.present.last_joined.max(self.acknowledging.last_lapse);
        last_start.is_none_or(|last| last < cutoff).then_some(true)
    }

    /// The outstanding people whose deadline has passed on `today`.
    pub fn overdue(&self, today: Date) -> impl Iterator<Item = Due<'a>> + '_ {
        // Nobody, without looking at anyone, when everyone's deadline is still to come.
        let members = match self.all_late(today) {
            Some(false) => &[][..],
            _ => &self.present.members[..],
        };
        members
            .iter()
            .filter(|&&i| !self.is_acknowledged(i))
            .map(|&i| self.due(i as usize))
            .filter(move |due| due.deadline < today)
    }

    /// How many are outstanding past their deadline on `today`.
    pub fn overdue_count(&self, today: Date) -> usize {
        match self.all_late(today) {
            Some(false) => 0,
            Some(true) => self.required_count() - self.received(),
            None => self.overdue(today).count(),
        }
    }
}

/// `MAJOR.MINOR` as numbers; `None` for anything else.
fn parse_version(text: &str) -> Option<(u64, u64)> {
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Whether an acknowledgement of `acknowledged` counts for `version`: the same, or an earlier
/// minor version of the same major.
pub fn carries_over(acknowledged: &str, version: &str) -> bool {
    if acknowledged == version {
        return true;
    }
    match (parse_version(acknowledged), parse_version(version)) {
        (Some((am, an)), Some((vm, vn))) => am == vm && an <= vn,
        _ => false,
    }
}

/// The members of `audience` present on `today`.
fn present(people: &People, audience: &str, today: Date) -> Present {
    let mut present = Present::default();
    for &i in people.members(audience) {
        let person = &people.persons[i];
        if person.present_on(today) {
            present.members.push(i as u32);
            present.last_joined = present.last_joined.max(person.joined);
        }
    }
    present
}

/// The tally of one group for one version over the site's register, from lists computed once per build and shared by every
/// caller (the checks, the dashboard, the pages, the communication log and the compliance
/// facts read the same tallies): each group's members present today, and what acknowledges
/// each document version.
fn shared<'s>(
    site: &'s Site,
    people: &'s People,
    document: &str,
    version: &str,
    audience: &str,
    effective: Date,
    deadline_days: i64,
) -> Tally<'s> {
    let register = &site.acknowledgements;
    let present = register
        .present
        .get_or_compute((audience.to_string(), site.today), || {
            present(people, audience, site.today)
        });
    Tally {
        document: document.to_string(),
        version: version.to_string(),
        audience: audience.to_string(),
        people,
        records: &register.records,
        present,
        // A version nobody acknowledged has no entries (see `acknowledging`).
        acknowledging: acknowledging(site, people, document, version),
        effective,
        common_deadline: crate::dates::add_days(effective, deadline_days),
        deadline_days,
    }
}

/// The day a record stopped counting, when it has by the site's today: never, unless
/// `[acknowledgement] renew` is set and the record is older than that period (then the person
/// is asked again, with `[communication] deadline-days` from that day).
pub fn lapses(site: &Site, record: &Record) -> Option<Date> {
    let renew = site.project.acknowledgement_renew?;
    let until = renew.after(crate::acknowledgement::utc_date(record.at));
    (until < site.today).then_some(until)
}

/// For each person (by position in the people file), the first of the register's records
/// that acknowledges `version` of `document` (by position in the records) and, when their
/// acknowledgements have lapsed (`renew`), the day the last one did; computed once per
/// document version for all its audiences.
fn acknowledging(
    site: &Site,
    people: &People,
    document: &str,
    version: &str,
) -> Arc<AcknowledgingVersion> {
    let register = &site.acknowledgements;
    let key = (document.to_string(), version.to_string());
    register.acknowledging.get_or_compute(key, || {
        // Nobody's, when no record names the document: no entry per person.
        if !register.names(document) {
            return AcknowledgingVersion::default();
        }
        let mut first = AcknowledgingVersion::new(people.persons.len());
        let records = register
            .positions(document)
            .zip(register.of_document(document));
        // Whether the previous record's version (mostly the same shared text) counts.
        let mut last: Option<(&Arc<str>, bool)> = None;
        for (at, r) in records {
            let counts = match last {
                Some((seen, counts)) if crate::acknowledgement::same(seen, &r.version) => counts,
                _ => {
                    last.insert((&r.version, carries_over(&r.version, version)))
                        .1
                }
            };
            if !counts {
                continue;
            }
            let Some(i) = register.person_of(at) else {
                continue;
            };
            match lapses(site, r) {
                None => first.acknowledged(i, at as u32),
                Some(lapsed) => first.lapsed(i, lapsed),
            }
        }
        first
    })
}

/// The tallies of one approved controlled document version, one per audience group, with
/// where each group is named; empty when it is not approved or there is no people file.
pub fn of_version<'s>(
    site: &'s Site,
    id: &str,
    c: &'s crate::content::document::Controlled,
) -> Vec<(Tally<'s>, crate::diagnostic::Pos)> {
    let Some(people) = &site.acknowledgements.people else {
        return Vec::new();
    };
    let (true, Some(version), Some(effective)) = (c.is_approved(), &c.version, &c.effective) else {
        return Vec::new();
    };
    let deadline_days = i64::from(site.project.config.communication.deadline_days);
    c.audience
        .iter()
        .map(|group| {
            let tally = shared(
                site,
                people,
                id,
                &version.value,
                &group.value,
                effective.value,
                deadline_days,
            );
            (tally, group.pos)
        })
        .collect()
}

/// A tally for every approved document version in force and every group of its audience, with
/// where the group is named; empty without a people file.
pub fn all(site: &Site) -> Vec<(Tally<'_>, &crate::content::Document, crate::diagnostic::Pos)> {
    if site.acknowledgements.people.is_none() {
        return Vec::new();
    }
    // Each version's tallies count its audiences' thousands of people: side by side (the
    // checks wait for them while the other rules are long done).
    use rayon::prelude::*;
    let versions: Vec<_> = site.controlled_in_force().collect();
    let tallies: Vec<Vec<_>> = versions
        .into_par_iter()
        .map(|(doc, meta, c)| {
            of_version(site, &meta.id.value, c)
                .into_iter()
                .map(|(tally, pos)| (tally, doc, pos))
                .collect()
        })
        .collect();
    tallies.into_iter().flatten().collect()
}

/// The people required and received for a communication entry's documents and audience:
/// (required, received), counted per person and document; `None` when no record names any of
/// its documents (the typed counts stand).
pub fn entry_counts(
    site: &Site,
    comm: &crate::content::document::Communication,
) -> Option<(u64, u64)> {
    let people = site.acknowledgements.people.as_ref()?;
    let register = &site.acknowledgements;
    if !comm.documents.iter().any(|d| register.names(&d.id.value)) {
        return None;
    }
    let deadline_days = i64::from(site.project.config.communication.deadline_days);
    let (mut required, mut received) = (0, 0);
    for d in &comm.documents {
        let in_force = site
            .document(&d.id.value)
            .and_then(|doc| site.effective(doc).controlled());
        let version = match &d.version {
            Some(v) => v.value.clone(),
            None => in_force
                .and_then(|c| c.version.as_ref())
                .map(|v| v.value.clone())?,
        };
        // Deadlines are not counted here: the version in force's own tallies (from its
        // effective date) are shared when the entry names that version.
        let (effective, days) = match in_force {
            Some(c)
                if c.is_approved() && c.version.as_ref().is_some_and(|v| v.value == version) =>
            {
                c.effective
                    .as_ref()
                    .map_or((site.today, 0), |e| (e.value, deadline_days))
            }
            _ => (site.today, 0),
        };
        // Each person once (by position in the people file), whatever their groups.
        let mut counted = vec![false; people.persons.len()];
        for group in &comm.audience {
            let tally = shared(
                site,
                people,
                &d.id.value,
                &version,
                &group.value,
                effective,
                days,
            );
            for (index, acknowledged) in tally.marks() {
                if !std::mem::replace(&mut counted[index], true) {
                    required += 1;
                    received += u64::from(acknowledged);
                }
            }
        }
    }
    Some((required, received))
}

/// The header of `population_csv`.
pub const POPULATION_HEADER: &str = "document,version,audience,email,name,joined,left,deadline,outcome,acknowledged_version,at,method,source";

/// For the auditor: every person required by every approved version in force and audience
/// group, with the outcome (`acknowledged`, `outstanding`, `overdue`) and the record behind an
/// acknowledgement, ready to sample. `None` without a people file.
pub fn population_csv(site: &Site) -> Option<String> {
    site.acknowledgements.people.as_ref()?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(POPULATION_HEADER.split(','));
    let date = |d: Option<Date>| d.map_or_else(String::new, |d| d.to_string());
    for (tally, _, _) in all(site) {
        for due in tally.required() {
            let outcome = match (due.acknowledged, due.deadline < site.today) {
                (Some(_), _) => "acknowledged",
                (None, true) => "overdue",
                (None, false) => "outstanding",
            };
            let record = due.acknowledged.map(Record::row);
            let field = |i: usize| record.as_ref().map_or("", |r| r[i].as_str()).to_string();
            let _ = writer.write_record([
                tally.document.clone(),
                tally.version.clone(),
                tally.audience.clone(),
                due.person.email.clone(),
                due.person.name.clone(),
                date(due.person.joined),
                date(due.person.left),
                due.deadline.to_string(),
                outcome.to_string(),
                field(2),
                field(4),
                field(5),
                field(6),
            ]);
        }
    }
    String::from_utf8(writer.into_inner().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::parse_date;

    fn date(text: &str) -> Date {
        parse_date(text).unwrap()
    }

    /// What one group owes for one version, over `records` alone (no site: records are matched
    /// to people by e-mail, and none lapses).
    #[allow(clippy::too_many_arguments)]
    fn tally<'a>(
        people: &'a People,
        records: &'a Records,
        document: &str,
        version: &str,
        audience: &str,
        effective: Date,
        deadline_days: i64,
        today: Date,
    ) -> Tally<'a> {
        // The first record per person that counts for this version, found once (people × records
        // would be quadratic on a large population).
        let mut counting: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for (i, r) in records.iter().enumerate() {
            if *r.document == *document && carries_over(&r.version, version) {
                counting.entry(&*r.email).or_insert(i as u32);
            }
        }
        let mut by_person = AcknowledgingVersion::new(people.persons.len());
        for (i, p) in people.persons.iter().enumerate() {
            if let Some(&record) = counting.get(p.email.as_str()) {
                by_person.acknowledged(i, record);
            }
        }
        Tally {
            document: document.to_string(),
            version: version.to_string(),
            audience: audience.to_string(),
            people,
            records,
            present: Arc::new(present(people, audience, today)),
            acknowledging: Arc::new(by_person),
            effective,
            common_deadline: crate::dates::add_days(effective, deadline_days),
            deadline_days,
        }
    }

    fn people() -> People {
        let mut out = Vec::new();
        let people = crate::acknowledgement::people::parse(
            "people.csv",
            "email,groups,joined,left\na@x.org,staff,2020-01-01,\nj@x.org,staff,2026-05-20,\nl@x.org,staff,2020-01-01,2026-04-01\nc@x.org,contractors,,\n",
            &mut out,
        );
        assert!(out.is_empty());
        people
    }

    fn record(email: &str, version: &str) -> Record {
        Record {
            email: email.into(),
            repeated: std::sync::Arc::new(crate::acknowledgement::RepeatedFields {
                document: "POL-1".into(),
                version: version.into(),
                content_sha256: "".into(),
                method: "form".into(),
                source: "".into(),
                file: "r.csv".into(),
            }),
            at: "2026-03-05T00:00:00Z".parse().unwrap(),
            line: 2,
        }
    }

    #[test]
    fn minor_bumps_carry_acknowledgements_over_and_major_bumps_do_not() {
        assert!(carries_over("1.0", "1.0"));
        assert!(carries_over("1.0", "1.3"));
        assert!(!carries_over("1.4", "1.3"));
        assert!(!carries_over("1.9", "2.0"));
        assert!(!carries_over("x", "1.0"));
    }

    #[test]
    fn leavers_drop_out_and_joiners_get_their_own_deadline() {
        let people = people();
        let records = Records::from(vec![record("a@x.org", "1.0")]);
        let t = tally(
            &people,
            &records,
            "POL-1",
            "1.1",
            "staff",
            date("2026-03-01"),
            30,
            date("2026-06-01"),
        );
        let emails: Vec<&str> = t.required().map(|d| d.person.email.as_str()).collect();
        assert_eq!(emails, ["a@x.org", "j@x.org"]);
        assert_eq!(t.received(), 1);
        assert_eq!(t.required().nth(1).unwrap().deadline, date("2026-06-19"));
        assert_eq!(t.overdue(date("2026-06-01")).count(), 0);
        assert_eq!(t.overdue(date("2026-06-20")).count(), 1);
        // The joiner's deadline is 2026-06-19: late from the day after, as counted.
        assert_eq!(t.overdue_count(date("2026-06-19")), 0);
        assert_eq!(t.overdue_count(date("2026-06-20")), 1);
        // Before the leaver left, they were required.
        let before = tally(
            &people,
            &records,
            "POL-1",
            "1.1",
            "staff",
            date("2026-03-01"),
            30,
            date("2026-03-20"),
        );
        assert_eq!(before.required_count(), 2);
        assert_eq!(before.required().nth(1).unwrap().person.email, "l@x.org");
    }

    #[test]
    fn a_lapsed_acknowledgement_has_its_own_deadline() {
        // Everyone present joined before the version took effect (2026-01-01, so its deadline
        // is 2026-01-31); a@x.org's acknowledgement lapsed on 2026-03-10, so theirs is
        // 2026-04-09. The joiner j@x.org is not there yet.
        let people = people();
        let today = date("2026-03-20");
        let effective = date("2026-01-01");
        let records = Records::default();
        let mut t = tally(
            &people, &records, "POL-1", "1.0", "staff", effective, 30, today,
        );
        let mut by_person = AcknowledgingVersion::new(people.persons.len());
        by_person.lapsed(0, date("2026-03-10"));
        t.acknowledging = Arc::new(by_person);
        let late: Vec<&str> = t.overdue(today).map(|d| d.person.email.as_str()).collect();
        assert_eq!(late, ["l@x.org"]);
        assert_eq!(t.overdue_count(today), 1);
        let deadlines: Vec<String> = t.required().map(|d| d.deadline.to_string()).collect();
        assert_eq!(deadlines, ["2026-04-09", "2026-01-31"]);
        // From the day after a@x.org's deadline, both are late.
        assert_eq!(t.overdue_count(date("2026-04-09")), 1);
        assert_eq!(t.overdue_count(date("2026-04-10")), 2);
    }

    #[test]
    fn a_major_version_asks_again() {
        let people = people();
        let records = Records::from(vec![record("a@x.org", "1.0")]);
        let t = tally(
            &people,
            &records,
            "POL-1",
            "2.0",
            "staff",
            date("2026-03-01"),
            30,
            date("2026-03-20"),
        );
        assert_eq!(t.received(), 0);
        assert_eq!(t.overdue(date("2026-03-20")).count(), 0);
        assert_eq!(t.overdue(date("2026-04-15")).count(), 2);
        assert_eq!(t.overdue_count(date("2026-03-31")), 0);
        assert_eq!(t.overdue_count(date("2026-04-01")), 2);
    }
}
