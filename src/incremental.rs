//! Incremental rebuilds: a change set (the paths that changed in the content directory, the
//! theme, book.toml or the Git references) maps to the documents, diagnostics and pages it can
//! affect; everything else is taken from the previous build, kept in memory by a `Session`.
//! `serve` rebuilds through it; the equivalence with a cold build is what its test holds
//! (tests/cli/incremental.rs: after every step of a random sequence of edits, every page and
//! every diagnostic equal those of a cold build of the same tree).
//!
//! What a change re-does:
//! - book.toml, the theme, the allowed signers, anything outside the content directory, a new
//!   HEAD (or another history), another "today": everything is read again (the history index
//!   is still updated from the previous one, not walked again) and every page's inputs are
//!   compared with the previous build's.
//! - Files of the content directory: only the documents that changed (or appeared) are read
//!   again; the others are kept. Every rule runs again (the rules read across documents: links
//!   into a document, references by id, the clause 5 matrix; they take milliseconds), but
//!   after a body edit the history findings of a document whose text did not change are the
//!   previous build's (they depend on the history, book.toml, the roles and the document's
//!   own text, none of which changed; see `validate::evidence`). When the
//!   front matter of a changed document changed, a document appeared or went, an attachment
//!   appeared or went, or the published pages' shape changed, every page's inputs are compared
//!   (a page whose inputs did not change is not rendered: its previous key is in memory).
//!   Otherwise (a body edit) only the changed documents' pages are rendered, with the overview
//!   pages, the search index and the manifest.
//!
//! Stands on `pipeline` and `render`; `serve` uses it; must not import `serve` or `cmd`.

use crate::config::{self, Project};
use crate::content::{self, Corpus, Document, discover};
use crate::diagnostic::Diagnostic;
use crate::render::search::update::SearchIndex;
use crate::render::{self, memo, writer};
use crate::site::{self, Site};
use crate::{Error, Loaded, dates, history, pipeline, timing};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where a session publishes: a map in memory (tests, comparisons) or a build directory.
pub enum Output {
    Memory(writer::Files),
    /// The directory (`None`: the project's `[build] build-dir`).
    Dir(Option<PathBuf>),
}

/// What one rebuild did.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// Whether everything was read again (no previous build, or a change outside the content).
    pub full: bool,
    /// How many documents were read again.
    pub reread: usize,
    /// Whether only the changed documents' pages were rendered (a body edit).
    pub scoped: bool,
    /// The files whose bytes changed or that are new, and those removed, by site path.
    pub written: Vec<String>,
    pub removed: Vec<String>,
    pub pages: usize,
}

impl Update {
    /// Whether the published site changed (open pages should reload).
    pub fn changed(&self) -> bool {
        !self.written.is_empty() || !self.removed.is_empty()
    }
}

/// What reading found for each Markdown file, by its path below src, in path order.
type Read = Vec<(String, Vec<Diagnostic>)>;

/// The previous build, kept for the next.
struct State {
    loaded: Loaded,
    config_diagnostics: Vec<Diagnostic>,
    /// What reading each document found, by its path below src, in path order.
    read_diagnostics: Read,
    today: jiff::civil::Date,
    history_state: String,
    /// Each page's key, digest and size, by site path.
    keys: HashMap<String, memo::Entry>,
    /// Every published file's digest and size (the manifest's list), by site path.
    digests: BTreeMap<String, (String, u64)>,
    /// The stamp of each published document, by file.
    stamps: HashMap<String, Value>,
    /// Which pages the documents make (see `shape`).
    shape: Vec<(String, String, bool)>,
    out: PathBuf,
    search: SearchIndex,
    /// What the last render derived from every document's approved versions (see
    /// `render::HistoryViews`).
    history_views: render::HistoryViews,
}

/// Builds a project again and again, each time re-doing only what the changes since the
/// previous build can affect.
pub struct Session {
    root: PathBuf,
    options: site::Options,
    out: Output,
    state: Option<State>,
}

impl Session {
    pub fn new(root: &Path, options: site::Options, out: Output) -> Session {
        Session {
            root: root.to_path_buf(),
            options,
            out,
            state: None,
        }
    }

    /// The loaded site and its diagnostics, as of the last successful build.
    pub fn loaded(&self) -> Option<&Loaded> {
        self.state.as_ref().map(|s| &s.loaded)
    }

