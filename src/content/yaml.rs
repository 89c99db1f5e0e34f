//! A YAML tree that remembers where every node was written, built from yaml-rust2's marked
//! event parser. We do not use a loader that expands aliases by copying: a "billion laughs"
//! document would exhaust memory. Aliases are expanded here against a node budget instead.

use crate::diagnostic::Pos;
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Most nodes a front matter may expand to (aliases included). Real front matter has hundreds.
pub const NODE_BUDGET: usize = 100_000;
/// Deepest nesting accepted; deeper documents are hostile or broken.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// A scalar's text, and whether it was quoted (a quoted `"1.0"` is always a string).
    Scalar(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

impl Node {
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Scalar(..) => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub message: String,
    pub pos: Pos,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        pos: Pos,
        anchor: usize,
    },
}

/// Parses one YAML document. `line_offset` is added to every line so that positions are those
/// of the whole file, not of the front-matter block.
pub fn parse(text: &str, line_offset: usize) -> Result<Node, YamlError> {
    let to_pos = |m: &Marker| Pos::new(m.line() + line_offset, m.col() + 1);
    let mut parser = Parser::new_from_str(text);
    let mut tree = Tree {
        stack: Vec::new(),
        anchors: HashMap::new(),
        budget: NODE_BUDGET,
        root: None,
    };
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            message: e.info().to_string(),
            pos: to_pos(e.marker()),
        })?;
        let pos = to_pos(&mark);
        let complete: Option<(Node, usize)> = match event {
            Event::StreamEnd => break,
            Event::DocumentEnd => {
                if tree.root.is_some() {
                    break;
                }
                None
            }
            Event::Nothing | Event::StreamStart | Event::DocumentStart => None,
            Event::Scalar(text, style, anchor, tag) => {
                Some((scalar(text, style, tag.is_some(), pos), anchor))
            }
            Event::Alias(id) => Some((tree.alias(id, pos)?, 0)),
            Event::SequenceStart(anchor, _) => {
                let frame = Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                };
                tree.open(frame, pos)?;
                None
            }
            Event::MappingStart(anchor, _) => {
                let frame = Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    pos,
                    anchor,
                };
                tree.open(frame, pos)?;
                None
            }
            Event::SequenceEnd => Some(tree.close_seq(pos)?),
            Event::MappingEnd => Some(tree.close_map(pos)?),
        };
        if let Some((node, anchor)) = complete {
            tree.attach(node, anchor, pos)?;
        }
    }
    Ok(tree.root.unwrap_or(Node {
        value: Value::Null,
        pos: Pos::new(line_offset + 1, 1),
    }))
}

/// A scalar event's node: a plain, untagged empty, `~` or `null` is YAML's null.
fn scalar(text: String, style: TScalarStyle, tagged: bool, pos: Pos) -> Node {
    let quoted = style != TScalarStyle::Plain;
    let is_null =
        !quoted && !tagged && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL");
    let value = if is_null {
        Value::Null
    } else {
        Value::Scalar(text, quoted)
    };
    Node { value, pos }
}

/// The tree `parse` builds from the parser's events.
struct Tree {
    /// The sequences and mappings open, innermost last.
    stack: Vec<Frame>,
    /// The nodes anchored so far, by anchor id.
    anchors: HashMap<usize, Node>,
    /// How many more nodes the document may expand to.
    budget: usize,
    root: Option<Node>,
}

impl Tree {
    /// The anchored node an alias refers to, a copy charged to the node budget.
    fn alias(&mut self, id: usize, pos: Pos) -> Result<Node, YamlError> {
        let node = self.anchors.get(&id).cloned().ok_or_else(|| YamlError {
            message: "alias refers to an unknown anchor".into(),
            pos,
        })?;
        let size = count_nodes(&node);
        if size > self.budget {
            return Err(YamlError {
                message: format!(
                    "aliases expand to more than {NODE_BUDGET} nodes (a \"billion laughs\" document?)"
                ),
                pos,
            });
        }
        self.budget -= size;
        Ok(node)
    }

    /// Opens a sequence or mapping, unless that nests deeper than `MAX_DEPTH`.
    fn open(&mut self, frame: Frame, pos: Pos) -> Result<(), YamlError> {
        push(&mut self.stack, pos)?;
        self.stack.push(frame);
        Ok(())
    }

    /// Closes the innermost sequence: its node and anchor.
    fn close_seq(&mut self, pos: Pos) -> Result<(Node, usize), YamlError> {
        match self.stack.pop() {
            Some(Frame::Seq { items, pos, anchor }) => Ok((
                Node {
                    value: Value::Seq(items),
                    pos,
                },
                anchor,
            )),
            _ => Err(YamlError {
                message: "unbalanced sequence".into(),
                pos,
            }),
        }
    }

    /// Closes the innermost mapping: its node and anchor.
    fn close_map(&mut self, pos: Pos) -> Result<(Node, usize), YamlError> {
        match self.stack.pop() {
            Some(Frame::Map {
                entries,
                pos,
                anchor,
                ..
            }) => Ok((
                Node {
                    // A block mapping's start marker sits at its first `:`; where the
                    // first key was written is what a reader looks for.
                    pos: entries.first().map_or(pos, |(k, _)| k.pos),
                    value: Value::Map(entries),
                },
                anchor,
            )),
            _ => Err(YamlError {
                message: "unbalanced mapping".into(),
                pos,
            }),
        }
    }

    /// Charges a complete node to the budget, records its anchor and places it: as the root,
    /// an item of the open sequence, or a key (never a duplicate) or value of the open mapping.
    fn attach(&mut self, node: Node, anchor: usize, pos: Pos) -> Result<(), YamlError> {
        self.budget = self.budget.checked_sub(1).ok_or_else(|| YamlError {
            message: format!("front matter has more than {NODE_BUDGET} nodes"),
            pos,
        })?;
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    if let Some(k) = node.as_str()
                        && entries.iter().any(|(e, _)| e.as_str() == Some(k))
                    {
                        return Err(YamlError {
                            message: format!("duplicate key `{k}`"),
                            pos: node.pos,
                        });
                    }
                    *key = Some(node);
                }
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }
}

fn push(stack: &mut [Frame], pos: Pos) -> Result<(), YamlError> {
    if stack.len() >= MAX_DEPTH {
        return Err(YamlError {
            message: format!("nesting deeper than {MAX_DEPTH} levels"),
            pos,
        });
    }
    Ok(())
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| count_nodes(k) + count_nodes(v))
            .sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_offset() {
        let node = parse("id: POL-1\nowner: CISO\n", 1).unwrap();
        let Value::Map(entries) = node.value else {
            panic!()
        };
        assert_eq!(entries[1].0.pos, Pos::new(3, 1));
        assert_eq!(entries[1].1.pos, Pos::new(3, 8));
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&doc, 0).unwrap_err();
        assert!(err.message.contains("billion laughs"), "{err:?}");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse("id: a\nid: b\n", 0).unwrap_err();
        assert_eq!(err.pos, Pos::new(2, 1));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let doc = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&doc, 0).is_err());
    }
}
