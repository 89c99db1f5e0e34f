//! The template-facing view of a document's Git history: its version stamp (document pages,
//! manifest), its history page (revisions, approved versions with evidence, diffs between
//! successive approved versions), the "published on the portal" communication entries and the
//! dashboard's recent changes.

use crate::content::Document;
use crate::dates::{commit_date, rfc3339};
use crate::disclosure::{self, Disclosure};
use crate::file_history;
use crate::history::HistoryIndex;
use crate::history::versions::DocumentHistory;
use crate::site::Site;
use crate::stamp::{self, Verifier};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write;

/// The link to a commit (see `Project::commit_link`), if there is one.
pub fn commit_href(site: &Site, commit: &str) -> Option<String> {
    site.project
        .commit_link
        .as_ref()
        .map(|template| template.replace("{commit}", commit))
}

/// The approvals as `history --format json` shows them, plus the links pages need.
fn evidence_json(
    site: &Site,
    approvals: &[crate::history::versions::ApprovalEvidence],
) -> Vec<Value> {
    file_history::approval_views(approvals)
        .into_iter()
        .map(|a| {
            let mut value = serde_json::to_value(&a).expect("approval views serialise");
            value["commit_short"] = json!(a.commit.as_deref().map(crate::history::versions::short));
            value["commit_href"] = json!(a.commit.as_deref().and_then(|c| commit_href(site, c)));
            value
        })
        .collect()
}

/// The history of every published document, by file: computed once per build and shared by
/// the diffs, the document and history pages and the communication log.
pub type Histories<'a> = HashMap<String, DocumentHistory<'a>>;

pub fn histories<'a>(site: &Site, history: &'a HistoryIndex) -> Histories<'a> {
    histories_of(site, history, &|_| true)
}

/// The histories of the published documents (and unregistered files) whose file `wanted`
/// names.
pub fn histories_of<'a>(
    site: &Site,
    history: &'a HistoryIndex,
    wanted: &(dyn Fn(&str) -> bool + Sync),
) -> Histories<'a> {
    // Unregistered files (a preview's pages) have their history like any document.
    let published: Vec<&Document> = site
        .published()
        .chain(site.unregistered())
        .filter(|d| wanted(&d.file))
        .collect();
    // The history is the working copy's, also for a document in force at an earlier version:
    // it says what is committed and what is not.
    published
        .par_iter()
        .map(|d| {
            let working = site.working(d);
            (
                d.file.clone(),
                crate::history::versions::document_history(history, working),
            )
        })
        .collect()
}

/// Stamp and history of one document. `None` history means no Git history is available.
pub struct Views {
    pub stamp: Value,
    /// The history page's `page.history`, but for its revisions.
    pub history: Value,
    /// Its `page.history.revisions`.
    pub revisions: Vec<RevisionRow>,
}

/// One revision as a history page shows it (`page.history.revisions[]`). The rows of every
/// history page (34,474 on the large benchmark corpus) go into the page's key and into the
/// template's values straight from this struct, whose field names are static keys, rather
/// than as JSON objects that were converted field by field.
#[derive(serde::Serialize)]
pub struct RevisionRow {
    commit: String,
    commit_short: String,
    commit_href: Option<String>,
    time: String,
    date: String,
    author: String,
    summary: String,
    withheld: bool,
    change: String,
    path: Option<String>,
    version: Option<String>,
    status: Option<String>,
    content_hash: Option<String>,
    signature: file_history::SignatureView,
    merge: bool,
    trailers: Vec<crate::history::trailers::Trailer>,
}

fn diff_key(old: &str, new: &str) -> String {
    format!("{old}..{new}")
}

/// The diffs between successive approved versions of the published documents, by
/// `old-blob..new-blob`. Diffs are kept in `.git/policybook/diffs.json`: a diff of two blobs
/// never changes, and reading old versions out of a pack is the slow part. Beside it,
/// `diffs.keys` holds a hash of the pairs the file covers: when the pairs are the ones of the
/// last build, nothing is computed and the file is read only if a history page has to be
/// rendered (a rebuild that reuses every page never reads it).
pub struct Diffs {
    path: std::path::PathBuf,
    git_dir: std::path::PathBuf,
    map: std::sync::OnceLock<HashMap<String, String>>,
    /// What [`Diffs::save`] has to write.
    unsaved: Option<Unsaved>,
}

