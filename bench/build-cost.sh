#!/usr/bin/env bash
# Cold build cost of the whole duanka workspace: debug and release, each into a fresh
# target directory. Prints wall time, CPU time and peak memory (GNU time).
# Usage: bench/build-cost.sh [debug|release|both] (default both).
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-both}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/duanka-build-cost.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
jobs="${CARGO_BUILD_JOBS:-$(nproc)}"

measure() { # profile flag...
  local name="$1"; shift
  local log="$scratch/$name.time"
  CARGO_TARGET_DIR="$scratch/$name" /usr/bin/time -f "%e %U %S %M" -o "$log" cargo build -q -j "$jobs" --workspace "$@"
  read -r wall user sys rss < "$log"
  python3 -c "import sys; w,u,s,r=map(float,sys.argv[1:5]); print(f'cold {sys.argv[5]:<8} wall {w/60:5.1f} min  cpu {(u+s)/60:5.1f} min  peak {r/1024/1024:4.1f} GB')" "$wall" "$user" "$sys" "$rss" "$name"
  du -sh "$scratch/$name" | awk -v n="$name" '{print "target size (" n "): " $1}'
}

cargo fetch -q
case "$which" in
  debug) measure debug ;;
  release) measure release --release ;;
  *) measure debug; measure release --release ;;
esac
