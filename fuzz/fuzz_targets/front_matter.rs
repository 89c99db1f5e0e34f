//! Front matter: splitting, the positioned YAML parser, and the facts read from every revision.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::front_matter(data));
