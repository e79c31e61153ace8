#!/usr/bin/env bash
# Runs liftcover's full check: formatting, clippy and the test suite, the end-to-end
# suite running on SQLite and on a throwaway PostgreSQL cluster started here.
# Runnable from any directory; installs PostgreSQL with apt when it is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

find_pg_bin() {
  local d
  if command -v pg_ctl >/dev/null 2>&1 && [ -x "$(dirname "$(readlink -f "$(command -v pg_ctl)")")/initdb" ]; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

if ! pg_bin="$(find_pg_bin)"; then
  echo "PostgreSQL not found; installing Debian's postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  pg_bin="$(find_pg_bin)"
fi

as_pg() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/liftcover-pg.XXXXXX")"
if [ "$(id -u)" = "0" ]; then
  chown postgres "$pg_dir"
fi
# A free loopback port: ask the kernel for one rather than guessing.
pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo $((20000 + RANDOM % 20000)))"

cleanup() {
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT

as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
  -o "-k $pg_dir -p $pg_port -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE liftcover_test" >/dev/null
export LIFTCOVER_TEST_PG_URL="postgres://postgres@127.0.0.1:$pg_port/liftcover_test"
echo "PostgreSQL test cluster on 127.0.0.1:$pg_port"

jobs_flag=(-j "${LIFTCOVER_BUILD_JOBS:-1}")
cargo fmt --all -- --check
cargo clippy "${jobs_flag[@]}" --all-targets -- -D warnings
test_log="$pg_dir/cargo-test.log"
cargo test "${jobs_flag[@]}" 2>&1 | tee "$test_log"
# One plain closing line over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     END { printf "liftcover: %d passed, %d failed\n", p, f }' "$test_log"
