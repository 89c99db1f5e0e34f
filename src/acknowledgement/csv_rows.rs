//! Reading CSV rows, for the people file and the record files alike: where a row that does not
//! read is, and e-mail addresses as both keep them.

/// A CSV reader over a file's text, with the true line of each row. The reader's own line
/// numbers (and byte offsets) are those of the end of the previous row, so a row after blank
/// lines would be reported on the first blank one; here the blank lines are skipped.
pub struct Reader<'t> {
    reader: csv::Reader<&'t [u8]>,
    text: &'t [u8],
    /// A byte of `text` and its line (counted from there for the next row: files have
    /// thousands of rows).
    counted: (usize, usize),
}

impl<'t> Reader<'t> {
    pub fn new(builder: &csv::ReaderBuilder, text: &'t str) -> Reader<'t> {
        Reader {
            reader: builder.from_reader(text.as_bytes()),
            text: text.as_bytes(),
            counted: (0, 1),
        }
    }

    /// The header row.
    pub fn headers(&mut self) -> csv::Result<&csv::StringRecord> {
        self.reader.headers()
    }

    /// Reads the next row into `row` (one buffer for every row of a file): `None` at the end,
    /// else the row's line, or where a row that does not read as CSV is and why.
    pub fn next_row(
        &mut self,
        row: &mut csv::StringRecord,
    ) -> Option<Result<usize, (usize, String)>> {
        match self.reader.read_record(row) {
            Ok(false) => None,
            Ok(true) => Some(Ok(row.position().map_or(1, |p| self.line_at(p)))),
            Err(e) => {
                let line = e.position().map_or(1, |p| self.line_at(p));
                Some(Err((
                    line,
                    format!("a row that does not read as CSV: {}", why(&e)),
                )))
            }
        }
    }

    /// The line of the row the reader places at `position`: the first byte after it that
    /// ends no line.
    fn line_at(&mut self, position: &csv::Position) -> usize {
        let mut start = usize::try_from(position.byte()).unwrap_or(usize::MAX);
        start = start.min(self.text.len());
        while matches!(self.text.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        let (from, line) = self.counted;
        let line = if start >= from {
            line + memchr::memchr_iter(b'\n', &self.text[from..start]).count()
        } else {
            1 + memchr::memchr_iter(b'\n', &self.text[..start]).count()
        };
        self.counted = (start, line);
        line
    }
}

/// Why a row does not read, without the reader's own position (see `Reader`: the finding
/// names the row's true line).
fn why(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("it has {len} fields, the header {expected_len}"),
        _ => e.to_string(),
    }
}

/// `text` lower-cased, copied only when it is not already (e-mails mostly are).
pub fn lower(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) || !text.is_ascii() {
        text.to_lowercase().into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_on_their_true_lines_after_blank_ones() {
        for (text, lines) in [
            ("h\nr\n\nr\n", vec![2, 4]),
            ("h\n\nr\nr", vec![3, 4]),
            ("h\nr\n\n\nr\nr\n", vec![2, 5, 6]),
            ("h\r\nr\r\n\r\nr\r\n", vec![2, 4]),
            ("h\n\"r\nr\"\nr\n", vec![2, 4]),
        ] {
            let mut rows = Reader::new(&csv::ReaderBuilder::new(), text);
            rows.headers().unwrap();
            let mut row = csv::StringRecord::new();
            let mut found = Vec::new();
            while let Some(read) = rows.next_row(&mut row) {
                found.push(read.unwrap());
            }
            assert_eq!(found, lines, "{text:?}");
        }
        let mut rows = Reader::new(&csv::ReaderBuilder::new(), "a,b\n1,2\n\n1,2,3\n");
        rows.headers().unwrap();
        let mut row = csv::StringRecord::new();
        assert_eq!(rows.next_row(&mut row), Some(Ok(2)));
        assert_eq!(
            rows.next_row(&mut row),
            Some(Err((
                4,
                "a row that does not read as CSV: it has 3 fields, the header 2".into()
            )))
        );
    }
}
