//! Phase timings for the benchmark script: with `POLICYBOOK_TIMINGS` set, each stage reports
//! how long it took, the CPU time the whole process spent meanwhile (so a phase's use of both
//! cores shows), and the process's peak resident memory so far, on stderr. Off by default;
//! nothing else reads the clock.

use std::time::{Duration, Instant};

/// Prints how long `phase` took since `since`, when `POLICYBOOK_TIMINGS` is set.
pub fn phase(phase: &str, since: Instant) {
    if std::env::var_os("POLICYBOOK_TIMINGS").is_some() {
        let mut details = Vec::new();
        if let Some(cpu) = cpu_since(since) {
            details.push(format!("cpu {:.3} s", cpu.as_secs_f64()));
        }
        if let Some(kib) = peak_rss_kib() {
            details.push(format!("peak {} MiB", kib / 1024));
        }
        eprintln!(
            "timing: {phase}: {:.3} s ({})",
            since.elapsed().as_secs_f64(),
            details.join(", ")
        );
    }
}

/// The CPU time (user and system, all threads) this process spent since `since`: each
/// phase's start is remembered with the CPU clock read at that instant.
fn cpu_since(since: Instant) -> Option<Duration> {
    let now = process_cpu()?;
    let mut marks = MARKS.lock().ok()?;
    let found = marks.iter().position(|(at, _)| *at == since)?;
    let (_, start) = marks.swap_remove(found);
    Some(now.saturating_sub(start))
}

static MARKS: std::sync::Mutex<Vec<(Instant, Duration)>> = std::sync::Mutex::new(Vec::new());

/// Starts a phase: the instant to pass to [`phase`], with the CPU clock remembered for it.
pub fn start() -> Instant {
    let at = Instant::now();
    if std::env::var_os("POLICYBOOK_TIMINGS").is_some()
        && let (Some(cpu), Ok(mut marks)) = (process_cpu(), MARKS.lock())
    {
        // A phase that never reports (an early return) must not make this grow in `serve`.
        if marks.len() >= 256 {
            marks.clear();
        }
        marks.push((at, cpu));
    }
    at
}

/// CPU time of the whole process so far.
fn process_cpu() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the pointer it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// The peak resident set size of this process (Linux: `VmHWM` in /proc/self/status).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
