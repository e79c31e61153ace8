#!/usr/bin/env bash
# How `duanka simulate --format parquet` and `duanka scan` grow with the register: for each
# size (default 1 M, 3 M, 10 M and 30 M subscribers x 1 day, seed 1, public reference
# snapshot) it writes the world once, then times the scan of it, embedded: wall, CPU and
# peak memory of both, seconds per million subscribers, and the time of every detector
# (from the scan's summary.json). Beside the 10 M scan (or the largest size asked for) it
# runs DuckDB's per-number OTP aggregation alone on the same `sms` Parquet, the single
# heaviest query of the scan, so that the whole scan can be read against it. Then the same
# world is scanned on an Apache Ballista cluster on loopback (`duanka cluster scheduler`
# and 1, then 2 `duanka cluster executor`s, started afresh for each scan): the client's
# wall time, the CPU of every process of the cluster, the client's and the largest
# executor's peak memory, and whether every output file is byte for byte the embedded
# scan's. The executors share the machine's cores: one executor gets every core as its
# slots, two get half each, so that each run has the same parallelism as the embedded one.
#
# Usage: bench/scale.sh [SUBSCRIBERS ...]
#   DUANKA=BIN         a release binary to use instead of building one (built with
#                      `--features cluster` for the cluster columns)
#   CLUSTER_EXECUTORS="1 2"  the cluster sizes to run (empty: embedded only)
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
  cargo build --release -p duanka-cli --features duanka-cli/cluster -q
  bin="$target/release/duanka"
fi
read -r -a executor_counts <<< "${CLUSTER_EXECUTORS-1 2}"
# A failed run must not leave a scheduler or executors behind.
stop_all() {
  local p
  for p in $(pgrep -P $$); do pkill -TERM -P "$p" 2>/dev/null || true; done
}
trap stop_all EXIT
cores=$(nproc)
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

free_port() {
  python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}

# Waits until something listens on 127.0.0.1:$1, or fails when process $2 has ended.
wait_port() {
  local i
  for i in $(seq 600); do
    if python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$1" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$2" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# Stops a role started under /usr/bin/time (pid $1 is time's) and prints "cpu peak_kb",
# once time has written them to $2 (this runs in a subshell, which cannot wait for it).
stop_role() {
  pkill -TERM -P "$1" 2>/dev/null || true
  python3 - "$2" <<'PY'
import sys, time
for _ in range(600):
    try:
        lines = [l for l in open(sys.argv[1]).read().splitlines() if l and l[0].isdigit()]
    except FileNotFoundError:
        lines = []
    if lines:
        w, u, s, m = lines[-1].split()
        print(f"{float(u) + float(s):.2f}", m)
        break
    time.sleep(0.1)
else:
    sys.exit(f"{sys.argv[1]}: no figures from /usr/bin/time")
PY
}

# Scans world $1 into $2 on a fresh loopback cluster of $3 executors and appends its line
# to the results; $4 is the embedded scan's output, to compare with.
cluster_scan() {
  local world="$1" out="$2" k="$3" embedded="$4" n="$5"
  local base="$work/cluster-$k" sport pids=() logs=() i slots
  rm -rf "$base" "$out"
  mkdir -p "$base"
  slots=$(( cores / k )); if [ "$slots" -lt 1 ]; then slots=1; fi
  sport=$(free_port)
  /usr/bin/time -f "%e %U %S %M" -o "$base/scheduler.time" \
    "$bin" cluster scheduler --bind "127.0.0.1:$sport" > "$base/scheduler.log" 2>&1 &
  pids+=($!); logs+=("$base/scheduler.time")
  if ! wait_port "$sport" "${pids[0]}"; then
    echo "the scheduler did not start (a binary without --features cluster?): $base/scheduler.log" >&2
    cat "$base/scheduler.log" >&2
    return 1
  fi
  for i in $(seq "$k"); do
    local port grpc
    port=$(free_port); grpc=$(free_port)
    /usr/bin/time -f "%e %U %S %M" -o "$base/executor-$i.time" \
      "$bin" cluster executor --scheduler "127.0.0.1:$sport" --port "$port" --grpc-port "$grpc" \
      --slots "$slots" --work-dir "$base/executor-$i" > "$base/executor-$i.log" 2>&1 &
    pids+=($!); logs+=("$base/executor-$i.time")
    wait_port "$grpc" "$!" || { cat "$base/executor-$i.log" >&2; return 1; }
  done
  read -r wall cpu rss < <(timed "$bin" scan "$world" --out "$out" --quiet --no-report \
    "${limit_args[@]}" --cluster "df://127.0.0.1:$sport" --cluster-scratch "$base")
  local total_cpu="$cpu" exec_peak=0 role_cpu role_peak
  for i in "${!pids[@]}"; do
    read -r role_cpu role_peak < <(stop_role "${pids[$i]}" "${logs[$i]}")
    total_cpu=$(python3 -c "import sys; print(f'{float(sys.argv[1]) + float(sys.argv[2]):.2f}')" "$total_cpu" "$role_cpu")
    if [ "$i" -gt 0 ] && [ "$role_peak" -gt "$exec_peak" ]; then exec_peak=$role_peak; fi
  done
  local same=identical f
  for f in alerts.jsonl clusters.jsonl warnings.csv graph.graphml; do
    if ! cmp -s "$embedded/$f" "$out/$f"; then same="$f DIFFERS"; fi
  done
  echo -e "$n\tcluster_${k}_executor\t$wall\t$total_cpu\t$((rss / 1024))\texecutor peak $((exec_peak / 1024)) MB; outputs $same; $(detector_times "$out/summary.json")" >> "$results"
  rm -rf "$base"
}

detector_times() {
  python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
d = [f"{x['detector']}={x['millis'] / 1000:.1f}" for x in s["detectors"] if x.get("millis", 0) >= 100]
print(" ".join(d + [f"link={s['stages_millis']['link'] / 1000:.1f}"]))
PY
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
  echo -e "$n\tscan\t$wall\t$cpu\t$((rss / 1024))\t$(detector_times "$out/summary.json")" >> "$results"
  if [ "$n" = "$compare" ]; then
    python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb
    if [ -f "$world/sms.parquet" ]; then sms="$world/sms.parquet"; else sms="$world/sms/*.parquet"; fi
    read -r wall cpu rss < <(timed python3 bench/otp_agg.py run duckdb peer_key "$sms" "$work/scale-duckdb-$n.csv")
    echo -e "$n\tduckdb_otp_aggregation\t$wall\t$cpu\t$((rss / 1024))\tper-number SMS, OTPs, distinct OTP senders on the same sms Parquet" >> "$results"
  fi
  for k in "${executor_counts[@]}"; do
    cluster_scan "$world" "$work/scale-cluster-$k-$n" "$k" "$out" "$n"
    rm -rf "$work/scale-cluster-$k-$n"
  done
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
