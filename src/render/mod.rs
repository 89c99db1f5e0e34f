//! Rendering: takes the loaded `Site`, its diagnostics and the clause 5 matrix (`compliance`),
//! and gives the portal's files (written atomically by `writer`). Pages are rendered in
//! parallel; nothing here decides compliance or validity. Stands on every stage up to
//! `compliance`; must not import `serve` or `cmd`.

/// A JSON object from `"key" => value` pairs, each value moved in (`Value::from`). `json!`
/// serialises every value it is given into a new one: a deep copy of each array or object put
/// into a page, and most of the time the roles page, the dashboard and the register took on a
/// large repository (a body edit under `serve` re-renders them).
macro_rules! object {
    ($($key:literal => $value:expr),* $(,)?) => {{
        let mut map = serde_json::Map::new();
        $( map.insert($key.to_string(), serde_json::Value::from($value)); )*
        serde_json::Value::Object(map)
    }};
}

pub mod acknowledgements;
pub mod control_changes;
pub mod export;
pub mod history_view;
pub mod manifest;
pub mod markdown;
pub mod memo;
pub mod pages;
pub mod pdf;
pub mod search;
mod template_value;
pub mod theme;
pub mod writer;

use crate::content::Kind;
use crate::diagnostic::Diagnostic;
use crate::site::Site;
use crate::validate::communication;
use crate::validate::links::{Target, is_active_content, resolve};
use crate::{Error, compliance};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use writer::{Files, Sink};

/// What a build wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub pages: usize,
    pub files: usize,
    pub bytes: u64,
}

/// Passes files on to a sink, keeping the SHA-256 and size of each for the manifest.
struct Recorder<'a> {
    sink: &'a dyn Sink,
    digests: Mutex<BTreeMap<String, (String, u64)>>,
}

impl Recorder<'_> {
    fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), Error> {
        let digest = manifest::sha256(&bytes);
        self.put_digested(path, bytes, digest)
    }

    /// `put`, the file's SHA-256 already computed.
    fn put_digested(&self, path: String, bytes: Vec<u8>, digest: String) -> Result<(), Error> {
        let size = bytes.len() as u64;
        self.digests
            .lock()
            .expect("no writer panics while holding the lock")
            .insert(path.clone(), (digest, size));
        self.sink.put(path, bytes)
    }

    /// Publishes the page at `path`: the previous build's file when it was rendered from inputs
    /// with the same `key`, else what `render` makes now.
    fn page(
        &self,
        path: String,
        key: String,
        render: impl FnOnce() -> Result<Vec<u8>, Error>,
    ) -> Result<(), Error> {
        if let Some(found) = self.sink.reuse(&path, &key) {
            self.digests
                .lock()
                .expect("no writer panics while holding the lock")
                .insert(path, found);
            return Ok(());
        }
        let bytes = render()?;
        let digest = manifest::sha256(&bytes);
        self.sink.remember(
            &path,
            memo::Entry::new(key, digest.clone(), bytes.len() as u64),
        );
        self.put_digested(path, bytes, digest)
    }
}

/// Renders every page into memory (what `verify` compares with a published site).
pub fn render_to_memory(site: &Site, diagnostics: &[Diagnostic]) -> Result<Files, Error> {
    let memory = writer::Memory::default();
    render(site, diagnostics, &memory)?;
    Ok(memory.into_files())
}

/// The digest `manifest.json` would record for the portal built from this site (what the
/// evidence pack tells an auditor to compare): every page is rendered and dropped, only the
/// manifest kept.
pub fn manifest_digest(site: &Site, diagnostics: &[Diagnostic]) -> Result<Option<String>, Error> {
    struct ManifestOnly(Mutex<Option<Vec<u8>>>);
    impl Sink for ManifestOnly {
        fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), Error> {
            if path == manifest::FILE_NAME {
                *self.0.lock().expect("no writer panicked") = Some(bytes);
            }
            Ok(())
        }
    }
    let sink = ManifestOnly(Mutex::new(None));
    render(site, diagnostics, &sink)?;
    let bytes = sink.0.into_inner().expect("no writer panicked");
    Ok(bytes
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|m| m["digest"].as_str().map(String::from)))
}

