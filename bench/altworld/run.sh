#!/usr/bin/env bash
# bench/altworld/run.sh — score duanka on worlds from the independent generator gen.py.
#
# Usage: bench/altworld/run.sh [SUBSCRIBERS] [DAYS] [SEEDS...]
#   defaults: 20000 subscribers, 2 days, seeds 1 2 3; every seed as a chain world, plus one
#   clean world and one chain world each of the "hard" and "sparse" variants (first seed). Env: DUANKA (binary, default duanka on PATH), REFERENCE (public
#   reference folder, default the repository's data/reference), WORK (scratch,
#   default bench/out/altworld), THREADS (scan threads, default 2).
# For each world: gen.py → duanka scan → duanka eval (table) → analyze.py (false positives and
# misses with the alerts' explanation/evidence) and the rejected-row counts from summary.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
DUANKA="${DUANKA:-duanka}"
REFERENCE="${REFERENCE:-$here/../../data/reference}"
WORK="${WORK:-$here/../out/altworld}"
THREADS="${THREADS:-2}"
N="${1:-20000}"; DAYS="${2:-2}"; shift $(( $# > 2 ? 2 : $# )) || true
SEEDS=("$@"); [ ${#SEEDS[@]} -eq 0 ] && SEEDS=(1 2 3)
mkdir -p "$WORK"
run_one() {  # scenario seed [variant]
  local sc="$1" seed="$2" var="${3:-plain}" w="$WORK/$1-$2-${3:-plain}" o="$WORK/$1-$2-${3:-plain}-out"
  rm -rf "$w" "$o"; mkdir -p "$o"  # duanka does not create OUT before opening --rejects inside it
  echo "=================== $sc world, seed $seed, variant $var, $N subscribers, $DAYS days"
  python3 "$here/gen.py" --out "$w" --subscribers "$N" --seed "$seed" --scenario "$sc" --days "$DAYS" --variant "$var" --reference "$REFERENCE"
  "$DUANKA" scan "$w" --out "$o" --reference "$REFERENCE" --quiet --threads "$THREADS" --rejects "$o/rejects.csv" > "$o.log" 2>&1 \
    || { echo "scan failed (rc=$?):"; tail -20 "$o.log"; return 0; }
  "$DUANKA" eval --truth "$w/truth.csv" "$o" || echo "eval failed rc=$?"
  python3 - "$o/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
rej = {t: v["rejected"] for t, v in s.get("tables", {}).items() if v.get("rejected")}
print("rejected rows:", rej or "none")
PY
  python3 "$here/analyze.py" "$w" "$o"
}
for s in "${SEEDS[@]}"; do run_one chain "$s"; done
run_one clean "${SEEDS[0]}"
run_one chain "${SEEDS[0]}" hard   # attach feed without msisdn, mixed CSV/NDJSON parts, IMEISV device ids
run_one chain "${SEEDS[0]}" sparse # leaked pool scattered, no delivery_node for intercepted codes
