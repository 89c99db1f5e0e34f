//! The approval written into a document's front matter, keeping every other line as it was:
//! the approval appended to `approvals`, `status: approved`, `effective` no earlier than it.

use super::error::ApproveError;
use crate::content::Document;
use crate::content::front_matter;
use crate::content::yaml::Value;

/// The document's text with the approval recorded: the approval appended to `approvals`
/// (replacing them when the version was not approved yet: approvals are per version),
/// `status: approved`, and `effective` no earlier than the approval.
pub fn with_approval(
    doc: &Document,
    role: &str,
    name: &str,
    date: jiff::civil::Date,
    already_approved: bool,
) -> Result<String, ApproveError> {
    let source = doc.source.as_str();
    let refused = |why: &str| ApproveError::Refused(why.to_string());
    let split =
        front_matter::split(source).map_err(|_| refused("the front matter cannot be read"))?;
    let node = split
        .matter
        .map_err(|_| refused("the front matter does not parse"))?;
    let Value::Map(entries) = &node.value else {
        return Err(refused("the front matter is not a mapping"));
    };
    let newline = if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut lines: Vec<String> = source.split_inclusive('\n').map(str::to_string).collect();
    // 0-based index of the closing `---` line.
    let closing = source[..split.body_offset].matches('\n').count() - 1;
    let mut keys: Vec<(String, usize)> = entries
        .iter()
        .filter_map(|(k, _)| Some((k.as_str()?.to_string(), k.pos.line - 1)))
        .collect();
    keys.sort_by_key(|k| k.1);
    let block = |key: &str| -> Option<(usize, usize)> {
        let i = keys.iter().position(|k| k.0 == key)?;
        let start = keys[i].1;
        let end = keys.get(i + 1).map_or(closing, |k| k.1);
        Some((start, end))
    };
    let item = approval_item(&lines, block("approvals"), role, name, date, newline);
    let existing_effective = entries.iter().find_map(|(k, v)| {
        (k.as_str() == Some("effective"))
            .then(|| v.as_str().and_then(crate::dates::parse_date))
            .flatten()
    });

    // Edits from the bottom up, so earlier line numbers stay valid.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    match block("approvals") {
        Some((s, e)) => {
            let keep_items = already_approved && lines[s].trim_end().ends_with(':');
            let mut text = format!("approvals:{newline}");
            if keep_items {
                text.extend(lines[s + 1..e].iter().cloned());
            }
            text.push_str(&item);
            edits.push((s, e, text));
        }
        None => edits.push((closing, closing, format!("approvals:{newline}{item}"))),
    }
    match block("status") {
        Some((s, e)) => edits.push((s, e, format!("status: approved{newline}"))),
        None => edits.push((closing, closing, format!("status: approved{newline}"))),
    }
    if existing_effective.is_none_or(|d| d < date) {
        match block("effective") {
            Some((s, e)) => edits.push((s, e, format!("effective: {date}{newline}"))),
            None => edits.push((closing, closing, format!("effective: {date}{newline}"))),
        }
    }
    edits.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    for (start, end, text) in edits {
        lines.splice(start..end, [text]);
    }
    Ok(lines.concat())
}

/// The approval as an item of `approvals`, indented like the items already there (`block` is
/// the line range of `approvals`, if it exists).
fn approval_item(
    lines: &[String],
    block: Option<(usize, usize)>,
    role: &str,
    name: &str,
    date: jiff::civil::Date,
    newline: &str,
) -> String {
    let item_indent = block
        .and_then(|(s, e)| {
            lines[s + 1..e]
                .iter()
                .find(|l| l.trim_start().starts_with("- "))
                .map(|l| l.len() - l.trim_start().len())
        })
        .unwrap_or(2);
    let pad = " ".repeat(item_indent);
    let quoted = serde_json::to_string(name).expect("strings serialise");
    format!(
        "{pad}- role: {role}{newline}{pad}  name: {quoted}{newline}{pad}  date: {date}{newline}"
    )
}
