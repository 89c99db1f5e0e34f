//! Reading the rows of a CSV file with their line numbers, for the people file and the record files alike.

/// The rows of a CSV file, each with its line number, or a row that does not read as CSV: its
/// line and why (the people file and the record files read their rows alike).
pub fn rows<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
) -> impl Iterator<Item = Result<(usize, csv::StringRecord), (usize, String)>> + '_ {
    reader.records().map(|row| match row {
        Ok(row) => Ok((row.position().map_or(1, |p| p.line() as usize), row)),
        Err(e) => Err(unreadable(&e)),
    })
}

/// A row that does not read as CSV: its line and why.
pub fn unreadable(e: &csv::Error) -> (usize, String) {
    (
        e.position().map_or(1, |p| p.line() as usize),
        format!("a row that does not read as CSV: {e}"),
    )
}
