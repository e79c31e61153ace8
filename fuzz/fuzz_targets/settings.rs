#![no_main]
libfuzzer_sys::fuzz_target!(
    init: {
        // The default hook instead of libFuzzer's abort-on-any-panic one: a panic that
        // duanka catches and reports as bad input (the parquet crate's, on crafted files)
        // is not a crash; one that escapes still aborts, through libfuzzer-sys.
        let _ = std::panic::take_hook();
    },
    |data: &[u8]| duanka_fuzzing::settings(data)
);
