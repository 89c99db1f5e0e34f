//! Typed, positioned reads from a front-matter mapping. Every read records the key as known, so
//! `finish` can warn about keys nobody reads (with a "did you mean"); every failed read becomes a
//! `missing-field` or `invalid-field` diagnostic pointing at the offending value.

use super::yaml::{Node, Value};
use crate::dates::{self, Interval};
use crate::diagnostic::{Code, Diagnostic, Pos, Spanned};
use jiff::civil::Date;
use std::cell::RefCell;

/// Where diagnostics of one document go.
pub struct Sink<'a> {
    pub file: &'a str,
    pub doc_id: RefCell<Option<String>>,
    pub diagnostics: RefCell<Vec<Diagnostic>>,
}

impl<'a> Sink<'a> {
    pub fn new(file: &'a str) -> Self {
        Sink {
            file,
            doc_id: RefCell::new(None),
            diagnostics: RefCell::new(Vec::new()),
        }
    }

    pub fn report(&self, diagnostic: Diagnostic) {
        let id = self.doc_id.borrow();
        self.diagnostics
            .borrow_mut()
            .push(diagnostic.in_file(self.file).doc(id.as_deref()));
    }

    pub fn at(&self, code: Code, pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, message).at(self.file, pos)
    }
}

/// A mapping being read. `path` names it in messages (`approvals[1]`); empty at the top.
pub struct Fields<'a> {
    entries: &'a [(Node, Node)],
    pos: Pos,
    path: String,
    read: RefCell<Vec<&'static str>>,
    /// Required keys reported missing, with their diagnostic's message: a misspelt key that
    /// `finish` finds takes their place (one error per cause).
    missing: RefCell<Vec<(String, String)>>,
    sink: &'a Sink<'a>,
}

