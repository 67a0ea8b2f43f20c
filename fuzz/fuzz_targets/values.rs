//! cargo fuzz target: usher::fuzzing::values (its contract is there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::values(data));
