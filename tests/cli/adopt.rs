//! Adopting an existing repository (issue 25): `policybook adopt` on a repository of numbered
//! Markdown policies with a history of renames, renumberings and a folder move; the preview of
//! files without front matter ("unregistered" pages); histories from each file's first commit
//! through the adoption commit, compared with what `git log --follow` lists (computed here with
//! git2); `--dry-run`; files it must not touch.

use crate::support::*;
use std::collections::BTreeMap;

/// The ten policies: (first number, slug, title). The information security policy has the
/// sections ISO 27001 5.2 asks for (adopt marks it as that policy).
const POLICIES: &[(u32, &str, &str)] = &[
    (
        1,
        "information-security-policy",
        "Information Security Policy",
    ),
    (2, "access-control-policy", "Access Control Policy"),
    (3, "password-standard", "Password Standard"),
    (4, "backup-procedure", "Backup Procedure"),
    (
        5,
        "incident-response-procedure",
        "Incident Response Procedure",
    ),
    (6, "acceptable-use-policy", "Acceptable Use Policy"),
    (7, "cryptography-standard", "Cryptography Standard"),
    (8, "supplier-security-policy", "Supplier Security Policy"),
    (9, "asset-management-policy", "Asset Management Policy"),
    (
        10,
        "business-continuity-policy",
        "Business Continuity Policy",
    ),
];

const AUTHOR: &str = "Pat Writer";
const AUTHOR_EMAIL: &str = "pat@example.com";

fn text(number: u32, slug: &str, title: &str) -> String {
    let mut sections = vec!["Purpose", "Scope"];
    if slug == "information-security-policy" {
        sections.extend([
            "Information security objectives",
            "Commitment to compliance",
            "Continual improvement",
        ]);
    }
    let mut out = format!("# {number}. {title}\n\n");
    for s in sections {
        out.push_str(&format!(
            "## {s}\n\nWhat the {title} says about {s}, in words of its own ({slug}).\n\n"
        ));
    }
    out
}

fn path(folder: &str, number: u32, slug: &str) -> String {
    format!("{folder}/{number:02}-{slug}.md")
}

fn time(n: u32) -> String {
    format!("2026-03-{:02}T{:02}:00:00Z", 1 + n / 10, 8 + n % 10)
}

/// The repository before adoption: 30 commits — the ten files added, edited, renamed and
/// renumbered, and `policies/` moved to `docs/isms/` — and the path of each at HEAD.
fn history_of_renames() -> (Fixture, Vec<String>) {
    let mut folder = "policies";
    let mut numbers: Vec<u32> = POLICIES.iter().map(|p| p.0).collect();
    let mut f = Fixture::new();
    for &(n, slug, title) in POLICIES {
        f = f.file(&path(folder, n, slug), text(n, slug, title));
    }
    f = f.commit_as(AUTHOR, AUTHOR_EMAIL, &time(0), "Import the policies");
    let mut next_free = 11;
    for c in 1..30u32 {
        let i = (c as usize * 7) % POLICIES.len();
        let (_, slug, _) = POLICIES[i];
        let summary = if c == 20 {
            // The folder move: every file changes path at once.
            for (j, &(_, s, _)) in POLICIES.iter().enumerate() {
                f = f.rename(
                    &path(folder, numbers[j], s),
                    &path("docs/isms", numbers[j], s),
                );
            }
            folder = "docs/isms";
            "Move the policies to docs/isms".to_string()
        } else if c % 3 == 0 {
            // Renumber: a file takes a number no other file has.
            let old = path(folder, numbers[i], slug);
            numbers[i] = next_free;
            next_free += 1;
            f = f.rename(&old, &path(folder, numbers[i], slug));
            format!("Renumber {slug} to {}", numbers[i])
        } else if c % 5 == 0 {
            // Renumber and edit in one commit.
            let old = path(folder, numbers[i], slug);
            numbers[i] = next_free;
            next_free += 1;
            let new = path(folder, numbers[i], slug);
            f = f.rename(&old, &new);
            let edited = format!("{}Renumbered in commit {c}.\n", f.read(&new));
            f = f.file(&new, edited);
            format!("Renumber and edit {slug}")
        } else {
            let p = path(folder, numbers[i], slug);
            let edited = format!("{}A clarification made in commit {c}.\n", f.read(&p));
            f = f.file(&p, edited);
            format!("Clarify {slug}")
        };
        f = f.commit_as(AUTHOR, AUTHOR_EMAIL, &time(c), &summary);
    }
    let paths = POLICIES
        .iter()
        .zip(&numbers)
        .map(|(&(_, slug, _), &n)| path(folder, n, slug))
        .collect();
    (f, paths)
}

