//! Document lineage on the shapes real repositories have (issue #14): a directory moved into
//! the content directory from elsewhere, a move out and back in, pull-request branches that
//! merge main into themselves, evil merges, git's rename threshold, copies, and a generated
//! branchy history compared file by file with `git log --follow` (the git CLI is used only to
//! compare; those checks are skipped without it).

use crate::support::*;
use serde_json::Value;

/// `lines` numbered lines tagged `tag`, of which the first `rewritten` say something else.
fn lines(tag: &str, count: usize, rewritten: usize) -> String {
    (0..count)
        .map(|i| {
            if i < rewritten {
                format!("Rewritten line {i} of {tag}: nothing like before at all\n")
            } else {
                format!("Line {i} of the {tag} notes, kept word for word here\n")
            }
        })
        .collect()
}

/// The policy at `version`, approved on `date`, with `body` as its first paragraph.
fn policy(version: &str, date: &str, body: &str) -> String {
    POLICY
        .replace("version: \"1.0\"", &format!("version: \"{version}\""))
        .replace("effective: 2026-03-01", &format!("effective: {date}"))
        .replace("    date: 2026-03-01", &format!("    date: {date}"))
        .replace("Test Corp protects the information entrusted to it.", body)
}

// ---------------------------------------------------------------------------------------------
// Lineage from anywhere
// ---------------------------------------------------------------------------------------------

