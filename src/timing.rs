//! Phase timings for the benchmark script: with `POLICYBOOK_TIMINGS` set, each stage reports
//! how long it took on stderr. Off by default; nothing else reads the clock.

use std::time::Instant;

/// Prints how long `phase` took since `since`, when `POLICYBOOK_TIMINGS` is set.
pub fn phase(phase: &str, since: Instant) {
    if std::env::var_os("POLICYBOOK_TIMINGS").is_some() {
        eprintln!("timing: {phase}: {:.3} s", since.elapsed().as_secs_f64());
    }
}
