//! Splits a document into its YAML front matter and Markdown body. gray_matter finds the
//! delimiters; the YAML itself is parsed by `yaml::parse`, which keeps positions and refuses
//! alias bombs (gray_matter's own YAML engine expands aliases by copying).

use super::yaml::{self, Node, YamlError};
use crate::validate::Pos;
use gray_matter::engine::Engine;
use gray_matter::{Matter, Pod};

/// A gray_matter engine that leaves the matter unparsed: we only want the split.
struct Unparsed;

impl Engine for Unparsed {
    fn parse(_content: &str) -> gray_matter::Result<Pod> {
        Ok(Pod::Null)
    }
}

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

/// Splits `source` (already known to be UTF-8, BOM removed).
pub fn split(source: &str) -> Result<Split, SplitError> {
    let first_line = source.split('\n').next().unwrap_or("");
    if first_line.trim_end() != "---" {
        return Err(SplitError::Missing);
    }
    let parsed = Matter::<Unparsed>::new()
        .parse::<Pod>(source)
        .map_err(|_| SplitError::Unclosed)?;
    let after_open = first_line.len() + 1;
    let close = closing_delimiter(source, after_open).ok_or(SplitError::Unclosed)?;

    // gray_matter trims the matter; find where it really starts so lines stay true.
    let (matter_text, matter_line) = if parsed.matter.is_empty() {
        ("", 1)
    } else {
        let start = source[after_open..close.start]
            .find(parsed.matter.as_str())
            .map_or(after_open, |i| after_open + i);
        (
            parsed.matter.as_str(),
            Pos::of_offset(source, start).line - 1,
        )
    };
    let matter = if matter_text.trim().is_empty() {
        Ok(Node {
            value: yaml::Value::Map(Vec::new()),
            pos: Pos::new(1, 1),
        })
    } else {
        yaml::parse(matter_text, matter_line)
    };
    Ok(Split {
        matter,
        body_offset: close.end,
    })
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

    #[test]
    fn crlf_is_accepted() {
        let split = split("---\r\nid: A\r\n---\r\nbody").unwrap();
        assert!(split.matter.is_ok());
    }
}