    /// The published files, when the output is in memory.
    pub fn files(&self) -> Option<&writer::Files> {
        match &self.out {
            Output::Memory(files) => Some(files),
            Output::Dir(_) => None,
        }
    }

    /// The directory of the last build, when the output is one.
    pub fn out_dir(&self) -> Option<&Path> {
        match &self.out {
            Output::Dir(_) => self.state.as_ref().map(|s| s.out.as_path()),
            Output::Memory(_) => None,
        }
    }

    /// Rebuilds after `changed` (paths, absolute or below the project root; an empty list
    /// means "unknown": only the Git references are looked at). The first build reads
    /// everything. A failure (book.toml broken, a template error) forgets the previous build:
    /// the next one reads everything again.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Result<Update, Error> {
        let state = self.state.take();
        let result = match state {
            Some(state) => self.incremental(state, changed),
            None => self.full(None),
        };
        match result {
            Ok((state, update)) => {
                self.state = Some(state);
                Ok(update)
            }
            Err(error) => Err(error),
        }
    }

    /// Reads everything (the history index updated from `previous`'s when given; its pages
    /// are still reused where their inputs did not change).
    fn full(&mut self, previous: Option<State>) -> Result<(State, Update), Error> {
        let today = dates::resolve_today(self.options.today)?.0;
        let (project, config_diagnostics) = config::load(&self.root).map_err(Error::Config)?;
        let (previous_history, previous) = match previous {
            Some(state) => {
                let (_, _, history, _, _, _) = take_site(state.loaded.site);
                let previous = Previous {
                    keys: state.keys,
                    digests: state.digests,
                    stamps: state.stamps,
                    shape: state.shape,
                    out: state.out,
                    search: state.search,
                    history_views: state.history_views,
                    in_force: None,
                    acknowledgements: None,
                    evidence: None,
                };
                (history.ok(), Some((previous, None)))
            }
            None => (None, None),
        };
        let ((read, walk_diagnostics), history) = rayon::join(
            || {
                let started = timing::start();
                let read = read_all(&project);
                timing::phase("load documents", started);
                read
            },
            || history::load_reusing(&project, previous_history),
        );
        let (corpus, read_diagnostics) = read;
        let reread = read_diagnostics.len();
        let (state, mut update) = self.finish(
            project,
            config_diagnostics,
            walk_diagnostics,
            corpus,
            read_diagnostics,
            history,
            today,
            previous,
        )?;
        update.full = true;
        update.reread = reread;
        Ok((state, update))
    }

    fn incremental(&mut self, state: State, changed: &[PathBuf]) -> Result<(State, Update), Error> {
        let project = &state.loaded.site.project;
        let today = dates::resolve_today(self.options.today)?.0;
        let Some(below_src) = paths_below_src(project, changed) else {
            return self.full(Some(state));
        };
        if today != state.today {
            return self.full(Some(state));
        }
        let State {
            loaded,
            config_diagnostics,
            read_diagnostics: old_read,
            history_state,
            keys,
            digests,
            stamps,
            shape,
            out,
            search,
            history_views,
            ..
        } = state;
        let (project, corpus, old_history, in_force, acknowledgements, evidence) =
            take_site(loaded.site);
        let history = history::load_reusing(&project, old_history.ok());
        let previous = Previous {
            keys,
            digests,
            stamps,
            shape,
            out,
            search,
            history_views,
            in_force: None,
            // No people or record file changed (else `paths_below_src` chose a full build):
            // they are not read again, and the tallies computed from them still hold (each is
            // keyed by all else it depends on; `today` and book.toml did not change either).
            acknowledgements,
            evidence: None,
        };
        if history_fingerprint(&history) != history_state {
            // New history: every document's stamps and history pages may change.
            let ((corpus, read_diagnostics), walk_diagnostics) = {
                let started = timing::start();
                let r = read_all(&project);
                timing::phase("load documents", started);
                r
            };
            let reread = read_diagnostics.len();
            let (state, mut update) = self.finish(
                project,
                config_diagnostics,
                walk_diagnostics,
                corpus,
                read_diagnostics,
                history,
                today,
                Some((previous, None)),
            )?;
            update.full = true;
            update.reread = reread;
            return Ok((state, update));
        }
        let started = timing::start();
        let again = read_changed(&project, &below_src, corpus, old_read);
        timing::phase("load documents", started);
        let scope = (!again.structural).then_some(again.reread.clone());
        // Only bodies changed: the history, book.toml, the roles and every front matter are
        // as they were, so a document's history findings change only with its own text.
        let previous = Previous {
            in_force: (!again.structural).then_some(in_force),
            evidence: (!again.structural).then_some(evidence),
            ..previous
        };
        let (state, mut update) = self.finish(
            project,
            config_diagnostics,
            again.walk_diagnostics,
            again.corpus,
            again.read_diagnostics,
            history,
            today,
            Some((previous, scope)),
        )?;
        update.reread = again.reread.len();
        Ok((state, update))
    }

    /// Validates and renders what was read, and publishes it; `previous` is the previous
    /// build's pages and, for a body edit, the files of the documents whose pages change.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        project: Project,
        config_diagnostics: Vec<Diagnostic>,
        walk_diagnostics: Vec<Diagnostic>,
        corpus: Corpus,
        read_diagnostics: Read,
        history: Result<history::HistoryIndex, history::Unavailable>,
        today: jiff::civil::Date,
        mut previous: Option<(Previous, Option<BTreeSet<String>>)>,
    ) -> Result<(State, Update), Error> {
        // In the order `content::load` gives them.
        let mut diagnostics = config_diagnostics.clone();
        diagnostics.extend(walk_diagnostics);
        for (_, d) in &read_diagnostics {
            diagnostics.extend(d.iter().cloned());
        }
        let history_state = history_fingerprint(&history);
        let in_force = previous.as_mut().and_then(|(p, _)| p.in_force.take());
        let acknowledgements = previous
            .as_mut()
            .and_then(|(p, _)| p.acknowledgements.take());
        let evidence = previous.as_mut().and_then(|(p, _)| p.evidence.take());
        let loaded = pipeline::assemble(
            project,
            diagnostics,
            corpus,
            history,
            today,
            self.options,
            in_force,
            acknowledgements,
            evidence,
        );
        let site = &loaded.site;
        let shape = shape(site, &loaded.diagnostics);
        let out = self.publish_dir(site);
        let (previous, scope) = reusable(previous, &shape, &out);
        let had_previous = previous.is_some();
        let render_started = timing::start();
        let mut published = self.render(&loaded, &out, previous, scope.as_ref())?;
        let started = timing::start();
        let (written, removed) = published.changes();
        self.publish(&mut published, &out, had_previous, &written, &removed)?;
        timing::phase("publish", started);
        let Published {
            keys,
            digests,
            stamps,
            search,
            history_views,
            pages,
            ..
        } = published;
        timing::phase("render and write", render_started);
        if let Ok(history) = loaded.site.history.as_ref() {
            loaded.site.rules_at.save(&history.git_dir);
        }
        let update = Update {
            full: false,
            reread: 0,
            scoped: scope.is_some(),
            written,
            removed,
            pages,
        };
        Ok((
            State {
                loaded,
                config_diagnostics,
                read_diagnostics,
                today,
                history_state,
                keys,
                digests,
                stamps,
                shape,
                out,
                search,
                history_views,
            },
            update,
        ))
    }

    /// The directory this session publishes to (empty for an output in memory).
    fn publish_dir(&self, site: &Site) -> PathBuf {
        match &self.out {
            Output::Dir(Some(dir)) => dir.clone(),
            Output::Dir(None) => site.project.build_dir.clone(),
            Output::Memory(_) => PathBuf::new(),
        }
    }

    /// Renders the pages whose inputs changed since `previous` (only those of the documents in
    /// `scope` besides the overview pages, for a body edit), and the manifest.
    fn render(
        &self,
        loaded: &Loaded,
        out: &Path,
        previous: Option<Previous>,
        scope: Option<&BTreeSet<String>>,
    ) -> Result<Published, Error> {
        let site = &loaded.site;
        let in_place = scope.is_some() || matches!(self.out, Output::Memory(_));
        let staging = self.staging(site, out, in_place)?;
        let (prev_keys, old_digests, prev_stamps, prev_search, prev_views) = match previous {
            Some(p) => (
                p.keys,
                p.digests,
                p.stamps,
                Some(p.search),
                Some(p.history_views),
            ),
            None => Default::default(),
        };
        let started = timing::start();
        let (search, search_key, search_script) =
            search_index(site, prev_search, scope, &prev_keys, staging.is_some());
        timing::phase("search index update", started);
        let sink = Keyed {
            previous: &prev_keys,
            staging: staging.as_ref(),
            keys: Mutex::new(HashMap::new()),
            written: Mutex::new(BTreeMap::new()),
        };
        let rendered = render::render_scoped(
            site,
            &loaded.diagnostics,
            &sink,
            render::Scope {
                documents: scope,
                search_index: Some((&search_key, &search_script)),
                // Only a body edit (`scope`) reuses them: history and front matter are the
                // previous build's.
                history_views: prev_views.as_ref(),
                keep_history_views: true,
            },
        )?;
        drop(search_script);
        // A body edit rendered some pages: the other documents' pages are the previous
        // build's; every other file (assets, attachments) is written by every render, so one
        // not written now is gone (an attachment no longer linked to).
        let scoped = scope.is_some();
        let mut digests = if scoped {
            let mut kept = old_digests.clone();
            kept.retain(|path, _| {
                prev_keys.contains_key(path) || rendered.digests.contains_key(path)
            });
            kept
        } else {
            BTreeMap::new()
        };
        digests.extend(rendered.digests);
        let mut stamps = if scoped { prev_stamps } else { HashMap::new() };
        stamps.extend(rendered.stamps);
        let ordered: Vec<Value> = site
            .published()
            .map(|d| stamps.get(&d.file).cloned().unwrap_or(Value::Null))
            .collect();
        let started = timing::start();
        let summary = render::write_manifest(site, ordered, &digests, &sink)?;
        timing::phase("render: manifest", started);
        let new_keys = sink.keys.into_inner().expect("no writer panicked");
        let written_files = sink.written.into_inner().expect("no writer panicked");
        let mut keys = if scoped { prev_keys } else { HashMap::new() };
        keys.extend(new_keys);
        Ok(Published {
            keys,
            digests,
            old_digests,
            stamps,
            search,
            history_views: rendered.history_views,
            staging,
            written_files,
            pages: summary.pages,
        })
    }

    /// The staging directory of a full build into a directory (none when the pages are
    /// written `in_place` or kept in memory).
    fn staging(
        &self,
        site: &Site,
        out: &Path,
        in_place: bool,
    ) -> Result<Option<writer::Staging>, Error> {
        Ok(match (&self.out, in_place) {
            (Output::Dir(_), false) => {
                writer::recover(out);
                let memo_path = site
                    .history
                    .as_ref()
                    .ok()
                    .map(|h| memo::record_path(&h.git_dir));
                Some(writer::Staging::new(out, memo_path)?)
            }
            _ => None,
        })
    }

    /// Publishes the files `written` and removes those `removed`: into memory, by swapping
    /// in the staging directory of a full build, or in place for a body edit.
    fn publish(
        &mut self,
        published: &mut Published,
        out: &Path,
        had_previous: bool,
        written: &[String],
        removed: &[String],
    ) -> Result<(), Error> {
        let written_files = &mut published.written_files;
        match (&mut self.out, published.staging.take()) {
            (Output::Memory(files), _) => {
                if !had_previous {
                    files.clear();
                }
                for path in removed {
                    files.remove(path);
                }
                for path in written {
                    if let Some(bytes) = written_files.remove(path) {
                        files.insert(path.clone(), bytes);
                    }
                }
            }
            (Output::Dir(_), Some(staging)) => staging.publish(out)?,
            (Output::Dir(_), None) => {
                for path in written {
                    if let Some(bytes) = written_files.remove(path) {
                        write_in_place(out, path, &bytes)?;
                    }
                }
                for path in removed {
                    // Already gone is as good as removed.
                    let _ = std::fs::remove_file(out.join(path));
                }
            }
        }
        Ok(())
    }
}