/// The commits `git log --follow -- PATH` lists (first-parent history, renames found as git
/// finds them), newest first, computed with git2.
fn log_follow(repo: &git2::Repository, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = path.to_string();
    let mut commit = repo.head().unwrap().peel_to_commit().unwrap();
    loop {
        let parent = commit.parent(0).ok();
        let old_tree = parent.as_ref().map(|p| p.tree().unwrap());
        let mut diff = repo
            .diff_tree_to_tree(old_tree.as_ref(), Some(&commit.tree().unwrap()), None)
            .unwrap();
        diff.find_similar(Some(git2::DiffFindOptions::new().renames(true)))
            .unwrap();
        let mut from = None;
        for delta in diff.deltas() {
            let new = delta
                .new_file()
                .path()
                .map(|p| p.to_string_lossy().to_string());
            if new.as_deref() == Some(current.as_str()) {
                out.push(commit.id().to_string());
                if delta.status() == git2::Delta::Renamed {
                    from = delta
                        .old_file()
                        .path()
                        .map(|p| p.to_string_lossy().to_string());
                }
            }
        }
        if let Some(from) = from {
            current = from;
        }
        match parent {
            Some(p) => commit = p,
            None => break,
        }
    }
    out
}

/// The commit ids (short) a history page lists as revisions, newest first.
fn listed_revisions(html: &str) -> Vec<String> {
    let page = scraper::Html::parse_document(html);
    let row = scraper::Selector::parse("table.revisions tbody tr").unwrap();
    let code = scraper::Selector::parse("td:first-child code").unwrap();
    page.select(&row)
        .map(|r| r.select(&code).next().unwrap().text().collect())
        .collect()
}

fn short(id: &str) -> String {
    id[..10].to_string()
}

fn set_identity(f: &Fixture) {
    let mut config = f.repo().config().unwrap();
    config.set_str("user.name", "Adopting Admin").unwrap();
    config.set_str("user.email", "admin@example.com").unwrap();
}

