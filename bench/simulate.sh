#!/usr/bin/env bash
# Simulator benchmark: writes a world of N subscribers x D days (release build, all
# cores) and reports wall time, rows/s, MB written and peak memory.
# Usage: bench/simulate.sh [SUBSCRIBERS] [DAYS] (default 1000000 1).
# By default it runs duanka-sim's `simulate` example: the same library call as
# `duanka simulate`, without waiting for a release build of DataFusion. Set
# DUANKA=path/to/release/duanka to time the command itself.
# Reference data: the built-in snapshot, or the folder $REFERENCE when set.
set -euo pipefail
cd "$(dirname "$0")/.."
subs="${1:-1000000}"
days="${2:-1}"
work="${BENCH_DIR:-bench/out}"
target="${CARGO_TARGET_DIR:-target}"
ref="${REFERENCE:-}"

out="$work/sim-$subs-$days"
rm -rf "$out"
mkdir -p "$work"
log=$(mktemp)
report=$(mktemp)
if [ -n "${DUANKA:-}" ]; then
  ref_args=()
  if [ -n "$ref" ]; then ref_args=(--reference "$ref"); fi
  what="duanka simulate"
  /usr/bin/time -f "%e %M" -o "$log" "$DUANKA" simulate --subscribers "$subs" --days "$days" \
    --seed 1 --out "$out" --quiet "${ref_args[@]}" > "$report"
else
  cargo build --release -p duanka-sim --example simulate -q
  ref_arg=()
  if [ -n "$ref" ]; then ref_arg=("$ref"); fi
  what="duanka-sim example simulate"
  /usr/bin/time -f "%e %M" -o "$log" "$target/release/examples/simulate" "$subs" "$days" 1 \
    "$out" "${ref_arg[@]}" > "$report"
fi
read -r wall rss < "$log"
rows=$(sed -n 's/^wrote \([0-9]*\) rows.*/\1/p' "$report")
mb=$(du -sm "$out" | cut -f1)
rm -f "$log"
echo "$what: $subs subscribers x $days day(s), seed 1, on $(nproc) cores"
python3 - "$wall" "$rss" "$rows" "$mb" <<'PY'
import sys
wall, rss, rows, mb = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"wall {wall:.2f} s   {rows} rows   {rows / wall / 1e6:.2f} M rows/s   {mb} MB written ({mb / wall:.0f} MB/s)   peak {rss / 1024:.0f} MB")
PY
sed -n '2,14p' "$report"
rm -f "$report"
