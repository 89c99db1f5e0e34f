//! Commit trailers, as `git interpret-trailers` reads them: the last paragraph of the message,
//! when every line of it is `Key: value` (continuation lines start with white space). Keys are
//! compared case-insensitively; GitLab's and Gerrit's merge templates write them this way.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trailer {
    pub key: String,
    pub value: String,
}

impl Trailer {
    pub fn is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

/// A `Name <email>` value split in two (either part may be empty).
pub fn person(value: &str) -> (String, String) {
    match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => (
            value[..open].trim().to_string(),
            value[open + 1..close].trim().to_string(),
        ),
        _ if value.contains('@') && !value.contains(' ') => {
            (String::new(), value.trim().to_string())
        }
        _ => (value.trim().to_string(), String::new()),
    }
}

fn is_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The trailers of a commit message (none when its last paragraph is not a trailer block).
pub fn parse(message: &str) -> Vec<Trailer> {
    let message = message.replace("\r\n", "\n");
    // Everything after a `---` line or a scissors line is not part of the message proper.
    let body = message.split("\n---\n").next().unwrap_or("");
    let paragraphs: Vec<&str> = body
        .trim_end()
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    // The summary alone is never a trailer block.
    if paragraphs.len() < 2 {
        return Vec::new();
    }
    let last = paragraphs[paragraphs.len() - 1];
    let mut trailers: Vec<Trailer> = Vec::new();
    for line in last.lines() {
        if line.starts_with([' ', '\t']) {
            match trailers.last_mut() {
                Some(t) => {
                    t.value.push(' ');
                    t.value.push_str(line.trim());
                    continue;
                }
                None => return Vec::new(),
            }
        }
        match line.split_once(':') {
            Some((key, value)) if is_key(key.trim_end()) => trailers.push(Trailer {
                key: key.trim_end().to_string(),
                value: value.trim().to_string(),
            }),
            _ => return Vec::new(),
        }
    }
    trailers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_paragraph_only() {
        let t = parse(
            "Approve POL-1\n\nBody text: with a colon\n\nApproved-by: Jane Doe <jane@example.com>\nreviewed-by: Bob <bob@example.com>\n",
        );
        assert_eq!(t.len(), 2);
        assert!(t[1].is("Reviewed-By"));
        assert_eq!(
            person(&t[0].value),
            ("Jane Doe".into(), "jane@example.com".into())
        );
    }

    #[test]
    fn not_a_trailer_block() {
        assert!(parse("Summary: looks like a trailer").is_empty());
        assert!(parse("Summary\n\nJust prose here.\nApproved-by: x").is_empty());
    }

    #[test]
    fn continuation_lines() {
        let t = parse("S\n\nApproved-by: Jane\n  Doe <jane@example.com>");
        assert_eq!(t[0].value, "Jane Doe <jane@example.com>");
    }
}
