//! Splits a document into its YAML front matter and Markdown body: the one splitter of the
//! project, used for the working copy and for every revision the history reads. The YAML itself
//! is parsed by `yaml::parse`, which keeps positions and refuses alias bombs.
//!
//! The delimiters are gray_matter's: a first line that is `---` (trailing blanks allowed), the
//! matter up to the next such line, trimmed, and the body after it. gray_matter itself cannot
//! serve here, and is not used: its `ParsedEntity` does not say where the body starts (it
//! rebuilds `content` line by line, so CRLF becomes LF, the final newline and leading blank lines
//! are dropped), nor where the matter starts (it is trimmed), so no diagnostic line would be
//! true; it returns the same thing for an unclosed front matter as for none, where the
//! diagnostics must differ (`front-matter-syntax` against `front-matter-missing`); and it copies
//! the whole document twice (`orig` and `content`) for each of the tens of thousands of
//! revisions the history reads, where only the matter is wanted.

use super::yaml::{self, Node, YamlError};
use crate::diagnostic::Pos;

#[derive(Debug)]
pub struct Split {
    /// The parsed front matter, or why it could not be parsed.
    pub matter: Result<Node, YamlError>,
    /// Byte offset in the source where the Markdown body starts.
    pub body_offset: usize,
}

#[derive(Debug, PartialEq)]
pub enum SplitError {
    /// The file does not start with a `---` line.
    Missing,
    /// It opens front matter but never closes it.
    Unclosed,
}

/// Splits `source` (already known to be UTF-8, BOM removed) and parses its matter: the lines
/// between the delimiters, trimmed (a CR before a line's end is not part of the line).
pub fn split(source: &str) -> Result<Split, SplitError> {
    let (after_open, close) = delimiters(source)?;
    let region = &source[after_open.min(close.start)..close.start];
    if memchr::memchr(b'\r', region.as_bytes()).is_none() {
        return Ok(finish(source, after_open, close, region.trim()));
    }
    let joined = region.lines().collect::<Vec<_>>().join("\n");
    Ok(finish(source, after_open, close, joined.trim()))
}

/// Where the front matter's text starts (after the opening line) and the closing line.
fn delimiters(source: &str) -> Result<(usize, std::ops::Range<usize>), SplitError> {
    let first_line = source.split('\n').next().unwrap_or("");
    if first_line.trim_end() != "---" {
        return Err(SplitError::Missing);
    }
    let after_open = first_line.len() + 1;
    let close = closing_delimiter(source, after_open).ok_or(SplitError::Unclosed)?;
    Ok((after_open, close))
}

/// The raw text between the delimiter lines and the offset where the body starts, without
/// parsing anything: what [`split`] parses is a function of that text alone.
pub fn matter_text(source: &str) -> Result<(&str, usize), SplitError> {
    let (after_open, close) = delimiters(source)?;
    Ok((&source[after_open.min(close.start)..close.start], close.end))
}

/// Parses `matter`, the trimmed text between the delimiters, keeping the lines of `source`.
fn finish(source: &str, after_open: usize, close: std::ops::Range<usize>, matter: &str) -> Split {
    // The matter is trimmed; find where it really starts so lines stay true.
    let (matter_text, matter_line) = if matter.is_empty() {
        ("", 1)
    } else {
        let region = &source[after_open.min(close.start)..close.start];
        let start = offset_in(region, matter)
            .or_else(|| region.find(matter))
            .map_or(after_open, |i| after_open + i);
        (matter, Pos::of_offset(source, start).line - 1)
    };
    let matter = if matter_text.trim().is_empty() {
        Ok(Node {
            value: yaml::Value::Map(Vec::new()),
            pos: Pos::new(1, 1),
        })
    } else {
        yaml::parse(matter_text, matter_line)
    };
    Split {
        matter,
        body_offset: close.end,
    }
}

/// Where `part` starts in `whole`, when it is a slice of it (no search needed).
fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start + part.len() <= whole.len()).then_some(start)
}