/// The cache files a build has yet to write: the diffs (when they changed) and the key of
/// the pairs they cover.
struct Unsaved {
    diffs_changed: bool,
    fingerprint: String,
}

impl Diffs {
    /// No diffs (no history).
    pub fn none() -> Diffs {
        Diffs {
            path: Default::default(),
            git_dir: Default::default(),
            map: std::sync::OnceLock::from(HashMap::new()),
            unsaved: None,
        }
    }

    /// Writes what this build computed to the cache, for the next one. Separate from
    /// [`version_diffs`], so that the file (about 10 MB for 2,000 documents) is written while
    /// pages render, not before.
    pub fn save(&self) {
        let Some(unsaved) = &self.unsaved else { return };
        let keys_path = keys_path(&self.path);
        let written = !unsaved.diffs_changed
            || self
                .map
                .get()
                .is_some_and(|diffs| write_cache(&self.path, diffs));
        if written {
            let _ = crate::atomic::write(&keys_path, unsaved.fingerprint.as_ref());
        } else {
            let _ = std::fs::remove_file(&keys_path);
        }
    }

    /// The diff of two blobs: from the cache, or (if the cache lost it) computed now.
    pub fn get(&self, old: &str, new: &str) -> Option<String> {
        let map = self.map.get_or_init(|| read_cache(&self.path));
        if let Some(text) = map.get(&diff_key(old, new)) {
            return Some(text.clone());
        }
        let repo = git2::Repository::open(&self.git_dir).ok()?;
        let text = |id: &str| -> Option<String> {
            let blob = repo.find_blob(git2::Oid::from_str(id).ok()?).ok()?;
            String::from_utf8(blob.content().to_vec()).ok()
        };
        Some(diff_text(&text(old)?, &text(new)?))
    }
}

/// The file beside the diffs cache that holds the key of the pairs it covers.
fn keys_path(diffs: &std::path::Path) -> std::path::PathBuf {
    diffs.with_file_name("diffs.keys")
}

fn read_cache(path: &std::path::Path) -> HashMap<String, String> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

