#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader of outside data (fuzz/: values, SMS text, CSV and
# NDJSON tables, Parquet input, reference files, settings, a scan folder's files), on stable
# Rust: libFuzzer through libfuzzer-sys, coverage from LLVM's sanitizer-coverage pass, which
# stable rustc runs with -C passes (no nightly, no cargo-fuzz). Each target runs SECONDS
# (default 60) from its kept corpus; inputs that reach new code are merged into
# fuzz/corpus/TARGET/, a crash is kept in fuzz/regressions/TARGET/ (the test command replays
# both, crates/fuzzing/tests/corpus.rs), and a table of executions and crashes is printed.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(values sms_text table_text table_parquet reference settings outputs)
fi
host=$(rustc -vV | sed -n 's/^host: //p')
target_dir="${CARGO_TARGET_DIR:-target}/fuzz"
# With --target given, RUSTFLAGS reach the targets' code only, not build scripts and
# proc macros, which need no coverage.
export RUSTFLAGS="-C passes=sancov-module -C llvm-args=-sanitizer-coverage-level=4 \
  -C llvm-args=-sanitizer-coverage-inline-8bit-counters -C llvm-args=-sanitizer-coverage-pc-table \
  -C llvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -C debug-assertions -C overflow-checks"
echo "== building the fuzz targets (${host}, into ${target_dir})"
cargo build --manifest-path fuzz/Cargo.toml --release --target "$host" --target-dir "$target_dir" \
  -j "${CARGO_BUILD_JOBS:-2}" -q --bins
bin="$target_dir/$host/release"

summary=$(mktemp)
status=0
for t in "${targets[@]}"; do
  kept="fuzz/corpus/$t"
  found="fuzz/regressions/$t"
  mkdir -p "$kept" "$found"
  work=$(mktemp -d)
  log="$work/log"
  touch "$work/.start"
  before=$(find "$kept" -type f | wc -l)
  set +e
  # Inputs found this run go to $work; the kept corpus is only read, so a crash mid-run
  # leaves it as it was.
  "$bin/$t" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$found/" -print_final_stats=1 "$work" "$kept" > "$log" 2>&1
  rc=$?
  set -e
  # Keep only what adds coverage to the kept corpus.
  "$bin/$t" -merge=1 -max_len=8192 "$kept" "$work" > /dev/null 2>&1 || true
  rm -f "$kept/.start"
  after=$(find "$kept" -type f | wc -l)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(find "$found" -type f -newer "$work/.start" 2>/dev/null | wc -l)
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "== $t: the fuzzer stopped (exit $rc); its log:"
    tail -40 "$log"
  fi
  printf '%-14s %12s execs %4d crashes  corpus %d -> %d\n' "$t" "${execs:-?}" "$crashes" "$before" "$after" >> "$summary"
  rm -rf "$work"
done
echo "== fuzzing, ${seconds} s per target"
cat "$summary"
rm -f "$summary"
exit "$status"
