//! A communication log entry (SPEC §3, `type: communication`) as `policybook communicate`
//! writes it: its file name, id and text.

use sha2::{Digest, Sha256};

/// What the new entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub doc_id: String,
    pub doc_title: String,
    pub version: String,
    pub date: jiff::civil::Date,
    pub channel: String,
    pub audience: Vec<String>,
    pub sender: String,
    pub body: String,
}

impl Entry {
    /// Eight hex digits of SHA-256 over the sorted audience: distinguishes two entries of the
    /// same day, document, version and channel that reached different groups.
    fn audience_hash(&self) -> String {
        let mut groups = self.audience.clone();
        groups.sort();
        let digest = Sha256::digest(groups.join("\n").as_bytes());
        crate::hex::lower(&digest[..4])
    }

    /// `2026-06-01-pol-001-v1-0-email-1a2b3c4d.md`
    pub fn file_name(&self) -> String {
        format!(
            "{}-{}-v{}-{}-{}.md",
            self.date,
            self.doc_id.to_ascii_lowercase(),
            self.version.replace('.', "-"),
            self.channel,
            self.audience_hash()
        )
    }

    /// `COM-2026-06-01-POL-001-v1-0-email-1a2b3c4d`
    pub fn id(&self) -> String {
        format!(
            "COM-{}-{}-v{}-{}-{}",
            self.date,
            self.doc_id,
            self.version.replace('.', "-"),
            self.channel,
            self.audience_hash()
        )
    }

    /// The file's text: front matter, a blank line, the message.
    pub fn render(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).expect("strings serialize");
        let mut out = String::from("---\n");
        out.push_str(&format!("id: {}\n", self.id()));
        out.push_str(&format!(
            "title: {}\n",
            q(&format!(
                "{} v{}: {} to {}",
                self.doc_title,
                self.version,
                self.channel,
                self.audience.join(", ")
            ))
        ));
        out.push_str("type: communication\n");
        out.push_str(&format!("date: {}\n", self.date));
        out.push_str("documents:\n");
        out.push_str(&format!("  - id: {}\n", q(&self.doc_id)));
        out.push_str(&format!("    version: {}\n", q(&self.version)));
        out.push_str("audience:\n");
        for group in &self.audience {
            out.push_str(&format!("  - {}\n", q(group)));
        }
        out.push_str(&format!("channel: {}\n", self.channel));
        out.push_str(&format!("sender: {}\n", q(&self.sender)));
        out.push_str("---\n\n");
        out.push_str(self.body.trim_end());
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(audience: &[&str]) -> Entry {
        Entry {
            doc_id: "POL-001".into(),
            doc_title: "Information \"Security\" Policy".into(),
            version: "1.2".into(),
            date: jiff::civil::date(2026, 6, 1),
            channel: "email".into(),
            audience: audience.iter().map(|s| s.to_string()).collect(),
            sender: "CISO".into(),
            body: "Hello.\n\n".into(),
        }
    }

    #[test]
    fn names_depend_on_the_audience_set_not_its_order() {
        let a = entry(&["all-staff", "contractors"]);
        let b = entry(&["contractors", "all-staff"]);
        let c = entry(&["all-staff"]);
        assert_eq!(a.file_name(), b.file_name());
        assert_ne!(a.file_name(), c.file_name());
        assert!(
            a.file_name().starts_with("2026-06-01-pol-001-v1-2-email-"),
            "{}",
            a.file_name()
        );
        assert!(crate::content::document::is_id(&a.id()), "{}", a.id());
    }

    #[test]
    fn rendered_front_matter_quotes_free_text() {
        let text = entry(&["all-staff"]).render();
        assert!(
            text.contains(r#"title: "Information \"Security\" Policy v1.2: email to all-staff""#),
            "{text}"
        );
        assert!(text.contains("    version: \"1.2\"\n"), "{text}");
        assert!(text.ends_with("---\n\nHello.\n"), "{text}");
    }
}
