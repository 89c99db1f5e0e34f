//! Incremental rebuilds (`policybook::incremental`) equal cold builds: a seeded random sequence
//! of edits (bodies, front matter, ids, deletions, additions, renames, commits) is applied to a
//! fixture; after each, the session rebuilds from the changed paths only, and every page and
//! every diagnostic is compared with a cold build (`load` + `render_to_memory`) of the same
//! tree. The pages stay in memory: no build directory is written.

use crate::support::*;
use policybook::incremental::{Output, Session};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A small deterministic generator (xorshift64*): the sequence is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
    fn sentence(&mut self) -> &'static str {
        SENTENCES[self.below(SENTENCES.len())]
    }
}

/// One generated policy: its front matter fields and body, written out by `text`.
#[derive(Clone)]
struct Policy {
    id: String,
    title: String,
    version: String,
    status: &'static str,
    classification: &'static str,
    body: String,
}

impl Policy {
    fn text(&self) -> String {
        format!(
            "---\nid: {}\ntitle: {}\ntype: policy\nversion: \"{}\"\nstatus: {}\nowner: CISO\n\
             classification: {}\neffective: 2026-03-02\nreview:\n  interval: \"12 months\"\n  \
             last: 2026-03-01\napprovals:\n  - role: CEO\n    name: Alice Example\n    date: 2026-03-02\n\
             audience: [all-staff]\n---\n\n{}",
            self.id, self.title, self.version, self.status, self.classification, self.body
        )
    }
}

const SENTENCES: &[&str] = &[
    "Access is granted on a need-to-know basis.",
    "Backups are tested every quarter.",
    "Incidents are reported to the [CISO](../roles/roles.md).",
    "See the [information security policy](information-security-policy.md#purpose).",
    "A link to a [missing page](nowhere.md) is a finding.",
    "## Exceptions\n\nExceptions are approved by the CISO.",
    "Evidence is kept in [the register](../evidence/register.txt).",
    "<script>alert(1)</script> is shown as text.",
];

fn body(rng: &mut Rng, title: &str) -> String {
    let mut text = format!("# {title}\n\n## Purpose\n\n");
    for _ in 0..1 + rng.below(3) {
        text.push_str(rng.sentence());
        text.push_str("\n\n");
    }
    text
}

/// The fixture's generated documents, by path below the project root.
struct Docs {
    policies: BTreeMap<String, Policy>,
    next_id: usize,
}

fn options() -> policybook::site::Options {
    policybook::site::Options {
        today: Some("2026-06-01".parse().unwrap()),
        drafts: true,
        ..Default::default()
    }
}

/// Every page and diagnostic of the session equal those of a cold build; the first
/// difference is described.
fn compare(session: &Session, f: &Fixture, step: usize, what: &str) {
    let cold = policybook::load(f.path(), options()).expect("the cold load");
    let cold_files = policybook::render::render_to_memory(&cold.site, &cold.diagnostics)
        .expect("the cold render");
    let warm = session.loaded().expect("the session has built");
    assert_eq!(
        warm.diagnostics, cold.diagnostics,
        "step {step} ({what}): the diagnostics differ from a cold build's"
    );
    let files = session.files().expect("in memory");
    let paths = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        paths(files),
        paths(&cold_files),
        "step {step} ({what}): the site's files differ from a cold build's"
    );
    for (path, bytes) in &cold_files {
        assert!(
            files[path] == *bytes,
            "step {step} ({what}): {path} differs from a cold build's"
        );
    }
}