/// Renders every page into `sink`, pages as they are rendered (so a large site is never held
/// in memory whole), the manifest last.
pub fn render(site: &Site, diagnostics: &[Diagnostic], sink: &dyn Sink) -> Result<Summary, Error> {
    let rendered = render_scoped(site, diagnostics, sink, Scope::default())?;
    let stamps = rendered
        .stamps
        .into_iter()
        .map(|(_, stamp)| stamp)
        .collect();
    write_manifest(site, stamps, &rendered.digests, sink)
}

/// What `render_scoped` made: the stamp of each document whose pages it rendered (its file
/// and stamp, in document order), and the SHA-256 and size of every file it published.
pub struct Rendered {
    pub stamps: Vec<(String, Value)>,
    pub digests: BTreeMap<String, (String, u64)>,
    /// What this render derived from every document's approved versions, for a later render
    /// that changed only bodies (`Scope::history_views`).
    pub history_views: HistoryViews,
}

/// What a render derives from every document's approved versions alone: the diffs between
/// successive approved versions and the communication log's "published on the portal"
/// entries. Both depend on the history, the documents' front matter (ids, titles,
/// classification) and book.toml only, so an incremental rebuild that changed only bodies
/// (same history, same front matter, same documents) hands them back instead of computing
/// every document's history again.
#[derive(Clone)]
pub struct HistoryViews {
    diffs: std::sync::Arc<history_view::Diffs>,
    published: std::sync::Arc<std::sync::OnceLock<Vec<Value>>>,
}

/// What `render_scoped` renders besides the portal pages and assets (an incremental rebuild
/// narrows it; see `incremental`).
#[derive(Default, Clone, Copy)]
pub struct Scope<'a> {
    /// The files of the published documents whose pages are rendered (all when `None`).
    pub documents: Option<&'a BTreeSet<String>>,
    /// The search index's page key and script, when the caller keeps the index up to date
    /// itself (`search::update`); the script is only read when the key is new.
    pub search_index: Option<(&'a str, &'a [u8])>,
    /// With `documents`: the previous render's views of the approved versions, when only
    /// bodies changed since (see `HistoryViews`). Only the histories of `documents` are then
    /// computed.
    pub history_views: Option<&'a HistoryViews>,
    /// Whether to keep this render's views of the approved versions (`Rendered::history_views`)
    /// for a later one; a one-off build does not hold them while it renders.
    pub keep_history_views: bool,
}

/// Renders into `sink` every file but the manifest: the portal pages, the search index, the
/// assets, and the pages of the published documents `scope` names.
pub fn render_scoped(
    site: &Site,
    diagnostics: &[Diagnostic],
    sink: &dyn Sink,
    scope: Scope,
) -> Result<Rendered, Error> {
    let documents = scope.documents;
    let files = Recorder {
        sink,
        digests: Mutex::new(BTreeMap::new()),
    };
    let t = crate::timing::start();
    let renderer = Renderer::new(site, diagnostics, &files)?;
    crate::timing::phase("render: theme and shared data", t);
    // The diffs first: the approved texts they are made from are dropped before the search
    // index, the largest value of the rendering, is built.
    let t = crate::timing::start();
    let history = site.history.as_ref().ok();
    // Reused only when complete: the entries are computed while the portal pages render.
    let reused = documents
        .and(scope.history_views)
        .filter(|r| r.published.get().is_some() || history.is_none());
    let histories = history
        .map(|h| match (reused, documents) {
            (Some(_), Some(files)) => history_view::histories_of(site, h, &|f| files.contains(f)),
            _ => history_view::histories(site, h),
        })
        .unwrap_or_default();
    let history_views = match reused {
        Some(views) => views.clone(),
        None => HistoryViews {
            diffs: std::sync::Arc::new(
                history
                    .map(|h| history_view::version_diffs(site, h, &histories))
                    .unwrap_or_else(history_view::Diffs::none),
            ),
            published: Default::default(),
        },
    };
    let version_diffs = &*history_views.diffs;
    crate::timing::phase("render: version diffs", t);
    // The search index is one document after another (one vocabulary, one count per term):
    // it is built beside the document pages, so that both cores stay busy, and the diffs'
    // cache is written beside it. The portal pages (six, of very different sizes, their data
    // built in parallel) follow the index on its side: the index and the register, the
    // dashboard and the logs are the largest values of the rendering, and built at the same
    // time they set the process's peak memory; the document pages fill whatever time is left.
    let (((searched, ()), portal), stamps) = rayon::join(
        || {
            let searched = rayon::join(
                || renderer.search_index(scope.search_index),
                // Reused diffs were saved by the render that computed them.
                || {
                    if reused.is_none() {
                        version_diffs.save();
                    }
                },
            );
            let published = scope
                .keep_history_views
                .then_some(&*history_views.published);
            let portal = renderer.portal_pages(diagnostics, &histories, published);
            (searched, portal)
        },
        || renderer.document_pages(diagnostics, &histories, version_diffs, documents),
    );
    searched?;
    portal?;
    let stamps = stamps?;
    let t = crate::timing::start();
    for (path, text) in &renderer.theme.assets {
        files.put(format!("assets/{path}"), text.clone().into_bytes())?;
    }
    if let Some(logo) = &site.project.config.output.html.logo {
        let bytes = std::fs::read(site.project.root.join(logo))
            .map_err(|e| Error::io(format!("cannot read the logo {logo}"), e))?;
        files.put("assets/logo".into(), bytes)?;
    }
    for asset in attachments(site) {
        let source = site.project.src_dir.join(&asset);
        let bytes = std::fs::read(&source)
            .map_err(|e| Error::io(format!("cannot read {}", source.display()), e))?;
        files.put(format!("docs/{asset}"), bytes)?;
    }
    crate::timing::phase("render: assets and attachments", t);
    drop(renderer);
    let digests = files.digests.into_inner().expect("no writer panicked");
    Ok(Rendered {
        stamps,
        digests,
        history_views,
    })
}

