//! The index script written straight from the documents' terms: the bytes that elasticlunr-rs's
//! `Index` serialises to (the tests build both and compare them), without building its tries.
//!
//! elasticlunr-rs adds every term of every document to a trie of ordered maps, each node
//! holding its documents in a map keyed by the reference as a string, and then serialises the
//! trie: on a portal of 2,000 documents that was a ninth of a cold build's CPU time, the largest
//! single piece of the rendering. Here each distinct word goes through the language's pipeline
//! once and becomes a term number; a document's terms are counted in an array; each term lists
//! its documents as they are added, in the order elasticlunr keeps them (references compared
//! as strings); and each field's trie is written by going through its terms in sorted order,
//! opening and closing nodes as the terms' characters change.

use super::language::Prepared;
use rustc_hash::FxHashMap;
use serde_json::ser::Formatter;
use serde_json::{Map, Value};

/// The fields of the index, in the order `add_doc` takes their values.
pub(super) const FIELDS: [&str; 5] = ["id", "title", "type", "status", "body"];

/// The global the index script assigns.
pub(super) const GLOBAL: &str = "window.policybookSearchIndex";

/// The distinct terms of the documents, numbered, and what each word of a text becomes.
struct Vocabulary<'l> {
    language: &'l Prepared,
    /// Each word as it stands in a text, and its term (`None`: the pipeline dropped it).
    words: FxHashMap<Box<str>, Option<u32>>,
    /// Each term's number.
    numbers: FxHashMap<String, u32>,
    /// Each number's term.
    terms: Vec<String>,
}

impl Vocabulary<'_> {
    fn term(&mut self, word: &str) -> Option<u32> {
        if let Some(&done) = self.words.get(word) {
            return done;
        }
        let term = self.language.prepare(word).map(|term| {
            let next = self.terms.len() as u32;
            *self.numbers.entry(term).or_insert_with_key(|term| {
                self.terms.push(term.clone());
                next
            })
        });
        self.words.insert(word.into(), term);
        term
    }
}

/// The documents of one term in one field: (reference, count), in the order of the
/// references as strings.
type Postings = Vec<(u32, u32)>;

/// The index script of `values` (each document's values in `FIELDS` order, by reference) and
/// `store` (what results show, by reference as a string).
pub(super) fn write(values: &[[&str; FIELDS.len()]], store: &Map<String, Value>) -> Vec<u8> {
    let language = &Prepared::new();
    let n = values.len();
    let ranked = in_string_order(n);
    let mut vocabulary = Vocabulary {
        language,
        words: FxHashMap::default(),
        numbers: FxHashMap::default(),
        terms: Vec::new(),
    };
    let mut lengths = vec![[0usize; FIELDS.len()]; n];
    let mut postings: Vec<Vec<Postings>> = vec![Vec::new(); FIELDS.len()];
    let mut counts: Vec<u32> = Vec::new();
    let mut counted: Vec<u32> = Vec::new();
    // Documents in the order of their references as strings, so that each term's list is in
    // elasticlunr's order as it grows.
    for &r in &ranked {
        for (field, value) in values[r as usize].iter().enumerate() {
            let mut length = 0;
            for word in super::language::words(value) {
                let Some(term) = vocabulary.term(word) else {
                    continue;
                };
                // Every term counts toward the field's length; an empty one is in no trie
                // (elasticlunr's `add_token` adds nothing for it).
                length += 1;
                if vocabulary.terms[term as usize].is_empty() {
                    continue;
                }
                let at = term as usize;
                if counts.len() <= at {
                    counts.resize(vocabulary.terms.len(), 0);
                }
                if counts[at] == 0 {
                    counted.push(term);
                }
                counts[at] += 1;
            }
            lengths[r as usize][field] = length;
            let lists = &mut postings[field];
            if lists.len() < vocabulary.terms.len() {
                lists.resize(vocabulary.terms.len(), Vec::new());
            }
            for term in counted.drain(..) {
                let at = term as usize;
                lists[at].push((r, counts[at]));
                counts[at] = 0;
            }
        }
    }
    let mut order: Vec<u32> = (0..vocabulary.terms.len() as u32).collect();
    order
        .sort_unstable_by(|a, b| vocabulary.terms[*a as usize].cmp(&vocabulary.terms[*b as usize]));
    let numbers = Numbers::new(n);
    frame(language, &ranked, &lengths, store, |field, out| {
        let lists = &postings[field];
        let terms = order.iter().filter_map(|&t| {
            let list = lists.get(t as usize).filter(|l| !l.is_empty())?;
            Some((vocabulary.terms[t as usize].as_str(), list.as_slice()))
        });
        write_trie(terms, &numbers, out);
    })
}

/// References 0..n in the order of their decimal strings (elasticlunr's maps are keyed by
/// them: "10" comes before "2").
pub(super) fn in_string_order(n: usize) -> Vec<u32> {
    let mut by_string: Vec<u32> = (0..n as u32).collect();
    by_string.sort_by_cached_key(|r| r.to_string());
    by_string
}

/// The texts of references and of term frequencies, made once.
struct Numbers {
    refs: Vec<String>,
    /// The frequency of each count below 256, as written (see `frequency`).
    frequencies: Vec<Vec<u8>>,
}

impl Numbers {
    fn new(n: usize) -> Numbers {
        Numbers {
            refs: (0..n).map(|r| r.to_string()).collect(),
            frequencies: (0..256).map(frequency).collect(),
        }
    }

