//! The portal's offline search index: an elasticlunr.js index of the published documents
//! (never one above `max-classification`), written as a script (`assets/search-index.js`) that
//! assigns it to `window.policybookSearchIndex`, so the portal searches from `file://` without
//! a request. Words go through elasticlunr-rs's English pipeline (trimmer, stop words,
//! stemmer); the index is written as elasticlunr-rs's `Index` serialises (see `script`; a unit
//! test compares the two byte for byte), every map in order, so the same documents give the
//! same bytes.

use super::pages::doc_page;
use crate::content::Document;
use crate::site::Site;
use pulldown_cmark::{Event, Parser, TagEnd};
use rayon::prelude::*;
use serde_json::{Map, Value, json};

mod language;
mod script;
pub mod update;

use script::FIELDS;

/// Where the index is written, relative to the site root.
pub const FILE: &str = "assets/search-index.js";

/// Characters of a document's text that are indexed. Policies are rarely longer; a longer
/// document is found by its beginning, its id and its title.
const BODY_CHARS: usize = 20_000;

/// Characters of a document's text kept for result snippets.
const SNIPPET_CHARS: usize = 280;

/// One published document as the index sees it.
#[derive(Clone)]
struct Entry {
    url: String,
    id: String,
    title: String,
    doc_type: String,
    status: String,
    text: String,
}

fn entry(doc: &Document) -> Option<Entry> {
    let meta = doc.meta.as_ref()?;
    Some(Entry {
        url: doc_page(doc),
        id: meta.id.value.clone(),
        title: meta.title.value.clone(),
        doc_type: meta.doc_type.value.clone(),
        status: doc
            .controlled()
            .and_then(|c| c.status.as_ref())
            .map_or(String::new(), |s| s.value.as_str().to_string()),
        text: plain_text(doc.body(), BODY_CHARS),
    })
}

/// The text of a Markdown body: its words (code included, raw HTML and link targets left
/// out), whitespace collapsed to single spaces, cut at `limit` characters.
pub fn plain_text(markdown: &str, limit: usize) -> String {
    let mut text = Collapsed {
        out: String::new(),
        chars: 0,
        space: false,
        limit,
    };
    for event in Parser::new_ext(markdown, crate::content::outline::options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push(&t),
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(" "),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => text.push(" "),
            _ => {}
        }
        if text.chars >= limit {
            break;
        }
    }
    text.out
}

/// Text with its whitespace collapsed as it is added, up to a number of characters.
struct Collapsed {
    out: String,
    chars: usize,
    space: bool,
    limit: usize,
}

impl Collapsed {
    /// Adds `text`: each run of whitespace becomes one space between words (none before the
    /// first), until `limit` characters are reached. Word by word: the character-by-character
    /// loop this replaces was a sixth of the search index's cost.
    fn push(&mut self, text: &str) {
        let mut rest = text;
        while !rest.is_empty() {
            if self.chars >= self.limit {
                return;
            }
            let start = rest
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len());
            if start > 0 {
                self.space = !self.out.is_empty();
                rest = &rest[start..];
                if rest.is_empty() {
                    return;
                }
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let (word, after) = rest.split_at(end);
            rest = after;
            if self.space {
                self.out.push(' ');
                self.chars += 1;
                self.space = false;
            }
            // A word's first character goes in even when the space took the last place
            // (the limit is checked before a word), then as many more as fit.
            let room = self.limit.saturating_sub(self.chars).max(1);
            let cut = if word.len() <= room {
                word.len()
            } else if word.is_ascii() {
                room
            } else {
                word.char_indices()
                    .nth(room)
                    .map_or(word.len(), |(at, _)| at)
            };
            let taken = &word[..cut];
            self.out.push_str(taken);
            self.chars += if taken.is_ascii() {
                taken.len()
            } else {
                taken.chars().count()
            };
        }
    }
}

/// The first `limit` characters of `text`, cut after a whole word where there is one.
fn snippet(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        None => text.to_string(),
        Some((end, _)) => {
            let cut = &text[..end];
            let cut = cut.rfind(' ').map_or(cut, |space| &cut[..space]);
            format!("{cut} …")
        }
    }
}

