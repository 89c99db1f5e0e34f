//! What each fuzz target does with one input, shared by the libFuzzer targets beside this file
//! and by `tests/fuzz_regressions.rs`, which replays every saved input under
//! `fuzz/regressions/<target>/` in `cargo test` (so a crash, once found, stays fixed, and the
//! bodies stay compiling on the stable toolchain).

use policybook::content::{Corpus, document, facts, front_matter};
use policybook::history::{Unavailable, trailers};
use policybook::{Site, config, render, site, validate};

/// Front matter: splitting, the positioned YAML parser, and the facts read from every revision.
pub fn front_matter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The split and the raw matter text agree on where the body starts, which is a character
    // boundary of the text.
    match (front_matter::split(text), front_matter::matter_text(text)) {
        (Ok(split), Ok((_, body_offset))) => {
            assert_eq!(split.body_offset, body_offset);
            assert!(text.is_char_boundary(body_offset));
        }
        (a, b) => assert_eq!(a.err(), b.err()),
    }
    let _ = facts::read(text);
}

const BOOK: &str = "[book]\ntitle = \"Fuzz\"\nsrc = \"content\"\n";

/// One document through the whole pipeline: parse, validate, render every page (in memory).
pub fn document_pipeline(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok((project, _)) = config::parse(std::path::Path::new("/fuzz/project"), BOOK.to_string())
    else {
        return;
    };
    let (doc, _) = document::read(
        &project,
        "policies/fuzz.md",
        "content/policies/fuzz.md",
        text.to_string(),
    );
    let corpus = Corpus {
        documents: vec![doc],
        assets: Default::default(),
    };
    let site = Site::new(
        project,
        corpus,
        jiff::civil::date(2026, 6, 1),
        Err(Unavailable::NotARepository),
        Vec::new(),
        site::Options::default(),
    );
    let diagnostics = validate::run(&site);
    let _ = render::render_to_memory(&site, &diagnostics);
}

/// Commit-message trailers (`Approved-by:` and friends) and `Name <email>` values.
pub fn trailers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for trailer in trailers::parse(&text) {
        let _ = trailers::person(&trailer.value);
    }
    let _ = trailers::person(&text);
}

/// book.toml: TOML syntax, the typed configuration, unknown keys and their positions.
pub fn book_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = config::parse(std::path::Path::new("/fuzz/project"), text.to_string());
}

/// The renderer's fast path against the sanitiser: any Markdown whose events all take the fast
/// path must come out byte for byte as ammonia would write it.
pub fn sanitiser(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some((fast, sanitised)) = render::markdown::fast_path_and_sanitiser(text) {
        assert_eq!(fast, sanitised, "the fast path differs from the sanitiser");
    }
}
