//! Commit-message trailers (`Approved-by:` and friends) and `Name <email>` values.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::trailers(data));
