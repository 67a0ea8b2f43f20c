//! cargo fuzz target: usher::fuzzing::command_line (its contract is there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::command_line(data));
