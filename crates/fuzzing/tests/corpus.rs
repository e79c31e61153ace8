//! Every input the fuzzers kept (`fuzz/corpus/TARGET/`, grown by `scripts/fuzz.sh`) and
//! every crash they found (`fuzz/regressions/TARGET/`, kept once fixed) is run again
//! through its target's body: a regression shows here, in the normal test command,
//! without a fuzzer.

use std::path::Path;

#[test]
fn every_kept_fuzz_input_runs_clean() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut failures = Vec::new();
    let mut total = 0;
    for (target, run) in duanka_fuzzing::TARGETS {
        let inputs = duanka_fuzzing::kept_inputs(&fuzz, target);
        assert!(
            inputs.len() >= 10,
            "{target}: {} kept inputs; the corpus keeps at least 10 per target",
            inputs.len()
        );
        for path in inputs {
            total += 1;
            let Ok(data) = std::fs::read(&path) else {
                failures.push(format!("{}: unreadable", path.display()));
                continue;
            };
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                failures.push(path.display().to_string());
            }
        }
    }
    println!("{total} kept fuzz inputs replayed");
    assert!(
        failures.is_empty(),
        "{} input(s) fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
