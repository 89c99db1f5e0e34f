//! Calendar dates, review intervals and "today". Dates in front matter are civil dates
//! (`YYYY-MM-DD`, no time zone); "today" comes from `--today`, `SOURCE_DATE_EPOCH` or the clock,
//! in that order, so that builds are reproducible.

use jiff::civil::Date;
use jiff::{Span, ToSpan};
use std::fmt;

/// Parses a strict `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    text.parse::<Date>().ok()
}

/// A review or communication interval such as `12 months`, `1 year`, `6 weeks`, `90 days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub amount: i64,
    pub unit: Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Day,
    Week,
    Month,
    Year,
}

impl Interval {
    pub const fn months(amount: i64) -> Self {
        Interval {
            amount,
            unit: Unit::Month,
        }
    }

    pub fn parse(text: &str) -> Option<Interval> {
        let mut words = text.split_whitespace();
        let amount: i64 = words.next()?.parse().ok()?;
        let unit = match words.next()?.to_ascii_lowercase().trim_end_matches('s') {
            "day" => Unit::Day,
            "week" => Unit::Week,
            "month" => Unit::Month,
            "year" => Unit::Year,
            _ => return None,
        };
        if words.next().is_some() || !(1..=1200).contains(&amount) {
            return None;
        }
        Some(Interval { amount, unit })
    }

    fn span(self) -> Span {
        match self.unit {
            Unit::Day => self.amount.days(),
            Unit::Week => self.amount.weeks(),
            Unit::Month => self.amount.months(),
            Unit::Year => self.amount.years(),
        }
    }

    /// `date` plus this interval, clamped to the end of the month (31 Jan + 1 month = 28 Feb).
    pub fn after(self, date: Date) -> Date {
        date.checked_add(self.span()).unwrap_or(Date::MAX)
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Month => "month",
            Unit::Year => "year",
        };
        let plural = if self.amount == 1 { "" } else { "s" };
        write!(f, "{} {unit}{plural}", self.amount)
    }
}

/// Adds whole days (for deadlines given in days).
pub fn add_days(date: Date, days: i64) -> Date {
    date.checked_add(days.days()).unwrap_or(Date::MAX)
}

/// Where "today" came from: reported on pages ("status as of …").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TodaySource {
    Flag,
    SourceDateEpoch,
    Clock,
}

/// `SOURCE_DATE_EPOCH` is set but is no day.
#[derive(Debug, thiserror::Error)]
pub enum TodayError {
    #[error("SOURCE_DATE_EPOCH=`{0}` is not a number of seconds")]
    NotSeconds(String),
    #[error("SOURCE_DATE_EPOCH=`{value}` is out of range")]
    OutOfRange {
        value: String,
        #[source]
        source: jiff::Error,
    },
}

/// Resolves "today": the `--today` flag, else `SOURCE_DATE_EPOCH` (UTC), else the clock (UTC).
pub fn resolve_today(flag: Option<Date>) -> Result<(Date, TodaySource), TodayError> {
    if let Some(date) = flag {
        return Ok((date, TodaySource::Flag));
    }
    if let Ok(epoch) = std::env::var("SOURCE_DATE_EPOCH") {
        let seconds: i64 = epoch
            .trim()
            .parse()
            .map_err(|_| TodayError::NotSeconds(epoch.clone()))?;
        let ts =
            jiff::Timestamp::from_second(seconds).map_err(|source| TodayError::OutOfRange {
                value: epoch.clone(),
                source,
            })?;
        return Ok((
            ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
            TodaySource::SourceDateEpoch,
        ));
    }
    Ok((
        jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date(),
        TodaySource::Clock,
    ))
}

/// A commit time (seconds, offset in minutes) as RFC 3339 in the committer's own offset.
pub fn rfc3339(seconds: i64, offset_minutes: i32) -> String {
    let Ok(ts) = jiff::Timestamp::from_second(seconds) else {
        return seconds.to_string();
    };
    let offset = jiff::tz::Offset::from_seconds(offset_minutes.saturating_mul(60))
        .unwrap_or(jiff::tz::Offset::UTC);
    // Written field by field: the history pages and the communication log format one per
    // revision and version (tens of thousands on a large repository), and `strftime` parses
    // its format string each time. Years outside 0..=9999 keep `strftime`'s own spelling.
    let t = offset.to_datetime(ts);
    if !(0..=9999).contains(&t.year()) {
        return ts
            .to_zoned_datetime(jiff::tz::TimeZone::fixed(offset))
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string();
    }
    let minutes = offset.seconds() / 60;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        if minutes < 0 { '-' } else { '+' },
        minutes.abs() / 60,
        minutes.abs() % 60
    )
}

/// The civil date of a commit time in its own offset.
pub fn commit_date(seconds: i64, offset_minutes: i32) -> String {
    rfc3339(seconds, offset_minutes).chars().take(10).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn rfc3339_writes_what_strftime_writes() {
        let strftime = |seconds: i64, minutes: i32| {
            let offset = jiff::tz::Offset::from_seconds(minutes * 60).unwrap();
            jiff::Timestamp::from_second(seconds)
                .unwrap()
                .to_zoned_datetime(jiff::tz::TimeZone::fixed(offset))
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        };
        let mut seconds: i64 = -62_135_596_800; // 0001-01-01
        while seconds < 253_402_300_799 {
            for minutes in [0, 60, -300, 330, -570, 765, -1439, 1439] {
                assert_eq!(rfc3339(seconds, minutes), strftime(seconds, minutes));
            }
            seconds += 7_777_777_777 / 97;
        }
        assert_eq!(rfc3339(0, -30), "1969-12-31T23:30:00-00:30");
        assert_eq!(commit_date(1_772_500_000, 120), "2026-03-03");
    }

    #[test]
    fn intervals() {
        let i = Interval::parse("12 months").unwrap();
        assert_eq!(i.after(date(2026, 1, 31)), date(2027, 1, 31));
        assert_eq!(
            Interval::parse("1 month").unwrap().after(date(2026, 1, 31)),
            date(2026, 2, 28)
        );
        assert_eq!(
            Interval::parse("2 Years"),
            Some(Interval {
                amount: 2,
                unit: Unit::Year
            })
        );
        assert_eq!(Interval::parse("twelve months"), None);
        assert_eq!(Interval::parse("12 fortnights"), None);
        assert_eq!(Interval::parse("0 days"), None);
    }

    #[test]
    fn strict_dates() {
        assert_eq!(parse_date("2026-02-28"), Some(date(2026, 2, 28)));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("2026-2-3"), None);
        assert_eq!(parse_date("26-02-2026"), None);
    }
}
