//! The search index kept between rebuilds and updated per document (what `incremental` does
//! after an edit): the same bytes as `index_script` writes from scratch, from a copy of the
//! inverted index that can take a document out again.
//!
//! elasticlunr's index is, per field, a trie of the terms: each node lists the documents (by
//! reference) whose field has the term ending there, with the term's frequency. A document's
//! reference is its position in page order, so an edit that keeps the set of pages keeps every
//! reference; only the terms whose count in the edited document changed are touched. The JSON
//! of each subtree below `CACHE_DEPTH` characters is kept until a term in it changes, so the
//! script is mostly copied, not written again. Another set of pages builds the index anew.

use super::Entry;
use super::language::Prepared;
use super::script::{FIELDS, ScriptFormatter, write_script_json};
use crate::render::memo::PageKey;
use crate::site::Site;
use elasticlunr::lang::Language;
use rayon::prelude::*;
use serde_json::ser::Formatter;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The depth (in characters) of the subtrees whose JSON is kept.
const CACHE_DEPTH: usize = 2;

#[derive(Default)]
struct Node {
    /// (reference, count of the term in the document's field), in the order of the references
    /// as strings (elasticlunr keeps them in a `BTreeMap<String, _>`).
    docs: Vec<(u32, u32)>,
    children: BTreeMap<char, Node>,
    /// The subtree's JSON while nothing in it changed (at `CACHE_DEPTH` only).
    cache: Option<Vec<u8>>,
}

/// The published documents' search index, updatable per document.
pub struct SearchIndex {
    language: Prepared,
    /// Each reference's page, and the reference of each page.
    urls: Vec<String>,
    refs: HashMap<String, u32>,
    /// Each reference's position among the references ordered as strings, and the
    /// references in that order.
    rank: Vec<u32>,
    ranked: Vec<u32>,
    /// What each reference's entry was made from (see `fingerprint`).
    fingerprints: Vec<String>,
    /// Each reference's entry as the index holds it: its terms are those to take out when it
    /// changes (finding them in the tries instead meant visiting every node of every field's
    /// trie: about 5 ms of CPU per edit on the large corpus, against under 1 ms now).
    entries: Vec<Option<Entry>>,
    /// Each reference's number of terms per field (`FIELDS` order).
    lengths: Vec<[usize; FIELDS.len()]>,
    /// One trie per field (`FIELDS` order).
    tries: Vec<Node>,
    store: Map<String, Value>,
}

fn fingerprint(e: &Entry) -> String {
    let mut key = PageKey::new(b"search-entry", "", "");
    key.bytes(e.url.as_bytes())
        .bytes(e.id.as_bytes())
        .bytes(e.title.as_bytes())
        .bytes(e.doc_type.as_bytes())
        .bytes(e.status.as_bytes())
        .bytes(e.text.as_bytes());
    key.finish()
}

impl SearchIndex {
    /// The index of the site's published documents.
    pub fn new(site: &Site) -> SearchIndex {
        SearchIndex::of(super::entries(site))
    }

    fn of(entries: Vec<Entry>) -> SearchIndex {
        let n = entries.len();
        let ranked = super::script::in_string_order(n);
        let mut rank = vec![0; n];
        for (position, &r) in ranked.iter().enumerate() {
            rank[r as usize] = position as u32;
        }
        let mut index = SearchIndex {
            language: Prepared::new(),
            urls: entries.iter().map(|e| e.url.clone()).collect(),
            refs: (entries.iter().enumerate())
                .map(|(r, e)| (e.url.clone(), r as u32))
                .collect(),
            rank,
            ranked,
            fingerprints: vec![String::new(); n],
            entries: vec![None; n],
            lengths: vec![[0; FIELDS.len()]; n],
            tries: (0..FIELDS.len()).map(|_| Node::default()).collect(),
            store: Map::new(),
        };
        for (r, e) in entries.iter().enumerate() {
            index.replace(r as u32, e);
        }
        index
    }

    /// Brings the index up to date with `site`: the published documents whose files are in
    /// `changed` (every one when `None`) are compared with what the index holds, and those
    /// that differ replaced. When the pages are not the same ones, it is built anew.
    pub fn update(&mut self, site: &Site, changed: Option<&BTreeSet<String>>) {
        let published: Vec<&crate::content::Document> = site.published().collect();
        let same_pages = published.len() == self.urls.len()
            && published
                .iter()
                .all(|d| self.refs.contains_key(&super::doc_page(d)));
        if !same_pages {
            *self = SearchIndex::new(site);
            return;
        }
        let entries: Vec<Entry> = published
            .par_iter()
            .filter(|d| changed.is_none_or(|c| c.contains(&d.file)))
            .filter_map(|d| super::entry(d))
            .collect();
        for e in entries {
            let r = self.refs[&e.url];
            if self.fingerprints[r as usize] != fingerprint(&e) {
                self.replace(r, &e);
            }
        }
    }

    /// What the index is made of, as its page's key: equal keys, equal scripts.
    pub fn key(&self) -> String {
        let mut key = PageKey::new(b"search-index", env!("CARGO_PKG_VERSION"), super::FILE);
        for f in &self.fingerprints {
            key.bytes(f.as_bytes());
        }
        key.finish()
    }

