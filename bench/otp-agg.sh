#!/usr/bin/env bash
# The per-number OTP aggregation (per msisdn: SMS count, OTP count, distinct OTP
# services), duanka against DuckDB and Polars on the same Parquet file, in one go.
#
# Generates `sms.csv` once (gen_otp.py: ROWS rows, ~2 M recipients, ~2,000 senders, 30 %
# OTPs, every row with a category), converts it with `duanka convert` to duanka's
# normalised Parquet, then runs each engine as a whole process, interleaved, RUNS times:
#   duanka   `duanka sql DIR --builtin otp-per-number` (one pass, senders counted with
#            duanka's `distinct_count` on `peer_key`) and, on the string `peer` column,
#            the same figures with the distinct senders counted in a step of their own;
#   DuckDB   one GROUP BY with filtered counts and a filtered count(DISTINCT);
#   Polars   a lazy group-by on the streaming engine;
# each with distinct senders counted on `peer_key` and, for information, on `peer`. Every
# engine writes its full result (~1.9 M rows) as CSV to a file; the results must be
# identical or the script fails. Wall time and peak RSS from GNU time; medians and the
# ratio duanka / faster of the others are printed at the end.
#
# Usage: bench/otp-agg.sh [ROWS] (default 20000000). RUNS=3, BENCH_DIR=bench/out,
# DUANKA_ARGS (extra arguments for duanka, e.g. "--threads 1") and DUANKA (a release
# binary to use instead of building one) may be set.
# Needs python3 with duckdb and polars (installed with pip when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-20000000}"
runs="${RUNS:-3}"
work="${BENCH_DIR:-bench/out}/otp-$rows"
target="${CARGO_TARGET_DIR:-target}"
read -r -a extra <<< "${DUANKA_ARGS:-}"

python3 -c "import duckdb, polars" 2>/dev/null || python3 -m pip install --quiet duckdb polars
if [ -n "${DUANKA:-}" ]; then
  bin="$DUANKA"   # a duanka binary already built
else
  cargo build --release -p duanka-cli -q
  bin="$target/release/duanka"
fi

mkdir -p "$work/csv" "$work/results"
if [ ! -f "$work/csv/sms.csv" ]; then
  echo "generating $rows SMS rows..."
  python3 bench/gen_otp.py "$work/csv/sms.csv.tmp" "$rows"
  mv "$work/csv/sms.csv.tmp" "$work/csv/sms.csv"
fi
pq="$work/parquet"
if [ ! -f "$pq/sms.parquet" ]; then
  rm -rf "$pq"
  /usr/bin/time -f "duanka convert: %e s, peak %M KB" "$bin" convert "$work/csv" --to "$pq" --quiet
fi
cat "$pq/sms.parquet" > /dev/null   # page cache: every engine reads from memory
"$bin" sql "$pq" --builtin otp-per-number --show > "$work/otp-per-number.sql"
# `distinct_count` takes integer ids; on the string column duanka counts distinct senders
# in a DISTINCT step of its own, the way a detector would have to.
otp="direction = 'MT' AND (category = 'otp' OR (category IS NULL AND content IS NOT NULL AND sms_is_otp(content)))"
cat > "$work/otp-per-number-peer.sql" <<SQL
WITH otp AS (SELECT msisdn, peer FROM sms WHERE $otp),
  recv AS (SELECT msisdn, sum(n) AS otp_sms, count(*) AS services
           FROM (SELECT msisdn, peer, count(*) AS n FROM otp GROUP BY msisdn, peer) GROUP BY msisdn),
  allsms AS (SELECT msisdn, count(*) AS sms FROM sms GROUP BY msisdn)
SELECT r.msisdn, a.sms, r.otp_sms, r.services FROM recv r JOIN allsms a ON a.msisdn = r.msisdn ORDER BY r.msisdn
SQL

times="$work/times.tsv"
: > "$times"
run() { # label, output file, command...
  local label="$1" out="$2"; shift 2
  local log; log=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$log" "$@" > "$out"
  read -r wall rss < "$log"; rm -f "$log"
  printf '%s\t%s\t%s\n' "$label" "$wall" "$rss" >> "$times"
  printf '  %-28s %6.2f s  %5d MB\n' "$label" "$wall" "$((rss / 1024))"
}
r="$work/results"
echo "input: $pq/sms.parquet, $(du -m "$pq/sms.parquet" | cut -f1) MB, $rows rows, $(nproc) cores"
for i in $(seq "$runs"); do
  echo "round $i"
  run "duanka (peer_key)" "$r/duanka-peer_key.csv" \
    "$bin" sql "$pq" --builtin otp-per-number --format csv --quiet "${extra[@]}"
  run "duckdb (peer_key)" /dev/null python3 bench/otp_agg.py run duckdb peer_key "$pq/sms.parquet" "$r/duckdb-peer_key.csv"
  run "polars (peer_key)" /dev/null python3 bench/otp_agg.py run polars peer_key "$pq/sms.parquet" "$r/polars-peer_key.csv"
  run "duanka (peer)" "$r/duanka-peer.csv" \
    "$bin" sql "$pq" --file "$work/otp-per-number-peer.sql" --format csv --quiet "${extra[@]}"
  run "duckdb (peer)" /dev/null python3 bench/otp_agg.py run duckdb peer "$pq/sms.parquet" "$r/duckdb-peer.csv"
  run "polars (peer)" /dev/null python3 bench/otp_agg.py run polars peer "$pq/sms.parquet" "$r/polars-peer.csv"
  python3 bench/otp_agg.py check "$r"/duanka-peer_key.csv "$r"/duckdb-peer_key.csv "$r"/polars-peer_key.csv \
    "$r"/duanka-peer.csv "$r"/duckdb-peer.csv "$r"/polars-peer.csv > "$work/check.txt"
done
echo "results identical:"
sed 's/^/  /' "$work/check.txt"
echo
python3 bench/otp_agg.py table "$times"