#[test]
fn random_edits_rebuild_as_a_cold_build_does() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut f = Fixture::clean()
        .file("content/evidence/register.txt", "evidence\n")
        .committed();
    let mut docs = Docs {
        policies: BTreeMap::new(),
        next_id: 100,
    };
    for n in 0..4 {
        let id = format!("POL-{}", 10 + n);
        let title = format!("Policy {n}");
        let p = Policy {
            body: body(&mut rng, &title),
            id,
            title,
            version: "1.0".into(),
            status: "approved",
            classification: "internal",
        };
        let path = format!("content/policies/policy-{n}.md");
        f = f.file(&path, p.text());
        docs.policies.insert(path, p);
    }
    f = f.commit("Four policies");
    // Version 1.1 of the first drafted: 1.0 stays in force, the draft has its own page.
    let p = docs
        .policies
        .get_mut("content/policies/policy-0.md")
        .unwrap();
    p.status = "draft";
    p.version = "1.1".into();
    f = f.file("content/policies/policy-0.md", p.text());
    let mut session = Session::new(f.path(), options(), Output::Memory(BTreeMap::new()));
    let first = session.rebuild(&[]).expect("the first build");
    assert!(first.full);
    compare(&session, &f, 0, "first build");

    let (mut scoped, mut full, mut partial, mut in_force) = (0, 0, 0, 0);
    for step in 1..=60 {
        let paths: Vec<String> = docs.policies.keys().cloned().collect();
        let kind = if paths.is_empty() { 5 } else { rng.below(12) };
        let (what, changed): (&str, Vec<String>) = match kind {
            // Body edits are what authors do most.
            0..=2 => {
                let path = rng.pick(&paths).clone();
                let p = docs.policies.get_mut(&path).unwrap();
                if rng.below(3) == 0 {
                    p.body = body(&mut rng, &p.title.clone());
                } else {
                    p.body.push_str(rng.sentence());
                    p.body.push_str("\n\n");
                }
                f = f.file(&path, p.text());
                ("body", vec![path])
            }
            3 | 4 => {
                let path = rng.pick(&paths).clone();
                let p = docs.policies.get_mut(&path).unwrap();
                match rng.below(6) {
                    0 => p.title = format!("{} (revised)", p.title),
                    // A new version drafted: the approved one stays in force.
                    1 | 2 => {
                        p.status = rng.word(&["draft", "in-review"]);
                        p.version = format!("1.{}", 1 + rng.below(5));
                    }
                    3 => p.status = rng.word(&["approved", "retired"]),
                    _ => p.classification = rng.word(&["internal", "confidential", "public"]),
                }
                f = f.file(&path, p.text());
                ("front matter", vec![path])
            }
            5 => {
                docs.next_id += 1;
                let n = docs.next_id;
                let title = format!("New policy {n}");
                let p = Policy {
                    body: body(&mut rng, &title),
                    id: format!("POL-{n}"),
                    title,
                    version: "1.0".into(),
                    status: rng.word(&["draft", "approved"]),
                    classification: "internal",
                };
                let path = format!("content/policies/new-{n}.md");
                f = f.file(&path, p.text());
                docs.policies.insert(path.clone(), p);
                ("add", vec![path])
            }
            6 => {
                let path = rng.pick(&paths).clone();
                docs.policies.remove(&path);
                f = f.remove(&path);
                ("delete", vec![path])
            }
            7 => {
                let from = rng.pick(&paths).clone();
                docs.next_id += 1;
                let dir = rng.word(&["policies", "policies/moved", "standards"]);
                let to = format!("content/{dir}/renamed-{}.md", docs.next_id);
                let p = docs.policies.remove(&from).unwrap();
                f = f.remove(&from).file(&to, p.text());
                docs.policies.insert(to.clone(), p);
                ("rename", vec![from, to])
            }
            8 => {
                let path = rng.pick(&paths).clone();
                docs.next_id += 1;
                let p = docs.policies.get_mut(&path).unwrap();
                p.id = format!("POL-{}", docs.next_id);
                f = f.file(&path, p.text());
                ("id change", vec![path])
            }
            9 => {
                f = f.file(
                    "content/evidence/register.txt",
                    format!("evidence {step}\n"),
                );
                ("attachment", vec!["content/evidence/register.txt".into()])
            }
            // A new commit: the session is told nothing, HEAD moved.
            _ => {
                let time = format!("2026-03-{:02}T09:00:00Z", 3 + step / 3);
                let message = format!("Step {step}\n\nApproved-by: {CEO_NAME} <{CEO_EMAIL}>\n");
                f = f.commit_as(CEO_NAME, CEO_EMAIL, &time, &message);
                ("commit", vec![])
            }
        };
        let changed: Vec<PathBuf> = changed.iter().map(|p| f.join(p)).collect();
        let update = session
            .rebuild(&changed)
            .unwrap_or_else(|e| panic!("step {step} ({what}): {e}"));
        if update.scoped {
            scoped += 1;
        } else if update.full {
            full += 1;
        } else {
            partial += 1;
        }
        compare(&session, &f, step, what);
        let site = &session.loaded().unwrap().site;
        if site.published_drafts().count() > 0 {
            in_force += 1;
        }
    }
    // Every path of the rebuild was taken: a body edit's pages only, every page's inputs
    // compared after a front matter change, and everything read again after a commit; and
    // documents in force at an earlier version (their pages read from Git) were part of it.
    assert!(
        scoped >= 10 && full >= 3 && partial >= 5 && in_force >= 5,
        "scoped {scoped}, full {full}, partial {partial}, in force {in_force}"
    );
}