/// What one render produced, before it is published.
struct Published {
    keys: HashMap<String, memo::Entry>,
    digests: BTreeMap<String, (String, u64)>,
    /// The previous build's digests (what `changes` compares with).
    old_digests: BTreeMap<String, (String, u64)>,
    stamps: HashMap<String, Value>,
    search: SearchIndex,
    history_views: render::HistoryViews,
    /// The staging directory of a full build into a directory.
    staging: Option<writer::Staging>,
    /// The bytes rendered, when not staged.
    written_files: writer::Files,
    pages: usize,
}

impl Published {
    /// The files whose bytes changed or that are new (the manifest with them), and the files
    /// gone, by site path.
    fn changes(&self) -> (Vec<String>, Vec<String>) {
        let manifest = self
            .written_files
            .get(render::manifest::FILE_NAME)
            .map(|b| (render::manifest::sha256(b), b.len() as u64));
        // The site's files and the manifest, without copying the thousands of digests.
        let manifest_entry = manifest.as_ref().map(|m| (render::manifest::FILE_NAME, m));
        let all = self
            .digests
            .iter()
            .filter(|(path, _)| path.as_str() != render::manifest::FILE_NAME || manifest.is_none())
            .map(|(path, d)| (path.as_str(), d))
            .chain(manifest_entry);
        let mut written: Vec<String> = all
            .filter(|(path, d)| self.old_digests.get(*path) != Some(d))
            .map(|(path, _)| path.to_string())
            .collect();
        written.sort();
        let removed: Vec<String> = self
            .old_digests
            .keys()
            .filter(|p| !self.digests.contains_key(*p) && p.as_str() != render::manifest::FILE_NAME)
            .cloned()
            .collect();
        (written, removed)
    }
}

