//! book.toml: TOML syntax, the typed configuration, unknown keys and their positions.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = policybook::config::parse(std::path::Path::new("/fuzz/project"), text.to_string());
});
