//! Differential: the renderer's fast path against ammonia, on arbitrary Markdown.
#![no_main]
use libfuzzer_sys::fuzz_target;

// Each target calls one of the shared bodies; the others are unused here.
#[allow(dead_code)]
#[path = "bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::sanitiser(data));