/// A team adopting policybook moves `policies/` into the content directory after two approved
/// versions: both versions and the commits that evidence their approvals are still listed.
#[test]
fn directory_moved_into_the_content_directory_keeps_its_approved_versions() {
    const OLD: &str = "policies/information-security-policy.md";
    let f = Fixture::new()
        .file("book.toml", BOOK_TOML)
        .file(ROLES_PATH, ROLES)
        .file(OLD, POLICY)
        .file("policies/README.md", "The policies of Test Corp.\n")
        .commit_as(CEO_NAME, CEO_EMAIL, COMMIT_TIME, &approved("Policy v1.0"));
    let v10 = f.head_id();
    let f = f
        .file(
            OLD,
            policy("1.1", "2026-03-05", "Test Corp protects all information."),
        )
        .commit_as(CEO_NAME, CEO_EMAIL, &t(80), &approved("Policy v1.1"));
    let v11 = f.head_id();
    let f = f
        .rename(OLD, POLICY_PATH)
        .rename("policies/README.md", "content/policies/README.md")
        .commit_as(BOB_NAME, BOB_EMAIL, &t(90), "Adopt policybook");
    let adopt = f.head_id();

    let h = history(&f, POLICY_PATH);
    assert_eq!(
        revs(&h),
        [
            rev(&adopt, POLICY_PATH, "renamed"),
            rev(&v11, OLD, "modified"),
            rev(&v10, OLD, "added"),
        ]
    );
    let versions: Vec<(&str, &str, bool, &str)> = h["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            let approval = &v["approvals"][0];
            (
                v["version"].as_str().unwrap(),
                v["approved_in"].as_str().unwrap(),
                approval["evidenced"].as_bool().unwrap(),
                approval["commit"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        versions.contains(&("1.0", v10.as_str(), true, v10.as_str()))
            && versions.contains(&("1.1", v11.as_str(), true, v11.as_str()))
            && versions.len() == 2,
        "{versions:?}\n{h:#}"
    );
    // The old behaviour on request: the history starts at the move.
    let f = f.file(
        "book.toml",
        format!("{BOOK_TOML}\n[history]\nfollow-outside = false\n"),
    );
    assert_eq!(
        revs(&history(&f, POLICY_PATH)),
        [rev(&adopt, POLICY_PATH, "added")]
    );
}

/// `content/` → `second-edition/content/` (edited there) → `content/`: one lineage.
#[test]
fn moved_out_and_back_in_is_one_lineage() {
    const HERE: &str = "content/notes/a.md";
    const AWAY: &str = "second-edition/content/notes/a.md";
    let f = Fixture::new()
        .file("book.toml", BOOK_TOML)
        .file(HERE, lines("alpha", 12, 0))
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Notes");
    let c1 = f.head_id();
    let f = f
        .rename(HERE, AWAY)
        .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Second edition");
    let c2 = f.head_id();
    let f = f.file(AWAY, lines("alpha", 12, 2)).commit_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(3),
        "Edit the second edition",
    );
    let c3 = f.head_id();
    let f = f
        .rename(AWAY, HERE)
        .commit_as(BOB_NAME, BOB_EMAIL, &t(4), "Back to the first");
    let c4 = f.head_id();
    assert_eq!(
        revs(&history(&f, HERE)),
        [
            rev(&c4, HERE, "renamed"),
            rev(&c3, AWAY, "modified"),
            rev(&c2, AWAY, "renamed"),
            rev(&c1, HERE, "added"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Merges
// ---------------------------------------------------------------------------------------------

/// A pull-request branch changes the policy, merges main into itself twice (main changed the
/// review and the roles meanwhile), and is merged with an `Approved-by` trailer. The two side
/// merges are revisions of nothing; the final merge is one revision of the policy, with its
/// trailer.
#[test]
fn pull_request_that_merges_main_twice_has_one_revision_at_its_merge() {
    let f = Fixture::clean().committed();
    let main = f.current_branch();
    let c0 = f.head_id();
    let f = f
        .branch("pr")
        .switch("pr")
        .file(
            POLICY_PATH,
            policy("1.1", "2026-03-05", "Test Corp protects all information."),
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Draft policy v1.1");
    let b1 = f.head_id();
    let f = f
        .switch(&main)
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Complete the review");
    let m1 = f.head_id();
    let review_m1 = f.text_at(&m1, REVIEW_PATH);
    let f = f.switch("pr").file(REVIEW_PATH, &review_m1).merge_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(3),
        "Merge main into pr",
        &[&main],
    );
    let s1 = f.head_id();
    let f = f
        .file(
            POLICY_PATH,
            policy(
                "1.1",
                "2026-03-05",
                "Test Corp protects all of its information.",
            ),
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(4), "Reword policy v1.1");
    let b2 = f.head_id();
    let f = f
        .switch(&main)
        .edit(ROLES_PATH, "Run the ISMS", "Run and improve the ISMS")
        .commit_as(BOB_NAME, BOB_EMAIL, &t(5), "CISO improves the ISMS");
    let m2 = f.head_id();
    let roles_m2 = f.text_at(&m2, ROLES_PATH);
    let f = f.switch("pr").file(ROLES_PATH, &roles_m2).merge_as(
        BOB_NAME,
        BOB_EMAIL,
        &t(6),
        "Merge main into pr again",
        &[&main],
    );
    let s2 = f.head_id();
    let policy_pr = f.text_at("pr", POLICY_PATH);
    let f = f.switch(&main).file(POLICY_PATH, &policy_pr).merge_as(
        CEO_NAME,
        CEO_EMAIL,
        &t(7),
        &approved("Merge pull request: policy v1.1"),
        &["pr"],
    );
    let merge = f.head_id();

    let ids = |h: &Value| -> Vec<String> { revs(h).into_iter().map(|r| r.0).collect() };
    let policy_history = history(&f, POLICY_PATH);
    assert_eq!(ids(&policy_history), [merge.clone(), b2, b1, c0.clone()]);
    let at_merge = &policy_history["revisions"][0];
    assert_eq!(at_merge["change"], "modified");
    assert_eq!(at_merge["trailers"][0]["key"], "Approved-by");
    assert_eq!(
        at_merge["trailers"][0]["value"],
        format!("{CEO_NAME} <{CEO_EMAIL}>")
    );
    // Neither side merge is a revision of what it brought in from main.
    assert_eq!(ids(&history(&f, REVIEW_PATH)), [m1, c0.clone()]);
    assert_eq!(ids(&history(&f, ROLES_PATH)), [m2, c0]);
    for side in [&s1, &s2] {
        for path in [POLICY_PATH, REVIEW_PATH, ROLES_PATH] {
            assert!(
                !ids(&history(&f, path)).contains(side),
                "side merge {side} listed for {path}"
            );
        }
    }
    // The runs above read the history cache (the first-parent merges are kept in it): the
    // same answer as a walk from nothing.
    let warm = history(&f, POLICY_PATH);
    assert_eq!(ids(&warm), ids(&policy_history));
    std::fs::remove_dir_all(f.git_dir().join("policybook")).unwrap();
    assert_eq!(history(&f, POLICY_PATH), warm);
}

/// A merge of main into a side branch that also edits the file (an evil merge) is a revision;
/// one that merges both sides' edits cleanly is not.
#[test]
fn evil_merge_is_a_revision_and_a_clean_combination_is_not() {
    let f = Fixture::clean().committed();
    let main = f.current_branch();
    let c0 = f.head_id();
    // Both lines change the review, in different places.
    let f = f
        .branch("side")
        .switch("side")
        .edit(
            REVIEW_PATH,
            "title: Management Review Q1 2026",
            "title: Management Review, first quarter of 2026",
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Retitle the review");
    let b1 = f.head_id();
    let f = f
        .switch(&main)
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Complete the review");
    let m1 = f.head_id();
    // Clean combination of both edits.
    let f = f
        .switch("side")
        .edit(
            REVIEW_PATH,
            "reviewed the ISMS.",
            "reviewed the ISMS in full.",
        )
        .merge_as(BOB_NAME, BOB_EMAIL, &t(3), "Merge main", &[&main]);
    let clean = f.head_id();
    let f = f
        .switch(&main)
        .edit(REVIEW_PATH, "Top management", "The board")
        .commit_as(BOB_NAME, BOB_EMAIL, &t(4), "The board reviews");
    let m2 = f.head_id();
    // The combination, plus an edit of the merge's own.
    let f = f
        .switch("side")
        .edit(REVIEW_PATH, "Top management", "The board")
        .edit(REVIEW_PATH, "in full.", "in full, twice.")
        .merge_as(BOB_NAME, BOB_EMAIL, &t(5), "Merge main again", &[&main]);
    let evil = f.head_id();
    let ids: Vec<String> = revs(&history(&f, REVIEW_PATH))
        .into_iter()
        .map(|r| r.0)
        .collect();
    // HEAD is `side`: its first-parent chain holds both merges, so show the history from main,
    // where neither merge is on the first-parent chain.
    let side_tip = f.head_id();
    let f = f.switch(&main);
    let from_main_ids = |f: &Fixture| -> Vec<String> {
        revs(&history(f, REVIEW_PATH))
            .into_iter()
            .map(|r| r.0)
            .collect()
    };
    assert_eq!(from_main_ids(&f), [m2.clone(), m1.clone(), c0.clone()]);
    // Merged into main (main's version taken as first parent's, the side's as the result).
    let review_side = f.text_at(&side_tip, REVIEW_PATH);
    let f = f.file(REVIEW_PATH, review_side).merge_as(
        CEO_NAME,
        CEO_EMAIL,
        &t(6),
        "Merge side",
        &["side"],
    );
    let merge = f.head_id();
    assert_eq!(
        from_main_ids(&f),
        [merge, evil.clone(), m2, m1, b1, c0],
        "the evil merge is listed, the clean one ({clean}) is not"
    );
    // On the side branch itself, both merges are on the first-parent chain.
    assert!(ids.contains(&evil) && ids.contains(&clean), "{ids:?}");
}

// ---------------------------------------------------------------------------------------------
// git's rename rules
// ---------------------------------------------------------------------------------------------

/// `git diff -M --name-status` of a commit against its parent, or `None` without git.
fn git_name_status(f: &Fixture, commit: &str) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["diff", "-M", "--name-status"])
        .arg(format!("{commit}~1"))
        .arg(commit)
        .current_dir(f.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .ok()?;
    assert!(out.status.success(), "git diff failed");
    Some(String::from_utf8(out.stdout).expect("UTF-8"))
}

/// An addition and a deletion in one commit are a rename at 60% similarity, not at 40%, as
/// git sees them.
#[test]
fn add_and_delete_are_a_rename_at_sixty_percent_not_at_forty() {
    const OLD: &str = "content/notes/old.md";
    const NEW: &str = "content/notes/new.md";
    for (rewritten, rename) in [(4, true), (6, false)] {
        let f = Fixture::new()
            .file("book.toml", BOOK_TOML)
            .file(OLD, lines("beta", 10, 0))
            .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Notes");
        let c1 = f.head_id();
        let f = f
            .remove(OLD)
            .file(NEW, lines("beta", 10, rewritten))
            .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Rewrite the notes");
        let c2 = f.head_id();
        let expected = if rename {
            vec![rev(&c2, NEW, "renamed"), rev(&c1, OLD, "added")]
        } else {
            vec![rev(&c2, NEW, "added")]
        };
        assert_eq!(revs(&history(&f, NEW)), expected, "{rewritten} of 10 lines");
        if let Some(status) = git_name_status(&f, &c2) {
            assert_eq!(
                status.starts_with('R'),
                rename,
                "git disagrees with the fixture: {status}"
            );
        }
    }
}

/// A copy (the original stays) is an addition; and a copy in the commit that renames the same
/// file elsewhere leaves one rename.
#[test]
fn a_copy_is_not_a_rename() {
    const A: &str = "content/notes/a.md";
    const COPY: &str = "content/notes/copy.md";
    let f = Fixture::new()
        .file("book.toml", BOOK_TOML)
        .file(A, lines("gamma", 10, 0))
        .commit_as(BOB_NAME, BOB_EMAIL, &t(1), "Notes");
    let c1 = f.head_id();
    let f =
        f.file(COPY, lines("gamma", 10, 0))
            .commit_as(BOB_NAME, BOB_EMAIL, &t(2), "Copy the notes");
    let c2 = f.head_id();
    assert_eq!(revs(&history(&f, COPY)), [rev(&c2, COPY, "added")]);
    assert_eq!(revs(&history(&f, A)), [rev(&c1, A, "added")]);
    if let Some(status) = git_name_status(&f, &c2) {
        assert_eq!(status.trim(), format!("A\t{COPY}"));
    }
}

// ---------------------------------------------------------------------------------------------
// `history PATH` with `--root`
// ---------------------------------------------------------------------------------------------

/// A relative path that does not exist from the working directory is the project's.
#[test]
fn history_path_is_resolved_against_the_root() {
    let f = Fixture::clean().committed();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policybook"))
        .arg("--root")
        .arg(f.path())
        .args(["history", POLICY_PATH, "--format", "json"])
        .current_dir(elsewhere.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run policybook");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(h["id"], "POL-001");
    assert_eq!(revs(&h), [rev(&f.head_id(), POLICY_PATH, "added")]);
}

// ---------------------------------------------------------------------------------------------
// A generated branchy history against `git log --follow`
// ---------------------------------------------------------------------------------------------

/// The files of one line of history: path → text.
type Files = std::collections::BTreeMap<String, String>;

/// A deterministic xorshift generator.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [String]) -> Option<&'a String> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// Directories the generator writes (besides `book.toml`).
const GENERATED_DIRS: [&str; 3] = ["content", "legacy", "drafts"];

/// Replaces the generated directories of the working tree by `files`.
fn write_files(f: Fixture, files: &Files) -> Fixture {
    for dir in GENERATED_DIRS {
        let _ = std::fs::remove_dir_all(f.join(dir));
    }
    files
        .iter()
        .fold(f, |f, (path, text)| f.file(path, text.as_str()))
}

/// A document of 16 lines, each naming the document, so that documents are not alike.
fn generated_doc(name: usize) -> String {
    (0..16)
        .map(|i| format!("Document {name}, line {i}: the text that this line holds.\n"))
        .collect()
}

/// The history a deterministic generator builds: main commits that add, edit, rename, move
/// out of and into the content directory (`legacy/` and `drafts/` are outside it), and
/// pull-request branches, some merging main into themselves, each owning the files it changes
/// while it is open so that every merge is clean.
struct Generated {
    f: Fixture,
    commits: usize,
    merges: usize,
}

fn generate_branchy_history(seed: u64) -> Generated {
    let mut dice = Dice(seed);
    let mut names = 0usize;
    let mut hour = 0u32;
    let mut commits = 0usize;
    let mut merges = 0usize;
    let mut main_files = Files::new();
    for _ in 0..8 {
        main_files.insert(format!("content/d{names}.md"), generated_doc(names));
        names += 1;
    }
    for _ in 0..4 {
        main_files.insert(format!("legacy/l{names}.md"), generated_doc(names));
        names += 1;
    }
    let f = Fixture::new().file("book.toml", BOOK_TOML);
    let main = f.current_branch();
    let mut f = write_files(f, &main_files).commit_as(BOB_NAME, BOB_EMAIL, &t(0), "Start");
    commits += 1;

    // One change to `files`, touching none of `owned`; returns the commit summary.
    let change =
        |files: &mut Files, owned: &[String], dice: &mut Dice, names: &mut usize| -> String {
            let free: Vec<String> = files
                .keys()
                .filter(|p| !owned.contains(p))
                .cloned()
                .collect();
            *names += 1;
            let n = *names;
            let edit = |text: &str, dice: &mut Dice| -> String {
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                let at = dice.below(lines.len());
                lines[at] = format!("Revised in change {n}: line {at} now says something new.");
                lines.join("\n") + "\n"
            };
            let roll = dice.below(20);
            let Some(path) = dice.pick(&free).cloned() else {
                files.insert(format!("content/n{n}.md"), generated_doc(n));
                return format!("Add n{n}");
            };
            let inside = path.starts_with("content/");
            match roll {
                0..=9 => {
                    let text = edit(&files[&path], dice);
                    files.insert(path.clone(), text);
                    format!("Edit {path}")
                }
                10..=11 => {
                    files.insert(format!("content/n{n}.md"), generated_doc(n));
                    format!("Add n{n}")
                }
                12..=13 if inside => {
                    let text = files.remove(&path).expect("picked");
                    let to = format!("content/s{n}/r{n}.md");
                    let text = if dice.below(2) == 0 {
                        edit(&text, dice)
                    } else {
                        text
                    };
                    files.insert(to.clone(), text);
                    format!("Rename {path} to {to}")
                }
                14..=15 if inside => {
                    let text = files.remove(&path).expect("picked");
                    let to = format!("drafts/x{n}.md");
                    files.insert(to.clone(), text);
                    format!("Move {path} out to {to}")
                }
                14..=17 if !inside => {
                    let text = files.remove(&path).expect("picked");
                    let base = path.rsplit('/').next().expect("a name");
                    let to = format!("content/in{n}/{base}");
                    files.insert(to.clone(), text);
                    format!("Move {path} in to {to}")
                }
                18 if inside && free.len() > 6 => {
                    files.remove(&path);
                    format!("Delete {path}")
                }
                _ => {
                    let text = edit(&files[&path], dice);
                    files.insert(path.clone(), text);
                    format!("Edit {path}")
                }
            }
        };

    let mut prs = 0;
    while commits < 320 || merges < 45 {
        if dice.below(3) != 0 {
            let summary = change(&mut main_files, &[], &mut dice, &mut names);
            hour += 1;
            f = write_files(f, &main_files).commit_as(BOB_NAME, BOB_EMAIL, &t(hour), &summary);
            commits += 1;
            continue;
        }
        // A pull request owning one or two files.
        prs += 1;
        let branch = format!("pr{prs}");
        f = f.branch(&branch);
        let candidates: Vec<String> = main_files.keys().cloned().collect();
        let mut owned: Vec<String> = Vec::new();
        for _ in 0..1 + dice.below(2) {
            if let Some(p) = dice.pick(&candidates)
                && !owned.contains(p)
            {
                owned.push(p.clone());
            }
        }
        // Every path the owned files have on the branch.
        let mut branch_paths = owned.clone();
        let mut branch_files = main_files.clone();
        // The clean merge of the two lines: the branch's owned files, main's others.
        let merged =
            |main_files: &Files, branch_files: &Files, owned: &[String], all: &[String]| {
                let mut out: Files = main_files
                    .iter()
                    .filter(|(p, _)| !all.contains(p))
                    .map(|(p, t)| (p.clone(), t.clone()))
                    .collect();
                for p in owned {
                    if let Some(text) = branch_files.get(p) {
                        out.insert(p.clone(), text.clone());
                    }
                }
                out
            };
        let steps = 2 + dice.below(3);
        let side_merge_at = if dice.below(2) == 0 {
            Some(dice.below(steps))
        } else {
            None
        };
        for step in 0..steps {
            // The branch changes an owned file (edit, or rename within content).
            let path = owned[dice.below(owned.len())].clone();
            hour += 1;
            names += 1;
            let summary = if path.starts_with("content/") && dice.below(4) == 0 {
                let text = branch_files.remove(&path).expect("owned");
                let to = format!(
                    "content/b{names}/{}",
                    path.rsplit('/').next().expect("name")
                );
                branch_files.insert(to.clone(), text);
                owned.retain(|p| p != &path);
                owned.push(to.clone());
                branch_paths.push(to.clone());
                format!("Rename {path} to {to} on {branch}")
            } else {
                let mut lines: Vec<String> =
                    branch_files[&path].lines().map(str::to_string).collect();
                let at = dice.below(lines.len());
                lines[at] = format!("Changed on {branch} as change {names}, line {at}.");
                branch_files.insert(path.clone(), lines.join("\n") + "\n");
                format!("Edit {path} on {branch}")
            };
            f = write_files(f.switch(&branch), &branch_files).commit_as(
                BOB_NAME,
                BOB_EMAIL,
                &t(hour),
                &summary,
            );
            commits += 1;
            // Main goes on meanwhile.
            for _ in 0..dice.below(3) {
                let summary = change(&mut main_files, &branch_paths, &mut dice, &mut names);
                hour += 1;
                f = write_files(f.switch(&main), &main_files).commit_as(
                    BOB_NAME,
                    BOB_EMAIL,
                    &t(hour),
                    &summary,
                );
                commits += 1;
            }
            if side_merge_at == Some(step) {
                branch_files = merged(&main_files, &branch_files, &owned, &branch_paths);
                hour += 1;
                f = write_files(f.switch(&branch), &branch_files).merge_as(
                    BOB_NAME,
                    BOB_EMAIL,
                    &t(hour),
                    &format!("Merge {main} into {branch}"),
                    &[&main],
                );
                commits += 1;
                merges += 1;
            }
        }
        main_files = merged(&main_files, &branch_files, &owned, &branch_paths);
        hour += 1;
        f = write_files(f.switch(&main), &main_files).merge_as(
            CEO_NAME,
            CEO_EMAIL,
            &t(hour),
            &approved(&format!("Merge pull request {branch}")),
            &[&branch],
        );
        commits += 1;
        merges += 1;
    }
    Generated { f, commits, merges }
}

/// `git log --follow --format=%H -- PATH` (no merges: `--follow` lists none), or `None`
/// without git.

#[test]
fn generated_branchy_history_matches_git_log_follow() {
    let Generated { f, commits, merges } = generate_branchy_history(0x9e37_79b9_7f4a_7c15);
    assert!(
        commits >= 300 && merges >= 40,
        "{commits} commits, {merges} merges"
    );
    if git_log(&f, true, "book.toml").is_none() {
        // CI installs git (.ci/run): there, a missing git must not pass unnoticed.
        assert!(
            std::env::var_os("CI").is_none(),
            "git is needed for the comparison with git log --follow"
        );
        eprintln!("git is not installed: skipping the comparison with git log --follow");
        return;
    }
    let all = f.run(&["history", "--all", "--format", "json"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let head = f.repo().head().unwrap().peel_to_tree().unwrap();
    let mut files = Vec::new();
    head.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        let path = format!("{dir}{}", entry.name().unwrap());
        if entry.kind() == Some(git2::ObjectType::Blob) && path.starts_with("content/") {
            files.push(path);
        }
        git2::TreeWalkResult::Ok
    })
    .unwrap();
    assert!(files.len() >= 8, "{files:?}");
    let is_merge = |c: &str| f.repo().find_commit(f.resolve(c)).unwrap().parent_count() > 1;
    let mut outside = 0;
    let mut differences = Vec::new();
    for path in &files {
        let h = history(&f, path);
        let ours: Vec<(String, String, String)> = revs(&h);
        outside += ours.iter().filter(|r| !r.1.starts_with("content/")).count();
        let ours: Vec<String> = ours
            .into_iter()
            .map(|r| r.0)
            .filter(|c| !is_merge(c))
            .collect();
        let theirs = git_log(&f, true, path).expect("git");
        if ours != theirs {
            differences.push(format!("{path}:\n  ours   {ours:?}\n  theirs {theirs:?}"));
        }
        // Exactly one `added` per lifetime: never two without a deletion between.
        let kinds: Vec<String> = revs(&h).into_iter().rev().map(|r| r.2).collect();
        let mut alive = false;
        for k in &kinds {
            assert!(!(k == "added" && alive), "{path}: {kinds:?}");
            alive = k != "deleted";
        }
    }
    eprintln!(
        "{commits} commits, {merges} merges, {} files, {outside} revisions outside content/",
        files.len()
    );
    assert!(
        outside > 0,
        "no lineage reached outside the content directory"
    );
    assert!(
        differences.is_empty(),
        "{} of {} files differ from git log --follow:\n{}",
        differences.len(),
        files.len(),
        differences.join("\n")
    );
}