/// The people file and the record files change what pages show (acknowledgement tables, the
/// dashboard's rate) without any document changing: a session rebuilds as a cold build does,
/// even when the people file sits in the content directory.
#[test]
fn people_and_record_file_changes_rebuild_as_a_cold_build_does() {
    let people = "email,name,groups,joined,left\nada@example.com,Ada,all-staff,2020-01-01,\n";
    let mut f = Fixture::clean()
        .file(
            "book.toml",
            format!("{BOOK_TOML}\n[acknowledgement]\npeople = \"content/hr/people.csv\"\n"),
        )
        .file("content/hr/people.csv", people)
        .committed();
    let mut session = Session::new(f.path(), options(), Output::Memory(BTreeMap::new()));
    session.rebuild(&[]).expect("the first build");
    compare(&session, &f, 0, "first build");

    let record = "email,document,version,content_sha256,at,method,source\n\
                  ada@example.com,POL-001,1.0,,2026-03-05T09:00:00Z,form,x\n";
    let steps: [(&str, &str, String); 3] = [
        (
            "a record file",
            "acknowledgements/a.csv",
            record.to_string(),
        ),
        (
            "a person joins",
            "content/hr/people.csv",
            format!("{people}bob@example.com,Bob,all-staff,2020-01-01,\n"),
        ),
        (
            "a person leaves",
            "content/hr/people.csv",
            format!("{people}bob@example.com,Bob,all-staff,2020-01-01,2026-05-01\n"),
        ),
    ];
    for (step, (what, path, text)) in steps.into_iter().enumerate() {
        f = f.file(path, text);
        let update = session
            .rebuild(&[f.join(path)])
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(update.full, "{what}: everything is built again");
        compare(&session, &f, step + 1, what);
    }

    // A document edit keeps the people and records read before (none of their files
    // changed), and still builds as a cold build does.
    let policy = f.read(POLICY_PATH);
    f = f.file(
        POLICY_PATH,
        policy.replace("## Purpose", "## Purpose\n\nEdited."),
    );
    let update = session
        .rebuild(&[f.join(POLICY_PATH)])
        .expect("a body edit");
    assert!(!update.full, "a body edit is not a full build");
    compare(&session, &f, 4, "a body edit");
    // So does a new commit (new history, the same people and records).
    f = f.commit("The edit");
    session.rebuild(&[]).expect("a commit");
    compare(&session, &f, 5, "a commit");
}

/// With `[acknowledgement] custodians`, a record file is withheld until a custodian commits
/// it: a session rebuilds as a cold build does while custody changes with the history.
#[test]
fn record_custody_changes_rebuild_as_a_cold_build_does() {
    let record_file = "acknowledgements/pol-001.csv";
    let mut f = Fixture::custodied(
        "email,name,groups,joined,left\nada@example.com,Ada,all-staff,2020-01-01,\n",
    )
    .file(
        record_file,
        "email,document,version,content_sha256,at,method,source\n\
             ada@example.com,POL-001,1.0,,2026-03-05T09:00:00Z,form,x\n",
    );
    let mut session = Session::new(f.path(), options(), Output::Memory(BTreeMap::new()));
    session.rebuild(&[]).expect("the first build");
    compare(&session, &f, 0, "an uncommitted record file");
    // Hana commits it: it counts from now on.
    f = f.commit_as(
        "Hana Reyes",
        "hana@example.com",
        "2026-03-06T10:00:00Z",
        "Acknowledgements of POL-001\n",
    );
    session.rebuild(&[]).expect("the custodian's commit");
    compare(&session, &f, 1, "the custodian's commit");
    // A body edit keeps the records read before.
    let policy = f.read(POLICY_PATH);
    f = f.file(
        POLICY_PATH,
        policy.replace("## Purpose", "## Purpose\n\nEdited."),
    );
    session
        .rebuild(&[f.join(POLICY_PATH)])
        .expect("a body edit");
    compare(&session, &f, 2, "a body edit");
    // Someone else changes the record file: withheld again.
    f = f.file(
        record_file,
        "email,document,version,content_sha256,at,method,source\n\
         ada@example.com,POL-001,1.0,,2026-03-05T09:00:00Z,form,y\n",
    );
    f = f.commit_as(
        "Bob Example",
        "bob@example.com",
        "2026-03-07T10:00:00Z",
        "Fix a source\n",
    );
    session
        .rebuild(&[f.join(record_file)])
        .expect("someone else's commit");
    compare(&session, &f, 3, "someone else's commit");
}
