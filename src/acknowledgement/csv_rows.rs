//! Reading the rows of a CSV file with their line numbers, for the people file and the record files alike.

/// A row that does not read as CSV: its line and why (the people file and the record files
/// report them alike).
pub fn unreadable(e: &csv::Error) -> (usize, String) {
    (
        e.position().map_or(1, |p| p.line() as usize),
        format!("a row that does not read as CSV: {e}"),
    )
}
