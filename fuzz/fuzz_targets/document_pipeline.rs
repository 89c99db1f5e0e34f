//! One document through the whole pipeline: parse, validate, render every page (in memory).
#![no_main]
use libfuzzer_sys::fuzz_target;

// Each target calls one of the shared bodies; the others are unused here.
#[allow(dead_code)]
#[path = "bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::document_pipeline(data));
