//! A build with nothing new is skipped (issue 16: a warm build ≤ 10 % of a cold one): it
//! prints what the last build printed and leaves the site alone. Any change to what a build
//! reads, or to the site itself, builds again, and the site then equals a cold build's.

use crate::support::*;
use std::path::Path;

/// What the build prints when it skips.
const SKIPPED: &str = "(up to date: nothing changed since the last build)";

/// Dates every file outside `.git` and the build directories an hour back: a file modified
/// within the last second is not trusted to its time stamp (see `up_to_date`), and a test
/// writes its files just before it builds.
fn settle(f: &Fixture) {
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    fn walk(dir: &Path, when: std::time::SystemTime) {
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == ".git" || name.starts_with("site") {
                continue;
            }
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                walk(&entry.path(), when);
            } else if kind.is_file() {
                let file = std::fs::File::options()
                    .write(true)
                    .open(entry.path())
                    .unwrap();
                file.set_modified(when).unwrap();
            }
        }
    }
    walk(f.path(), an_hour_ago);
}

fn build(f: &Fixture, out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["build", "--allow-errors", "--out", out];
    if !extra.contains(&"--today") {
        args.extend(["--today", TODAY]);
    }
    args.extend_from_slice(extra);
    let o = f.run(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    o
}

fn skipped(o: &Output) -> bool {
    o.stderr.contains(SKIPPED)
}

/// The stderr of a build without its closing line's directory and the skip note.
fn report(o: &Output) -> String {
    o.stderr
        .replace(&format!(" {SKIPPED}"), "")
        .lines()
        .map(|l| l.split(" into ").next().unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The clean fixture with a finding (a broken link), so that there is a report to repeat.
fn fixture() -> Fixture {
    let f = Fixture::clean().edit(POLICY_PATH, "(../roles/roles.md)", "(../roles/missing.md)");
    settle(&f);
    f
}

#[test]
fn a_build_with_nothing_new_is_skipped_and_prints_what_the_last_one_printed() {
    let f = fixture();
    let first = build(&f, "site", &[]);
    assert!(!skipped(&first), "{}", first.stderr);
    assert!(first.stderr.contains("broken-link"), "{}", first.stderr);
    let site = f.tree("site");
    let second = build(&f, "site", &[]);
    assert!(skipped(&second), "{}", second.stderr);
    assert_eq!(report(&second), report(&first));
    assert_eq!(f.tree("site"), site);
    // And again: the skip recorded nothing new, the site is still as built.
    assert!(skipped(&build(&f, "site", &[])));
    // `--force` builds anyway, the same site; what it records serves the next build.
    let forced = build(&f, "site", &["--force"]);
    assert!(!skipped(&forced), "{}", forced.stderr);
    assert_eq!(report(&forced), report(&first));
    assert_eq!(f.tree("site"), site);
    assert!(skipped(&build(&f, "site", &[])));
}

#[test]
fn every_kind_of_change_to_what_a_build_reads_or_wrote_builds_again() {
    type Change = fn(&Fixture) -> Vec<&'static str>;
    let cases: &[(&str, Change)] = &[
        ("a body edit of the same size", |f| {
            let text = f.read(POLICY_PATH).replace("protects", "guards  ");
            std::fs::write(f.join(POLICY_PATH), text).unwrap();
            vec![]
        }),
        ("book.toml", |f| {
            let text = f.read("book.toml") + "\n# a comment\n";
            std::fs::write(f.join("book.toml"), text).unwrap();
            vec![]
        }),
        ("a new file under the root", |f| {
            std::fs::write(f.join("content/notes.txt"), "notes").unwrap();
            vec![]
        }),
        ("a removed document", |f| {
            std::fs::remove_file(f.join(COMMUNICATION_PATH)).unwrap();
            vec![]
        }),
        ("a new commit", |f| {
            let repo = f.repo();
            let head = repo.head().unwrap().peel_to_commit().unwrap();
            let sig = git2::Signature::new(CEO_NAME, CEO_EMAIL, &git2::Time::new(1_772_500_000, 0))
                .unwrap();
            repo.commit(
                Some("HEAD"),
                &sig,
                &sig,
                "An empty commit",
                &head.tree().unwrap(),
                &[&head],
            )
            .unwrap();
            vec![]
        }),
        ("a new tag", |f| {
            let head = f.repo().head().unwrap().peel_to_commit().unwrap();
            f.repo()
                .tag_lightweight("approved/POL-001/1.0", head.as_object(), false)
                .unwrap();
            vec![]
        }),
        ("a page of the site edited", |f| {
            let path = f.join("site/index.html");
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text + "<!-- edited -->").unwrap();
            vec![]
        }),
        ("a page of the site removed", |f| {
            std::fs::remove_file(f.join("site/index.html")).unwrap();
            vec![]
        }),
        ("another day", |_| vec!["--today", "2027-06-01"]),
        ("--deny warnings", |_| vec!["--deny", "warnings"]),
        ("another format", |_| vec!["--format", "json"]),
        ("drafts", |_| vec!["--drafts"]),
    ];
    for (what, change) in cases {
        let f = fixture();
        build(&f, "site", &[]);
        assert!(skipped(&build(&f, "site", &[])), "{what}: no skip to start");
        let extra = change(&f);
        let again = build(&f, "site", &extra);
        assert!(!skipped(&again), "{what}: skipped\n{}", again.stderr);
        // The rebuilt site is what a cold build of the same tree makes (another directory
        // has no record).
        let cold = build(&f, "site-cold", &extra);
        assert!(!skipped(&cold), "{what}");
        assert_eq!(report(&again), report(&cold), "{what}");
        let (site, cold_site) = (f.tree("site"), f.tree("site-cold"));
        assert_eq!(
            site.keys().collect::<Vec<_>>(),
            cold_site.keys().collect::<Vec<_>>(),
            "{what}"
        );
        for (path, bytes) in &site {
            assert!(cold_site[path] == *bytes, "{what}: {path} differs");
        }
    }
}

#[test]
fn a_file_modified_within_the_second_before_a_build_is_not_trusted_to_its_time_stamp() {
    // A file modified "now" as far as the build can tell (dated a minute ahead, so that a
    // slow machine cannot make it a second old before the build looks): the build is not
    // recorded and the next one builds again.
    let f = Fixture::clean();
    settle(&f);
    let file = std::fs::File::options()
        .write(true)
        .open(f.join(POLICY_PATH))
        .unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(60))
        .unwrap();
    build(&f, "site", &[]);
    let second = build(&f, "site", &[]);
    assert!(!skipped(&second), "{}", second.stderr);
    settle(&f);
    build(&f, "site", &[]);
    assert!(skipped(&build(&f, "site", &[])));
}

#[test]
fn builds_into_two_directories_are_recorded_apart() {
    // The second directory is outside the root: one inside it would be a new input of the
    // first (the build does not know what else a directory under the root holds).
    let f = fixture();
    let elsewhere = tempfile::tempdir().unwrap();
    let other = elsewhere.path().join("portal");
    let other = other.to_str().unwrap();
    build(&f, "site", &[]);
    build(&f, other, &[]);
    assert!(skipped(&build(&f, "site", &[])));
    assert!(skipped(&build(&f, other, &[])));
}

#[test]
fn what_the_fingerprint_cannot_cover_is_always_built() {
    // A symbolic link to a directory would hide its files' changes behind one entry.
    let f = fixture();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), f.join("linked")).unwrap();
    build(&f, "site", &[]);
    let again = build(&f, "site", &[]);
    assert!(!skipped(&again), "{}", again.stderr);

    // A configured path outside the root is not walked.
    let f = fixture();
    let toml = f.read("book.toml") + "\n[acknowledgement]\npeople = \"../people.csv\"\n";
    std::fs::write(f.join("book.toml"), toml).unwrap();
    settle(&f);
    build(&f, "site", &[]);
    let again = build(&f, "site", &[]);
    assert!(!skipped(&again), "{}", again.stderr);
}
