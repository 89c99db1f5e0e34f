//! Front matter: splitting, the positioned YAML parser, and the facts read from every revision.
#![no_main]
use libfuzzer_sys::fuzz_target;
use policybook::content::{facts, front_matter};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = front_matter::split(text);
    let _ = facts::read(text);
});
