#!/usr/bin/env bash
# What a newcomer waits for: a fresh clone of this repository's HEAD in an empty folder
# (nothing beside it), an empty cargo home and no target dir, then the README's two
# commands, each timed (wall, CPU, peak memory) with GNU time.
# Usage: bench/cold-start.sh [demo|test|both] (default both; `both` runs them one after the
# other in the same clone, the test command after the demo's release build, as a newcomer
# would). KEEP=1 keeps the scratch folder. Needs network access to crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-both}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/duanka-cold.XXXXXX")"
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$scratch"' EXIT; fi
git clone -q "$(pwd)" "$scratch/duanka"
mkdir -p "$scratch/cargo-home"
cd "$scratch/duanka"
ls -A "$scratch" | grep -qv '^duanka$\|^cargo-home$' && { echo "scratch folder not empty" >&2; exit 1; }

measure() { # name command...
  local name="$1"; shift
  local log="$scratch/$name.time"
  local status=0
  CARGO_HOME="$scratch/cargo-home" env -u CARGO_TARGET_DIR \
    /usr/bin/time -f "%e %U %S %M" -o "$log" "$@" > "$scratch/$name.log" 2>&1 || status=$?
  read -r wall user sys rss < <(tail -1 "$log")
  python3 -c "import sys; w,u,s,r=map(float,sys.argv[1:5]); print(f'cold {sys.argv[5]:<6} wall {w/60:5.1f} min  cpu {(u+s)/60:5.1f} min  peak {r/1024/1024:4.1f} GB  exit {sys.argv[6]}')" \
    "$wall" "$user" "$sys" "$rss" "$name" "$status"
  tail -3 "$scratch/$name.log"
}

echo "fresh clone of $(git rev-parse --short HEAD) in $scratch (nothing beside it), empty cargo home, $(nproc) cores"
case "$which" in
  demo) measure demo cargo run --release -p duanka-cli -- demo ;;
  test) measure test scripts/test.sh ;;
  *) measure demo cargo run --release -p duanka-cli -- demo
     measure test scripts/test.sh ;;
esac
