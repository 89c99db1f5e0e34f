//! Replays every input saved under `fuzz/regressions/<target>/` through the body of the fuzz
//! target of that name (`fuzz/fuzz_targets/bodies.rs`, the very code libFuzzer runs): a crash
//! found by fuzzing is saved there and stays fixed, and the targets cannot rot unseen, since
//! `cargo test` compiles their bodies.

#[path = "../fuzz/fuzz_targets/bodies.rs"]
mod bodies;

use std::path::Path;

type Body = fn(&[u8]);

const TARGETS: &[(&str, Body)] = &[
    ("front_matter", bodies::front_matter),
    ("document_pipeline", bodies::document_pipeline),
    ("trailers", bodies::trailers),
    ("book_toml", bodies::book_toml),
    ("sanitiser", bodies::sanitiser),
];

#[test]
fn every_saved_input_replays_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (target, body) in TARGETS {
        let dir = root.join(target);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "no saved inputs in {}", dir.display());
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            if std::panic::catch_unwind(|| body(&data)).is_err() {
                panic!("{target}: {} panics", input.display());
            }
            replayed += 1;
        }
    }
    assert!(replayed >= TARGETS.len());
}

#[test]
fn every_fuzz_target_has_a_regressions_folder() {
    let targets = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(targets)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter_map(|n| n.strip_suffix(".rs").map(str::to_string))
        .filter(|n| n != "bodies")
        .collect();
    names.sort();
    let mut known: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    known.sort();
    assert_eq!(names, known);
}

/// Markdown made from pieces that exercise every kind of event the fast path takes, and many it
/// must refuse: a seeded xorshift generator of whole documents.
fn markdown_generator(seed: u64) -> impl FnMut() -> String {
    const PIECES: &[&str] = &[
        "word",
        "two words",
        "*em*",
        "**strong**",
        "_u_",
        "~~s~~",
        "`code`",
        "``a`b``",
        "[rel](../p/p.md#scope)",
        "[q](a.html?x=1&y=2)",
        "[out](https://e.com/a_(b)?q=1#f)",
        "<https://example.com/auto>",
        "[mail](mailto:dpo@example.com)",
        "[js](javascript:x)",
        "[data](data:text/html,x)",
        "[t](https://e.com \"ti\\\"tle\")",
        "![img](x.png \"t\")",
        "[e]()",
        "[sp](<a b.md>)",
        "[h](#frag)",
        "[ftp](ftp://e.com)",
        "[tel](tel:+1)",
        "&amp;",
        "&copy;",
        "&#x3C;",
        "&#0;",
        "&nbsp;",
        "<",
        ">",
        "&",
        "\"",
        "'",
        "é",
        "日本",
        "\u{200b}",
        "\u{0}",
        "\\*",
        "\\",
        "<b>b</b>",
        "<span onclick=x>s</span>",
        "<script>x</script>",
        "<!-- c -->",
        "<a href=x>a</a>",
        "{#id}",
        "{.cls}",
        "[^1]",
        "[ref]",
        "www.example.com",
        "a_b_c",
        "1 < 2 > 0",
        "  ",
        "\t",
        "|",
        "*",
        "_",
        "~",
        "```",
        "$x$",
        "==m==",
        "^sup^",
        "~sub~",
        "<http://a.b/<x>>",
        "[a]: <b>",
        "https://e.com/x?a=1&b=<2>",
        "%20",
        "\\\n",
        "  \n",
    ];
    const STARTS: &[&str] = &[
        "",
        "",
        "",
        "# ",
        "## ",
        "###### ",
        "- ",
        "* ",
        "+ ",
        "1. ",
        "10) ",
        "> ",
        ">> ",
        "- [ ] ",
        "- [x] ",
        "    ",
        "| a | b |\n|---|:-:|\n| ",
        "```\n",
        "~~~ lang\n",
        "[ref]: https://e.com\n\n",
        "[^1]: note\n\n",
        "---\n",
        "***\n",
        "Term\n: ",
        "<div>\n",
        "Setext\n===\n",
    ];
    let mut state = seed | 1;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    move || {
        let mut doc = String::new();
        for _ in 0..1 + next(8) {
            doc.push_str(STARTS[next(STARTS.len())]);
            for _ in 0..1 + next(6) {
                doc.push_str(PIECES[next(PIECES.len())]);
                doc.push_str([" ", "", "\n", " "][next(4)]);
            }
            doc.push_str(["\n", "\n\n", "\n\n\n"][next(3)]);
        }
        doc
    }
}

/// Runs the differential body on `count` generated documents, or until `deadline`; returns how
/// many took the fast path.
fn differential(seed: u64, count: u64, deadline: Option<std::time::Instant>) -> (u64, u64) {
    let mut generate = markdown_generator(seed);
    let (mut cases, mut fast) = (0u64, 0u64);
    while cases < count && deadline.is_none_or(|d| std::time::Instant::now() < d) {
        let doc = generate();
        if std::panic::catch_unwind(|| bodies::sanitiser(doc.as_bytes())).is_err() {
            panic!("seed {seed}, case {cases}: the fast path differs on {doc:?}");
        }
        cases += 1;
        fast += u64::from(policybook::render::markdown::fast_path_and_sanitiser(&doc).is_some());
    }
    (cases, fast)
}

/// On every `cargo test`: 3,000 documents of a fixed seed, a good share of them on the fast path.
#[test]
fn sanitiser_differential_on_seeded_documents() {
    let (cases, fast) = differential(0x2545_f491_4f6c_dd1d, 3000, None);
    assert_eq!(cases, 3000);
    assert!(
        fast >= 150,
        "only {fast} of 3000 documents took the fast path"
    );
}

/// The differential target for a while, without libFuzzer (which needs nightly). `.ci/run`
/// runs it with `--ignored` for `POLICYBOOK_FUZZ_SECONDS` (default 20); the seed is printed,
/// so a failure can be replayed with `POLICYBOOK_FUZZ_SEED`.
#[test]
#[ignore]
fn sanitiser_differential_for_a_while() {
    let seconds: u64 = std::env::var("POLICYBOOK_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("POLICYBOOK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    println!("sanitiser differential: seed {seed}, {seconds} s");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let (cases, fast) = differential(seed, u64::MAX, Some(deadline));
    println!("sanitiser differential: {cases} documents, {fast} of them on the fast path");
    assert!(fast > 0, "no generated document took the fast path");
}