/// Writes `manifest.json` for a site whose other files are `digests`, with the documents'
/// `stamps`; the summary of the whole site.
pub fn write_manifest(
    site: &Site,
    stamps: Vec<Value>,
    digests: &BTreeMap<String, (String, u64)>,
    sink: &dyn Sink,
) -> Result<Summary, Error> {
    let manifest = manifest::manifest(site, stamps, digests);
    let summary = Summary {
        pages: digests.keys().filter(|k| k.ends_with(".html")).count(),
        files: digests.len() + 1,
        bytes: digests.values().map(|(_, size)| size).sum::<u64>() + manifest.len() as u64,
    };
    sink.put(manifest::FILE_NAME.to_string(), manifest)?;
    Ok(summary)
}

/// What rendering any page needs: the theme, the data every page shows, and the key inputs
/// every page shares.
struct Renderer<'a> {
    site: &'a Site,
    files: &'a Recorder<'a>,
    theme: theme::Theme,
    /// The site's data for the templates, converted once (a `tera::Value` clone shares its
    /// contents).
    site_value: tera::Value,
    /// Every input a page shares with all others; a page's key adds its own.
    shared: String,
}

impl<'a> Renderer<'a> {
    fn new(
        site: &'a Site,
        diagnostics: &[Diagnostic],
        files: &'a Recorder<'a>,
    ) -> Result<Renderer<'a>, Error> {
        let theme = theme::for_site(site)?;
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let history = site.history.as_ref().ok();
        // What every page shows. Kept to what rarely changes: a page's key includes all of it,
        // so (say) an error count here would make every edit re-render every page.
        let base = json!({
            "title": site.project.title(),
            "organization": site.project.config.isms.organization,
            "language": site.project.config.book.language,
            "today": site.today.to_string(),
            "logo": site.project.config.output.html.logo.as_ref().map(|_| "assets/logo"),
            "preview": errors > 0,
            "repository": site.project.config.output.html.git_repository_url,
            "history": history.is_some(),
            "history_incomplete": history.is_some_and(|h| h.shallow),
            "head": history.map(|h| h.head.clone()),
            // The search form's filters: the types and statuses of published documents.
            "search": search::filters(site),
        });
        let site_value = tera::Value::try_from_serializable(&base)
            .map_err(|e| Error::template("cannot convert the site's data", e))?;
        let shared = {
            let mut key = memo::PageKey::new(b"policybook", env!("CARGO_PKG_VERSION"), "");
            key.bytes(theme.fingerprint.as_bytes()).json(&base);
            key.finish()
        };
        Ok(Renderer {
            site,
            files,
            theme,
            site_value,
            shared,
        })
    }

    /// The HTML of `page` from `template`.
    fn render(
        &self,
        template: &str,
        page: &str,
        nav: &str,
        title: &str,
        data: Value,
    ) -> Result<Vec<u8>, Error> {
        self.render_value(
            template,
            page,
            nav,
            title,
            tera::Value::from_serializable(&data),
        )
    }

    /// `render`, with the page's data already the template engine's value.
    fn render_value(
        &self,
        template: &str,
        page: &str,
        nav: &str,
        title: &str,
        data: tera::Value,
    ) -> Result<Vec<u8>, Error> {
        let mut context = tera::Context::new();
        context.insert_value("site", self.site_value.clone());
        context.insert("root", &pages::root_of(page));
        context.insert("nav", nav);
        context.insert("page_title", title);
        context.insert_value("page", data);
        let html = self
            .theme
            .tera
            .render(template, &context)
            .map_err(|e| Error::template(format!("cannot render {page} with {template}"), e))?;
        Ok(html.into_bytes())
    }

    /// The key of a page: what it shares with every page, and its own inputs.
    fn key(
        &self,
        template: &str,
        page: &str,
        nav: &str,
        title: &str,
        data: &Value,
    ) -> memo::PageKey {
        let mut key = memo::PageKey::new(self.shared.as_bytes(), template, page);
        key.bytes(nav.as_bytes()).bytes(title.as_bytes()).json(data);
        key
    }

    /// The search index, built from what is published only, like every page (or `given`).
    fn search_index(&self, given: Option<(&str, &[u8])>) -> Result<(), Error> {
        let started = crate::timing::start();
        if let Some((key, script)) = given {
            self.files
                .page(search::FILE.to_string(), key.to_string(), || {
                    Ok(script.to_vec())
                })?;
            crate::timing::phase("render: search index", started);
            return Ok(());
        }
        let mut key = memo::PageKey::new(self.shared.as_bytes(), "search-index", search::FILE);
        search::key_inputs(self.site, &mut key);
        self.files
            .page(search::FILE.to_string(), key.finish(), || {
                Ok(search::index_script(self.site))
            })?;
        crate::timing::phase("render: search index", started);
        Ok(())
    }

    /// The overview pages, their data built in parallel too (the register and the logs list
    /// every document).
    fn portal_pages(
        &self,
        diagnostics: &[Diagnostic],
        histories: &history_view::Histories,
        published: Option<&std::sync::OnceLock<Vec<Value>>>,
    ) -> Result<(), Error> {
        let t = crate::timing::start();
        let matrix = compliance::matrix(self.site, diagnostics);
        let coverage = communication::coverage(self.site);
        overviews(
            self.site,
            diagnostics,
            histories,
            published,
            &matrix,
            &coverage,
        )
        .into_par_iter()
        .map(|(page, nav, title, data)| {
            // Each overview page has the template of its own name.
            let template = page;
            let data = data();
            let key = self.key(template, page, nav, title, &data).finish();
            self.files.page(page.to_string(), key, || {
                self.render(template, page, nav, title, data)
            })
        })
        .collect::<Result<(), Error>>()?;
        crate::timing::phase("render: portal pages", t);
        Ok(())
    }

    /// Each published document's page and history page; returns their stamps, in document
    /// order.
    fn document_pages(
        &self,
        diagnostics: &[Diagnostic],
        histories: &history_view::Histories,
        version_diffs: &history_view::Diffs,
        scope: Option<&BTreeSet<String>>,
    ) -> Result<Vec<(String, Value)>, Error> {
        let t = crate::timing::start();
        let site = self.site;
        let paths = markdown::Paths::of(site);
        let paths_fingerprint = paths_fingerprint(&paths);
        let in_scope = |file: &String| scope.is_none_or(|s| s.contains(file));
        let published: Vec<_> = site.published().filter(|d| in_scope(&d.file)).collect();
        let progress = crate::progress::Progress::new(published.len(), "rendering documents");
        let bodies = Bodies {
            paths: &paths,
            paths_fingerprint: &paths_fingerprint,
        };
        let mut stamps = largest_first(&published, histories)
            .into_par_iter()
            .with_max_len(1)
            .map(|i| {
                progress.inc();
                let stamp = self.document_page(published[i], histories, version_diffs, &bodies);
                (i, stamp)
            })
            .collect::<Vec<(usize, Result<Value, Error>)>>();
        progress.finish();
        // Back in document order; the first failure in that order is the one reported,
        // whichever worker met it first.
        stamps.sort_unstable_by_key(|(i, _)| *i);
        let stamps = stamps
            .into_iter()
            .map(|(i, stamp)| Ok((published[i].file.clone(), stamp?)))
            .collect::<Result<Vec<(String, Value)>, Error>>()?;
        self.draft_pages(histories, &paths, &paths_fingerprint, &in_scope)?;
        self.unregistered_pages(
            diagnostics,
            histories,
            &paths,
            &paths_fingerprint,
            &in_scope,
        )?;
        crate::timing::phase("render: documents", t);
        Ok(stamps)
    }

    /// One published document's page and, with a history, its history page; returns its
    /// stamp.
    fn document_page(
        &self,
        doc: &crate::content::Document,
        histories: &history_view::Histories,
        version_diffs: &history_view::Diffs,
        bodies: &Bodies,
    ) -> Result<Value, Error> {
        let site = self.site;
        let meta = doc.meta.as_ref().expect("published has meta");
        let page = pages::doc_page(doc);
        let views = site.history.as_ref().ok().and_then(|h| {
            let dh = histories.get(&doc.file)?.clone();
            Some(history_view::views(site, h, doc, dh))
        });
        // The outstanding people it names (thousands on a large portal) are keyed as bytes and
        // added to the data only when the page is rendered, like its body.
        let mut data = pages::document_with(site, doc, "", false);
        let listed = match &meta.kind {
            Kind::Controlled(c) => acknowledgements::listed(site, &meta.id.value, c),
            _ => None,
        };
        data["stamp"] = views.as_ref().map_or(Value::Null, |v| v.stamp.clone());
        data["history_href"] = json!(views.as_ref().map(|_| pages::history_page(doc)));
        let title = &meta.title.value;
        let mut key = self.key("document.html", &page, "documents", title, &data);
        key.bytes(doc.rel_path.as_bytes())
            .bytes(doc.body().as_bytes())
            .bytes(bodies.paths_fingerprint.as_bytes());
        if let Some(listed) = &listed {
            listed.key(site, &mut key);
        }
        self.files.page(page.clone(), key.finish(), || {
            let body = markdown::to_html(&doc.rel_path, doc.body(), title, bodies.paths);
            data["body"] = json!(body);
            let mut value = tera::Value::from_serializable(&data);
            drop(data);
            if let Some(listed) = listed {
                value = listed.fill_page(site.today, value);
            }
            self.render_value("document.html", &page, "documents", title, value)
        })?;
        let Some(views) = views else {
            return Ok(manifest::stamp_without_history(doc));
        };
        let history_page = pages::history_page(doc);
        let mut data = json!({
            "id": meta.id.value, "title": meta.title.value, "href": page,
            "type": meta.doc_type.value,
        });
        // Moved in: `json!` would copy the whole history by serialising it.
        data["history"] = views.history;
        let title = format!("History of {}", meta.id.value);
        self.history_page(
            &history_page,
            &title,
            data,
            &views.revisions,
            Some(version_diffs),
        )?;
        Ok(views.stamp)
    }

    /// A history page: `data`, whose `history` lacks its revisions, and the revisions, which
    /// go into the page's key and its template values as they are (see
    /// `history_view::RevisionRow`); the diffs between approved versions, when there are.
    fn history_page(
        &self,
        path: &str,
        title: &str,
        mut data: Value,
        revisions: &[history_view::RevisionRow],
        diffs: Option<&history_view::Diffs>,
    ) -> Result<(), Error> {
        let mut key = self.key("history.html", path, "documents", title, &data);
        key.json(revisions);
        self.files.page(path.to_string(), key.finish(), || {
            if let Some(diffs) = diffs {
                history_view::fill_diffs(&mut data["history"], diffs);
            }
            let revisions = tera::Value::from_serializable(revisions);
            let value =
                template_value::update(tera::Value::from_serializable(&data), "history", |h| {
                    template_value::update(h, "revisions", |_| revisions)
                });
            self.render_value("history.html", path, "documents", title, value)
        })
    }

    /// With `--drafts` (and in `serve`), the working version of each document in force at an
    /// earlier version, as a page marked DRAFT beside the in-force page. Its stamp is the
    /// working copy's; the manifest's stamps stay those of the versions in force.
    fn draft_pages(
        &self,
        histories: &history_view::Histories,
        paths: &markdown::Paths,
        paths_fingerprint: &str,
        in_scope: &dyn Fn(&String) -> bool,
    ) -> Result<(), Error> {
        let site = self.site;
        let history = site.history.as_ref().ok();
        for (working, in_force) in site.published_drafts().filter(|(w, _)| in_scope(&w.file)) {
            let meta = working.meta.as_ref().expect("published has meta");
            let page = pages::draft_page(working);
            let mut data = pages::document(site, working, "");
            data["stamp"] = history
                .and_then(|h| {
                    let dh = histories.get(&working.file)?.clone();
                    Some(history_view::views(site, h, working, dh).stamp)
                })
                .unwrap_or(Value::Null);
            data["history_href"] = json!(history.map(|_| pages::history_page(working)));
            data["draft"] = json!({
                "in_force_version": in_force.document.controlled().and_then(|c| c.version.as_ref()).map(|v| v.value.clone()),
                "in_force_href": pages::doc_page(&in_force.document),
            });
            let title = format!("{} (draft)", meta.title.value);
            let mut key = self.key("document.html", &page, "documents", &title, &data);
            key.bytes(working.rel_path.as_bytes())
                .bytes(working.body().as_bytes())
                .bytes(paths_fingerprint.as_bytes());
            self.files.page(page.clone(), key.finish(), || {
                let body = markdown::to_html(&working.rel_path, working.body(), &title, paths);
                data["body"] = json!(body);
                self.render("document.html", &page, "documents", &title, data)
            })?;
        }
        Ok(())
    }
}

