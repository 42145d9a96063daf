#![no_main]
//! Fuzz target: see loopbatch::fuzzing.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    loopbatch::fuzzing::values(data);
});
