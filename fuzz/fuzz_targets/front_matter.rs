//! Front matter: splitting, the positioned YAML parser, and the facts read from every revision.
#![no_main]
use libfuzzer_sys::fuzz_target;
use policybook::content::{facts, front_matter};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The in-place split (what facts use) must find exactly what the gray_matter split finds.
    match (front_matter::split(text), front_matter::split_in_place(text)) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.body_offset, b.body_offset);
            assert_eq!(format!("{:?}", a.matter), format!("{:?}", b.matter));
        }
        (a, b) => assert_eq!(a.err(), b.err()),
    }
    let _ = facts::read(text);
});
