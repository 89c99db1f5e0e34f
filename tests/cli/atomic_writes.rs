//! Writes into the repository are atomic: `approve` and `communicate` killed at random points
//! leave the old file or the new one, never a truncated one; a reader of the old file keeps
//! reading it whole; a stale `.git/index.lock` is reported with the fix.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills per command: 60 + 60 ≥ 100 in all, a few seconds on a loaded machine.
const KILLS: usize = 60;

/// The clean fixture with version 1.1 drafted by Bob, ready for approval.
fn drafted() -> Fixture {
    Fixture::clean()
        .committed()
        .edit(POLICY_PATH, "version: \"1.0\"", "version: \"1.1\"")
        .edit(POLICY_PATH, "status: approved", "status: in-review")
        .edit(POLICY_PATH, "## Purpose", "## Purpose\n\nVersion 1.1.")
        .commit_as(
            BOB_NAME,
            BOB_EMAIL,
            "2026-03-04T09:00:00Z",
            "Draft version 1.1",
        )
}

const APPROVE: &[&str] = &[
    "approve",
    "POL-001",
    "--as",
    CEO_NAME,
    "--date",
    "2026-03-05",
];
const COMMUNICATE: &[&str] = &[
    "communicate",
    "POL-001",
    "--channel",
    "email",
    "--audience",
    "contractors",
    "--date",
    "2026-03-05",
    "--today",
    TODAY,
];

/// A small deterministic generator (the kill points are random but reproducible).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// Starts `policybook ARGS` in the fixture and SIGKILLs it after `delay` (if still running).
/// Whether it was killed; a run that finished first lowers `span` (the range kill points are
/// drawn from) to its own duration, so that on a busy machine, where the timed run was slow,
/// the later kills still fall inside a run.
fn run_and_kill(f: &Fixture, args: &[&str], delay: Duration, span: &mut u64) -> bool {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_policybook"))
        .arg("--root")
        .arg(f.path())
        .args(args)
        .current_dir(f.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start policybook");
    let deadline = Instant::now() + delay;
    loop {
        if child.try_wait().unwrap().is_some() {
            *span = (*span).min(started.elapsed().as_micros() as u64).max(1);
            return false;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return true;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// How long one uncut run takes here (to spread the kill points over it), and its result.
fn timed(f: &Fixture, args: &[&str]) -> Duration {
    let started = Instant::now();
    let out = f.run(args);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    started.elapsed()
}

/// Removes what a killed run may leave: its temporary files and git's lock files (the index's,
/// a branch's), as a user told so would.
fn sweep(dir: &Path, git_dir: &Path) {
    remove_locks(git_dir);
    for entry in std::fs::read_dir(dir).unwrap().map_while(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}

fn remove_locks(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap().map_while(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            remove_locks(&path);
        } else if path.extension().is_some_and(|e| e == "lock") {
            std::fs::remove_file(&path).unwrap();
        }
    }
}

#[test]
fn approve_killed_at_random_points_leaves_the_old_or_the_new_policy() {
    let f = drafted();
    let drafted_head = f.resolve("HEAD");
    let original = std::fs::read(f.join(POLICY_PATH)).unwrap();
    let reset = |f: &Fixture| {
        sweep(&f.join("content/policies"), &f.git_dir());
        let commit = f.repo().find_object(drafted_head, None).unwrap();
        f.repo()
            .reset(&commit, git2::ResetType::Hard, None)
            .unwrap();
    };
    let full = timed(&f, APPROVE);
    let approved = std::fs::read(f.join(POLICY_PATH)).unwrap();
    assert_ne!(approved, original, "the uncut run approved nothing");
    reset(&f);
    let mut span = full.as_micros() as u64;
    let mut random = Lcg(23);
    let mut killed = 0;
    for round in 0..KILLS {
        let delay = Duration::from_micros(random.below(span));
        killed += usize::from(run_and_kill(&f, APPROVE, delay, &mut span));
        let now = std::fs::read(f.join(POLICY_PATH)).unwrap();
        assert!(
            now == original || now == approved,
            "round {round}: after a kill at {delay:?} the policy is neither the old nor the new text ({} bytes):\n{}",
            now.len(),
            String::from_utf8_lossy(&now)
        );
        reset(&f);
    }
    assert!(killed > KILLS / 2, "only {killed} of {KILLS} runs were cut");
}

#[test]
fn communicate_killed_at_random_points_leaves_no_entry_or_a_whole_one() {
    let f = Fixture::clean()
        .edit(
            POLICY_PATH,
            "audience: [all-staff]",
            "audience: [all-staff, contractors]",
        )
        .commit("Address the policy to contractors too");
    let dir = f.join("content/communications");
    let before: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    let entries = |dir: &Path| -> Vec<std::path::PathBuf> {
        let mut found: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .collect();
        found.sort();
        found
    };
    let existing = entries(&dir);
    let full = timed(&f, COMMUNICATE);
    let new: Vec<_> = entries(&dir)
        .into_iter()
        .filter(|p| !existing.contains(p))
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    let (entry, whole) = (new[0].clone(), std::fs::read(&new[0]).unwrap());
    assert!(!whole.is_empty());
    std::fs::remove_file(&entry).unwrap();
    let mut span = full.as_micros() as u64;
    let mut random = Lcg(2023);
    let mut killed = 0;
    for round in 0..KILLS {
        let delay = Duration::from_micros(random.below(span));
        killed += usize::from(run_and_kill(&f, COMMUNICATE, delay, &mut span));
        if let Ok(now) = std::fs::read(&entry) {
            assert_eq!(
                now,
                whole,
                "round {round}: after a kill at {delay:?} the entry is cut ({} bytes)",
                now.len()
            );
            std::fs::remove_file(&entry).unwrap();
        }
        assert_eq!(entries(&dir), existing, "round {round}");
        sweep(&dir, &f.git_dir());
    }
    assert!(killed > KILLS / 2, "only {killed} of {KILLS} runs were cut");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), before.len());
}

#[test]
fn a_reader_of_the_policy_before_an_approval_reads_the_old_text_whole() {
    // Atomic replacement: the approval is a new file renamed over the old one, so a hard link
    // (any reader that opened the old file) still has every byte of the old text.
    let f = drafted();
    let original = std::fs::read(f.join(POLICY_PATH)).unwrap();
    let reader = f.path().join("reader-of-the-old-policy");
    std::fs::hard_link(f.join(POLICY_PATH), &reader).unwrap();
    let out = f.run(APPROVE);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    assert_ne!(std::fs::read(f.join(POLICY_PATH)).unwrap(), original);
    assert_eq!(std::fs::read(&reader).unwrap(), original);
    // And nothing is left behind next to it.
    let stray: Vec<_> = std::fs::read_dir(f.join("content/policies"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn a_stale_git_index_lock_is_reported_with_the_fix() {
    let f = drafted();
    let head = f.head_id();
    let original = f.read(POLICY_PATH);
    std::fs::write(f.git_dir().join("index.lock"), "").unwrap();
    let out = f.run(APPROVE);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("index.lock") && out.stderr.contains("delete"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("failed to create locked file"),
        "{}",
        out.stderr
    );
    // Nothing was written or committed.
    assert_eq!(f.head_id(), head);
    assert_eq!(f.read(POLICY_PATH), original);
}