/// The choices of the search form's filters: every type and every status of a published
/// document, sorted.
pub fn filters(site: &Site) -> Value {
    let mut types = std::collections::BTreeSet::new();
    let mut statuses = std::collections::BTreeSet::new();
    for doc in site.published() {
        if let Some(meta) = &doc.meta {
            types.insert(meta.doc_type.value.as_str());
        }
        if let Some(s) = doc.controlled().and_then(|c| c.status.as_ref()) {
            statuses.insert(s.value.as_str());
        }
    }
    json!({"types": types, "statuses": statuses})
}

/// The index script of the site's published documents.
/// Feeds what the index is made of into a page key, so that a rebuild with the same published
/// documents reuses the previous index (building it is the dearest single file of a large
/// site).
pub fn key_inputs(site: &Site, key: &mut super::memo::PageKey) {
    let mut docs: Vec<&Document> = site.published().collect();
    docs.sort_by_key(|d| doc_page(d));
    for doc in docs {
        key.bytes(doc_page(doc).as_bytes())
            .bytes(doc.source.as_bytes());
    }
}

pub fn index_script(site: &Site) -> Vec<u8> {
    script_of(&entries(site))
}

/// The index's entries: the published documents', in page order.
fn entries(site: &Site) -> Vec<Entry> {
    let published: Vec<&Document> = site.published().collect();
    let mut entries: Vec<Entry> = published.par_iter().filter_map(|d| entry(d)).collect();
    entries.sort_by(|a, b| a.url.cmp(&b.url));
    entries
}

/// The index script of `entries` (in page order).
///
/// A document's reference is its position in page order: unique even where ids clash in a
/// preview, and short (the index repeats it for every term of the document). The index keeps
/// no copy of the documents: the store holds what results show.
fn script_of(entries: &[Entry]) -> Vec<u8> {
    let values: Vec<[&str; FIELDS.len()]> = entries.iter().map(Entry::values).collect();
    script::write(&values, &store_of(entries))
}

/// What the results show of each document, by reference.
fn store_of(entries: &[Entry]) -> Map<String, Value> {
    let mut store = Map::new();
    for (n, e) in entries.iter().enumerate() {
        store.insert(n.to_string(), e.stored());
    }
    store
}

impl Entry {
    /// The values of the index's fields, in `FIELDS` order.
    fn values(&self) -> [&str; FIELDS.len()] {
        [
            self.id.as_str(),
            self.title.as_str(),
            self.doc_type.as_str(),
            self.status.as_str(),
            self.text.as_str(),
        ]
    }

