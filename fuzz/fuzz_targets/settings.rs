#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| duanka_fuzzing::settings(data));