impl<'a> Fields<'a> {
    /// Reads `node` as a mapping; reports `invalid-field` (named `what`) when it is not one.
    pub fn of(node: &'a Node, path: &str, sink: &'a Sink<'a>) -> Option<Fields<'a>> {
        match &node.value {
            Value::Map(entries) => Some(Fields {
                entries,
                pos: node.pos,
                path: path.to_string(),
                read: RefCell::new(Vec::new()),
                missing: RefCell::new(Vec::new()),
                sink,
            }),
            _ => {
                sink.report(
                    sink.at(
                        Code::InvalidField,
                        node.pos,
                        if path.is_empty() {
                            format!(
                                "front matter must be a mapping of fields, found {}",
                                node.kind_name()
                            )
                        } else {
                            format!(
                                "`{path}` must be a mapping of fields, found {}",
                                node.kind_name()
                            )
                        },
                    )
                    .help("write one `key: value` per line"),
                );
                None
            }
        }
    }

    pub fn pos(&self) -> Pos {
        self.pos
    }

    pub fn sink(&self) -> &'a Sink<'a> {
        self.sink
    }

    fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The raw node under `key`, marking the key as read. `null` counts as absent.
    pub fn node(&self, key: &'static str) -> Option<&'a Node> {
        self.read.borrow_mut().push(key);
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    pub fn has(&self, key: &'static str) -> bool {
        self.entries
            .iter()
            .any(|(k, v)| k.as_str() == Some(key) && !v.is_null())
    }

    fn missing(&self, key: &str, help: &str) {
        let where_ = if self.path.is_empty() {
            "front matter".to_string()
        } else {
            format!("`{}`", self.path)
        };
        let message = format!("{where_} has no `{}`", self.name(key));
        self.missing
            .borrow_mut()
            .push((key.to_string(), message.clone()));
        self.sink.report(
            self.sink
                .at(Code::MissingField, self.pos, message)
                .help(help.to_string()),
        );
    }

    pub fn invalid(&self, node: &Node, message: String, help: &str) {
        let width = node.as_str().map_or(1, |s| s.chars().count());
        self.sink.report(
            self.sink
                .at(Code::InvalidField, node.pos, message)
                .width(width)
                .help(help.to_string()),
        );
    }

    /// A string; `required` reports `missing-field` when absent.
    pub fn string(&self, key: &'static str, required: bool, help: &str) -> Option<Spanned<String>> {
        match self.node(key) {
            None => {
                if required {
                    self.missing(key, help);
                }
                None
            }
            Some(node) => match node.as_str() {
                Some(s) => Some(Spanned::new(s.to_string(), node.pos)),
                None => {
                    self.invalid(
                        node,
                        format!(
                            "`{}` must be text, found {}",
                            self.name(key),
                            node.kind_name()
                        ),
                        help,
                    );
                    None
                }
            },
        }
    }

    /// A string that must satisfy `valid`; `expected` describes the format in messages.
    pub fn checked(
        &self,
        key: &'static str,
        required: bool,
        expected: &str,
        valid: impl Fn(&str) -> bool,
    ) -> Option<Spanned<String>> {
        let value = self.string(key, required, expected)?;
        if valid(&value.value) {
            Some(value)
        } else {
            self.invalid(
                self.node(key).expect("just read"),
                format!(
                    "`{}` is `{}`: expected {expected}",
                    self.name(key),
                    value.value
                ),
                expected,
            );
            None
        }
    }

    pub fn date(&self, key: &'static str, required: bool) -> Option<Spanned<Date>> {
        let text = self.string(key, required, "write the date as YYYY-MM-DD")?;
        match dates::parse_date(&text.value) {
            Some(date) => Some(Spanned::new(date, text.pos)),
            None => {
                self.invalid(
                    self.node(key).expect("just read"),
                    format!("`{}` is `{}`, not a date", self.name(key), text.value),
                    "write the date as YYYY-MM-DD, e.g. 2026-03-02",
                );
                None
            }
        }
    }

    pub fn interval(&self, key: &'static str) -> Option<Spanned<Interval>> {
        let text = self.string(key, false, "write an interval such as \"12 months\"")?;
        match Interval::parse(&text.value) {
            Some(i) => Some(Spanned::new(i, text.pos)),
            None => {
                self.invalid(
                    self.node(key).expect("just read"),
                    format!("`{}` is `{}`, not an interval", self.name(key), text.value),
                    "write a number and a unit: \"12 months\", \"1 year\", \"6 weeks\", \"90 days\"",
                );
                None
            }
        }
    }

    pub fn bool(&self, key: &'static str) -> Option<bool> {
        let node = self.node(key)?;
        match node.as_str() {
            Some("true" | "True" | "yes") => Some(true),
            Some("false" | "False" | "no") => Some(false),
            _ => {
                self.invalid(
                    node,
                    format!("`{}` must be true or false", self.name(key)),
                    "write `true` or `false`",
                );
                None
            }
        }
    }

    pub fn integer(&self, key: &'static str, required: bool) -> Option<Spanned<u64>> {
        let text = self.string(key, required, "write a whole number")?;
        match text.value.parse::<u64>() {
            Ok(n) => Some(Spanned::new(n, text.pos)),
            Err(_) => {
                self.invalid(
                    self.node(key).expect("just read"),
                    format!(
                        "`{}` is `{}`, not a whole number",
                        self.name(key),
                        text.value
                    ),
                    "write a whole number such as 120",
                );
                None
            }
        }
    }

    /// The items of a list. A single scalar is accepted as a one-item list, as people write
    /// `audience: all-staff`.
    pub fn list(&self, key: &'static str, required: bool, help: &str) -> Vec<&'a Node> {
        match self.node(key) {
            None => {
                if required {
                    self.missing(key, help);
                }
                Vec::new()
            }
            Some(node) => match &node.value {
                Value::Seq(items) => items.iter().collect(),
                Value::Scalar(..) => vec![node],
                _ => {
                    self.invalid(
                        node,
                        format!(
                            "`{}` must be a list, found {}",
                            self.name(key),
                            node.kind_name()
                        ),
                        help,
                    );
                    Vec::new()
                }
            },
        }
    }

    /// A list of strings; non-string items are reported and skipped.
    pub fn strings(&self, key: &'static str, required: bool, help: &str) -> Vec<Spanned<String>> {
        self.list(key, required, help)
            .into_iter()
            .filter_map(|node| match node.as_str() {
                Some(s) => Some(Spanned::new(s.to_string(), node.pos)),
                None => {
                    self.invalid(
                        node,
                        format!(
                            "items of `{}` must be text, found {}",
                            self.name(key),
                            node.kind_name()
                        ),
                        help,
                    );
                    None
                }
            })
            .collect()
    }

    /// A list of mappings, each read with `read`.
    pub fn records<T>(
        &self,
        key: &'static str,
        required: bool,
        help: &str,
        mut read: impl FnMut(&Fields<'a>) -> Option<T>,
    ) -> Vec<T> {
        let items = self.list(key, required, help);
        let mut out = Vec::new();
        for (i, node) in items.into_iter().enumerate() {
            let path = format!("{}[{i}]", self.name(key));
            if let Some(fields) = Fields::of(node, &path, self.sink)
                && let Some(value) = read(&fields)
            {
                out.push(value);
            }
        }
        out
    }

    /// A nested mapping read with `read`.
    pub fn record<T>(&self, key: &'static str, read: impl FnOnce(&Fields<'a>) -> T) -> Option<T> {
        let node = self.node(key)?;
        let fields = Fields::of(node, &self.name(key), self.sink)?;
        Some(read(&fields))
    }

    /// Warns about every key that no read asked for. Call after all reads.
    pub fn finish(&self) {
        let read = self.read.borrow();
        for (key, _) in self.entries {
            let Some(name) = key.as_str() else {
                self.sink.report(
                    self.sink
                        .at(
                            Code::InvalidField,
                            key.pos,
                            "front-matter keys must be text",
                        )
                        .help("write `name: value`"),
                );
                continue;
            };
            if read.contains(&name) {
                continue;
            }
            let mut diagnostic = self
                .sink
                .at(
                    Code::UnknownField,
                    key.pos,
                    format!("unknown field `{}`", self.name(name)),
                )
                .width(name.chars().count());
            diagnostic = match crate::diagnostic::did_you_mean(name, read.iter().copied()) {
                Some(best) => {
                    // The misspelling is why a required field is missing: one error, here.
                    let missing = self
                        .missing
                        .borrow()
                        .iter()
                        .find(|(key, _)| key == best)
                        .map(|(_, message)| message.clone());
                    if let Some(message) = missing {
                        self.sink.diagnostics.borrow_mut().retain(|d| {
                            !(d.code == Code::MissingField.as_str() && d.message == message)
                        });
                        diagnostic.severity = crate::diagnostic::Severity::Error;
                        diagnostic.message = format!(
                            "unknown field `{}`: did you mean `{}`? (`{}` is required)",
                            self.name(name),
                            self.name(best),
                            self.name(best)
                        );
                        diagnostic.help(format!("rename `{name}` to `{best}`"))
                    } else {
                        diagnostic.help(format!("did you mean `{best}`?"))
                    }
                }
                None => diagnostic.help(format!("known fields here: {}", sorted(&read).join(", "))),
            };
            self.sink.report(diagnostic);
        }
    }
}

fn sorted(keys: &[&'static str]) -> Vec<&'static str> {
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    keys.dedup();
    keys
}
