//! Recording that the current version of a controlled document was communicated (what
//! `policybook communicate` does): one `type: communication` entry in its own file under
//! `<src>/communications/`, named by date, document, version, channel and a hash of the
//! audience, so that entries written in concurrent pull requests never conflict. Stands on the
//! loaded `Site`; only `cmd` uses it.

mod entry;

pub use entry::Entry;

use crate::Site;
use crate::content::document::Controlled;
use crate::diagnostic::did_you_mean;
use std::path::{Path, PathBuf};

/// Why no entry was written.
#[derive(Debug, thiserror::Error)]
pub enum CommunicateError {
    /// Refused before anything was written: the reason, and what to do.
    #[error("{0}")]
    Refused(String),
    /// A file that cannot be read or written (`Error::Io`).
    #[error(transparent)]
    Program(#[from] crate::Error),
}

fn refuse<T>(why: String) -> Result<T, CommunicateError> {
    Err(CommunicateError::Refused(why))
}

/// What was communicated, how and to whom.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub channel: String,
    /// The groups reached; empty: the document's `audience`.
    pub audience: Vec<String>,
    pub date: jiff::civil::Date,
    /// A file holding the message as sent.
    pub message_file: Option<PathBuf>,
    /// The message as sent.
    pub message: Option<String>,
    /// The role that sent it; default: the document's owner.
    pub sender: Option<String>,
}

/// The entry `request` describes, checked against the document: it must be controlled and
/// versioned, and every group must be in its `audience`. With it, the version's status when it
/// is not approved (only approved versions count as communicated).
pub fn entry(site: &Site, request: &Request) -> Result<(Entry, Option<String>), CommunicateError> {
    let Some(doc) = site.document(&request.id) else {
        let hint = did_you_mean(&request.id, site.ids().map(|(id, _)| id))
            .map(|best| format!(" (did you mean `{best}`?)"))
            .unwrap_or_default();
        return refuse(format!("no document has the id `{}`{hint}", request.id));
    };
    let meta = doc.meta.as_ref().expect("documents found by id have meta");
    let Some(c) = doc.controlled() else {
        return refuse(format!(
            "`{}` is a `{}` document, not a controlled document (policy, standard, procedure, …): only versioned documents are communicated",
            request.id, meta.doc_type.value
        ));
    };
    let Some(version) = &c.version else {
        return refuse(format!(
            "`{}` has no valid `version` in {}: fix it before recording a communication",
            request.id, doc.file
        ));
    };
    let audience = audience(request, c, &doc.file)?;
    let Some(sender) = request
        .sender
        .clone()
        .or_else(|| c.owner.as_ref().map(|o| o.value.clone()))
    else {
        return refuse(format!(
            "`{}` has no owner: say which role sent it with --sender ROLE",
            request.id
        ));
    };
    let body = match (&request.message_file, &request.message) {
        (Some(file), _) => std::fs::read_to_string(file)
            .map_err(|e| crate::Error::io(format!("cannot read {}", file.display()), e))?,
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
        date: request.date,
        channel: request.channel.clone(),
        audience,
        sender,
        body,
    };
    let unapproved = (!c.is_approved()).then(|| {
        c.status
            .as_ref()
            .map_or("without status".into(), |s| s.value.to_string())
    });
    Ok((entry, unapproved))
}

/// The groups reached, each once, each in the document's `audience` (an entry for a group the
/// document is not addressed to counts for nobody).
fn audience(
    request: &Request,
    c: &Controlled,
    file: &str,
) -> Result<Vec<String>, CommunicateError> {
    let given: Vec<String> = if request.audience.is_empty() {
        c.audience.iter().map(|a| a.value.clone()).collect()
    } else {
        request.audience.clone()
    };
    let mut audience: Vec<String> = Vec::new();
    for group in given {
        let group = group.trim().to_string();
        if group.is_empty() || group.chars().any(char::is_control) {
            return refuse("an --audience is empty or holds control characters".into());
        }
        if !audience.contains(&group) {
            audience.push(group);
        }
    }
    if audience.is_empty() {
        return refuse(format!(
            "`{}` lists no `audience`: say who was reached with --audience GROUP",
            request.id
        ));
    }
    let known: Vec<&str> = c.audience.iter().map(|a| a.value.as_str()).collect();
    if let Some(group) = audience.iter().find(|g| !known.contains(&g.as_str())) {
        let hint = match did_you_mean(group, known.iter().copied()) {
            Some(best) => format!(" (did you mean `{best}`?)"),
            None => String::new(),
        };
        return refuse(format!(
            "`{group}` is not in the `audience` of `{}` in {file}{hint}; its audience is {}",
            request.id,
            if known.is_empty() {
                "empty".to_string()
            } else {
                known.join(", ")
            }
        ));
    }
    Ok(audience)
}

/// Writes `entry` under `<src>/communications/`, never over an existing file; returns its path
/// relative to the project root.
pub fn write(site: &Site, entry: &Entry) -> Result<String, CommunicateError> {
    let dir = site.project.src_dir.join("communications");
    let path = dir.join(entry.file_name());
    let file = relative(&site.project.root, &path);
    let exists = || {
        refuse(format!(
            "{file} already exists: this communication is already recorded"
        ))
    };
    if path.symlink_metadata().is_ok() {
        return exists();
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| crate::Error::io(format!("cannot create {}", dir.display()), e))?;
    match crate::atomic::write_new(&path, entry.render().as_bytes()) {
        Ok(()) => Ok(file),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => exists(),
        Err(e) => Err(crate::Error::io(format!("cannot write {file}"), e).into()),
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
