//! `policybook communicate ID`: records that the current version of a controlled document was
//! communicated — one `type: communication` entry (SPEC §3) in its own file under
//! `<src>/communications/`, named by date, document, version, channel and a hash of the
//! audience, so that entries written in concurrent pull requests never conflict. Then validates
//! the project as `check` does and prints the findings about the new entry.

use super::{EXIT_INVALID, EXIT_OK, Validation};
use crate::content::document::CHANNELS;
use crate::validate::communication::{self, Reach};
use crate::{Error, Site};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The id of the controlled document that was communicated (e.g. POL-001).
    pub id: String,
    /// How it was communicated.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(CHANNELS.iter().copied()))]
    pub channel: String,
    /// A group it reached (repeat, or separate with commas); default: the document's `audience`.
    #[arg(long, value_name = "GROUP", value_delimiter = ',')]
    pub audience: Vec<String>,
    /// The day it was sent (YYYY-MM-DD); default: today (--today, SOURCE_DATE_EPOCH or the clock).
    #[arg(long, value_parser = super::parse_today)]
    pub date: Option<jiff::civil::Date>,
    /// A file holding the message as sent (the entry's body).
    #[arg(long, value_name = "FILE", conflicts_with = "message")]
    pub message_file: Option<PathBuf>,
    /// The message as sent, given inline.
    #[arg(long, value_name = "TEXT")]
    pub message: Option<String>,
    /// The role id that sent it; default: the document's owner.
    #[arg(long, value_name = "ROLE")]
    pub sender: Option<String>,
    #[command(flatten)]
    pub validation: Validation,
}

/// A refusal: nothing is written; `main` prints it (exit code 2).
fn refuse(message: impl std::fmt::Display) -> super::Outcome {
    Err(anyhow::anyhow!("{message}"))
}

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

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let root = super::root(root)?;
    let loaded = crate::load(&root, args.validation.options())?;
    let site = &loaded.site;

    let Some(doc) = site.document(&args.id) else {
        let hint = crate::diagnostic::did_you_mean(&args.id, site.ids().map(|(id, _)| id))
            .map(|best| format!(" (did you mean `{best}`?)"))
            .unwrap_or_default();
        return refuse(format!("no document has the id `{}`{hint}", args.id));
    };
    let meta = doc.meta.as_ref().expect("documents found by id have meta");
    let Some(c) = doc.controlled() else {
        return refuse(format!(
            "`{}` is a `{}` document, not a controlled document (policy, standard, procedure, …): only versioned documents are communicated",
            args.id, meta.doc_type.value
        ));
    };
    let Some(version) = &c.version else {
        return refuse(format!(
            "`{}` has no valid `version` in {}: fix it before recording a communication",
            args.id, doc.file
        ));
    };

    let mut audience: Vec<String> = Vec::new();
    let given: Vec<String> = if args.audience.is_empty() {
        c.audience.iter().map(|a| a.value.clone()).collect()
    } else {
        args.audience.clone()
    };
    for group in given {
        let group = group.trim().to_string();
        if group.is_empty() || group.chars().any(char::is_control) {
            return refuse("an --audience is empty or holds control characters");
        }
        if !audience.contains(&group) {
            audience.push(group);
        }
    }
    if audience.is_empty() {
        return refuse(format!(
            "`{}` lists no `audience`: say who was reached with --audience GROUP",
            args.id
        ));
    }
    // An entry for a group the document is not addressed to counts for nobody.
    for group in &audience {
        if !c.audience.iter().any(|a| &a.value == group) {
            let known: Vec<&str> = c.audience.iter().map(|a| a.value.as_str()).collect();
            let hint = match crate::diagnostic::did_you_mean(group, known.iter().copied()) {
                Some(best) => format!(" (did you mean `{best}`?)"),
                None => String::new(),
            };
            return refuse(format!(
                "`{group}` is not in the `audience` of `{}` in {}{hint}; its audience is {}",
                args.id,
                doc.file,
                if known.is_empty() {
                    "empty".to_string()
                } else {
                    known.join(", ")
                }
            ));
        }
    }
    let Some(sender) = args
        .sender
        .clone()
        .or_else(|| c.owner.as_ref().map(|o| o.value.clone()))
    else {
        return refuse(format!(
            "`{}` has no owner: say which role sent it with --sender ROLE",
            args.id
        ));
    };
    let body = match (&args.message_file, &args.message) {
        (Some(file), _) => std::fs::read_to_string(file)
            .map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?,
        (None, Some(text)) => text.clone(),
        (None, None) => format!(
            "Version {} of the {} ({}) is published on the {} portal. Please read it.",
            version.value,
            meta.title.value,
            meta.id.value,
            site.project.title()
        ),
    };

    let entry = Entry {
        doc_id: meta.id.value.clone(),
        doc_title: meta.title.value.clone(),
        version: version.value.clone(),
        date: args.date.unwrap_or(site.today),
        channel: args.channel.clone(),
        audience,
        sender,
        body,
    };
    if !c.is_approved() {
        eprintln!(
            "warning: `{}` version {} is `{}`, not approved: only approved versions count as communicated",
            entry.doc_id,
            entry.version,
            c.status
                .as_ref()
                .map_or("without status".into(), |s| s.value.to_string())
        );
    }

    let dir = site.project.src_dir.join("communications");
    let path = dir.join(entry.file_name());
    let file = relative(&site.project.root, &path);
    if path.symlink_metadata().is_ok() {
        return refuse(format!(
            "{file} already exists: this communication is already recorded"
        ));
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    match crate::atomic::write_new(&path, entry.render().as_bytes()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return refuse(format!(
                "{file} already exists: this communication is already recorded"
            ));
        }
        Err(e) => return Err(Error::io(format!("cannot write {file}"), e).into()),
    }
    eprintln!("recorded {file} ({})", entry.id());

    // Validate the project with the new entry, exactly as `check` would.
    let mut loaded = crate::load(&root, args.validation.options())?;
    args.validation.apply(&mut loaded.diagnostics);
    let mine: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.file.as_deref() == Some(file.as_str()))
        .cloned()
        .collect();
    let sources = super::sources(&loaded.site);
    args.validation.print(&mine, &sources, false);
    print_reach(&loaded.site, &entry.doc_id);
    if mine.iter().any(|d| d.is_error()) {
        eprintln!("error: the new entry has errors: fix {file} (or delete it)");
        return Ok(EXIT_INVALID);
    }
    eprintln!("next: commit {file} (e.g. in a pull request)");
    Ok(EXIT_OK)
}

/// Where each audience of the document's current version stands now.
fn print_reach(site: &Site, doc_id: &str) {
    for cov in communication::coverage(site) {
        if cov.document.id() != Some(doc_id) {
            continue;
        }
        let state = match &cov.reach {
            Reach::Communicated { date, entry, late } => format!(
                "communicated on {date} ({entry}){}",
                if *late { ", after the deadline" } else { "" }
            ),
            Reach::Awaiting => format!("awaiting communication (deadline {})", cov.deadline),
            Reach::Overdue => format!("not communicated (deadline {} passed)", cov.deadline),
        };
        eprintln!("  {doc_id} v{} → {}: {state}", cov.version, cov.audience);
    }
}

/// `path` relative to `root`, with `/` separators (how diagnostics name files).
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
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