/// What a document body's HTML depends on besides its text.
struct Bodies<'a> {
    paths: &'a markdown::Paths,
    /// See `paths_fingerprint`.
    paths_fingerprint: &'a str,
}

/// A key of which files exist and which are published: links to them in a body are rewritten
/// or marked.
fn paths_fingerprint(paths: &markdown::Paths) -> String {
    let mut all: Vec<&String> = paths.all.iter().collect();
    let mut published: Vec<&String> = paths.published.iter().collect();
    all.sort();
    published.sort();
    let mut key = memo::PageKey::new(b"paths", "", "");
    key.json(&all).json(&published);
    key.finish()
}

/// The indices of `published`, largest first: a document with a long history (its history
/// page lists every revision and diffs every approved version) costs tens of times a short
/// one, and one left for last kept one core busy while the other had nothing to do.
fn largest_first(
    published: &[&crate::content::Document],
    histories: &history_view::Histories,
) -> Vec<usize> {
    let cost = |doc: &crate::content::Document| {
        histories
            .get(&doc.file)
            .map_or(0, |dh| dh.revisions.len() + 8 * dh.versions.len())
            + doc.body().len() / 1024
    };
    let mut order: Vec<usize> = (0..published.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cost(published[i])));
    order
}

/// One overview page: its file (and template), navigation entry, title, and how to build its
/// data.
type Overview<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Box<dyn Fn() -> Value + Send + Sync + 'a>,
);

