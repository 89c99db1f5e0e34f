//! The portal's offline search index: an elasticlunr.js index of the published documents
//! (never one above `max-classification`), written as a script (`assets/search-index.js`) that
//! assigns it to `window.policybookSearchIndex`, so the portal searches from `file://` without
//! a request. The index is built with `elasticlunr-rs`, whose maps are all ordered, so the same
//! documents give the same bytes.

use super::pages::doc_page;
use crate::content::Document;
use crate::site::Site;
use pulldown_cmark::{Event, Parser, TagEnd};
use rayon::prelude::*;
use serde_json::{Map, Value, json};

pub mod update;

/// Where the index is written, relative to the site root.
pub const FILE: &str = "assets/search-index.js";

/// The global the index script assigns.
const GLOBAL: &str = "window.policybookSearchIndex";

/// Characters of a document's text that are indexed. Policies are rarely longer; a longer
/// document is found by its beginning, its id and its title.
const BODY_CHARS: usize = 20_000;

/// Characters of a document's text kept for result snippets.
const SNIPPET_CHARS: usize = 280;

/// The fields of the index, in the order `add_doc` takes their values.
const FIELDS: [&str; 5] = ["id", "title", "type", "status", "body"];

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
    fn push(&mut self, text: &str) {
        for c in text.chars() {
            if self.chars >= self.limit {
                return;
            }
            if c.is_whitespace() {
                self.space = !self.out.is_empty();
                continue;
            }
            if self.space {
                self.out.push(' ');
                self.chars += 1;
                self.space = false;
            }
            self.out.push(c);
            self.chars += 1;
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
fn script_of(entries: &[Entry]) -> Vec<u8> {
    // A document's reference is its position in page order: unique even where ids clash in a
    // preview, and short (the index repeats it for every term of the document). The index
    // keeps no copy of the documents: the store below holds what results show.
    let mut index = elasticlunr::IndexBuilder::with_language(Box::new(Prepared::new()))
        .save_docs(false)
        .add_fields(FIELDS)
        .set_ref("ref")
        .build();
    let mut store = Map::new();
    for (n, e) in entries.iter().enumerate() {
        let reference = n.to_string();
        index.add_doc(
            &reference,
            [
                e.id.as_str(),
                e.title.as_str(),
                e.doc_type.as_str(),
                e.status.as_str(),
                e.text.as_str(),
            ],
        );
        store.insert(
            reference,
            json!({
                "id": e.id, "title": e.title, "type": e.doc_type, "status": e.status,
                "url": e.url, "text": snippet(&e.text, SNIPPET_CHARS),
            }),
        );
    }
    // Serialised straight into the script: a `Value` of a large index costs several times
    // its size, and the formatter rounds and escapes as it writes (no second pass over the
    // text).
    let mut out = Vec::with_capacity(8 << 20);
    out.extend_from_slice(GLOBAL.as_bytes());
    out.extend_from_slice(b" = {\"index\":");
    write_script_json(&mut out, &index);
    drop(index);
    out.extend_from_slice(b",\"store\":");
    write_script_json(&mut out, &Value::Object(store));
    out.extend_from_slice(b"};\n");
    out
}

/// Appends `value` as JSON that is safe in a script: see [`ScriptFormatter`].
fn write_script_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let mut serializer = serde_json::Serializer::with_formatter(out, ScriptFormatter);
    value
        .serialize(&mut serializer)
        .expect("the index serialises");
}

/// Compact JSON, with two changes made as it is written:
///
/// - Floating-point numbers, in the index only its term frequencies (square roots of counts;
///   counts and lengths are integers), are rounded to three decimals: scores keep their order
///   for all practical purposes and the index loses a sixth of its size.
/// - JSON is JavaScript but for U+2028 and U+2029 (in engines before ES2019), so those are
///   escaped; so are the markup characters `<`, `>` and `&`: they can only be in strings, and
///   no document's text then reads as markup anywhere (not even to a scanner, or were the
///   index ever inlined).
struct ScriptFormatter;

impl serde_json::ser::Formatter for ScriptFormatter {
    fn write_f64<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f64,
    ) -> std::io::Result<()> {
        let rounded = (value * 1000.0).round() / 1000.0;
        match serde_json::Number::from_f64(rounded) {
            Some(number) => write!(writer, "{number}"),
            None => serde_json::ser::CompactFormatter.write_f64(writer, value),
        }
    }

    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(['<', '>', '&', '\u{2028}', '\u{2029}']) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().expect("found a character");
            writer.write_all(match c {
                '<' => b"\\u003c",
                '>' => b"\\u003e",
                '&' => b"\\u0026",
                '\u{2028}' => b"\\u2028",
                _ => b"\\u2029",
            })?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

/// English as elasticlunr-rs has it, with each distinct word taken through the pipeline
/// (trimmer, stop words, stemmer) once: a policy corpus says the same few thousand words
/// over and over, and running the pipeline on every occurrence was a fifth of the index's
/// cost. `tokenize` returns the pipeline's output, so the pipeline the index runs after it is
/// made of pass-through steps, named as English's are: the index says the same, and
/// elasticlunr.js runs the real steps on a query.
///
/// Words are split as English's tokenizer splits them (at whitespace and hyphens) and looked
/// up as they stand in the text, so a word seen before costs one lookup: no lower-cased copy,
/// and a hash made for short keys (FxHash) rather than the default SipHash.
struct Prepared {
    english: elasticlunr::lang::English,
    pipeline: elasticlunr::pipeline::Pipeline,
    memo: std::cell::RefCell<rustc_hash::FxHashMap<Box<str>, Option<String>>>,
}

impl Prepared {
    fn new() -> Prepared {
        use elasticlunr::lang::Language;
        let english = elasticlunr::lang::English::new();
        Prepared {
            pipeline: english.make_pipeline(),
            english,
            memo: Default::default(),
        }
    }
}

impl elasticlunr::lang::Language for Prepared {
    fn name(&self) -> String {
        self.english.name()
    }

    fn code(&self) -> String {
        self.english.code()
    }

    fn tokenize(&self, text: &str) -> Vec<String> {
        let mut memo = self.memo.borrow_mut();
        // `elasticlunr::lang::tokenize_whitespace`: split, drop empty pieces, trim, lower-case
        // (the trim and lower-casing happen below, once per distinct word).
        text.split(|c: char| c.is_whitespace() || c == '-')
            .filter(|word| !word.is_empty())
            .filter_map(|word| {
                if let Some(done) = memo.get(word) {
                    return done.clone();
                }
                let token = word.trim().to_lowercase();
                let done = self.pipeline.run(vec![token]).pop();
                memo.insert(word.into(), done.clone());
                done
            })
            .collect()
    }

    fn make_pipeline(&self) -> elasticlunr::pipeline::Pipeline {
        elasticlunr::pipeline::Pipeline {
            queue: (self.pipeline.queue.iter())
                .map(|step| {
                    let name = step.name();
                    Box::new(elasticlunr::pipeline::FnWrapper(name, Some))
                        as Box<dyn elasticlunr::pipeline::PipelineFn>
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_words_and_drops_markup() {
        let md = "# Title\n\nSome *emphasis* and `code`.\n\n- one\n- [two](../secret/path.md)\n\n<div onclick=\"x\">raw</div>\n\n| a | b |\n|---|---|\n| c | d |\n";
        assert_eq!(
            plain_text(md, 1000),
            "Title Some emphasis and code. one two a b c d"
        );
        assert_eq!(plain_text(md, 10), "Title Some");
    }

    #[test]
    fn snippets_end_on_a_word() {
        assert_eq!(snippet("short", 10), "short");
        assert_eq!(snippet("one two three four", 10), "one two …");
        assert_eq!(snippet("ééééé ééééé", 8), "ééééé …");
    }

    #[test]
    fn the_prepared_language_makes_the_index_english_makes() {
        let docs = [
            [
                "POL-001",
                "Access Control Policy",
                "policy",
                "approved",
                "Users' access is reviewed quarterly; reviewers review the reviews. The the and.",
            ],
            [
                "PRC-002",
                "Back-up procedure",
                "procedure",
                "draft",
                "Backups are running nightly -- restoring, restored, restores... (tested) \u{e9}t\u{e9}",
            ],
            [
                "ROL-003",
                "",
                "role",
                "",
                "  ...  --- !!! 42 4.2 x-ray X-Ray \u{c9}T\u{c9} a\u{a0}b\tc\u{2003}d -lead trail- Review REVIEW review",
            ],
        ];
        let build = |language: Box<dyn elasticlunr::lang::Language>| {
            let mut index = elasticlunr::IndexBuilder::with_language(language)
                .save_docs(false)
                .add_fields(FIELDS)
                .set_ref("ref")
                .build();
            for (n, doc) in docs.iter().enumerate() {
                index.add_doc(&n.to_string(), doc);
            }
            serde_json::to_string(&index).unwrap()
        };
        let english = build(Box::new(elasticlunr::lang::English::new()));
        assert_eq!(build(Box::new(Prepared::new())), english);
        // The steps do run (the same word twice: once through them, once from the memo).
        use elasticlunr::lang::Language;
        let text = "The reviewers reviewed reviews, reviews.";
        let plain = elasticlunr::lang::English::new();
        let expected = plain.make_pipeline().run(plain.tokenize(text));
        assert_eq!(expected, ["review", "review", "review", "review"]);
        assert_eq!(Prepared::new().tokenize(text), expected);
    }

    #[test]
    fn script_json_rounds_floats_and_escapes_markup() {
        let mut out = Vec::new();
        write_script_json(
            &mut out,
            &json!({"a": {"tf": 2f64.sqrt()}, "tf": {"tf": 2.0}, "n": 3, "x": 1.23456,
                    "<b>&": "</script>\u{2028}\u{2029}\"\\ é"}),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"<b>&":"</script>\u2028\u2029\"\\ é","a":{"tf":1.414},"n":3,"tf":{"tf":2.0},"x":1.235}"#
                .replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026")
        );
    }

    #[test]
    fn plain_text_of_markup_characters_stays_text() {
        assert_eq!(plain_text("a &lt;b&gt; `<i>`", 100), "a <b> <i>");
    }
}
