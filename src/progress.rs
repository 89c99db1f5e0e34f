//! A progress bar for long builds: drawn on stderr only when it is a terminal and only once the
//! work has taken more than a second (a quick build prints nothing extra, and CI logs get no
//! control characters).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const DELAY: Duration = Duration::from_secs(1);

/// Set by `--quiet`: no bar for the rest of the process.
static SILENCED: AtomicBool = AtomicBool::new(false);

/// No progress bar from now on (`--quiet`).
pub fn silence() {
    SILENCED.store(true, Ordering::Relaxed);
}

/// Whether a bar may be drawn: stderr is a terminal, not in CI (`CI` is set by GitHub Actions,
/// GitLab CI and most others), no `--quiet`, no timing report.
fn interactive() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && std::env::var_os("POLICYBOOK_TIMINGS").is_none()
        && !SILENCED.load(Ordering::Relaxed)
}

pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    interactive: bool,
    shown: AtomicBool,
}

impl Progress {
    pub fn new(total: usize, what: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        Progress {
            bar,
            started: Instant::now(),
            interactive: interactive(),
            shown: AtomicBool::new(false),
        }
    }

    /// One more item done (callable from worker threads).
    pub fn inc(&self) {
        self.bar.inc(1);
        if self.interactive
            && self.started.elapsed() > DELAY
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
