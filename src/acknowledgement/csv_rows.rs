//! Reading CSV rows, for the people file and the record files alike: where a row that does not
//! read is, and e-mail addresses as both keep them.

/// Reads the next row into `row` (one buffer for every row of a file: they are thousands):
/// `None` at the end, else the row's line, or where a row that does not read as CSV is and why.
pub fn next_row<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    row: &mut csv::StringRecord,
) -> Option<Result<usize, (usize, String)>> {
    match reader.read_record(row) {
        Ok(false) => None,
        Ok(true) => Some(Ok(row.position().map_or(1, |p| p.line() as usize))),
        Err(e) => Some(Err(unreadable(&e))),
    }
}

/// A row that does not read as CSV: its line and why (the people file and the record files
/// report them alike).
pub fn unreadable(e: &csv::Error) -> (usize, String) {
    (
        e.position().map_or(1, |p| p.line() as usize),
        format!("a row that does not read as CSV: {e}"),
    )
}

/// `text` lower-cased, copied only when it is not already (e-mails mostly are).
pub fn lower(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) || !text.is_ascii() {
        text.to_lowercase().into()
    } else {
        text.into()
    }
}
