//! `policybook init` (a scaffold that passes `check` at once, never overwriting, never
//! re-initializing a repository) and `policybook communicate` (an entry that clears
//! `not-communicated`).

use crate::support::*;
use std::path::Path;

const SCAFFOLD: &[&str] = &[
    "book.toml",
    ".gitignore",
    ".github/workflows/policybook.yml",
    "content/policies/information-security-policy.md",
    "content/roles/roles-and-responsibilities.md",
    "content/reviews/2026-06-01-management-review.md",
    "content/communications/2026-06-01-pol-001-v1-0-intranet.md",
];

fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("policybook-init-")
        .tempdir()
        .expect("create a temporary directory")
}

/// Every file below `dir` (outside `.git`) with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry"))
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            if name == ".git" {
                continue;
            }
            if e.file_type().expect("type").is_dir() {
                walk(&e.path(), &format!("{name}/"), out);
            } else {
                out.push((name, std::fs::read(e.path()).expect("read")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out
}

fn check_json(dir: &Path) -> (i32, Vec<Diag>) {
    let out = run_in(dir, &["check", "--format", "json", "--today", TODAY]);
    (out.code, out.diagnostics())
}

#[test]
fn init_scaffolds_a_repository_that_passes_check() {
    let tmp = temp_dir();
    let dir = tmp.path().join("isms");
    std::fs::create_dir(&dir).unwrap();
    assert!(
        git2::Repository::discover(&dir).is_err(),
        "temp dir is inside a repository"
    );

    let out = run_in(
        &dir,
        &["init", "--today", TODAY, "--organization", "Acme \"Labs\""],
    );
    assert_eq!(
        out.code, 0,
        "stderr:\n{}\nstdout:\n{}",
        out.stderr, out.stdout
    );
    for rel in SCAFFOLD {
        assert!(dir.join(rel).is_file(), "{rel} was not created");
        assert!(
            out.stdout.contains(rel),
            "the report does not name {rel}:\n{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("Approved-by:"), "{}", out.stdout);
    assert!(out.stdout.contains("initialized"), "{}", out.stdout);
    let repo = git2::Repository::open(&dir).expect("init made a Git repository");
    assert!(repo.head().is_err(), "init must not commit");

    let book = std::fs::read_to_string(dir.join("book.toml")).unwrap();
    assert!(book.contains(r#"organization = "Acme \"Labs\"""#), "{book}");
    assert!(!book.contains("@@") && book.contains("#"), "{book}");
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(
        ignore.lines().any(|l| l.trim_matches('/') == "site"),
        "{ignore}"
    );
    let workflow = std::fs::read_to_string(dir.join(".github/workflows/policybook.yml")).unwrap();
    for needle in [
        "fetch-depth: 0",
        "policybook check --format github",
        r#"policybook diff "origin/${{ github.base_ref }}..HEAD""#,
        "policybook build",
        "actions/upload-artifact",
    ] {
        assert!(
            workflow.contains(needle),
            "workflow lacks {needle}:\n{workflow}"
        );
    }

    let (code, diags) = check_json(&dir);
    assert_eq!(code, 0, "{}", show(&diags));
    assert!(
        diags.iter().all(|d| d.severity == "warning"),
        "{}",
        show(&diags)
    );
    // Warnings only about the missing history and the placeholders left to fill in: no
    // unknown key, field or anything else.
    for d in &diags {
        assert!(
            ["history-unavailable", "uncommitted-changes", "placeholder"]
                .contains(&d.code.as_str()),
            "unexpected finding: {}",
            show(&diags)
        );
    }
    // One `placeholder` per file that holds any: the approver in the policy, the holders in
    // the roles registry.
    let mut files: Vec<&str> = diags
        .iter()
        .filter(|d| d.code == "placeholder")
        .map(|d| d.file.as_deref().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "content/policies/information-security-policy.md",
            "content/roles/roles-and-responsibilities.md"
        ]
    );
    let policy = std::fs::read_to_string(dir.join(files[0])).unwrap();
    let d = diags
        .iter()
        .find(|d| d.code == "placeholder" && d.file.as_deref() == Some(files[0]))
        .unwrap();
    assert_eq!(
        (d.line.unwrap(), d.column.unwrap()),
        pos_of(&policy, "REPLACE ME")
    );
    assert_eq!(d.severity, "warning");

    // The dashboard says the setup is incomplete; filled in, it no longer does.
    let out = run_in(&dir, &["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let index = std::fs::read_to_string(dir.join("site/index.html")).unwrap();
    assert!(index.contains("Setup incomplete"), "{index}");
    for file in &files {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        std::fs::write(dir.join(file), text.replace("REPLACE ME", "Jane Doe")).unwrap();
    }
    let (_, diags) = check_json(&dir);
    none_of(&diags, "placeholder");
    let out = run_in(&dir, &["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let index = std::fs::read_to_string(dir.join("site/index.html")).unwrap();
    assert!(!index.contains("Setup incomplete"));
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let tmp = temp_dir();
    let dir = tmp.path();
    assert_eq!(run_in(dir, &["init", "--today", TODAY]).code, 0);
    std::fs::write(
        dir.join("content/policies/information-security-policy.md"),
        "mine",
    )
    .unwrap();
    let before = files(dir);
    let out = run_in(dir, &["init", "--today", TODAY]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("book.toml")
            && out
                .stderr
                .contains("content/policies/information-security-policy.md"),
        "{}",
        out.stderr
    );
    assert_eq!(files(dir), before, "a refused init changed files");

    // One existing file among the targets is enough; nothing else is written.
    let tmp = temp_dir();
    let dir = tmp.path();
    std::fs::write(dir.join(".gitignore"), "target/\n").unwrap();
    let out = run_in(dir, &["init", "--today", TODAY]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(".gitignore"), "{}", out.stderr);
    assert_eq!(
        files(dir),
        vec![(".gitignore".to_string(), b"target/\n".to_vec())]
    );
    assert!(!dir.join(".git").exists(), "a refused init ran git init");
}

#[test]
fn init_inside_an_existing_repository_does_not_reinit() {
    let f = Fixture::new()
        .file("README.md", "Our ISMS lives in isms/.\n")
        .commit_as(CEO_NAME, CEO_EMAIL, COMMIT_TIME, "Start\n");
    let head = f.head_id();

    // At the top of the repository.
    let out = run_in(f.path(), &["init", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("existing Git repository"),
        "{}",
        out.stdout
    );
    assert_eq!(f.head_id(), head);

    // In a subdirectory: no nested repository.
    let sub = f.join("isms");
    std::fs::create_dir(&sub).unwrap();
    let out = run_in(&sub, &["init", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!sub.join(".git").exists(), "init made a nested repository");
    assert!(sub.join("book.toml").is_file());
    assert_eq!(f.head_id(), head, "init must not commit");
    let (code, diags) = check_json(&sub);
    assert_eq!(code, 0, "{}", show(&diags));
}

/// Runs `sh -c SCRIPT` in `dir` with the built policybook first on PATH, git's global
/// configuration in `home`, and no system configuration: the shell lines of the workflow and
/// the README, verbatim. Exit code and output.
fn shell(dir: &Path, home: &Path, script: &str) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_policybook"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("SOURCE_DATE_EPOCH", "1780272000") // 2026-06-01
        .env("NO_COLOR", "1")
        .output()
        .expect("run sh");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Commits the whole working tree of `repo` on HEAD as the scaffold's CEO would.
fn commit_all(repo: &git2::Repository, message: &str) -> git2::Oid {
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let when = git2::Time::new(1_780_000_000, 0);
    let who = git2::Signature::new("Casey Example", "ceo@example.com", &when).unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &who, &who, message, &tree, &parents)
        .unwrap()
}

#[test]
fn init_makes_main_and_its_ci_and_readme_commands_work_verbatim() {
    let tmp = temp_dir();
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    // The README's init command, verbatim.
    let readme = include_str!("../../README.md");
    let init_line = readme
        .lines()
        .find(|l| l.starts_with("policybook init "))
        .expect("the README shows `policybook init`");
    let (code, out) = shell(tmp.path(), &home, init_line);
    assert_eq!(code, 0, "{init_line}\n{out}");
    let dir = tmp.path().join("isms");
    let repo = git2::Repository::open(&dir).unwrap();
    let head = repo.find_reference("HEAD").unwrap();
    assert_eq!(head.symbolic_target().unwrap(), Some("refs/heads/main"));
    let workflow = std::fs::read_to_string(dir.join(".github/workflows/policybook.yml")).unwrap();
    assert!(workflow.contains("branches: [main]"), "{workflow}");

    // The first commit on main, as CI's checkout of the base would see it, then a pull
    // request's commit on top.
    let base = commit_all(&repo, "Information security policy v1.0");
    repo.reference("refs/remotes/origin/main", base, true, "fetch")
        .unwrap();
    let review = std::fs::read_dir(dir.join("content/reviews"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&review).unwrap();
    std::fs::write(&review, format!("{text}\nA note from the pull request.\n")).unwrap();
    commit_all(&repo, "Review: a note");

    // Every `policybook` step of the workflow, as GitHub runs it for a pull request to main.
    let steps: Vec<String> = workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("run: "))
        .filter(|l| l.starts_with("policybook "))
        .map(|l| l.replace("${{ github.base_ref }}", "main"))
        .collect();
    assert_eq!(steps.len(), 3, "{steps:?}");
    for step in &steps {
        let (code, out) = shell(&dir, &home, step);
        assert_eq!(code, 0, "{step}\n{out}");
    }
    assert!(dir.join("policybook-report.md").is_file());
    assert!(dir.join("site/index.html").is_file());
    // And the README's own diff example.
    let diff_line = readme
        .lines()
        .find(|l| l.starts_with("policybook diff origin/main..HEAD"))
        .expect("the README shows a diff against origin/main");
    let (code, out) = shell(&dir, &home, diff_line);
    assert_eq!(code, 0, "{diff_line}\n{out}");
}

#[test]
fn init_follows_gits_default_branch_setting() {
    let tmp = temp_dir();
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(home.join(".gitconfig"), "[init]\n\tdefaultBranch = trunk\n").unwrap();
    let (code, out) = shell(tmp.path(), &home, "policybook init isms --today 2026-06-01");
    assert_eq!(code, 0, "{out}");
    let dir = tmp.path().join("isms");
    let repo = git2::Repository::open(&dir).unwrap();
    assert_eq!(
        repo.find_reference("HEAD")
            .unwrap()
            .symbolic_target()
            .unwrap(),
        Some("refs/heads/trunk")
    );
    let workflow = std::fs::read_to_string(dir.join(".github/workflows/policybook.yml")).unwrap();
    assert!(workflow.contains("branches: [trunk]"), "{workflow}");
    assert!(out.contains("on branch trunk"), "{out}");
}

/// The clean fixture, with the policy also addressed to contractors, who never heard of it.
fn uncommunicated() -> Fixture {
    let f = Fixture::clean()
        .edit(
            POLICY_PATH,
            "audience: [all-staff]",
            "audience: [all-staff, contractors]",
        )
        .commit("Address the policy to contractors too");
    let diags = f.diagnostics();
    let d = only(&diags, "not-communicated");
    assert!(d.message.contains("contractors"), "{}", d.message);
    f
}

fn communications(f: &Fixture) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(f.join("content/communications"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn communicate_records_an_entry_that_clears_not_communicated() {
    let f = uncommunicated().file("message.txt", "Dear contractors,\n\nplease read POL-001.\n");
    let before = communications(&f);
    let out = f.run(&[
        "communicate",
        "POL-001",
        "--channel",
        "email",
        "--audience",
        "contractors",
        "--date",
        "2026-03-05",
        "--message-file",
        f.join("message.txt").to_str().unwrap(),
        "--format",
        "json",
        "--today",
        TODAY,
    ]);
    assert_eq!(
        out.code, 0,
        "stderr:\n{}\nstdout:\n{}",
        out.stderr, out.stdout
    );

    let after = communications(&f);
    let new: Vec<&String> = after.iter().filter(|n| !before.contains(n)).collect();
    assert_eq!(new.len(), 1, "{after:?}");
    let name = new[0];
    assert!(
        name.starts_with("2026-03-05-pol-001-v1-0-email-") && name.ends_with(".md"),
        "{name}"
    );
    let rel = format!("content/communications/{name}");

    // Only findings about the new entry are printed: it is not committed yet.
    let printed = out.diagnostics();
    assert!(!printed.is_empty());
    for d in &printed {
        assert_eq!(d.file.as_deref(), Some(rel.as_str()), "{}", show(&printed));
        assert_eq!(d.code, "uncommitted-changes", "{}", show(&printed));
    }

    // The file is a well-formed communication entry.
    let text = f.read(&rel);
    let rest = text.strip_prefix("---\n").expect("front matter");
    let (matter, body) = rest.split_once("\n---\n").expect("closed front matter");
    let yaml = &yaml_rust2::YamlLoader::load_from_str(matter).expect("YAML")[0];
    assert_eq!(yaml["type"].as_str(), Some("communication"));
    assert_eq!(yaml["date"].as_str(), Some("2026-03-05"));
    assert_eq!(yaml["channel"].as_str(), Some("email"));
    assert_eq!(
        yaml["sender"].as_str(),
        Some("CISO"),
        "the owner by default"
    );
    assert_eq!(yaml["documents"][0]["id"].as_str(), Some("POL-001"));
    assert_eq!(yaml["documents"][0]["version"].as_str(), Some("1.0"));
    let audience: Vec<&str> = yaml["audience"]
        .as_vec()
        .expect("audience list")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert_eq!(audience, ["contractors"]);
    let id = yaml["id"].as_str().expect("id");
    assert!(id.starts_with("COM-2026-03-05-POL-001-v1-0-email-"), "{id}");
    assert_eq!(body.trim(), "Dear contractors,\n\nplease read POL-001.");

    // `check` no longer reports the gap, and nothing else but the uncommitted file.
    let diags = f.diagnostics();
    none_of(&diags, "not-communicated");
    assert!(
        diags.iter().all(|d| d.severity == "warning"),
        "{}",
        show(&diags)
    );

    // Recording the same communication again is refused.
    let again = f.run(&[
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
    ]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(communications(&f), after);
}

#[test]
fn communicate_refuses_unknown_and_uncontrolled_documents() {
    let f = uncommunicated();
    let before = communications(&f);
    let out = f.run(&[
        "communicate",
        "POL-002",
        "--channel",
        "email",
        "--today",
        TODAY,
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("POL-002"), "{}", out.stderr);

    let out = f.run(&[
        "communicate",
        "ROL-001",
        "--channel",
        "email",
        "--today",
        TODAY,
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("not a controlled document"),
        "{}",
        out.stderr
    );

    let out = f.run(&[
        "communicate",
        "POL-001",
        "--channel",
        "fax",
        "--today",
        TODAY,
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = f.run(&[
        "communicate",
        "POL-001",
        "--channel",
        "email",
        "--date",
        "2026-02-30",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);

    assert_eq!(
        communications(&f),
        before,
        "a refused communicate wrote a file"
    );
}

#[test]
fn communicate_exits_1_when_the_new_entry_has_errors() {
    let f = uncommunicated();
    let out = f.run(&[
        "communicate",
        "POL-001",
        "--channel",
        "meeting",
        "--sender",
        "NOBODY",
        "--format",
        "json",
        "--today",
        TODAY,
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let printed = out.diagnostics();
    let d = only(&printed, "unknown-role");
    assert!(d.message.contains("NOBODY"), "{}", d.message);
}

/// Several `communicate` runs at once (as in concurrent pull requests on one machine, or a
/// script): every entry lands in its own complete file, none is lost or mixed with another.
#[test]
fn concurrent_communicate_runs_each_write_their_own_complete_entry() {
    let f = uncommunicated();
    let before = communications(&f);
    let runs: Vec<(&str, &str)> = vec![
        ("email", "contractors"),
        ("intranet", "contractors"),
        ("training", "all-staff"),
        ("meeting", "all-staff,contractors"),
    ];
    let children: Vec<std::process::Child> = runs
        .iter()
        .map(|(channel, audience)| {
            std::process::Command::new(env!("CARGO_BIN_EXE_policybook"))
                .arg("--root")
                .arg(f.path())
                .args([
                    "communicate",
                    "POL-001",
                    "--channel",
                    channel,
                    "--audience",
                    audience,
                    "--date",
                    "2026-03-05",
                    "--today",
                    TODAY,
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let added: Vec<String> = communications(&f)
        .into_iter()
        .filter(|n| !before.contains(n))
        .collect();
    assert_eq!(added.len(), runs.len(), "{added:?}");
    for name in &added {
        let text = std::fs::read_to_string(f.join("content/communications").join(name)).unwrap();
        assert!(
            text.starts_with("---\nid: COM-2026-03-05-POL-001-v1-0-"),
            "{name}:\n{text}"
        );
        assert_eq!(
            text.matches("\n---\n").count(),
            1,
            "{name} is not one entry:\n{text}"
        );
    }
    let diags = f.diagnostics();
    none_of(&diags, "not-communicated");
    none_of(&diags, "duplicate-id");
}

#[test]
fn completions_are_printed_for_each_shell() {
    let tmp = temp_dir();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run_in(tmp.path(), &["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        for word in ["policybook", "approve", "communicate", "max-diagnostics"] {
            assert!(out.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    let out = run_in(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(out.code, 2);
}

#[test]
fn init_theme_copies_the_default_theme_that_then_overrides_file_by_file() {
    let f = Fixture::clean();
    let out = f.run(&["init", "--theme", "themes/house"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let theme = f.tree("themes/house");
    for file in [
        "templates/base.html",
        "templates/index.html",
        "css/policybook.css",
        "js/policybook.js",
    ] {
        assert!(
            theme.contains_key(file),
            "{file} not written: {:?}",
            theme.keys()
        );
    }
    assert!(
        out.stdout
            .contains("[output.html] theme = \"themes/house\""),
        "{}",
        out.stdout
    );
    // Never overwrites.
    let again = f.run(&["init", "--theme", "themes/house"]);
    assert_eq!(again.code, 2);
    assert_eq!(f.tree("themes/house"), theme);
    // Used as the theme, an edited copy changes the portal; an unchanged one does not.
    let plain = {
        let out = f.run(&["build", "--today", TODAY]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        f.read("site/index.html")
    };
    let f = f.edit(
        "book.toml",
        "[isms]",
        "[output.html]\ntheme = \"themes/house\"\n\n[isms]",
    );
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.read("site/index.html"), plain);
    let f = f.edit(
        "themes/house/templates/index.html",
        "Information security management system",
        "Our house ISMS",
    );
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(f.read("site/index.html").contains("Our house ISMS"));
}
