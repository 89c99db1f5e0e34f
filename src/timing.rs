//! Phase timings for the benchmark script: with `POLICYBOOK_TIMINGS` set, each stage reports
//! how long it took, and the process's peak resident memory so far, on stderr. Off by
//! default; nothing else reads the clock.

use std::time::Instant;

/// Prints how long `phase` took since `since`, when `POLICYBOOK_TIMINGS` is set.
pub fn phase(phase: &str, since: Instant) {
    if std::env::var_os("POLICYBOOK_TIMINGS").is_some() {
        let peak = peak_rss_kib()
            .map(|k| format!(" (peak {} MiB)", k / 1024))
            .unwrap_or_default();
        eprintln!(
            "timing: {phase}: {:.3} s{peak}",
            since.elapsed().as_secs_f64()
        );
    }
}

/// The peak resident set size of this process (Linux: `VmHWM` in /proc/self/status).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
