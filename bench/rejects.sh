#!/usr/bin/env bash
# Memory of a read whose every row is rejected: an `sms.csv` of ROWS bad rows (default
# 10 million; each a different bad number) read by `duanka inspect --rejects FILE`, which
# writes every rejected row to FILE as it is found. Prints wall time, peak memory and the
# rejects file's line count; the peak should not grow with ROWS (run it at 1 M and 10 M).
#
# Usage: bench/rejects.sh [ROWS]
#   DUANKA=BIN     a release binary to use instead of building one
#   BENCH_DIR=DIR  where the file goes (default bench/out; 10 M rows take ~800 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-10000000}"
work="${BENCH_DIR:-bench/out}/rejects-$rows"
mkdir -p "$work"
if [ -n "${DUANKA:-}" ]; then
  bin="$DUANKA"
else
  cargo build --release -p duanka-cli -q
  bin="${CARGO_TARGET_DIR:-target}/release/duanka"
fi
if [ ! -f "$work/data/sms.csv" ]; then
  mkdir -p "$work/data"
  python3 - "$rows" "$work/data/sms.csv" <<'PY'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("ts,direction,msisdn,peer,content,category,delivery_node\n")
    line = "2025-10-14 21:05:00,MT,bad{},1069012345,code,otp,radio\n"
    for start in range(0, rows, 100_000):
        f.write("".join(line.format(i) for i in range(start, min(rows, start + 100_000))))
PY
fi
cat "$work/data/sms.csv" > /dev/null
log=$(mktemp)
# Every row rejected: the reject limit stops the run (exit 4) after the file is written.
/usr/bin/time -f "%e %M" -o "$log" "$bin" inspect "$work/data" --rejects "$work/rejects.csv" \
  --quiet > /dev/null 2>&1 || true
read -r wall rss < <(tail -1 "$log")
rm -f "$log"
lines=$(wc -l < "$work/rejects.csv")
echo "rows $rows: wall ${wall} s, peak $((rss / 1024)) MB, rejects file $((lines - 1)) rows, $(du -m "$work/rejects.csv" | cut -f1) MB"
