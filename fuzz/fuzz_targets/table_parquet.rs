#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| duanka_fuzzing::table_parquet(data));
