//! Watching what a build reads: the content directory, the theme, book.toml, the people file
//! and the acknowledgement records (wherever they live), and the Git references (HEAD moving
//! is new history). notify's native watcher by default;
//! its polling watcher for file systems whose events get lost (network mounts, some
//! containers and VMs). Events are debounced by notify-debouncer-full: an editor's save is
//! often several writes.

use crate::config::Project;
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, NoCache};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// How often the polling watcher looks.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

pub struct Watch {
    debouncer: Debounced,
    events: Receiver<DebounceEventResult>,
    filter: Filter,
    /// The directories of the acknowledgement files watched so far (one that does not exist
    /// yet, such as the records directory before the first import, is watched once it does).
    watched: Vec<PathBuf>,
}

/// The debouncer over the native watcher or the polling one. No file-id cache: any change of
/// a path is a change, renames included, so there is nothing to match up.
enum Debounced {
    Native(Debouncer<RecommendedWatcher, NoCache>),
    Polling(Debouncer<PollWatcher, NoCache>),
}

impl Debounced {
    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Debounced::Native(d) => d.watch(path, mode),
            Debounced::Polling(d) => d.watch(path, mode),
        }
    }
}

/// Which paths are worth a rebuild.
struct Filter {
    src: PathBuf,
    theme: Option<PathBuf>,
    root: PathBuf,
    git_dir: Option<PathBuf>,
    acknowledgements: crate::acknowledgement::Sources,
}

impl Filter {
    fn relevant(&self, path: &Path) -> bool {
        if editor_temp_file(path) {
            return false;
        }
        if path.starts_with(&self.src) || self.acknowledgements.covers(path) {
            return true;
        }
        if let Some(theme) = &self.theme
            && path.starts_with(theme)
        {
            return true;
        }
        if let Some(git) = &self.git_dir
            && let Ok(rest) = path.strip_prefix(git)
        {
            return rest == Path::new("HEAD")
                || rest == Path::new("packed-refs")
                || rest == Path::new("shallow")
                || rest.starts_with("refs");
        }
        // In the project directory itself only the files a build reads; the build directory
        // and its staging siblings live there too and must not trigger rebuilds.
        path.parent() == Some(self.root.as_path())
            && matches!(path.file_name().and_then(|n| n.to_str()), Some("book.toml"))
    }
}

/// Files editors write beside the one being edited (swap files, backups, lock files, the
/// probe vim writes to test a directory, JetBrains' safe-write copies), as Zola ignores them:
/// the build never reads them, and a rebuild for each would show the author a half-saved state.
fn editor_temp_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
        || matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("swp" | "swx" | "swo" | "tmp")
        )
}

/// Starts watching `project` (and its repository's references, when it is in one); a batch of
/// changes is delivered once `quiet` passes without another.
pub fn start(project: &Project, poll: bool, quiet: Duration) -> Result<Watch, crate::Error> {
    let failed = |context: String| move |source| crate::Error::Watch { context, source };
    let (sender, events) = channel();
    let mut debouncer = if poll {
        // notify's poller compares modification times in whole seconds, so an edit within the
        // second of the previous scan would be missed; comparing contents (a hash per file per
        // scan) does not miss it.
        let config = notify::Config::default()
            .with_poll_interval(POLL_INTERVAL)
            .with_compare_contents(true);
        Debounced::Polling(
            notify_debouncer_full::new_debouncer_opt(quiet, None, sender, NoCache, config)
                .map_err(failed("cannot start the polling watcher".into()))?,
        )
    } else {
        Debounced::Native(
            notify_debouncer_full::new_debouncer_opt(
                quiet,
                None,
                sender,
                NoCache,
                notify::Config::default(),
            )
            .map_err(failed("cannot watch files (try --poll)".into()))?,
        )
    };
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let root = canonical(&project.root);
    let src = canonical(&project.src_dir);
    let theme = project
        .config
        .output
        .html
        .theme
        .as_ref()
        .map(|t| canonical(&project.root.join(t)))
        .filter(|t| t.is_dir());
    let git_dir = git2::Repository::discover(&project.root)
        .ok()
        .map(|r| canonical(r.path()));

    let mut watch = |path: &Path, mode: RecursiveMode| {
        debouncer
            .watch(path, mode)
            .map_err(failed(format!("cannot watch {}", path.display())))
    };
    watch(&src, RecursiveMode::Recursive)?;
    watch(&root, RecursiveMode::NonRecursive)?;
    if let Some(theme) = &theme {
        watch(theme, RecursiveMode::Recursive)?;
    }
    if let Some(git) = &git_dir {
        watch(git, RecursiveMode::NonRecursive)?;
        let refs = git.join("refs");
        if refs.is_dir() {
            watch(&refs, RecursiveMode::Recursive)?;
        }
    }
    let mut watch = Watch {
        debouncer,
        events,
        filter: Filter {
            src,
            theme,
            root,
            git_dir,
            acknowledgements: crate::acknowledgement::Sources::of(project),
        },
        watched: Vec::new(),
    };
    watch.watch_acknowledgements()?;
    Ok(watch)
}

