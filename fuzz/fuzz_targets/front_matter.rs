//! Front matter: splitting, the positioned YAML parser, and the facts read from every revision.
#![no_main]
use libfuzzer_sys::fuzz_target;

// Each target calls one of the shared bodies; the others are unused here.
#[allow(dead_code)]
#[path = "bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::front_matter(data));