/// The overview pages: dashboard, register, roles, communication log, leadership, control
/// changes.
fn overviews<'a>(
    site: &'a Site,
    diagnostics: &'a [Diagnostic],
    histories: &'a history_view::Histories,
    published: Option<&'a std::sync::OnceLock<Vec<Value>>>,
    matrix: &'a compliance::ClauseMatrix,
    coverage: &'a [communication::Coverage<'a>],
) -> Vec<Overview<'a>> {
    let history = site.history.as_ref().ok();
    vec![
        (
            "index.html",
            "dashboard",
            "Dashboard",
            Box::new(move || {
                let mut page = pages::dashboard(site, matrix, coverage, diagnostics);
                if let Some(h) = history {
                    page["changes"] = Value::Array(history_view::recent_changes(site, h, 10));
                }
                page
            }),
        ),
        (
            "documents.html",
            "documents",
            "Document register",
            Box::new(move || pages::register(site)),
        ),
        (
            "roles.html",
            "roles",
            "Roles and responsibilities",
            Box::new(move || pages::roles(site)),
        ),
        (
            "communications.html",
            "communications",
            "Communication log",
            Box::new(move || {
                let mut page = pages::communications(site, coverage);
                if let Some(h) = history {
                    let entries = || history_view::published_entries(site, h, histories);
                    page["published"] = Value::Array(match published {
                        // Kept for a later render that changes only bodies (`HistoryViews`).
                        Some(kept) => kept.get_or_init(entries).clone(),
                        None => entries(),
                    });
                }
                page
            }),
        ),
        (
            "leadership.html",
            "leadership",
            "Leadership and management reviews",
            Box::new(move || pages::leadership(site)),
        ),
        (
            "control-changes.html",
            "control-changes",
            "Control changes",
            Box::new(move || {
                history.map_or_else(
                    || json!({"changes": []}),
                    |h| control_changes::page(site, h),
                )
            }),
        ),
    ]
}

