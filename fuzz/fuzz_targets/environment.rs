//! cargo fuzz target: usher::fuzzing::environment (its contract is there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::environment(data));
