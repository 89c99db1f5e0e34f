//! One document through the whole pipeline: parse, validate, render every page (in memory).
#![no_main]
use libfuzzer_sys::fuzz_target;
use policybook::content::{Corpus, document};
use policybook::history::Unavailable;
use policybook::{Site, config, render, site, validate};

const BOOK: &str = "[book]\ntitle = \"Fuzz\"\nsrc = \"content\"\n";

fuzz_target!(|data: &[u8]| {
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
});
