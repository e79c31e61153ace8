#!/usr/bin/env bash
# The demo's speed: times `duanka demo` (simulate → scan → link → report → eval) with the
# release build and reports wall time and peak memory.
# Usage: bench/demo.sh [SUBSCRIBERS] (default: the demo's own, 200 000). Reference data:
# the built-in snapshot, or the folder $REFERENCE when set.
# Set DUANKA=path/to/release/duanka to skip the build.
set -euo pipefail
cd "$(dirname "$0")/.."
subs="${1:-}"
work="${BENCH_DIR:-bench/out}"
target="${CARGO_TARGET_DIR:-target}"
if [ -z "${DUANKA:-}" ]; then
  cargo build --release -q -p duanka-cli
  DUANKA="$target/release/duanka"
fi
out="$work/demo"
rm -rf "$out"
mkdir -p "$work"
args=(demo --out "$out" --quiet)
if [ -n "$subs" ]; then args+=(--subscribers "$subs"); fi
if [ -n "${REFERENCE:-}" ]; then args+=(--reference "$REFERENCE"); fi
log=$(mktemp)
/usr/bin/time -f "%e %M" -o "$log" "$DUANKA" "${args[@]}" > "$work/demo.txt"
read -r secs kb < "$log"
grep -E "^duanka demo|^times:" "$work/demo.txt"
echo "demo: ${secs} s wall, peak ${kb} KB ($(nproc) cores); summary in $work/demo.txt"
