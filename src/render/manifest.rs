//! `manifest.json`: every published document's version stamp, the SHA-256 of every file written
//! to the site, and a digest of that list, so anyone can check that a published portal is what
//! the repository builds (`policybook verify`); and the Git blob ids of the acknowledgement
//! files (people and records), which are read but not published: as `git hash-object` or
//! `git ls-files -s` give them, from Git's index when it vouches for a file (see
//! `stat_cache`; an organisation of thousands keeps megabytes of records, committed and never
//! edited).

use crate::content::Document;
use crate::site::Site;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const FILE_NAME: &str = "manifest.json";

pub fn sha256(bytes: &[u8]) -> String {
    crate::hex::lower(&Sha256::digest(bytes))
}

/// A stamp from the working copy alone (no Git history to read).
pub fn stamp_without_history(doc: &Document) -> Value {
    let f = &doc.facts;
    json!({
        "id": doc.id(), "version": f.version, "status": f.status, "content_hash": f.content_hash,
        "blob": null, "working_copy": true, "last_commit": null, "last_commit_time": null,
        "approvals": f.approvals.iter().map(|a| json!({"role": a.role, "name": a.name, "date": a.date, "evidenced": false, "evidence": "no Git history"})).collect::<Vec<_>>(),
    })
}

/// The digest of the file lists: SHA-256 over `HASH  path\n` lines in path order, the site's
/// files first (by SHA-256), then the acknowledgement files (by blob id; none: the digest of
/// the site's files alone).
pub fn digest(files: &serde_json::Map<String, Value>, inputs: &[(&String, &String)]) -> String {
    let mut text = String::new();
    for (path, hash) in files {
        text.push_str(&format!("{}  {path}\n", hash.as_str().unwrap_or("")));
    }
    for (path, hash) in inputs {
        text.push_str(&format!("{hash}  {path}\n"));
    }
    sha256(text.as_bytes())
}

/// `digests`: SHA-256 and size of every other file of the site, by path.
pub fn manifest(
    site: &Site,
    mut stamps: Vec<Value>,
    digests: &BTreeMap<String, (String, u64)>,
) -> Vec<u8> {
    // Keep only the fields an auditor compares, in a stable order.
    for s in &mut stamps {
        if let Some(map) = s.as_object_mut() {
            map.retain(|k, _| {
                !k.ends_with("_href") && !k.ends_with("_short") && k != "history_incomplete"
            });
        }
    }
    stamps.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let list: serde_json::Map<String, Value> = digests
        .iter()
        .filter(|(path, _)| path.as_str() != FILE_NAME)
        .map(|(path, (digest, _))| (path.clone(), Value::String(digest.clone())))
        .collect();
    let history = site.history.as_ref().ok();
    // The people file and the record files are not published (they name people), but a
    // change to them after the build must show: their blob ids are listed by repository path.
    let acknowledgement_files = &site.acknowledgements.files;
    let inputs: Vec<_> = acknowledgement_files.iter().collect();
    let digest = digest(&list, &inputs);
    let mut value = object! {
        "generator" => format!("policybook {}", env!("CARGO_PKG_VERSION")),
        "head" => history.map(|h| h.head.clone()),
        "history_incomplete" => history.is_some_and(|h| h.shallow),
        "today" => site.today.to_string(),
        "drafts" => site.options.drafts,
        "documents" => stamps,
        "digest" => digest,
        "files" => list,
    };
    if !acknowledgement_files.is_empty() {
        value["acknowledgement_files"] = json!(acknowledgement_files);
    }
    let mut bytes = serde_json::to_vec_pretty(&value).expect("manifest serialises");
    bytes.push(b'\n');
    bytes
}