    /// What a result shows of the document.
    fn stored(&self) -> Value {
        json!({
            "id": self.id, "title": self.title, "type": self.doc_type, "status": self.status,
            "url": self.url, "text": snippet(&self.text, SNIPPET_CHARS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use language::Prepared;
    use script::{GLOBAL, write_script_json};

    /// The index script as elasticlunr-rs builds and serialises it: what `script_of` must
    /// write, byte for byte.
    pub(super) fn by_elasticlunr(entries: &[Entry]) -> Vec<u8> {
        let mut index = elasticlunr::IndexBuilder::with_language(Box::new(Prepared::new()))
            .save_docs(false)
            .add_fields(FIELDS)
            .set_ref("ref")
            .build();
        for (n, e) in entries.iter().enumerate() {
            index.add_doc(&n.to_string(), e.values());
        }
        let mut out = Vec::new();
        out.extend_from_slice(GLOBAL.as_bytes());
        out.extend_from_slice(b" = {\"index\":");
        write_script_json(&mut out, &index);
        out.extend_from_slice(b",\"store\":");
        write_script_json(&mut out, &Value::Object(store_of(entries)));
        out.extend_from_slice(b"};\n");
        out
    }

    /// Texts made of awkward words: prefixes of each other, stop words, words the stemmer
    /// merges, characters JSON or a script escapes, other scripts, a word repeated more than
    /// 255 times, a long word, and fields with nothing to index.
    pub(super) fn awkward_entries(count: usize) -> Vec<Entry> {
        let words = [
            "a",
            "ab",
            "abc",
            "abcd",
            "access",
            "accessing",
            "accessed",
            "the",
            "and",
            "review",
            "reviews",
            "reviewer",
            "<b>&",
            "x-ray",
            "back-up",
            "é",
            "été",
            "ÉTÉ",
            "中文",
            "42",
            "4.2",
            "\u{2028}",
            "\"quoted\"",
            "back\\slash",
            "...",
            "--",
            "z",
            "zz",
            "Review",
        ];
        (0..count)
            .map(|i| {
                let pick = |seed: usize, n: usize| -> String {
                    (0..n)
                        .map(|k| words[(seed * 7 + k * k * 3 + k) % words.len()])
                        .collect::<Vec<_>>()
                        .join(if i % 3 == 0 { " " } else { "\t" })
                };
                let mut text = pick(i, 5 + i * 4);
                if i == 3 {
                    text.push_str(&" access".repeat(300));
                    text.push_str(&format!(" {}", "long".repeat(500)));
                }
                Entry {
                    url: format!("docs/{i:03}.html"),
                    id: format!("POL-{:03}", i % 5),
                    title: pick(i + 1, i % 4),
                    doc_type: if i % 2 == 0 {
                        "policy".into()
                    } else {
                        String::new()
                    },
                    status: ["approved", "draft", ""][i % 3].into(),
                    text,
                }
            })
            .collect()
    }

    #[test]
    fn the_script_is_what_elasticlunr_writes() {
        for count in [0, 1, 2, 11, 27] {
            let entries = awkward_entries(count);
            assert_eq!(
                String::from_utf8(script_of(&entries)).unwrap(),
                String::from_utf8(by_elasticlunr(&entries)).unwrap(),
                "{count} documents"
            );
        }
    }

    #[test]
    fn plain_text_keeps_words_and_drops_markup() {
        let md = "# Title\n\nSome *emphasis* and `code`.\n\n- one\n- [two](../secret/path.md)\n\n<div onclick=\"x\">raw</div>\n\n| a | b |\n|---|---|\n| c | d |\n";
        assert_eq!(
            plain_text(md, 1000),
            "Title Some emphasis and code. one two a b c d"
        );
        assert_eq!(plain_text(md, 10), "Title Some");
    }

    /// Text collapsed one character at a time: what `Collapsed::push` must make.
    fn collapsed_by_characters(pieces: &[&str], limit: usize) -> String {
        let (mut out, mut chars, mut space) = (String::new(), 0, false);
        for piece in pieces {
            for c in piece.chars() {
                if chars >= limit {
                    break;
                }
                if c.is_whitespace() {
                    space = !out.is_empty();
                    continue;
                }
                if space {
                    out.push(' ');
                    chars += 1;
                    space = false;
                }
                out.push(c);
                chars += 1;
            }
        }
        out
    }

    #[test]
    fn collapsing_word_by_word_is_collapsing_character_by_character() {
        let pieces = [
            "",
            " ",
            "word",
            "  two  words ",
            "\u{a0}nbsp\u{2003}em",
            "été",
            "中文字",
            "a",
            "\n\t",
            "x-ray",
            "longerwordhere",
            " é ",
        ];
        for limit in 0..40 {
            for start in 0..pieces.len() {
                let chosen: Vec<&str> = (0..7)
                    .map(|k| pieces[(start + k * k) % pieces.len()])
                    .collect();
                let mut text = Collapsed {
                    out: String::new(),
                    chars: 0,
                    space: false,
                    limit,
                };
                for piece in &chosen {
                    text.push(piece);
                }
                assert_eq!(
                    text.out,
                    collapsed_by_characters(&chosen, limit),
                    "{chosen:?}, limit {limit}"
                );
            }
        }
    }

    #[test]
    fn snippets_end_on_a_word() {
        assert_eq!(snippet("short", 10), "short");
        assert_eq!(snippet("one two three four", 10), "one two …");
        assert_eq!(snippet("ééééé ééééé", 8), "ééééé …");
    }

    #[test]
    fn plain_text_of_markup_characters_stays_text() {
        assert_eq!(plain_text("a &lt;b&gt; `<i>`", 100), "a <b> <i>");
    }
}