impl Renderer<'_> {
    /// In a preview, the page and history page of each Markdown file without front matter
    /// (see `Site::unregistered`): its body under its first heading, the findings about it,
    /// and every revision since its first commit. Unregistered pages carry no stamp and stay
    /// out of the manifest's stamps (they have no id, version or status to stamp).
    fn unregistered_pages(
        &self,
        diagnostics: &[Diagnostic],
        histories: &history_view::Histories,
        paths: &markdown::Paths,
        paths_fingerprint: &str,
        in_scope: &dyn Fn(&String) -> bool,
    ) -> Result<(), Error> {
        let site = self.site;
        let history = site.history.as_ref().ok();
        for doc in site.unregistered().filter(|d| in_scope(&d.file)) {
            let page = pages::doc_page(doc);
            let title = pages::unregistered_title(doc).to_string();
            let views = history.and_then(|h| {
                let dh = histories.get(&doc.file)?.clone();
                Some(history_view::views(site, h, doc, dh))
            });
            let history_page = pages::history_page(doc);
            let mut data = pages::unregistered_document(doc, diagnostics);
            data["stamp"] = Value::Null;
            data["history_href"] = json!(views.as_ref().map(|_| history_page.clone()));
            let mut key = self.key("document.html", &page, "documents", &title, &data);
            key.bytes(doc.rel_path.as_bytes())
                .bytes(doc.body().as_bytes())
                .bytes(paths_fingerprint.as_bytes());
            self.files.page(page.clone(), key.finish(), || {
                data["body"] = json!(markdown::to_html(&doc.rel_path, doc.body(), &title, paths));
                self.render("document.html", &page, "documents", &title, data)
            })?;
            let Some(views) = views else { continue };
            let mut data = json!({
                "id": doc.rel_path, "title": title, "href": page, "type": "unregistered",
            });
            data["history"] = views.history;
            let page_title = format!("History of {title}");
            self.history_page(&history_page, &page_title, data, &views.revisions, None)?;
        }
        Ok(())
    }
}

