//! Commit-message trailers (`Approved-by:` and friends) and `Name <email>` values.
#![no_main]
use libfuzzer_sys::fuzz_target;
use policybook::history::trailers;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for trailer in trailers::parse(&text) {
        let _ = trailers::person(&trailer.value);
    }
    let _ = trailers::person(&text);
});
