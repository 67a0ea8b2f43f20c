//! cargo fuzz target: usher::fuzzing::etc_files (its contract is there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::etc_files(data));