/// Attachments that published documents link to (and the evidence of published communication
/// entries). Files only unpublished documents refer to are not copied.
fn attachments(site: &Site) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for doc in site.published() {
        for link in &doc.outline.links {
            if let Target::Local { path, .. } = resolve(&doc.rel_path, &link.dest)
                && site.corpus.assets.contains(&path)
                && !is_active_content(&path)
            {
                out.insert(path);
            }
        }
        if let Some(Kind::Communication(c)) = doc.meta.as_ref().map(|m| &m.kind) {
            for e in &c.evidence {
                let path = e.value.trim_start_matches("./");
                if site.corpus.assets.contains(path) && !is_active_content(path) {
                    out.insert(path.to_string());
                }
            }
        }
    }
    out
}

/// Renders and publishes the site to `out`, replacing what was there only on success.
pub fn build(site: &Site, diagnostics: &[Diagnostic], out: &Path) -> Result<Summary, Error> {
    writer::recover(out);
    let memo = site
        .history
        .as_ref()
        .ok()
        .map(|h| memo::record_path(&h.git_dir));
    let staging = writer::Staging::new(out, memo)?;
    let started = crate::timing::start();
    let summary = render(site, diagnostics, &staging)?;
    crate::timing::phase("render and write", started);
    let started = crate::timing::start();
    staging.publish(out)?;
    crate::timing::phase("swap", started);
    if let Ok(history) = site.history.as_ref() {
        site.rules_at.save(&history.git_dir);
    }
    Ok(summary)
}
