//! cargo fuzz target: usher::fuzzing::user_spec (its contract is there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::user_spec(data));
