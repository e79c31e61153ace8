#!/usr/bin/env bash
# altworld3: generate independent worlds, scan them with duanka, score and list FPs / misses.
#
# Usage: bash bench/altworld3/run.sh            (from the repository root)
# Env:   DUANKA     duanka binary            (default: target/release/duanka)
#        REFERENCE  public reference folder  (default: data/reference)
#        WORK       scratch folder           (default: bench/out/altworld3)
#        SUBSCRIBERS (50000)  DAYS (7)  SEEDS ("11 12")  EXAMPLES (3)
set -euo pipefail
cd "$(dirname "$0")/../.."
DUANKA=${DUANKA:-target/release/duanka}
REFERENCE=${REFERENCE:-data/reference}
WORK=${WORK:-bench/out/altworld3}
SUBSCRIBERS=${SUBSCRIBERS:-50000}
DAYS=${DAYS:-7}
SEEDS=${SEEDS:-"11 12"}
EXAMPLES=${EXAMPLES:-3}
mkdir -p "$WORK"
worlds=()
for s in $SEEDS; do worlds+=("chain:$s"); done
worlds+=("clean:13")
for ws in "${worlds[@]}"; do
  sc=${ws%%:*}; seed=${ws##*:}; name="$sc-$seed"
  W="$WORK/$name"; O="$WORK/$name-out"
  rm -rf "$W" "$O"
  echo "=================== world $name ($SUBSCRIBERS subscribers, $DAYS days)"
  t0=$(date +%s%3N)
  REFERENCE="$REFERENCE" python3 bench/altworld3/gen.py --out "$W" --subscribers "$SUBSCRIBERS" --days "$DAYS" --seed "$seed" --scenario "$sc"
  t1=$(date +%s%3N)
  set +e
  "$DUANKA" scan "$W" --out "$O" --reference "$REFERENCE" --quiet --rejects "$O.rejects.csv" > "$O.scan.log" 2>&1
  rc=$?
  set -e
  t2=$(date +%s%3N)
  echo "generate $(( (t1 - t0) / 1000 )) s, scan $(( t2 - t1 )) ms, scan exit code $rc"
  grep -iE 'panic|error|warn' "$O.scan.log" | head -20 || true
  echo "--- rejected rows (planted: $(($(wc -l < "$W/bad_rows.csv") - 1)))"
  if [ -f "$O.rejects.csv" ]; then cut -d, -f1,5 "$O.rejects.csv" | tail -n +2 | sort | uniq -c; fi
  [ "$rc" -eq 0 ] || continue
  "$DUANKA" eval --truth "$W/truth.csv" "$O"
  python3 bench/altworld3/analyze.py "$W" "$O" --examples "$EXAMPLES"
done