/// The previous build and the scope (a body edit) this build may reuse: the previous build
/// only when it published to the same `out`, the scope only with it and the same `shape`.
fn reusable(
    previous: Option<(Previous, Option<BTreeSet<String>>)>,
    shape: &[(String, String, bool)],
    out: &Path,
) -> (Option<Previous>, Option<BTreeSet<String>>) {
    let (previous, scope) = match previous {
        Some((previous, scope)) => {
            let scope = scope.filter(|_| previous.shape == shape);
            (Some(previous), scope)
        }
        None => (None, None),
    };
    let previous = previous.filter(|p| p.out == out);
    let scope = scope.filter(|_| previous.is_some());
    (previous, scope)
}

/// The search index, its key and its script: the changed documents' entries replaced in the
/// previous index. The script is empty when the previous build's is still in place (same
/// key, nothing `staged`).
fn search_index(
    site: &Site,
    previous: Option<SearchIndex>,
    scope: Option<&BTreeSet<String>>,
    prev_keys: &HashMap<String, memo::Entry>,
    staged: bool,
) -> (SearchIndex, String, Vec<u8>) {
    let mut search = match previous {
        Some(mut index) => {
            index.update(site, scope);
            index
        }
        None => SearchIndex::new(site),
    };
    let search_key = search.key();
    let search_script = match prev_keys.get(render::search::FILE) {
        Some(e) if e.key == search_key && !staged => Vec::new(),
        _ => search.script(),
    };
    (search, search_key, search_script)
}

