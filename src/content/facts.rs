//! What a revision of a document says about itself, read straight from its text: version,
//! status, approvals claimed, and the content hash. Used for every historical revision (blobs)
//! as well as the working copy, so both are computed the same way.

use super::front_matter;
use super::yaml::{Node, Value};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Front-matter fields that record approval and review, not content: changing them does not
/// change the content hash.
pub const BOOKKEEPING: &[&str] = &["version", "status", "approvals", "effective", "review"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub id: Option<String>,
    pub version: Option<String>,
    pub status: Option<String>,
    /// SHA-256 (hex) of the body and the non-bookkeeping front matter, normalised.
    pub content_hash: Option<String>,
    pub approvals: Vec<ClaimedApproval>,
    /// The level this text states for itself: what decides whether its words may be shown.
    pub classification: Classification,
}

/// The classification a text states in its own front matter. A revision is judged by this,
/// not by the document's current level: a declassified document's past keeps its old level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Classification {
    /// No front matter, or one without a `classification` field: the default level.
    #[default]
    Unstated,
    /// The `classification` field as written (checked against the levels by the reader).
    Stated(String),
    /// A front matter that cannot be read (broken YAML, a value that is not text, not UTF-8):
    /// nothing is known of its level, so it is treated as above every threshold.
    Unreadable,
}

impl Facts {
    /// The facts of a text whose front matter exists but cannot be read.
    pub fn unreadable() -> Facts {
        Facts {
            classification: Classification::Unreadable,
            ..Facts::default()
        }
    }

    /// The version and content hash of a text that is an approved version: its status is
    /// `approved` and it has both.
    pub fn approved_version(&self) -> Option<(&String, &String)> {
        match (&self.status, &self.version, &self.content_hash) {
            (Some(status), Some(version), Some(hash)) if status == "approved" => {
                Some((version, hash))
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedApproval {
    pub role: String,
    pub name: String,
    pub date: String,
    /// `meaning:` of the entry, if written.
    pub meaning: Option<String>,
}

fn to_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Scalar(s, _) => serde_json::Value::String(s.clone()),
        Value::Seq(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => {
            let sorted: BTreeMap<String, serde_json::Value> = entries
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or("").to_string(), to_json(v)))
                .collect();
            serde_json::Value::Object(sorted.into_iter().collect())
        }
    }
}

fn field<'a>(entries: impl IntoIterator<Item = &'a (Node, Node)>, key: &str) -> Option<&'a Node> {
    entries
        .into_iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// Reads the facts of a document's text. Text without readable front matter has none.
pub fn read(source: &str) -> Facts {
    Reader::default().read(source)
}

/// What a front matter says, and the content hash begun: the non-bookkeeping fields, as JSON
/// text, already hashed. A `Reader` keeps one per distinct front matter for the whole facts
/// pass: the hasher's state is about half the JSON's size on the large benchmark (112 bytes
/// against 212 on average), and each revision then hashes its body alone.
#[derive(Clone, Debug)]
struct MatterFacts {
    id: Option<String>,
    version: Option<String>,
    status: Option<String>,
    approvals: Vec<ClaimedApproval>,
    classification: Classification,
    content: Sha256,
}

// Only the tests compare them (the reader against a whole parse); a hash state compares by its
// digest.
#[cfg(test)]
impl PartialEq for MatterFacts {
    fn eq(&self, other: &MatterFacts) -> bool {
        self.id == other.id
            && self.version == other.version
            && self.status == other.status
            && self.approvals == other.approvals
            && self.classification == other.classification
            && self.content.clone().finalize() == other.content.clone().finalize()
    }
}

