//! `policybook serve`: build, serve the build directory on 127.0.0.1, watch the sources and
//! rebuild on every change, and tell open pages to reload. Takes a project root and options;
//! stands on `pipeline` and `render`; must not import `cmd` (the command maps its outcome to an
//! exit code).
//!
//! A rebuild re-does only what the changed paths can affect (see `incremental`): the history
//! index stays in memory while HEAD does not move (when it does, the persisted cache means
//! only new commits are walked), only the changed documents are read again, and a body edit
//! renders that document's pages, the overview pages and the search index, written in place
//! file by file (each atomically); a template or book.toml change reads and compares
//! everything and publishes a whole new directory, as `build` does.

pub mod http;
pub mod watch;

use crate::Error;
use crate::diagnostic::report::summary;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the sources must be quiet before a rebuild starts. An editor's save (a write, or a
/// temporary file renamed over the old one) takes well under a millisecond; 20 ms is also
/// webpack's `aggregateTimeout`. A save that did arrive in two parts rebuilds twice, and the
/// second build shows the whole file: the wait only trades a wasted rebuild for latency.
const DEBOUNCE: Duration = Duration::from_millis(20);

pub struct Options {
    pub port: u16,
    pub open: bool,
    pub poll: bool,
    pub site: crate::site::Options,
    pub out: Option<PathBuf>,
}

/// One build's result, as the server reports it.
struct Outcome {
    status: serde_json::Value,
    /// Whether the published files changed (then open pages reload).
    changed: bool,
}

/// The state kept from one rebuild to the next: the incremental session (the loaded site,
/// every page's inputs and digests).
struct Builder {
    root: PathBuf,
    out_override: Option<PathBuf>,
    session: crate::incremental::Session,
}

impl Builder {
    /// Where the pages are published (also when no build succeeded yet).
    fn out_dir(&self) -> Result<PathBuf, Error> {
        if let Some(out) = self.session.out_dir() {
            return Ok(out.to_path_buf());
        }
        if let Some(out) = &self.out_override {
            return Ok(out.clone());
        }
        let (project, _) = crate::config::load(&self.root).map_err(Error::Config)?;
        Ok(project.build_dir)
    }

    /// Builds the site after `changed` (a preview when there are errors: authors see their
    /// pages while they fix them, and the errors in the overlay). Only what the changes can
    /// affect is re-done (see `incremental`).
    fn build(&mut self, changed: &[PathBuf]) -> Result<(PathBuf, Outcome), Error> {
        let started = Instant::now();
        let result = self.session.rebuild(changed);
        let update = match result {
            Ok(update) => update,
            // The project cannot be read at all: the caller says why.
            Err(error @ (Error::Config(_) | Error::NoRoot(_) | Error::Today(_))) => {
                return Err(error);
            }
            Err(error) => {
                let error = crate::error::one_line(&error);
                eprintln!("error: the rebuild failed: {error}");
                return Ok((
                    self.out_dir()?,
                    Outcome {
                        status: json!({
                            "ok": false,
                            "title": "policybook: the rebuild failed; the pages show the last good build",
                            "problems": [error.to_string()],
                        }),
                        changed: false,
                    },
                ));
            }
        };
        let loaded = self
            .session
            .loaded()
            .expect("a successful rebuild keeps the site");
        // The overlay is part of the portal: what pages may not show, it may not either.
        let all_errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
        let mut errors: Vec<String> =
            crate::render::pages::shown_diagnostics(&loaded.site, &loaded.diagnostics)
                .filter(|d| d.is_error())
                .map(describe)
                .collect();
        if errors.len() < all_errors {
            errors.push(format!(
                "{} more in documents that are not published (run `policybook check`)",
                all_errors - errors.len()
            ));
        }
        eprintln!(
            "built {} in {} ms ({}): {}",
            crate::diagnostic::report::count(update.pages, "page"),
            started.elapsed().as_millis(),
            if update.full {
                "everything read".to_string()
            } else {
                format!(
                    "{} read, {} written",
                    crate::diagnostic::report::count(update.reread, "document"),
                    crate::diagnostic::report::count(update.written.len(), "file"),
                )
            },
            summary(&loaded.diagnostics)
        );
        Ok((
            self.out_dir()?,
            Outcome {
                status: json!({
                    "ok": errors.is_empty(),
                    "title": format!("policybook: {} (the pages are a preview)", summary(&loaded.diagnostics)),
                    "problems": errors,
                }),
                changed: update.changed(),
            },
        ))
    }
}

