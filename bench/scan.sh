#!/usr/bin/env bash
# `duanka scan` of a simulated operator day: writes the world once (`duanka simulate`,
# SUBSCRIBERS x DAYS, seed 1, Parquet, public reference data), then times the scan of it
# (every detector whose tables are present): wall time, CPU time and peak memory.
# Usage: bench/scan.sh [SUBSCRIBERS] [DAYS] (default 1000000 1).
# Reference data: the built-in snapshot, or the folder $REFERENCE when set. DUANKA: a
# release binary to use instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
subs="${1:-1000000}"
days="${2:-1}"
work="${BENCH_DIR:-bench/out}"
target="${CARGO_TARGET_DIR:-target}"
ref="${REFERENCE:-}"

if [ -n "${DUANKA:-}" ]; then
  bin="$DUANKA"   # a duanka binary already built
else
  cargo build --release -p duanka-cli -q
  bin="$target/release/duanka"
fi
world="$work/scan-world-$subs-$days"
if [ ! -f "$world/truth.csv" ]; then
  rm -rf "$world"
  ref_args=()
  if [ -n "$ref" ]; then ref_args=(--reference "$ref"); fi
  /usr/bin/time -f "duanka simulate: %e s, peak %M KB" "$bin" simulate --subscribers "$subs" \
    --days "$days" --seed 1 --format parquet --out "$world" --quiet "${ref_args[@]}" > /dev/null
fi
cat "$world"/* > /dev/null 2>&1 || true   # page cache: we time the scan, not the disk
out="$work/scan-out-$subs-$days"
rm -rf "$out"
log=$(mktemp)
/usr/bin/time -f "%e %U %S %M" -o "$log" "$bin" scan "$world" --out "$out" --quiet > "$work/scan-report.txt"
read -r wall user sys rss < "$log"; rm -f "$log"
echo "duanka scan: $subs subscribers x $days day(s), seed 1, Parquet ($(du -sm "$world" | cut -f1) MB), on $(nproc) cores"
python3 - "$wall" "$user" "$sys" "$rss" <<'PY'
import sys
wall, user, sys_, rss = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"wall {wall:.2f} s   CPU {user + sys_:.2f} s   peak {rss / 1024:.0f} MB")
PY
python3 - "$out/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for k, v in s.items():
    if k in ("tables", "detectors", "alerts", "timings", "stages", "run_ms", "skipped"):
        print(f"  {k}: {json.dumps(v)[:300]}")
PY