/// Reads facts of many texts, parsing each distinct front matter once. Most revisions of a
/// document change its body and leave the front matter as it was (or as another revision
/// had it), and the YAML parse was most of the cost of reading a revision's facts.
///
/// Distinct front matters are still many (13,321 among the 31,614 revisions of the
/// 2,000-document benchmark): a new version or review date makes a new one. Their top-level
/// entries are far fewer to parse, and far shorter, so a front matter in the plain block style
/// is parsed entry by entry, each distinct entry once (see [`top_level_entries`]).
#[derive(Default)]
pub struct Reader {
    /// By the raw text between the delimiters; `None`: that text has no usable front matter.
    seen: FxHashMap<Box<str>, Option<MatterFacts>>,
    /// Top-level entries by their text; `None`: the entry is not a single `key: value`.
    entries: FxHashMap<Box<str>, Option<(Node, Node)>>,
}

impl Reader {
    pub fn read(&mut self, source: &str) -> Facts {
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        let (matter, body_offset) = match front_matter::matter_text(source) {
            Ok(found) => found,
            Err(front_matter::SplitError::Missing) => return Facts::default(),
            Err(front_matter::SplitError::Unclosed) => return Facts::unreadable(),
        };
        if !self.seen.contains_key(matter) {
            let found = self
                .by_entries(matter)
                .unwrap_or_else(|| matter_facts(source));
            self.seen.insert(matter.into(), found);
        }
        match &self.seen[matter] {
            Some(m) => with_body(m, source, body_offset),
            None => Facts::unreadable(),
        }
    }

    /// What [`matter_facts`] finds in a front matter whose text (between the delimiters) is
    /// `matter`, read entry by entry; `None` when it cannot be read that way (then the whole
    /// text is parsed, and any error is found there).
    fn by_entries(&mut self, matter: &str) -> Option<Option<MatterFacts>> {
        if matter.contains('\r') {
            return None;
        }
        let parts = top_level_entries(matter.trim())?;
        for part in &parts {
            if !self.entries.contains_key(*part) {
                let entry = match super::yaml::parse(part, 0) {
                    Ok(Node {
                        value: Value::Map(mut one),
                        ..
                    }) if one.len() == 1 => one.pop(),
                    _ => None,
                };
                self.entries.insert((*part).into(), entry);
            }
        }
        let mut entries: Vec<&(Node, Node)> = Vec::with_capacity(parts.len());
        for part in parts {
            let entry = self.entries[part].as_ref()?;
            // A key given twice is an error of the whole front matter: parse it whole.
            let key = entry.0.as_str()?;
            if entries.iter().any(|(k, _)| k.as_str() == Some(key)) {
                return None;
            }
            entries.push(entry);
        }
        Some(Some(of_entries(&entries)))
    }
}

/// The top-level entries of a (trimmed, non-empty) front matter written in the plain block
/// style: each entry's text is its key's line and the lines under it, up to the next line that
/// starts at the left margin. Such an entry means the same alone as in the whole text. `None`
/// for any text where that may not hold: anchors and aliases (`&`, `*`), tags (`!`),
/// directives (`%`), complex keys (`?`), tabs, and lines at the margin that start a comment,
/// a quoted key, a flow collection, a block scalar or a document marker.
fn top_level_entries(matter: &str) -> Option<Vec<&str>> {
    if matter.is_empty() || matter.contains(['&', '*', '!', '%', '?', '\t']) {
        return None;
    }
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in matter.split_inclusive('\n') {
        match line.chars().next() {
            // Under the current entry: indented, a sequence at the margin, or blank.
            Some(' ' | '\n') => {}
            Some('-') if !line.starts_with("---") => {}
            Some(c) if c.is_alphanumeric() || c == '_' => starts.push(offset),
            _ => return None,
        }
        offset += line.len();
    }
    // The text must start with an entry (a sequence or indented text first is something else).
    if starts.first() != Some(&0) {
        return None;
    }
    let ends = starts.iter().skip(1).copied().chain([matter.len()]);
    Some(
        starts
            .iter()
            .zip(ends)
            .map(|(&start, end)| &matter[start..end])
            .collect(),
    )
}

/// The facts of a text whose front matter was already parsed (`matter`), its body starting
/// at `body_offset`: what [`read`] returns for the same text, without parsing it again.
pub fn of_parsed(matter: &Node, source: &str, body_offset: usize) -> Facts {
    of_node(matter).map_or_else(Facts::unreadable, |m| with_body(&m, source, body_offset))
}