/// The changed paths below src (relative to it), or `None` when one is outside the content or
/// is a people or acknowledgement record file (even one kept in the content directory: every
/// page that shows acknowledgements may change, so everything is built again).
fn paths_below_src(project: &Project, changed: &[PathBuf]) -> Option<BTreeSet<String>> {
    let src = project.src_dir.clone();
    let canonical_src = src.canonicalize().unwrap_or_else(|_| src.clone());
    let root = project.root.clone();
    let acknowledgements = crate::acknowledgement::Sources::of(project);
    let mut below_src = BTreeSet::new();
    let mut outside = false;
    for path in changed {
        let path = if path.is_absolute() {
            path.clone()
        } else {
            root.join(path)
        };
        if acknowledgements.covers(&path) {
            return None;
        }
        let rel = path
            .strip_prefix(&src)
            .or_else(|_| path.strip_prefix(&canonical_src))
            .ok()
            .map(|r| r.to_string_lossy().replace('\\', "/"));
        match rel {
            Some(rel) => {
                below_src.insert(rel);
            }
            None => outside = true,
        }
    }
    (!outside).then_some(below_src)
}

/// The content read again after a change below src.
struct ReadAgain {
    corpus: Corpus,
    read_diagnostics: Read,
    walk_diagnostics: Vec<Diagnostic>,
    /// The files read again.
    reread: BTreeSet<String>,
    /// Whether the published pages' shape may have changed: a front matter changed, a
    /// document or attachment appeared or went.
    structural: bool,
}

