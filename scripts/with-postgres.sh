#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on loopback, for the tests of the case
# store: DUANKA_TEST_PG_URL names a database on it whose user may create databases (each
# test makes its own). Installs Debian's postgresql when no server is found. The server
# and its files are gone when the command ends.
#   scripts/with-postgres.sh cargo test -p duanka-server
set -euo pipefail

pg_bin_dir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
      echo "$d"
      return 0
    fi
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  return 1
}

if ! bin="$(pg_bin_dir)"; then
  echo "PostgreSQL not found; installing Debian's postgresql" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  bin="$(pg_bin_dir)"
fi

# The server refuses to run as root: run it as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir="$(mktemp -d "${TMPDIR:-/tmp}/duanka-pg.XXXXXX")"
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
stop() {
  as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
# fsync stays on: the crash test kills the server's clients, and what PostgreSQL
# acknowledged must be on disk as in production.
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
  -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
export DUANKA_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL for the tests on 127.0.0.1:$port"
"$@"