pub fn version_diffs(site: &Site, history: &HistoryIndex, histories: &Histories) -> Diffs {
    // A diff to or from a withheld version is never shown, so never computed.
    let shown = |v: &crate::history::versions::ApprovedVersion| {
        disclosure::of_version(&site.project, history, v).is_shown()
    };
    let pairs: Vec<(String, String)> = histories
        .values()
        .flat_map(|dh| {
            dh.versions
                .windows(2)
                .filter(|w| shown(&w[0]) && shown(&w[1]))
                .map(|w| (w[0].blob.clone(), w[1].blob.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let path = history.git_dir.join("policybook").join("diffs.json");
    let keys_path = keys_path(&path);
    let fingerprint = {
        let mut keys: Vec<String> = pairs.iter().map(|(a, b)| diff_key(a, b)).collect();
        keys.sort();
        keys.dedup();
        crate::render::manifest::sha256(keys.join("\n").as_bytes())
    };
    let mut lazy = Diffs {
        path: path.clone(),
        git_dir: history.git_dir.clone(),
        map: std::sync::OnceLock::new(),
        unsaved: None,
    };
    // Texts the facts pass kept (this run's new approved blobs): taken either way, so that
    // they are not held while the pages render.
    let held = history.approved_texts.take();
    if path.is_file() && std::fs::read_to_string(&keys_path).is_ok_and(|k| k == fingerprint) {
        return lazy;
    }
    let cached = read_cache(&path);
    type Pairs<'a> = Vec<&'a (String, String)>;
    let (mut from_held, missing): (Pairs, Pairs) = pairs
        .iter()
        .filter(|(a, b)| !cached.contains_key(&diff_key(a, b)))
        .partition(|(a, b)| held.contains_key(a) && held.contains_key(b));
    from_held.sort_unstable();
    from_held.dedup();
    let mut computed: Vec<(String, String)> = from_held
        .par_iter()
        .map(|(a, b)| (diff_key(a, b), diff_text(&held[a], &held[b])))
        .collect();
    drop(held);
    let wanted: std::collections::HashSet<&String> =
        missing.iter().flat_map(|(a, b)| [a, b]).collect();
    let mut seen = std::collections::HashSet::new();
    let ordered: Vec<&String> = history
        .walk
        .order
        .iter()
        .filter_map(|id| history.commit(id))
        .flat_map(|r| r.changes.iter().filter_map(|c| c.new.as_ref()))
        .filter(|b| wanted.contains(b) && seen.insert(*b))
        .collect();
    computed.extend(diff_in_pack_order(&history.git_dir, &ordered, &missing));
    let stale = cached.len() + computed.len() != pairs.len();
    let mut diffs = cached;
    let fresh = !computed.is_empty();
    diffs.extend(computed);
    let used: std::collections::HashSet<String> =
        pairs.iter().map(|(a, b)| diff_key(a, b)).collect();
    diffs.retain(|k, _| used.contains(k));
    lazy.unsaved = Some(Unsaved {
        diffs_changed: fresh || stale,
        fingerprint,
    });
    let _ = lazy.map.set(diffs);
    lazy
}

/// Texts read whose partner is not read yet, with how many of their pairs are open. A blob that
/// cannot be read as text is held as `None`: its pairs get no diff.
type Pending<'a> = HashMap<&'a str, (Option<std::sync::Arc<str>>, usize)>;

/// A blob's bytes as text, when it is a blob of UTF-8.
fn blob_text(odb: &git2::Odb, blob: &str) -> Option<std::sync::Arc<str>> {
    let found = odb.read(git2::Oid::from_str(blob).ok()?).ok()?;
    if found.kind() != git2::ObjectType::Blob {
        return None;
    }
    std::str::from_utf8(found.data())
        .ok()
        .map(std::sync::Arc::from)
}

/// The pairs (`mine`, indexes into `unique`) of `blob` whose other side is read: each with that
/// side's text (its own for a pair of itself). The others wait in `pending` with `text`.
fn meet_partners<'a>(
    pending: &mut Pending<'a>,
    unique: &[(&'a str, &'a str)],
    mine: &[usize],
    blob: &'a str,
    text: &Option<std::sync::Arc<str>>,
) -> Vec<(usize, Option<std::sync::Arc<str>>)> {
    let mut ready = Vec::new();
    let mut open = 0;
    for &n in mine {
        let (a, b) = unique[n];
        let partner = if a == blob { b } else { a };
        if partner == blob {
            ready.push((n, text.clone()));
            continue;
        }
        match pending.get_mut(partner) {
            Some((partner_text, left)) => {
                ready.push((n, partner_text.clone()));
                *left -= 1;
                if *left == 0 {
                    pending.remove(partner);
                }
            }
            None => open += 1,
        }
    }
    if open > 0 {
        pending.insert(blob, (text.clone(), open));
    }
    ready
}

/// Computes the diffs of `pairs` (old blob, new blob), reading each blob once, in the order
/// given (`ordered`: the order of the walk, which is close to the order of the pack; reading
/// the versions of one document after another was four times slower). The workers take
/// chunks of that order as they go; a pair is diffed as soon as its second blob is read, and
/// a text is dropped once its pairs are done, so few texts are held at any time.
fn diff_in_pack_order(
    git_dir: &std::path::Path,
    ordered: &[&String],
    pairs: &[&(String, String)],
) -> Vec<(String, String)> {
    use std::sync::Mutex;
    let mut unique: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    unique.sort_unstable();
    unique.dedup();
    let mut pairs_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (n, (a, b)) in unique.iter().enumerate() {
        pairs_of.entry(a).or_default().push(n);
        if a != b {
            pairs_of.entry(b).or_default().push(n);
        }
    }
    let pending: Mutex<Pending> = Mutex::new(HashMap::new());
    // Chunks of that order, handed out as the workers ask (see `history::share`).
    let Ok(parts) = crate::history::share::by_workers(ordered, 64, |chunks| {
        let repo = git2::Repository::open(git_dir)
            .and_then(crate::history::walk::for_worker)
            .ok();
        let odb = repo.as_ref().and_then(|repo| repo.odb().ok());
        let mut out = Vec::new();
        for blob in chunks.flatten() {
            let text = odb.as_ref().and_then(|odb| blob_text(odb, blob));
            let mine = pairs_of.get(blob.as_str()).map_or(&[][..], Vec::as_slice);
            let ready = {
                let mut pending = pending.lock().expect("no diff worker panics");
                meet_partners(&mut pending, &unique, mine, blob, &text)
            };
            for (n, partner_text) in ready {
                let (a, b) = unique[n];
                let (old, new) = if a == blob.as_str() {
                    (text.as_deref(), partner_text.as_deref())
                } else {
                    (partner_text.as_deref(), text.as_deref())
                };
                if let (Some(old), Some(new)) = (old, new) {
                    out.push((diff_key(a, b), diff_text(old, new)));
                }
            }
        }
        Ok::<_, std::convert::Infallible>(out)
    });
    parts.into_iter().flatten().collect()
}

/// Writes a cache file atomically; failures only cost time next run. Whether it was written.
fn write_cache(path: &std::path::Path, value: &HashMap<String, String>) -> bool {
    let Some(dir) = path.parent() else {
        return false;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return false;
    }
    let Ok(mut file) = tempfile::NamedTempFile::new_in(dir) else {
        return false;
    };
    let mut writer = std::io::BufWriter::new(&mut file);
    if serde_json::to_writer(&mut writer, value).is_err() || writer.flush().is_err() {
        return false;
    }
    drop(writer);
    file.persist(path).is_ok()
}

/// Puts the diffs into the history data made by `views`, in place of each version's
/// `diff_ref`: done only for a history page that is actually rendered.
pub fn fill_diffs(history: &mut Value, diffs: &Diffs) {
    let Some(versions) = history.get_mut("versions").and_then(Value::as_array_mut) else {
        return;
    };
    for version in versions {
        let Some(reference) = version.get("diff_ref").cloned() else {
            continue;
        };
        let diff = match (reference["old"].as_str(), reference["new"].as_str()) {
            (Some(old), Some(new)) => diffs.get(old, new).map(|d| diff_view(&d)),
            _ => None,
        };
        if let Some(map) = version.as_object_mut() {
            map.remove("diff_ref");
            map.insert("diff".into(), diff.unwrap_or(Value::Null));
        }
    }
}

pub fn views(
    site: &Site,
    history: &HistoryIndex,
    doc: &Document,
    mut dh: DocumentHistory,
) -> Views {
    let verifier = Verifier::of(site, history);
    stamp::evidence_for_versions(site, &verifier, &mut dh);
    let stamp = match site.as_in_force(doc) {
        None => working_stamp(site, history, doc, &verifier, &dh),
        Some(in_force) => in_force_stamp(site, history, doc, in_force, &dh),
    };

    let revisions = revision_views(site, history, &dh);
    let versions = version_views(site, history, &dh);
    let mut page = json!({
        "incomplete": history.shallow,
        "head": history.head,
        // The published text is in Git when an earlier version is in force.
        "working_copy": dh.uncommitted && site.as_in_force(doc).is_none(),
    });
    page["versions"] = Value::Array(versions);
    Views {
        stamp,
        history: page,
        revisions,
    }
}

/// Every revision as the history page shows it, newest first; a withheld one keeps its
/// commit, date, author, version and approvers.
fn revision_views(site: &Site, history: &HistoryIndex, dh: &DocumentHistory) -> Vec<RevisionRow> {
    let disclosures = disclosure::of_revisions(&site.project, dh);
    dh.revisions
        .iter()
        .zip(&disclosures)
        .map(|(r, shown)| {
            // A withheld revision keeps its commit, date, author, version and approvers; its
            // message, other trailers and path (a file name can repeat the secret) go.
            let path = history
                .project_path(&r.revision.path)
                .unwrap_or(&r.revision.path);
            RevisionRow {
                commit: r.commit.id.clone(),
                commit_short: crate::history::versions::short(&r.commit.id).to_string(),
                commit_href: commit_href(site, &r.commit.id),
                time: rfc3339(r.commit.committer.time, r.commit.committer.offset),
                date: commit_date(r.commit.committer.time, r.commit.committer.offset),
                author: r.commit.author.name.clone(),
                summary: shown.summary(r.commit),
                withheld: shown.message_withheld.is_some(),
                change: r.revision.kind.clone(),
                path: shown.text.is_shown().then(|| path.to_string()),
                version: r.facts.and_then(|f| f.version.clone()),
                status: r.facts.and_then(|f| f.status.clone()),
                content_hash: r.facts.and_then(|f| f.content_hash.clone()),
                signature: file_history::signature_view(site, history, r.commit, true),
                merge: r.commit.parents.len() > 1,
                trailers: shown.trailers(r.commit).into_iter().cloned().collect(),
            }
        })
        .collect()
}

/// Every approved version, newest first, with its approvals' evidence and a reference to its
/// diff from the previous version (unless one side is withheld).
fn version_views(site: &Site, history: &HistoryIndex, dh: &DocumentHistory) -> Vec<Value> {
    let version_disclosures: Vec<Disclosure> = dh
        .versions
        .iter()
        .map(|v| disclosure::of_version(&site.project, history, v))
        .collect();
    dh.versions
        .iter()
        .enumerate()
        .rev()
        .map(|(i, v)| {
            let commit = history.commit(&v.approved_in);
            let withheld_diff = (i > 0)
                .then(|| {
                    disclosure::diff_withheld(
                        (&dh.versions[i - 1], &version_disclosures[i - 1]),
                        (v, &version_disclosures[i]),
                    )
                })
                .flatten();
            // The blobs identify the diff (filled in by `fill_diffs` when the page is rendered).
            let diff_ref = (i > 0 && withheld_diff.is_none())
                .then(|| json!({"old": dh.versions[i - 1].blob, "new": v.blob}));
            let mut version = json!({
                "version": v.version,
                "content_hash": v.content_hash,
                "approved_in": v.approved_in,
                "approved_in_short": crate::history::versions::short(&v.approved_in),
                "approved_in_href": commit_href(site, &v.approved_in),
                "approved_at": commit.map(|c| rfc3339(c.committer.time, c.committer.offset)),
                "previous": (i > 0).then(|| dh.versions[i - 1].version.clone()),
                "withheld": version_disclosures[i].withheld_level(),
                "diff_withheld": withheld_diff.map(|why| format!("withheld: {why}")),
            });
            version["approvals"] = Value::Array(evidence_json(site, &v.approvals));
            version["diff_ref"] = diff_ref.unwrap_or(Value::Null);
            version
        })
        .collect()
}

/// The stamp of a document whose working copy is what is published.
fn working_stamp(
    site: &Site,
    history: &HistoryIndex,
    doc: &Document,
    verifier: &Verifier,
    dh: &DocumentHistory,
) -> Value {
    let current = stamp::current_evidence(site, verifier, dh);
    let last = dh.revisions.first();
    let mut stamp = json!({
        "id": doc.id(),
        "version": dh.current.version,
        "status": dh.current.status,
        "content_hash": dh.current.content_hash,
        "blob": dh.blob,
        "working_copy": dh.uncommitted,
        "last_commit": last.map(|r| r.commit.id.clone()),
        "last_commit_short": last.map(|r| crate::history::versions::short(&r.commit.id).to_string()),
        "last_commit_href": last.and_then(|r| commit_href(site, &r.commit.id)),
        "last_commit_time": last.map(|r| rfc3339(r.commit.committer.time, r.commit.committer.offset)),
        "history_incomplete": history.shallow,
    });
    // Arrays are moved in, not put through `json!` (which copies a `Value` by serialising it).
    stamp["approvals"] = Value::Array(evidence_json(site, &current));
    stamp
}

/// The stamp of a document in force at an earlier approved version: that version's facts,
/// blob and approving commit, with the evidence of its approvals (judged as for every
/// approved version on the history page), never the working copy's.
fn in_force_stamp(
    site: &Site,
    history: &HistoryIndex,
    doc: &Document,
    in_force: &crate::in_force::InForce,
    dh: &DocumentHistory,
) -> Value {
    let facts = &doc.facts;
    let commit = history.commit(&in_force.approved_in);
    let approvals = dh
        .versions
        .iter()
        .find(|v| v.blob == in_force.blob && v.approved_in == in_force.approved_in)
        .map(|v| evidence_json(site, &v.approvals))
        .unwrap_or_default();
    let mut stamp = json!({
        "id": doc.id(),
        "version": facts.version,
        "status": facts.status,
        "content_hash": facts.content_hash,
        "blob": in_force.blob,
        "working_copy": false,
        "in_force": true,
        "last_commit": in_force.approved_in,
        "last_commit_short": crate::history::versions::short(&in_force.approved_in),
        "last_commit_href": commit_href(site, &in_force.approved_in),
        "last_commit_time": commit.map(|c| rfc3339(c.committer.time, c.committer.offset)),
        "history_incomplete": history.shallow,
    });
    stamp["approvals"] = Value::Array(approvals);
    stamp
}

/// A line diff in a compact text form (what the cache keeps): one line per row, the first
/// character saying what it is — `+` added, `-` removed, ` ` context, `~` a cut run of
/// unchanged lines (three lines of context are kept around each change).
pub fn diff_text(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = String::new();
    for (n, group) in diff.grouped_ops(3).iter().enumerate() {
        if n > 0 {
            out.push_str("~\n");
        }
        for op in group {
            for change in diff.iter_changes(op) {
                out.push(match change.tag() {
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Equal => ' ',
                });
                out.push_str(change.value().trim_end_matches(['\n', '\r']));
                out.push('\n');
            }
        }
    }
    out
}

/// A diff for the history template: its counts of added and removed lines, and its rows as
/// HTML (`html`, every line's text escaped here).
///
/// The rows are written here rather than looped over in the template: a diff has tens to
/// hundreds of rows, and handing each to Tera as a value (converted, then looked up field by
/// field) cost more than the rest of a history page together. The markup is the default
/// theme's; a theme styles it with the classes below (`diff-add`, `diff-del`, `diff-gap`).
pub fn diff_view(text: &str) -> Value {
    let mut html = String::with_capacity(text.len() * 2);
    let (mut added, mut removed) = (0, 0);
    for line in text.lines() {
        // Unchanged lines, most of the rows, carry the least markup: the sign column's width
        // comes from the stylesheet, and only added and removed lines say so to a reader.
        let (open, rest) = match line.chars().next() {
            Some('+') => {
                added += 1;
                (
                    r#"<tr class="diff-add"><td aria-hidden="true">+</td><td><span class="visually-hidden">added: </span><code>"#,
                    &line[1..],
                )
            }
            Some('-') => {
                removed += 1;
                (
                    r#"<tr class="diff-del"><td aria-hidden="true">−</td><td><span class="visually-hidden">removed: </span><code>"#,
                    &line[1..],
                )
            }
            Some('~') => (r#"<tr class="diff-gap"><td></td><td><code>"#, "…"),
            Some(c) => ("<tr><td></td><td><code>", &line[c.len_utf8()..]),
            None => ("<tr><td></td><td><code>", ""),
        };
        html.push_str(open);
        pulldown_cmark_escape::escape_html(&mut html, rest).expect("writing to a String");
        html.push_str("</code></td></tr>");
    }
    json!({"added": added, "removed": removed, "html": html})
}

/// "Published on the portal" entries: each approved version of each published document, at
/// the time its approval commit reached the published branch.
pub fn published_entries(site: &Site, history: &HistoryIndex, histories: &Histories) -> Vec<Value> {
    let mut out = Vec::new();
    for doc in site.published() {
        if doc.controlled().is_none() {
            continue;
        }
        let Some(dh) = histories.get(&doc.file) else {
            continue;
        };
        for v in &dh.versions {
            // A version above the threshold was never on the portal.
            if !disclosure::of_version(&site.project, history, v).is_shown() {
                continue;
            }
            let Some(c) = history.commit(&v.approved_in) else {
                continue;
            };
            out.push(json!({
                "automatic": true,
                "date": commit_date(c.committer.time, c.committer.offset),
                "time": rfc3339(c.committer.time, c.committer.offset),
                "id": doc.id(),
                "title": doc.meta.as_ref().map(|m| m.title.value.clone()),
                "href": super::pages::doc_page(doc),
                "version": v.version,
                "commit_short": crate::history::versions::short(&v.approved_in),
                "commit_href": commit_href(site, &v.approved_in),
            }));
        }
    }
    out
}

/// The newest commits that changed a published document.
pub fn recent_changes(site: &Site, history: &HistoryIndex, limit: usize) -> Vec<Value> {
    let published: std::collections::HashMap<String, &Document> = site
        .published()
        .map(|d| (history.repo_path(&d.file), d))
        .collect();
    let mut out = Vec::new();
    for id in &history.walk.order {
        let Some(record) = history.commit(id) else {
            continue;
        };
        let docs: Vec<Value> = record
            .changes
            .iter()
            .filter_map(|c| published.get(&c.path))
            .map(|d| json!({"id": d.id(), "href": super::pages::doc_page(d)}))
            .collect();
        if docs.is_empty() {
            continue;
        }
        let summary = match withheld_in(site, history, record) {
            None => record.summary.clone(),
            Some(level) => format!("withheld: this commit changed a text that was {level}"),
        };
        out.push(json!({
            "commit_short": crate::history::versions::short(&record.id),
            "commit_href": commit_href(site, &record.id),
            "date": commit_date(record.committer.time, record.committer.offset),
            "author": record.author.name,
            "summary": summary,
            "documents": docs,
        }));
        if out.len() == limit {
            break;
        }
    }
    out
}

/// The level that withholds a commit's message, if any document text it wrote or replaced is
/// withheld: one message often speaks of every file the commit changed, published or not.
fn withheld_in(
    site: &Site,
    history: &HistoryIndex,
    record: &crate::history::CommitRecord,
) -> Option<String> {
    record
        .changes
        .iter()
        .filter(|c| c.path.ends_with(".md"))
        .flat_map(|c| [c.old.as_ref(), c.new.as_ref()].into_iter().flatten())
        .find_map(|blob| {
            let shown = history.facts(blob).map_or_else(
                || disclosure::of_facts(&site.project, &crate::content::facts::Facts::unreadable()),
                |facts| disclosure::of_facts(&site.project, facts),
            );
            shown.withheld_level().map(str::to_string)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_text_round_trips_into_rows() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old
            .replace("line 2\n", "line two\n")
            .replace("line 19\n", "");
        let text = diff_text(&old, &new);
        let view = diff_view(&text);
        assert_eq!(view["added"], 1);
        assert_eq!(view["removed"], 2);
        let html = view["html"].as_str().unwrap();
        assert!(
            html.starts_with("<tr><td></td><td><code>line 1</code></td></tr>"),
            "{html}"
        );
        assert!(html.contains(r#"<tr class="diff-gap"><td></td><td><code>…</code></td></tr>"#));
        assert!(html.contains(
            r#"<tr class="diff-del"><td aria-hidden="true">−</td><td><span class="visually-hidden">removed: </span><code>line 2</code></td></tr>"#
        ));
        assert!(html.contains(
            r#"<tr class="diff-add"><td aria-hidden="true">+</td><td><span class="visually-hidden">added: </span><code>line two</code></td></tr>"#
        ));
        assert_eq!(html.matches("<tr").count(), text.lines().count());
        assert_eq!(diff_text("same\n", "same\n"), "");
    }

    /// The rows are HTML made here, so every line's text must come out escaped.
    #[test]
    fn diff_rows_escape_the_lines() {
        let text = diff_text(
            "<b>keep</b> & \"x\"\nold <script>alert(1)</script>\n",
            "<b>keep</b> & \"x\"\nnew <img src=x onerror=alert(1)>\n",
        );
        let html = diff_view(&text)["html"].as_str().unwrap().to_string();
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"));
        assert!(
            html.contains("<code>&lt;b&gt;keep&lt;/b&gt; &amp; &quot;x&quot;</code>"),
            "{html}"
        );
        assert!(html.contains("<code>old &lt;script&gt;alert(1)&lt;/script&gt;</code>"));
        assert!(html.contains("<code>new &lt;img src=x onerror=alert(1)&gt;</code>"));
    }

    /// Every pair gets its diff whatever order the blobs come in, a blob shared by two pairs
    /// (the middle version) included, and a pair listed twice is diffed once.
    #[test]
    fn pairs_are_diffed_in_any_reading_order() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let texts = ["one\ntwo\n", "one\n2\n", "one\n2\nthree\n"];
        let ids: Vec<String> = texts
            .iter()
            .map(|t| repo.blob(t.as_bytes()).unwrap().to_string())
            .collect();
        // Not UTF-8: its pair gets no diff.
        let binary = repo.blob(&[0xff, 0xfe]).unwrap().to_string();
        let pairs = [
            (ids[0].clone(), ids[1].clone()),
            (ids[1].clone(), ids[2].clone()),
            (ids[1].clone(), ids[2].clone()),
            (ids[2].clone(), binary.clone()),
        ];
        let pairs: Vec<&(String, String)> = pairs.iter().collect();
        let mut expected = vec![
            (diff_key(&ids[0], &ids[1]), diff_text(texts[0], texts[1])),
            (diff_key(&ids[1], &ids[2]), diff_text(texts[1], texts[2])),
        ];
        expected.sort();
        for order in [[2, 1, 0, 3], [0, 1, 2, 3], [1, 3, 0, 2]] {
            let all = [&ids[0], &ids[1], &ids[2], &binary];
            let ordered: Vec<&String> = order.iter().map(|&i| all[i]).collect();
            let mut got = diff_in_pack_order(repo.path(), &ordered, &pairs);
            got.sort();
            assert_eq!(got, expected, "order {order:?}");
        }
    }
}