#[test]
fn an_adopted_repository_keeps_every_revision_since_the_first_commit() {
    let (f, paths) = history_of_renames();
    assert_eq!(
        f.repo()
            .revwalk()
            .map(|mut w| {
                w.push_head().unwrap();
                w.count()
            })
            .unwrap(),
        30
    );
    let before: BTreeMap<String, Vec<String>> = paths
        .iter()
        .map(|p| (p.clone(), log_follow(f.repo(), p)))
        .collect();
    // Every file was renamed at least once (the folder move), and its first commit is the import.
    for (p, log) in &before {
        assert!(log.len() >= 3, "{p}: {log:?}");
    }

    // Before adoption: a preview shows each file as an unregistered page with its history.
    std::fs::write(f.join("book.toml"), "[book]\nsrc = \"docs/isms\"\n").unwrap();
    let out = f.run(&["build", "--today", TODAY, "-q"]);
    assert_eq!(
        out.code, 1,
        "build refuses files without front matter\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("front-matter-missing"),
        "{}",
        out.stderr
    );
    let out = f.run(&["build", "--allow-errors", "--today", TODAY, "-q"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (p, log) in &before {
        let stem = p.trim_start_matches("docs/isms/").trim_end_matches(".md");
        let page = f.read(&format!("site/docs/{stem}.html"));
        assert!(page.contains("Unregistered."), "{p}");
        assert!(
            page.contains("front-matter-missing"),
            "{p}: the finding is on the page"
        );
        // The title is the first heading as written.
        let &(n, _, title) = POLICIES.iter().find(|x| stem.ends_with(x.1)).unwrap();
        assert!(
            page.contains(&format!("<h1 id=\"doc-title\">{n}. {title}</h1>")),
            "{p}"
        );
        let history = f.read(&format!("site/history/unregistered/{stem}.html"));
        let expected: Vec<String> = log.iter().map(|c| short(c)).collect();
        assert_eq!(listed_revisions(&history), expected, "{p}");
    }
    let register = f.read("site/documents.html");
    assert!(register.contains("Unregistered files"));
    std::fs::remove_file(f.join("book.toml")).unwrap();
    std::fs::remove_dir_all(f.join("site")).unwrap();

    // Adoption, committed.
    set_identity(&f);
    let head_before = f.head_id();
    let out = f.run(&[
        "adopt",
        "--commit",
        "--today",
        TODAY,
        "--organization",
        "Test Corp",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("documents in docs/isms (10 to adopt)"),
        "{}",
        out.stdout
    );
    let adoption = f.head_id();
    assert_ne!(adoption, head_before);
    let commit = f.repo().find_commit(f.resolve(&adoption)).unwrap();
    assert_eq!(commit.parent_id(0).unwrap().to_string(), head_before);
    let left: Vec<String> = f
        .repo()
        .statuses(None)
        .unwrap()
        .iter()
        .filter(|s| !s.status().is_ignored())
        .map(|s| s.path().unwrap_or("?").to_string())
        .collect();
    assert!(
        left.is_empty(),
        "the adoption commit holds all adopt wrote: {left:?}"
    );
    let book = f.read("book.toml");
    assert!(book.contains("src = \"docs/isms\""), "{book}");
    // Ids from the number prefixes, titles from the headings, the 5.2 policy marked.
    let isp = paths
        .iter()
        .find(|p| p.contains("information-security-policy"))
        .unwrap();
    let isp_text = f.read(isp);
    let number: u32 = isp["docs/isms/".len()..][..2].parse().unwrap();
    assert!(isp_text.starts_with(&format!("---\nid: POL-{number:03}\ntitle: \"Information Security Policy\"\ntype: policy\nclauses: [\"5.2\"]\nstatus: draft\nversion: \"0.1\"\nowner: REPLACE ME\n")), "{isp_text}");
    assert!(
        f.read(paths.iter().find(|p| p.contains("password")).unwrap())
            .contains("type: standard\n")
    );
    assert!(
        f.read(paths.iter().find(|p| p.contains("backup")).unwrap())
            .contains("type: procedure\n")
    );

    // `check` then reports only what a human must do: placeholders and approvals.
    let diags = f.diagnostics();
    let allowed = ["placeholder", "mandatory-document-missing"];
    for d in &diags {
        assert!(
            allowed.contains(&d.code.as_str()),
            "unexpected finding:\n{}",
            show(&diags)
        );
    }
    let missing = only(&diags, "mandatory-document-missing");
    assert!(missing.message.contains("approved"), "{}", missing.message);
    assert_eq!(
        with_code(&diags, "placeholder").len(),
        12,
        "{}",
        show(&diags)
    );

    // The preview: ten document pages, each history listing every revision `git log --follow`
    // lists, the adoption commit first.
    let out = f.run(&["build", "--allow-errors", "--today", TODAY, "-q"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let docs = f.tree("site/docs");
    let policy_pages: Vec<&String> = docs
        .keys()
        .filter(|k| k.ends_with(".html") && !k.starts_with("roles/") && !k.starts_with("reviews/"))
        .collect();
    assert_eq!(policy_pages.len(), 10, "{policy_pages:?}");
    for p in &paths {
        let log = log_follow(f.repo(), p);
        assert_eq!(log[0], adoption, "{p}: the adoption commit is a revision");
        assert_eq!(&log[1..], &before[p][..], "{p}");
        let id = f
            .read(p)
            .lines()
            .nth(1)
            .unwrap()
            .trim_start_matches("id: ")
            .to_string();
        let history = f.read(&format!("site/history/{id}.html"));
        let expected: Vec<String> = log.iter().map(|c| short(c)).collect();
        assert_eq!(listed_revisions(&history), expected, "{p} ({id})");
    }
}

/// A repository with files adopt must not write: one with front matter, a binary file and one
/// that is not UTF-8, beside two it adopts.
fn mixed() -> Fixture {
    Fixture::new()
        .file("README.md", "# About this repository\n")
        .file(
            "isms/01-security_policy.md",
            "# 1. Security policy\n\nText.\n",
        )
        .file("isms/procedures/backup.md", "Back up daily.\n")
        .file(
            "isms/existing.md",
            "---\nid: OLD-1\ntitle: Kept\ntype: policy\n---\n\n# Kept\n",
        )
        .file("isms/binary.md", b"PK\x03\x04\x00\x00binary".as_slice())
        .file(
            "isms/latin1.md",
            b"# Politique de s\xe9curit\xe9\n".as_slice(),
        )
        .commit_as(AUTHOR, AUTHOR_EMAIL, &time(0), "Policies")
}

#[test]
fn a_dry_run_writes_nothing_and_reports_what_it_would_do() {
    let f = mixed();
    let before = f.tree("");
    let out = f.run(&["adopt", "--dry-run", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.tree(""), before, "--dry-run wrote something");
    for expected in [
        "isms/01-security_policy.md",
        "POL-001",
        "Security policy",
        "isms/procedures/backup.md",
        "POL-BACKUP",
        "procedure",
        "Backup (assumed)",
        "would create:",
        "book.toml",
        "isms/roles/roles-and-responsibilities.md",
        "dry run: nothing was written",
    ] {
        assert!(
            out.stdout.contains(expected),
            "lacks {expected:?}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn files_it_cannot_adopt_are_reported_and_left_byte_identical() {
    let f = mixed();
    let untouched = [
        "isms/existing.md",
        "isms/binary.md",
        "isms/latin1.md",
        "README.md",
    ];
    let before: Vec<Vec<u8>> = untouched
        .iter()
        .map(|p| std::fs::read(f.join(p)).unwrap())
        .collect();
    let out = f.run(&["adopt", "--today", TODAY, "--id-prefix", "ISMS"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (p, bytes) in untouched.iter().zip(&before) {
        assert_eq!(&std::fs::read(f.join(p)).unwrap(), bytes, "{p} was changed");
    }
    for (file, reason) in [
        ("isms/existing.md", "front matter already present"),
        ("isms/binary.md", "binary"),
        ("isms/latin1.md", "not valid UTF-8"),
    ] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.contains(file) && l.contains(reason)),
            "{file} not reported as {reason:?}:\n{}",
            out.stdout
        );
    }
    // README is outside the documents' folder that adopt found; the others were adopted.
    assert!(f.read("book.toml").contains("src = \"isms\""));
    assert!(
        f.read("isms/01-security_policy.md")
            .starts_with("---\nid: ISMS-001\n")
    );
    assert!(
        f.read("isms/procedures/backup.md")
            .starts_with("---\nid: ISMS-BACKUP\ntitle: \"Backup\"\ntype: procedure\n")
    );
    // Nothing committed without --commit; a second run refuses (book.toml exists).
    assert_eq!(
        f.repo()
            .revwalk()
            .map(|mut w| {
                w.push_head().unwrap();
                w.count()
            })
            .unwrap(),
        1
    );
    let again = f.run(&["adopt", "--today", TODAY]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("already has a book.toml"),
        "{}",
        again.stderr
    );
}

#[test]
fn unregistered_files_are_withheld_when_internal_documents_may_not_be_published() {
    let f = mixed()
        .remove("isms/binary.md")
        .remove("isms/latin1.md")
        .file(
            "book.toml",
            "[book]\nsrc = \"isms\"\n[output.html]\nmax-classification = \"public\"\n",
        );
    let out = f.run(&["build", "--allow-errors", "--today", TODAY, "-q"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = f.tree("site");
    for (path, bytes) in &site {
        let text = String::from_utf8_lossy(bytes);
        for leak in [
            "01-security_policy",
            "Security policy",
            "Back up daily",
            "procedures/backup",
        ] {
            assert!(!text.contains(leak), "{path} shows {leak:?}");
        }
    }
}
