#!/usr/bin/env bash
# Generate the five altworld4 worlds, scan each with a released duanka, score it.
#   bench/altworld4/run.sh [DUANKA_BINARY] [WORKDIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-duanka}"
work="${2:-${TMPDIR:-/tmp}/altworld4}"
mkdir -p "$work"
for v in ranges selfreg all clean clean-ranges; do
  [ -f "$work/$v/truth.csv" ] || python3 "$here/gen.py" "$v" "$work/$v"
  rm -rf "$work/$v.out"
  /usr/bin/time -f "$v scan: %e s, %M KB" "$bin" scan "$work/$v" --out "$work/$v.out" --quiet
  "$bin" eval --truth "$work/$v/truth.csv" "$work/$v.out" > "$work/$v.eval.txt" || true
  "$bin" eval --truth "$work/$v/truth.csv" "$work/$v.out" --format json > "$work/$v.eval.json" 2>/dev/null || true
  python3 "$here/analyze.py" "$work/$v" "$work/$v.out" > "$work/$v.analysis.txt"
  echo "== $v"; cat "$work/$v.eval.txt"; cat "$work/$v.analysis.txt"
done