impl Watch {
    /// Watches the directories of the people file and the record files that exist and are not
    /// watched yet (those in the content directory or the project directory already are).
    fn watch_acknowledgements(&mut self) -> Result<(), crate::Error> {
        // A directory removed lost its watch: watched again if it comes back.
        self.watched.retain(|d| d.is_dir());
        for dir in self.filter.acknowledgements.directories() {
            if self.watched.contains(&dir)
                || dir.starts_with(&self.filter.src)
                || dir == self.filter.root
            {
                continue;
            }
            self.debouncer
                .watch(&dir, RecursiveMode::NonRecursive)
                .map_err(|source| crate::Error::Watch {
                    context: format!("cannot watch {}", dir.display()),
                    source,
                })?;
            self.watched.push(dir);
        }
        Ok(())
    }

    /// Waits for a batch of changes with a relevant path; returns those paths (sorted,
    /// deduplicated). `None` when the watcher stopped.
    pub fn next_batch(&mut self) -> Option<Vec<PathBuf>> {
        loop {
            let mut changed = Vec::new();
            self.collect(self.events.recv().ok()?, &mut changed);
            // Batches that arrived meanwhile belong to the same rebuild.
            while let Ok(more) = self.events.try_recv() {
                self.collect(more, &mut changed);
            }
            // A records directory that appeared is watched before the rebuild reads it, so
            // that no file written into it afterwards goes unseen. (Failing to watch it is
            // no reason to stop serving: the next change elsewhere rebuilds.)
            let _ = self.watch_acknowledgements();
            if !changed.is_empty() {
                changed.sort();
                changed.dedup();
                return Some(changed);
            }
        }
    }

    fn collect(&self, batch: DebounceEventResult, changed: &mut Vec<PathBuf>) {
        match batch {
            Ok(events) => changed.extend(
                events
                    .into_iter()
                    .filter(|e| !matches!(e.kind, notify::EventKind::Access(_)))
                    .flat_map(|e| e.event.paths)
                    .filter(|p| self.filter.relevant(p)),
            ),
            // A watcher error (e.g. a queue overflow) may hide changes: rebuild.
            Err(_) => changed.push(self.filter.src.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_a_build_reads_is_relevant() {
        let filter = Filter {
            src: "/p/content".into(),
            theme: Some("/p/theme".into()),
            root: "/p".into(),
            git_dir: Some("/p/.git".into()),
            acknowledgements: crate::acknowledgement::Sources {
                people: Some("/p/hr/people.csv".into()),
                records: "/p/acknowledgements".into(),
            },
        };
        for yes in [
            "/p/content/a.md",
            "/p/content/sub/b.pdf",
            "/p/theme/templates/base.html",
            "/p/book.toml",
            "/p/.git/HEAD",
            "/p/.git/refs/heads/main",
            "/p/.git/packed-refs",
            "/p/hr/people.csv",
            "/p/acknowledgements",
            "/p/acknowledgements/2026-03-05-pol-001.csv",
        ] {
            assert!(filter.relevant(Path::new(yes)), "{yes}");
        }
        for no in [
            "/p/site/index.html",
            "/p/.site.new-x1/index.html",
            "/p/.git/index",
            "/p/.git/policybook/pages.json",
            "/p/.git/objects/ab/cdef",
            "/p/README.md",
            "/p/content/.a.md.swp",
            "/p/content/.a.md.swx",
            "/p/content/a.md~",
            "/p/content/.#a.md",
            "/p/content/#a.md#",
            "/p/content/4913",
            "/p/content/a.md___jb_tmp___",
            "/p/theme/templates/base.html.tmp",
            "/p/book.toml~",
            "/p/hr/salaries.csv",
            "/p/acknowledgements/raw/lms-export.csv",
            "/p/acknowledgements/notes.txt",
            "/p/acknowledgements/.a.csv.swp",
        ] {
            assert!(!filter.relevant(Path::new(no)), "{no}");
        }
    }
}
