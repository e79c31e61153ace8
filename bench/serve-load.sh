#!/usr/bin/env bash
# The alert queue of `duanka serve` under load, on SQLite and on PostgreSQL: a store of
# ALERTS alerts (default 100,000), then GET /api/alerts (the default queue, first page of
# 50) at RATE requests per second (default 1,000) for SECONDS (default 20), open loop,
# from a second process on loopback. Each request is also an audited read (one audit
# entry written and committed before the answer). Prints one JSON line per backend.
#   bench/serve-load.sh [RATE] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
only_pg=""
if [ "${1:-}" = "--postgres-only" ]; then only_pg=1; shift; fi
rate="${1:-1000}"
seconds="${2:-20}"
alerts="${ALERTS:-100000}"
target="${CARGO_TARGET_DIR:-target}"

cargo build --release -q -j2 -p duanka-cli
cargo build --release -q -j2 -p duanka-server --example load
bin="$target/release/duanka"
load="$target/release/examples/load"
work="$(mktemp -d "${TMPDIR:-/tmp}/duanka-serve-load.XXXXXX")"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/scan"
python3 bench/serve-data.py "$alerts" > "$work/scan/alerts.jsonl"
password="bench password, long enough"

port_free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Logs in as $1 and prints "cookie csrf".
login() {
  local body
  body="$(curl -s -c "$work/jar-$1" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$1\",\"password\":\"$password\"}" "http://127.0.0.1:$port/api/login")"
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csrf_token"])' "$body"
}

one() {
  local db="$1" label="$2"
  printf '%s\n' "$password" | "$bin" user add adm --role admin --db "$db" >/dev/null
  port="$(port_free)"
  "$bin" serve --db "$db" --listen "127.0.0.1:$port" >"$work/serve-$label.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/api/me" >/dev/null && break; sleep 0.1; done
  local csrf started
  csrf="$(login adm)"
  started=$(date +%s.%N)
  curl -sf -b "$work/jar-adm" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    -d "{\"path\":\"$work/scan\"}" "http://127.0.0.1:$port/api/scans/import" >/dev/null
  local import_s
  import_s=$(python3 -c "import sys; print(round($(date +%s.%N) - $started, 1))")
  curl -sf -b "$work/jar-adm" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    -d "{\"name\":\"ana\",\"role\":\"analyst\",\"password\":\"$password\"}" "http://127.0.0.1:$port/api/users" >/dev/null
  csrf="$(login ana)"
  local token
  token="$(curl -sf -b "$work/jar-ana" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    -d '{"name":"load"}' "http://127.0.0.1:$port/api/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
  local url="http://127.0.0.1:$port/api/alerts?limit=50"
  "$load" "$url" "$token" "$rate" 3 32 >/dev/null
  local result
  result="$("$load" "$url" "$token" "$rate" "$seconds" 32)"
  echo "{\"backend\": \"$label\", \"alerts\": $alerts, \"import_s\": $import_s, \"rate\": $rate, \"seconds\": $seconds, \"result\": $result}"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

if [ -z "$only_pg" ]; then
  one "$work/cases.db" sqlite
fi
if [ -n "${DUANKA_TEST_PG_URL:-}" ]; then
  psql "$DUANKA_TEST_PG_URL" -q -c "CREATE DATABASE duanka_load" >/dev/null
  one "${DUANKA_TEST_PG_URL%/*}/duanka_load" postgres
elif [ -z "$only_pg" ]; then
  # A PostgreSQL server of its own for the second half.
  scripts/with-postgres.sh env ALERTS="$alerts" "$0" --postgres-only "$rate" "$seconds"
fi
