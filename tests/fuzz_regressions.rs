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
