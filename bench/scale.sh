#!/usr/bin/env bash
# How `duanka simulate --format parquet` and `duanka scan` grow with the register: for each
# size (default 1 M, 3 M, 10 M and 30 M subscribers x 1 day, seed 1, public reference
# snapshot) it writes the world once, then times the scan of it, embedded: wall, CPU and
# peak memory of both, seconds per million subscribers, and the time of every detector
# (from the scan's summary.json). Beside the 10 M scan (or the largest size asked for) it
# runs DuckDB's per-number OTP aggregation alone on the same `sms` Parquet, the single
# heaviest query of the scan, so that the whole scan can be read against it.
#
# Usage: bench/scale.sh [SUBSCRIBERS ...]
#   DUANKA=BIN         a release binary to use instead of building one
#   BENCH_DIR=DIR      where the worlds and outputs go (default bench/out; 30 M takes ~5 GB)
#   MEMORY_LIMIT=SIZE  passed to the scans as --memory-limit (default: duanka's own)
# Needs python3 with duckdb (installed with pip when missing) for the comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then sizes=(1000000 3000000 10000000 30000000); fi
work="${BENCH_DIR:-bench/out}"
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$work"

if [ -n "${DUANKA:-}" ]; then
  bin="$DUANKA"
else
  cargo build --release -p duanka-cli -q
  bin="$target/release/duanka"
fi
limit_args=()
if [ -n "${MEMORY_LIMIT:-}" ]; then limit_args=(--memory-limit "$MEMORY_LIMIT"); fi

# Runs a command under /usr/bin/time; prints "wall cpu peak_kb".
timed() {
  local log
  log=$(mktemp)
  /usr/bin/time -f "%e %U %S %M" -o "$log" "$@" > /dev/null
  read -r wall user sys rss < "$log"
  rm -f "$log"
  python3 -c "import sys; w,u,s,m=sys.argv[1:]; print(w, f'{float(u)+float(s):.2f}', m)" \
    "$wall" "$user" "$sys" "$rss"
}

results="$work/scale.tsv"
echo -e "subscribers\tstage\twall_s\tcpu_s\tpeak_mb\textra" > "$results"
compare="${sizes[-1]}"
for n in "${sizes[@]}"; do
  if [ "$n" = 10000000 ]; then compare=10000000; fi
done
for n in "${sizes[@]}"; do
  world="$work/scale-world-$n"
  if [ ! -f "$world/truth.csv" ]; then
    rm -rf "$world"
    read -r wall cpu rss < <(timed "$bin" simulate --subscribers "$n" --days 1 --seed 1 \
      --format parquet --out "$world" --quiet)
    echo -e "$n\tsimulate\t$wall\t$cpu\t$((rss / 1024))\t$(du -sm "$world" | cut -f1) MB on disk" >> "$results"
  fi
  find "$world" -name '*.parquet' -exec cat {} + > /dev/null   # page cache: we time the scan, not the disk
  out="$work/scale-out-$n"
  rm -rf "$out"
  read -r wall cpu rss < <(timed "$bin" scan "$world" --out "$out" --quiet --no-report "${limit_args[@]}")
  detectors=$(python3 - "$out/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
d = [f"{x['detector']}={x['millis'] / 1000:.1f}" for x in s["detectors"] if x.get("millis", 0) >= 100]
print(" ".join(d + [f"link={s['stages_millis']['link'] / 1000:.1f}"]))
PY
)
  echo -e "$n\tscan\t$wall\t$cpu\t$((rss / 1024))\t$detectors" >> "$results"
  if [ "$n" = "$compare" ]; then
    python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb
    if [ -f "$world/sms.parquet" ]; then sms="$world/sms.parquet"; else sms="$world/sms/*.parquet"; fi
    read -r wall cpu rss < <(timed python3 bench/otp_agg.py run duckdb peer_key "$sms" "$work/scale-duckdb-$n.csv")
    echo -e "$n\tduckdb_otp_aggregation\t$wall\t$cpu\t$((rss / 1024))\tper-number SMS, OTPs, distinct OTP senders on the same sms Parquet" >> "$results"
  fi
done

echo "duanka $("$bin" --version | cut -d' ' -f2), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
python3 - "$results" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print(f"{'subscribers':>12} {'stage':<24} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'s/M subs':>9}  detail")
for r in rows:
    n = int(r["subscribers"])
    per = float(r["wall_s"]) / (n / 1e6)
    print(f"{n:>12,} {r['stage']:<24} {float(r['wall_s']):>8.1f} {float(r['cpu_s']):>8.1f} {int(r['peak_mb']):>8,} {per:>9.2f}  {r['extra']}")
PY