/// Completes the facts of a front matter with the hash of the body that follows it.
fn with_body(m: &MatterFacts, source: &str, body_offset: usize) -> Facts {
    let mut hasher = m.content.clone();
    // The body with CRLF line endings read as LF, hashed piece by piece (no copy).
    let mut body = &source.as_bytes()[body_offset..];
    while let Some(at) = memchr::memmem::find(body, b"\r\n") {
        hasher.update(&body[..at]);
        body = &body[at + 1..];
    }
    hasher.update(body);
    let digest = hasher.finalize();
    Facts {
        id: m.id.clone(),
        version: m.version.clone(),
        status: m.status.clone(),
        content_hash: Some(crate::hex::lower(&digest)),
        approvals: m.approvals.clone(),
        classification: m.classification.clone(),
    }
}

/// Parses the front matter of `source` (BOM removed) into what facts need.
fn matter_facts(source: &str) -> Option<MatterFacts> {
    let split = front_matter::split(source).ok()?;
    of_node(&split.matter.ok()?)
}

/// What a parsed front matter says.
fn of_node(node: &Node) -> Option<MatterFacts> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    Some(of_entries(&entries.iter().collect::<Vec<_>>()))
}

/// What the top-level entries of a front matter say.
fn of_entries(entries: &[&(Node, Node)]) -> MatterFacts {
    let top = |key: &str| field(entries.iter().copied(), key);
    let text = |key: &str| top(key).and_then(Node::as_str).map(str::to_string);
    let approvals = match top("approvals").map(|n| &n.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|item| match &item.value {
                Value::Map(e) => Some(ClaimedApproval {
                    role: field(e, "role")?.as_str()?.to_string(),
                    name: field(e, "name")?.as_str()?.to_string(),
                    date: field(e, "date")?.as_str()?.to_string(),
                    meaning: field(e, "meaning")
                        .and_then(Node::as_str)
                        .map(str::to_string),
                }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let content: BTreeMap<String, serde_json::Value> = entries
        .iter()
        .filter_map(|(k, v)| {
            let key = k.as_str()?;
            (!BOOKKEEPING.contains(&key)).then(|| (key.to_string(), to_json(v)))
        })
        .collect();
    let classification = match top("classification") {
        None => Classification::Unstated,
        Some(node) => node.as_str().map_or(Classification::Unreadable, |level| {
            Classification::Stated(level.to_string())
        }),
    };
    MatterFacts {
        classification,
        id: text("id"),
        version: text("version"),
        status: text("status"),
        approvals,
        content: {
            let mut hasher = Sha256::new();
            hasher.update(serde_json::to_string(&content).expect("json").as_bytes());
            hasher.update(b"\n");
            hasher
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that has seen a front matter before gives what a first reading gives.
    #[test]
    fn a_remembered_front_matter_reads_the_same() {
        let texts = [
            "---\nid: A\ntitle: T\nversion: \"1.0\"\n---\nBody one\n",
            "---\nid: A\ntitle: T\nversion: \"1.0\"\n---\nBody two\r\n",
            "---  \nid: A\ntitle: T\nversion: \"1.0\"\n---\nBody one\n",
            "---\nid: A\ntitle: T\nversion: \"1.1\"\n---\nBody one\n",
            "---\nid: [unclosed\n---\nBody\n",
            "---\nid: [unclosed\n---\nOther body\n",
            "\u{feff}---\nid: A\ntitle: T\nversion: \"1.0\"\n---\nBody one\n",
            "no front matter",
        ];
        let mut reader = Reader::default();
        for round in 0..2 {
            for text in texts {
                assert_eq!(reader.read(text), read(text), "round {round}: {text:?}");
            }
        }
        // Loading a document parses its front matter with `front_matter::split` and takes
        // the facts from that: the same facts.
        for text in texts {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let loaded = match front_matter::split(text) {
                Ok(front_matter::Split {
                    matter: Ok(node),
                    body_offset,
                }) => of_parsed(&node, text, body_offset),
                Err(front_matter::SplitError::Missing) => Facts::default(),
                _ => Facts::unreadable(),
            };
            assert_eq!(loaded, read(text), "{text:?}");
        }
        assert_ne!(read(texts[0]).content_hash, read(texts[1]).content_hash);
        assert_eq!(read(texts[0]).content_hash, read(texts[2]).content_hash);
    }

    /// Read entry by entry or whole, a front matter gives the same facts; what cannot be read
    /// entry by entry is read whole.
    #[test]
    fn entry_by_entry_reads_as_whole() {
        let matters = [
            "id: POL-1\ntitle: Access control\ntype: policy\nversion: \"1.10\"\nstatus: approved\nreview:\n  interval: \"12 months\"\n  last: 2023-02-19\napprovals:\n  - role: CISO\n    name: Alice Moreau\n    date: 2019-01-01\nclauses: [\"10.1\", \"A.5.1\"]\naudience: [service-desk]\n",
            "id: A\ntitle: >\n  Folded\n  title\nowners:\n- CISO\n- CIO\n\nnotes: |\n  line one\n  line two\n",
            "id: A\ntitle: multi\n  line plain\nversion: 2\n",
            "id: A\nid: B\n",
            "id: A\ntitle: T\n  # an indented comment\n",
            "id: &x A\ntitle: *x\n",
            "id: A\n# comment\ntitle: T\n",
            "\"id\": A\ntitle: T\n",
            "- not\n- a map\n",
            "just text\n",
            "id: A\ntitle: [unclosed\n",
            "id: A\ntitle: {a: 1}\nextra: {b: [1, 2]}\n",
            "id: A\n---\ntitle: T\n",
            "id: A\ntitle: Ratio: 3\n",
            "id: A\ntitle: x\n  bad: indent\n",
            "id: A\nversion: 1.0\nstatus: approved\napprovals:\n  - {role: CEO, name: X, date: 2026-01-01}\n",
        ];
        for matter in matters {
            let text = format!("---\n{matter}---\nBody\n");
            let whole = matter_facts(&text);
            let mut reader = Reader::default();
            if let Some(by_entries) = reader.by_entries(matter) {
                assert_eq!(by_entries, whole, "{matter:?}");
            }
            // And through `read`, which falls back to the whole text.
            let expected = whole.map_or_else(Facts::unreadable, |m| {
                let (_, body_offset) = front_matter::matter_text(&text).unwrap();
                with_body(&m, &text, body_offset)
            });
            assert_eq!(Reader::default().read(&text), expected, "{matter:?}");
        }
        // The plain ones are read entry by entry, the others not.
        let mut reader = Reader::default();
        assert!(reader.by_entries(matters[0]).is_some());
        assert!(reader.by_entries(matters[1]).is_some());
        for odd in [3, 5, 6, 7, 8, 12] {
            assert!(
                reader.by_entries(matters[odd]).is_none(),
                "{:?}",
                matters[odd]
            );
        }
    }

    #[test]
    fn bookkeeping_does_not_change_the_hash() {
        let a = read("---\nid: A\ntitle: T\nversion: \"1.0\"\nstatus: draft\n---\nBody\n");
        let b = read(
            "---\ntitle: T\nid: A\nversion: \"1.1\"\nstatus: approved\neffective: 2026-01-01\napprovals:\n  - {role: CEO, name: X, date: 2026-01-01}\n---\r\nBody\r\n",
        );
        assert_eq!(a.content_hash, b.content_hash);
        assert_eq!(b.approvals.len(), 1);
        let c = read("---\nid: A\ntitle: T2\n---\nBody\n");
        assert_ne!(a.content_hash, c.content_hash);
        let d = read("---\nid: A\ntitle: T\n---\nBody changed\n");
        assert_ne!(a.content_hash, d.content_hash);
    }
}