/// Walks the content directory again (cheap: names only) and reads only the files that
/// changed (`below_src`, or below a changed directory) or appeared; keeps the others from
/// `corpus`, with what reading them found (`old_read`).
fn read_changed(
    project: &Project,
    below_src: &BTreeSet<String>,
    corpus: Corpus,
    old_read: Read,
) -> ReadAgain {
    let mut walk_diagnostics = Vec::new();
    let found = discover::walk(&project.root, &project.src_dir, &mut walk_diagnostics);
    let mut old_docs: HashMap<String, Document> = corpus
        .documents
        .into_iter()
        .map(|d| (d.rel_path.clone(), d))
        .collect();
    let mut structural = found.assets != corpus.assets || found.markdown.len() != old_docs.len();
    let mut documents = Vec::with_capacity(found.markdown.len());
    let mut old_read: HashMap<String, Vec<Diagnostic>> = old_read.into_iter().collect();
    let mut read_diagnostics = Vec::with_capacity(found.markdown.len());
    let mut reread = BTreeSet::new();
    // A changed directory (renamed, say): every document below it is read again.
    let dirs: Vec<String> = below_src
        .iter()
        .map(|d| {
            if d.is_empty() {
                String::new()
            } else {
                format!("{d}/")
            }
        })
        .collect();
    for (rel_path, file, path) in &found.markdown {
        let old = old_docs.remove(rel_path);
        let again = old.is_none()
            || below_src.contains(rel_path)
            || dirs.iter().any(|d| rel_path.starts_with(d.as_str()));
        if !again {
            let doc = old.expect("kept");
            let diags = old_read.remove(rel_path).unwrap_or_default();
            documents.push(doc);
            read_diagnostics.push((rel_path.clone(), diags));
            continue;
        }
        // A few files: hashed (reading Git's index would cost more).
        let (doc, diags) = content::read_one(project, rel_path, file, path, None);
        reread.insert(file.clone());
        match (&old, &doc) {
            (Some(old), Some(new)) if front_matter(old) == front_matter(new) => {}
            _ => structural = true,
        }
        documents.extend(doc);
        read_diagnostics.push((rel_path.clone(), diags));
    }
    // A document that went (read again or not) changes the shape.
    structural |= !old_docs.is_empty();
    ReadAgain {
        corpus: Corpus {
            documents,
            assets: found.assets,
        },
        read_diagnostics,
        walk_diagnostics,
        reread,
        structural,
    }
}

/// What the previous build published, handed to the next.
struct Previous {
    keys: HashMap<String, memo::Entry>,
    digests: BTreeMap<String, (String, u64)>,
    stamps: HashMap<String, Value>,
    shape: Vec<(String, String, bool)>,
    out: PathBuf,
    search: SearchIndex,
    history_views: render::HistoryViews,
    /// The in-force versions, when they still hold (no front matter, document or history
    /// changed).
    in_force: Option<HashMap<String, crate::in_force::InForce>>,
    /// The people and acknowledgement records, when none of their files changed.
    acknowledgements: Option<crate::acknowledgement::Register>,
    /// Each document's history findings, when only bodies changed (`Site::evidence_reusable`).
    evidence: Option<crate::site::FindingsByFile>,
}

/// A site taken apart: its project, documents, history, in-force versions and
/// acknowledgements, for the next build. The acknowledgements only when no record file was
/// withheld (custody): a withheld file's records are gone from them, and the next build's
/// history may vindicate it.
fn take_site(mut site: Site) -> Parts {
    let in_force = site.take_in_force();
    let Site {
        project,
        corpus,
        history,
        acknowledgements,
        record_custody,
        evidence_found,
        ..
    } = site;
    let acknowledgements = record_custody
        .iter()
        .all(|c| c.withheld.is_none())
        .then_some(acknowledgements);
    let evidence = evidence_found
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    (
        project,
        corpus,
        history,
        in_force,
        acknowledgements,
        evidence,
    )
}

type Parts = (
    Project,
    Corpus,
    Result<history::HistoryIndex, history::Unavailable>,
    HashMap<String, crate::in_force::InForce>,
    Option<crate::acknowledgement::Register>,
    crate::site::FindingsByFile,
);

/// What the history is: its HEAD, branch and depth, or why there is none.
fn history_fingerprint(history: &Result<history::HistoryIndex, history::Unavailable>) -> String {
    match history {
        Ok(h) => format!("{} {:?} {} {:?}", h.head, h.head_ref, h.shallow, h.scope),
        Err(e) => format!("unavailable: {e:?}"),
    }
}

