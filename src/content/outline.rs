//! What the validator and renderer need from a Markdown body without rendering it: headings
//! (with the anchors the renderer will give them) and links, each with its position in the file.

use crate::diagnostic::Pos;
use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;

/// The Markdown dialect of every document (CommonMark plus GitHub's common extensions).
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub anchor: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub dest: String,
    pub image: bool,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
}

impl Outline {
    pub fn has_anchor(&self, anchor: &str) -> bool {
        self.headings.iter().any(|h| h.anchor == anchor)
    }
}

/// Maps byte offsets to positions quickly (a file may have thousands of links).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Pos::new(line + 1, column)
    }
}

/// Assigns GitHub-style anchors, numbering repeats (`scope`, `scope-1`, …).
#[derive(Default)]
pub struct Anchors {
    seen: HashMap<String, usize>,
}

impl Anchors {
    pub fn next(&mut self, text: &str, explicit: Option<&str>) -> String {
        let base = explicit.map_or_else(|| slug(text), str::to_string);
        let count = self.seen.entry(base.clone()).or_insert(0);
        let anchor = if *count == 0 {
            base.clone()
        } else {
            format!("{base}-{count}")
        };
        *count += 1;
        anchor
    }
}

/// GitHub's heading slug: lower case, spaces to `-`, punctuation other than `-` and `_` dropped.
pub fn slug(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c.to_lowercase().collect::<String>())
            } else if c.is_whitespace() {
                Some("-".to_string())
            } else {
                None
            }
        })
        .collect()
}

/// Reads the outline of `body`, which starts at byte `body_offset` of the whole `source`.
pub fn read(source: &str, body_offset: usize) -> Outline {
    let body = &source[body_offset..];
    let index = LineIndex::new(source);
    let mut outline = Outline::default();
    let mut anchors = Anchors::default();
    let mut heading: Option<(u8, Option<String>, usize, String)> = None;

    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((
                    level_number(level),
                    id.map(|s| s.to_string()),
                    range.start,
                    String::new(),
                ));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, _, text)) = heading.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, id, start, text)) = heading.take() {
                    let anchor = anchors.next(&text, id.as_deref());
                    outline.headings.push(Heading {
                        level,
                        text: text.trim().to_string(),
                        anchor,
                        pos: index.pos(body_offset + start),
                    });
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if !matches!(link_type, LinkType::Email) => outline.links.push(Link {
                dest: dest_url.to_string(),
                image: false,
                pos: index.pos(body_offset + range.start),
            }),
            Event::Start(Tag::Image { dest_url, .. }) => outline.links.push(Link {
                dest: dest_url.to_string(),
                image: true,
                pos: index.pos(body_offset + range.start),
            }),
            _ => {}
        }
    }
    outline
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github() {
        assert_eq!(slug("Roles & Responsibilities"), "roles--responsibilities");
        assert_eq!(slug("5.2 Policy"), "52-policy");
        assert_eq!(slug("CISO"), "ciso");
    }

    #[test]
    fn headings_and_links_have_file_positions() {
        let src = "---\nid: A\n---\n# Scope\n\nSee [x](other.md#scope).\n\n## Scope\n";
        let outline = read(src, 14);
        assert_eq!(outline.headings[0].pos, Pos::new(4, 1));
        assert_eq!(outline.headings[1].anchor, "scope-1");
        assert_eq!(outline.links[0].dest, "other.md#scope");
        assert_eq!(outline.links[0].pos, Pos::new(6, 5));
    }
}