    fn frequency(&self, count: u32) -> std::borrow::Cow<'_, [u8]> {
        match self.frequencies.get(count as usize) {
            Some(text) => std::borrow::Cow::Borrowed(text),
            None => std::borrow::Cow::Owned(frequency(count)),
        }
    }
}

/// A term frequency as elasticlunr stores it (the square root of the count), as
/// `ScriptFormatter` writes it.
fn frequency(count: u32) -> Vec<u8> {
    let mut out = Vec::new();
    ScriptFormatter
        .write_f64(&mut out, f64::from(count).sqrt())
        .expect("writing to memory succeeds");
    out
}

/// Writes one field's trie (`{"root":…}`'s value) from its terms in sorted order, each with
/// its documents, as elasticlunr's `IndexItem` serialises: a node's documents, their number,
/// then its children by character. Terms sorted as strings are sorted character by character,
/// and a term comes before the terms it is a prefix of, so each node is opened once, with its
/// own documents, before any node below it.
fn write_trie<'t>(
    terms: impl Iterator<Item = (&'t str, &'t [(u32, u32)])>,
    numbers: &Numbers,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(b"{\"docs\":{},\"df\":0");
    // The nodes open below the root: the byte offset where each one's character ends in the
    // previous term.
    let mut open: Vec<usize> = Vec::new();
    let mut previous = "";
    for (term, docs) in terms {
        let mut shared = common_prefix(previous.as_bytes(), term.as_bytes());
        while !term.is_char_boundary(shared) {
            shared -= 1;
        }
        while open.last().is_some_and(|&end| end > shared) {
            out.push(b'}');
            open.pop();
        }
        let mut at = shared;
        for c in term[shared..].chars() {
            let end = at + c.len_utf8();
            out.push(b',');
            if c.is_ascii_alphanumeric() {
                out.extend_from_slice(&[b'"', c as u8, b'"']);
            } else {
                write_script_json(out, &term[at..end]);
            }
            out.extend_from_slice(b":{\"docs\":{");
            let own: &[(u32, u32)] = if end == term.len() { docs } else { &[] };
            for (k, &(r, count)) in own.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                out.push(b'"');
                out.extend_from_slice(numbers.refs[r as usize].as_bytes());
                out.extend_from_slice(b"\":{\"tf\":");
                out.extend_from_slice(&numbers.frequency(count));
                out.push(b'}');
            }
            out.extend_from_slice(b"},\"df\":");
            out.extend_from_slice(own.len().to_string().as_bytes());
            open.push(end);
            at = end;
        }
        previous = term;
    }
    for _ in 0..=open.len() {
        out.push(b'}');
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The script around the tries, as elasticlunr's `Index` serialises (its fields in order:
/// fields, pipeline, ref, version, index, documentStore, lang), then the store.
/// `ranked`: the references in string order; `lengths`: each reference's number of terms per
/// field; `trie` writes a field's trie.
pub(super) fn frame(
    language: &Prepared,
    ranked: &[u32],
    lengths: &[[usize; FIELDS.len()]],
    store: &Map<String, Value>,
    mut trie: impl FnMut(usize, &mut Vec<u8>),
) -> Vec<u8> {
    use elasticlunr::lang::Language;
    let mut out = Vec::with_capacity(8 << 20);
    out.extend_from_slice(GLOBAL.as_bytes());
    out.extend_from_slice(b" = {\"index\":{\"fields\":");
    write_script_json(&mut out, &FIELDS);
    out.extend_from_slice(b",\"pipeline\":");
    write_script_json(&mut out, &language.make_pipeline());
    out.extend_from_slice(b",\"ref\":\"ref\",\"version\":");
    write_script_json(&mut out, elasticlunr::ELASTICLUNR_VERSION);
    out.extend_from_slice(b",\"index\":{");
    // The fields' tries are keyed by name in a sorted map.
    let mut fields: Vec<usize> = (0..FIELDS.len()).collect();
    fields.sort_by_key(|&f| FIELDS[f]);
    for (n, &f) in fields.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_script_json(&mut out, FIELDS[f]);
        out.extend_from_slice(b":{\"root\":");
        trie(f, &mut out);
        out.push(b'}');
    }
    out.extend_from_slice(b"},\"documentStore\":{\"save\":false,\"docs\":{");
    for (n, r) in ranked.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(format!("\"{r}\":{{}}").as_bytes());
    }
    out.extend_from_slice(b"},\"docInfo\":{");
    for (n, &r) in ranked.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(format!("\"{r}\":{{").as_bytes());
        for (m, &f) in fields.iter().enumerate() {
            if m > 0 {
                out.push(b',');
            }
            let length = lengths[r as usize][f];
            out.extend_from_slice(format!("\"{}\":{length}", FIELDS[f]).as_bytes());
        }
        out.push(b'}');
    }
    out.extend_from_slice(format!("}},\"length\":{}}},\"lang\":", ranked.len()).as_bytes());
    write_script_json(&mut out, &language.name());
    out.extend_from_slice(b"},\"store\":");
    write_script_json(&mut out, store);
    out.extend_from_slice(b"};\n");
    out
}

/// Appends `value` as JSON that is safe in a script: see [`ScriptFormatter`].
pub(super) fn write_script_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
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
pub(super) struct ScriptFormatter;

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
