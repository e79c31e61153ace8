#!/usr/bin/env bash
# Ingest benchmark: generates a >= 1 GB sms.csv, then reads it with `duanka inspect` on 1
# and on all cores, converts it to Parquet and reads that. Reports MB/s, rows/s and
# peak memory (GNU time). Usage: bench/ingest.sh [SIZE_MB] (default 1100).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-1100}"
work="${BENCH_DIR:-bench/out}"
mkdir -p "$work/csv"
target="${CARGO_TARGET_DIR:-target}"

cargo build --release -p duanka-cli -q
bin="$target/release/duanka"

csv="$work/csv/sms.csv"
if [ ! -f "$csv" ] || [ "$(stat -c %s "$csv")" -lt $((size_mb * 1000000)) ]; then
  echo "generating $csv (${size_mb} MB)..."
  python3 bench/gen_sms.py "$csv" "$size_mb"
fi
bytes=$(stat -c %s "$csv")
cat "$csv" > /dev/null   # into the page cache: we measure parsing, not the disk

rows=0
run() { # label, command...
  local label="$1"; shift
  local log; log=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$log" "$@" > "$work/last.out"
  read -r wall rss < "$log"; rm -f "$log"
  if head -c1 "$work/last.out" | grep -q '{'; then
    rows=$(python3 -c "import json,sys; print(sum(t['read'] for t in json.load(open('$work/last.out'))['tables']))")
  fi
  python3 - "$label" "$wall" "$rss" "$rows" "$bytes" <<'PY'
import sys
label, wall, rss, rows, size = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"{label:<28} {wall:7.2f} s  {size/wall/1e6:8.1f} MB/s  {rows/wall/1e6:6.2f} M rows/s  peak {rss/1024:7.0f} MB  ({rows} rows)")
PY
}

echo "input: $csv, $((bytes / 1000000)) MB, $(nproc) cores"
run "csv, 1 thread"   "$bin" inspect "$work/csv" --format json --quiet --threads 1
run "csv, all cores"  "$bin" inspect "$work/csv" --format json --quiet
# Reading alone, without inspect's distinct counts and time span.
run "csv read, 1 thread"  "$bin" sql "$work/csv" "SELECT count(*) FROM sms" --quiet --threads 1
run "csv read, all cores" "$bin" sql "$work/csv" "SELECT count(*) FROM sms" --quiet
rm -rf "$work/parquet"
/usr/bin/time -f "convert: %e s, peak %M KB" "$bin" convert "$work/csv" --to "$work/parquet" --quiet
run "parquet (normalised)"  "$bin" inspect "$work/parquet" --format json --quiet
echo "parquet size: $(du -m "$work/parquet/sms.parquet" | cut -f1) MB"