    /// Makes `e` the document of reference `r`, touching only the terms whose counts changed.
    fn replace(&mut self, r: u32, e: &Entry) {
        let rank = self.rank[r as usize];
        for (field, value) in e.values().iter().enumerate() {
            // As elasticlunr's `add_doc`: the field's length counts every term, the trie
            // takes the non-empty ones with their counts.
            let tokens = self.language.tokenize(value);
            self.lengths[r as usize][field] = tokens.len();
            let now = counts(tokens);
            let before = match &self.entries[r as usize] {
                Some(old) => counts(self.language.tokenize(old.values()[field])),
                None => BTreeMap::new(),
            };
            let trie = &mut self.tries[field];
            for token in before.keys() {
                if !now.contains_key(token) {
                    let chars: Vec<char> = token.chars().collect();
                    remove(trie, &chars, 0, &self.rank, r);
                }
            }
            for (token, count) in now {
                if before.get(&token) != Some(&count) {
                    let chars: Vec<char> = token.chars().collect();
                    set(trie, &chars, &self.rank, rank, r, count);
                }
            }
        }
        self.fingerprints[r as usize] = fingerprint(e);
        self.entries[r as usize] = Some(e.clone());
        self.store.insert(r.to_string(), e.stored());
    }

    /// The index script, as `index_script` writes it.
    pub fn script(&mut self) -> Vec<u8> {
        let tries = &mut self.tries;
        super::script::frame(
            &self.language,
            &self.ranked,
            &self.lengths,
            &self.store,
            |field, out| write_node(&mut tries[field], 0, out),
        )
    }
}

/// The non-empty terms of `tokens` with their counts (elasticlunr's `add_doc` counts every
/// term toward the field's length; its tries take the non-empty ones).
fn counts(tokens: Vec<String>) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for token in tokens.into_iter().filter(|t| !t.is_empty()) {
        *counts.entry(token).or_insert(0) += 1;
    }
    counts
}

/// Sets the count of reference `r` (at `rank`) for the term `chars[depth..]` below `node`.
fn set(node: &mut Node, chars: &[char], ranks: &[u32], rank: u32, r: u32, count: u32) {
    let mut node = node;
    for (depth, c) in chars.iter().enumerate() {
        node = node.children.entry(*c).or_default();
        if depth + 1 == CACHE_DEPTH {
            node.cache = None;
        }
    }
    match node
        .docs
        .binary_search_by_key(&rank, |(d, _)| ranks[*d as usize])
    {
        Ok(at) => node.docs[at].1 = count,
        Err(at) => node.docs.insert(at, (r, count)),
    }
}

/// Takes reference `r` out of the term `chars[depth..]` below `node`, and the nodes left with
/// neither documents nor children (elasticlunr never made them); whether `node` is empty.
fn remove(node: &mut Node, chars: &[char], depth: usize, ranks: &[u32], r: u32) -> bool {
    if depth == CACHE_DEPTH {
        node.cache = None;
    }
    match chars.get(depth) {
        None => {
            let rank = ranks[r as usize];
            if let Ok(at) = node
                .docs
                .binary_search_by_key(&rank, |(d, _)| ranks[*d as usize])
            {
                node.docs.remove(at);
            }
        }
        Some(c) => {
            if let Some(child) = node.children.get_mut(c)
                && remove(child, chars, depth + 1, ranks, r)
            {
                node.children.remove(c);
            }
        }
    }
    node.docs.is_empty() && node.children.is_empty()
}

/// A trie node's JSON as elasticlunr's `IndexItem` serialises (documents, frequency, then
/// the children by character), numbers as `ScriptFormatter` writes them.
fn write_node(node: &mut Node, depth: usize, out: &mut Vec<u8>) {
    if depth == CACHE_DEPTH {
        if let Some(cache) = &node.cache {
            out.extend_from_slice(cache);
            return;
        }
        let mut own = Vec::new();
        write_fresh(node, depth, &mut own);
        out.extend_from_slice(&own);
        node.cache = Some(own);
        return;
    }
    write_fresh(node, depth, out);
}

fn write_fresh(node: &mut Node, depth: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"docs\":{");
    for (n, (r, count)) in node.docs.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(format!("\"{r}\":{{\"tf\":").as_bytes());
        ScriptFormatter
            .write_f64(out, f64::from(*count).sqrt())
            .expect("writing to memory succeeds");
        out.push(b'}');
    }
    out.extend_from_slice(format!("}},\"df\":{}", node.docs.len()).as_bytes());
    let mut buf = [0u8; 4];
    for (c, child) in &mut node.children {
        out.push(b',');
        write_script_json(out, &*c.encode_utf8(&mut buf));
        out.push(b':');
        write_node(child, depth + 1, out);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str, title: &str, text: &str) -> Entry {
        Entry {
            url: url.into(),
            id: format!("ID-{}", url.len()),
            title: title.into(),
            doc_type: "policy".into(),
            status: "approved".into(),
            text: text.into(),
        }
    }

    #[test]
    fn updated_per_document_it_writes_what_a_fresh_build_writes() {
        let words = [
            "access", "review", "reviews", "<b>&", "x-ray", "back-up", "the", "é", "a", "ab",
            "abc", "abcd", "backups", "42", "\u{2028}", "",
        ];
        let text = |seed: usize, n: usize| -> String {
            (0..n)
                .map(|i| words[(seed * 7 + i * i * 3 + i) % words.len()])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut entries: Vec<Entry> = (0..12)
            .map(|i| {
                entry(
                    &format!("docs/{i:02}.html"),
                    &text(i, 3),
                    &text(i + 1, 5 + i * 3),
                )
            })
            .collect();
        let mut index = SearchIndex::of(entries.clone());
        assert_eq!(index.script(), super::super::script_of(&entries));
        for step in 0..30 {
            let r = (step * 5) % entries.len();
            entries[r].text = if step % 4 == 0 {
                String::new()
            } else {
                text(step + 3, step % 9)
            };
            entries[r].title = text(step, step % 3);
            index.replace(r as u32, &entries[r].clone());
            assert_eq!(
                String::from_utf8(index.script()).unwrap(),
                String::from_utf8(super::super::script_of(&entries)).unwrap(),
                "after step {step}"
            );
        }
    }
}
