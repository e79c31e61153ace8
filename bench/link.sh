#!/usr/bin/env bash
# Linkage benchmark: builds a random entity graph with planted gangs and hubs
# (duanka-link's `cluster_bench` example, deterministic seed), clusters it, traces the
# chains and lists the warnings. Reports each phase's time (from the example), and the
# whole process's wall time and peak memory (GNU time -v).
# Usage: bench/link.sh [NODES] [LINKS] [SEED] (default 10000000 50000000 42).
# Only duanka-link and duanka-model are compiled: no DataFusion, a release build takes
# seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes="${1:-10000000}"
links="${2:-50000000}"
seed="${3:-42}"
target="${CARGO_TARGET_DIR:-target}"

cargo build --release -p duanka-link --example cluster_bench -q
log=$(mktemp)
echo "cluster_bench: $nodes entities, $links links, seed $seed, on $(nproc) cores"
/usr/bin/time -v -o "$log" "$target/release/examples/cluster_bench" "$nodes" "$links" "$seed"
grep -E 'Elapsed \(wall|Maximum resident|User time|System time' "$log" | sed 's/^\s*/  /'
rm -f "$log"