/// `file:line:col: code: message` for the overlay.
fn describe(d: &crate::Diagnostic) -> String {
    let place = match (&d.file, d.line, d.column) {
        (Some(file), Some(line), Some(column)) => format!("{file}:{line}:{column}: "),
        (Some(file), Some(line), None) => format!("{file}:{line}: "),
        (Some(file), None, _) => format!("{file}: "),
        _ => String::new(),
    };
    format!("{place}{}: {}", d.code, d.message)
}

/// Runs the server until interrupted.
pub fn run(root: &Path, options: Options) -> Result<(), Error> {
    let mut builder = Builder {
        root: root.to_path_buf(),
        session: crate::incremental::Session::new(
            root,
            options.site,
            crate::incremental::Output::Dir(options.out.clone()),
        ),
        out_override: options.out,
    };
    let (out, first) = builder.build(&[])?;
    let hub = Arc::new(http::Hub::default());
    hub.set_status(first.status.to_string());
    // Watch before announcing the address: an edit made as soon as the page is up is seen.
    let (project, _) = crate::config::load(root).map_err(Error::Config)?;
    let mut watch = watch::start(&project, options.poll, DEBOUNCE)?;

    let server = Arc::new(http::bind(options.port)?);
    let (address, port) = match server.server_addr() {
        tiny_http::ListenAddr::IP(address) => (address.to_string(), address.port()),
        #[allow(unreachable_patterns)]
        _ => (format!("127.0.0.1:{}", options.port), options.port),
    };
    let url = format!("http://{address}/");
    eprintln!("serving {} at {url} (Ctrl-C to stop)", out.display());
    {
        let (server, hub, out) = (Arc::clone(&server), Arc::clone(&hub), out.clone());
        std::thread::spawn(move || http::serve(server, out, hub, port));
    }
    if options.open {
        open_browser(&url);
    }

    while let Some(changed) = watch.next_batch() {
        if changed.is_empty() {
            continue;
        }
        eprintln!("changed: {}", changed_list(root, &changed));
        rebuild(&mut builder, &hub, &changed);
    }
    Ok(())
}

/// The first three paths of `changed` (below `root`), and an ellipsis if there are more.
fn changed_list(root: &Path, changed: &[PathBuf]) -> String {
    let shown: Vec<String> = changed
        .iter()
        .take(3)
        .map(|p| {
            p.strip_prefix(root)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    format!(
        "{}{}",
        shown.join(", "),
        if changed.len() > 3 { ", …" } else { "" }
    )
}

/// Rebuilds after `changed` and tells the open pages: reload when the site changed, or, when
/// the rebuild failed, why (the pages keep showing the last good build).
fn rebuild(builder: &mut Builder, hub: &http::Hub, changed: &[PathBuf]) {
    match builder.build(changed) {
        Ok((_, outcome)) => {
            hub.set_status(outcome.status.to_string());
            if outcome.changed {
                hub.reload();
            }
        }
        // book.toml broken: keep serving the last site and say why.
        Err(error) => {
            let problems = match &error {
                Error::Config(diagnostics) => diagnostics.iter().map(describe).collect(),
                other => vec![crate::error::one_line(other)],
            };
            eprintln!(
                "error: the rebuild failed: {}",
                crate::error::one_line(&error)
            );
            hub.set_status(
                json!({
                    "ok": false,
                    "title": "policybook: the rebuild failed; the pages show the last good build",
                    "problems": problems,
                })
                .to_string(),
            );
        }
    }
}

/// Opens `url` in the desktop's browser (opener: `$BROWSER`, xdg-open, open or start); a
/// failure only means the user opens it by hand.
fn open_browser(url: &str) {
    if let Err(e) = opener::open_browser(url) {
        eprintln!("could not open a browser ({e}); open {url}");
    }
}