/// The byte range of the closing `---` line (including its newline), searching from `from`.
fn closing_delimiter(source: &str, from: usize) -> Option<std::ops::Range<usize>> {
    let mut offset = from;
    for line in source[from.min(source.len())..].split_inclusive('\n') {
        let end = offset + line.len();
        if line.trim_end() == "---" {
            return Some(offset..end);
        }
        offset = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_starts_after_the_closing_line() {
        let src = "---\nid: A\n---\n# Title\n";
        let split = split(src).unwrap();
        assert_eq!(&src[split.body_offset..], "# Title\n");
        let node = split.matter.unwrap();
        let yaml::Value::Map(entries) = node.value else {
            panic!()
        };
        assert_eq!(entries[0].0.pos, Pos::new(2, 1));
    }

    #[test]
    fn leading_blank_lines_keep_positions() {
        let split = split("---\n\n\nid: A\n---\n").unwrap();
        let yaml::Value::Map(entries) = split.matter.unwrap().value else {
            panic!()
        };
        assert_eq!(entries[0].0.pos, Pos::new(4, 1));
    }

    #[test]
    fn missing_and_unclosed() {
        assert_eq!(split("# no matter").unwrap_err(), SplitError::Missing);
        assert_eq!(split("---\nid: A\n").unwrap_err(), SplitError::Unclosed);
    }

    /// Delimiters as gray_matter reads them, CRLF and trailing blanks included.
    #[test]
    fn delimiters_as_gray_matter_reads_them() {
        fn body(case: &str) -> Result<&str, SplitError> {
            split(case).map(|s| &case[s.body_offset..])
        }
        assert_eq!(body("---\r\nid: A\r\n---\r\nbody\r\n"), Ok("body\r\n"));
        assert_eq!(
            body("---\nid: A\r\ntitle: B\n---  \nbody\n---\nmore"),
            Ok("body\n---\nmore")
        );
        assert_eq!(body("---   \nid: A\n---"), Ok(""));
        assert_eq!(body("---\n---\nbody"), Ok("body"));
        assert_eq!(body("---"), Err(SplitError::Unclosed));
        assert_eq!(body(""), Err(SplitError::Missing));
        assert_eq!(body("# no matter\n---\n"), Err(SplitError::Missing));
        assert_eq!(body("---\nid: A\n"), Err(SplitError::Unclosed));
        let matter = |case: &str| format!("{:?}", split(case).unwrap().matter.unwrap().value);
        assert_eq!(matter("---\n \t\n---\n"), matter("---\n---\n"));
        assert_eq!(
            matter("---\r\nid: A\r\ntitle: B\r\n---\r\n"),
            matter("---\nid: A\ntitle: B\n---\n")
        );
        // The matter is trimmed as gray_matter trims it: an indented first key is not.
        let indented = split("---\n  id: A\n  title: B\n---\nbody").unwrap();
        assert_eq!(indented.matter.unwrap_err().pos.line, 3);
    }

    #[test]
    fn crlf_is_accepted() {
        let split = split("---\r\nid: A\r\n---\r\nbody").unwrap();
        assert!(split.matter.is_ok());
    }
}

/// What a front matter that does not parse still says on its plain top-level lines: the value
/// of `key: value` for `key`, unquoted (`None` when no such line reads plainly). Used only so
/// that a document whose YAML is broken is not also reported as missing or unknown elsewhere:
/// one error per cause.
pub fn salvage<'a>(source: &'a str, key: &str) -> Option<&'a str> {
    let (matter, _) = matter_text(source).ok()?;
    matter.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        let value = rest.split(" #").next().unwrap_or("").trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        (!value.is_empty()).then_some(value)
    })
}

#[cfg(test)]
mod salvage_tests {
    #[test]
    fn plain_lines_of_a_broken_front_matter_are_read() {
        let text =
            "---\nid: \"POL-001\"\ntitle: Policy: broken\ntype: policy # a comment\n---\nBody\n";
        assert_eq!(super::salvage(text, "id"), Some("POL-001"));
        assert_eq!(super::salvage(text, "type"), Some("policy"));
        assert_eq!(super::salvage(text, "owner"), None);
        assert_eq!(super::salvage("no front matter", "id"), None);
    }
}