/// The front matter of a document, as written.
fn front_matter(doc: &Document) -> &str {
    &doc.source[..doc.body_offset]
}

/// Which documents are published, at which page, and with a draft page beside them: when a
/// body edit changes this (say, the working copy's content decides what is in force), every
/// page is compared again.
/// The first entry says whether the build is a preview (it has errors): every page carries
/// the preview banner, so an edit that brings the first error or fixes the last one changes
/// every page too.
fn shape(site: &Site, diagnostics: &[Diagnostic]) -> Vec<(String, String, bool)> {
    let drafts: BTreeSet<&str> = site
        .published_drafts()
        .map(|(w, _)| w.file.as_str())
        .collect();
    let preview = diagnostics.iter().any(Diagnostic::is_error);
    std::iter::once((String::new(), "preview".to_string(), preview))
        .chain(site.published().map(|d| {
            (
                d.file.clone(),
                render::pages::doc_page(d) + "|" + &render::pages::history_page(d),
                drafts.contains(d.file.as_str()),
            )
        }))
        .collect()
}

/// Every document under src, with what reading each found, and the walk's own findings.
fn read_all(project: &Project) -> ((Corpus, Read), Vec<Diagnostic>) {
    use rayon::prelude::*;
    let mut walk_diagnostics = Vec::new();
    let found = discover::walk(&project.root, &project.src_dir, &mut walk_diagnostics);
    let stat_cache = content::stat_cache(project);
    let read: Vec<(String, Option<Document>, Vec<Diagnostic>)> = found
        .markdown
        .par_iter()
        .map(|(rel_path, file, path)| {
            let (doc, diags) =
                content::read_one(project, rel_path, file, path, stat_cache.as_ref());
            (rel_path.clone(), doc, diags)
        })
        .collect();
    let mut documents = Vec::with_capacity(read.len());
    let mut diagnostics = Vec::with_capacity(read.len());
    for (rel_path, doc, diags) in read {
        documents.extend(doc);
        diagnostics.push((rel_path, diags));
    }
    (
        (
            Corpus {
                documents,
                assets: found.assets,
            },
            diagnostics,
        ),
        walk_diagnostics,
    )
}

/// Writes one file of a published site in place, atomically (a page being served is never
/// seen half-written).
fn write_in_place(out: &Path, path: &str, bytes: &[u8]) -> Result<(), Error> {
    let target = out.join(path);
    let dir = target.parent().unwrap_or(out);
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io(format!("cannot write in {}", dir.display()), e))?;
    std::io::Write::write_all(&mut file, bytes)
        .map_err(|e| Error::io(format!("cannot write {}", target.display()), e))?;
    file.persist(&target)
        .map_err(|e| Error::io(format!("cannot write {}", target.display()), e.error))?;
    Ok(())
}

/// The sink of a rebuild: a page whose key is the one the previous build recorded is not
/// rendered again (its file is still there, in memory or on disk); what is rendered is kept
/// for publishing, or passed to the staging directory of a full build.
struct Keyed<'a> {
    previous: &'a HashMap<String, memo::Entry>,
    staging: Option<&'a writer::Staging>,
    keys: Mutex<HashMap<String, memo::Entry>>,
    written: Mutex<writer::Files>,
}

impl writer::Sink for Keyed<'_> {
    fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), Error> {
        match self.staging {
            Some(staging) => staging.put(path, bytes),
            None => {
                self.written
                    .lock()
                    .expect("no writer panicked")
                    .insert(path, bytes);
                Ok(())
            }
        }
    }

    fn reuse(&self, path: &str, key: &str) -> Option<(String, u64)> {
        let found = match self.staging {
            // A staging directory reuses only what is still on disk, as `render::build` does.
            Some(staging) => staging.reuse(path, key),
            None => self
                .previous
                .get(path)
                .filter(|e| e.key == key)
                .map(|e| (e.sha256.clone(), e.size)),
        }?;
        self.keys.lock().expect("no writer panicked").insert(
            path.to_string(),
            memo::Entry::new(key.to_string(), found.0.clone(), found.1),
        );
        Some(found)
    }

    fn remember(&self, path: &str, entry: memo::Entry) {
        self.keys
            .lock()
            .expect("no writer panicked")
            .insert(path.to_string(), entry.clone());
        if let Some(staging) = self.staging {
            staging.remember(path, entry);
        }
    }
}
