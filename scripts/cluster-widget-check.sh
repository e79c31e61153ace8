#!/usr/bin/env bash
# The cluster graph widget in a real browser, without the server: opens
# crates/server/assets/dev/cluster-demo.html (the API's sample cluster, the same without
# edges and hubs, a generated 2,000-node cluster) in headless Chromium with a software
# WebGL, checks that every widget drew through WebGL with the expected node counts, that
# the page's script finished and the console stayed clean, and writes screenshots at
# 1280x800, 420x800 and one of the whole page for people to look at.
# Usage: scripts/cluster-widget-check.sh [OUT_DIR]   (needs `chromium`; no cargo build)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${CARGO_TARGET_DIR:-target}/cluster-widget-check}"
chrome="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$chrome" ]; then
  echo "cluster widget check: chromium is not installed (Debian: apt-get install chromium)" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
url="file://$(pwd)/crates/server/assets/dev/cluster-demo.html"

# A fresh profile per run so no cache or earlier state can make the page pass; no
# background traffic, since the page must work with no network at all. SwiftShader gives
# WebGL where there is no GPU.
run() {
  "$chrome" --headless --disable-gpu --no-sandbox --use-angle=swiftshader --enable-unsafe-swiftshader \
    --disable-background-networking --disable-component-update --no-first-run --disable-extensions \
    --disable-dev-shm-usage --user-data-dir="$(mktemp -d "$out/profile.XXXXXX")" \
    --enable-logging=stderr --v=0 --virtual-time-budget=5000 "$@" "$url"
}
run --dump-dom > "$out/dom.html" 2> "$out/console.log"
run --hide-scrollbars --window-size=1280,800 --screenshot="$out/cluster-1280x800.png" \
  >/dev/null 2>> "$out/console.log"
run --hide-scrollbars --window-size=420,800 --screenshot="$out/cluster-420x800.png" \
  >/dev/null 2>> "$out/console.log"
run --hide-scrollbars --window-size=1280,2300 --screenshot="$out/cluster-full-page.png" \
  >/dev/null 2>> "$out/console.log"
rm -rf "$out"/profile.*

fail=0
check() { if ! eval "$2"; then echo "cluster widget check: $1" >&2; fail=1; fi; }
body="$(grep -o '<body[^>]*>' "$out/dom.html" || true)"
# Set by the page's last script line: everything before it ran without throwing.
check "the page's script did not finish" "grep -q 'data-ready=\"cluster\"' <<< \"\$body\""
check "node counts are not 5, 7 and 2000" "grep -q 'data-nodes=\"5 7 2000\"' <<< \"\$body\""
check "hovering and clicking a node did not open it" "grep -q 'data-clicks=\"ok ok\"' <<< \"\$body\""
check "the page caught script errors" "grep -q 'data-errors=\"0\"' <<< \"\$body\""
check "destroy() left attributes behind" "grep -q 'data-destroy-clean=\"true\"' <<< \"\$body\""
for n in 5 7 2000; do
  check "no WebGL widget with $n nodes" \
    "grep -q 'data-ready=\"cluster\" data-nodes=\"$n\" data-edges=\"[0-9]*\" data-renderer=\"webgl\"' '$out/dom.html'"
done
check "the chain list is missing" "grep -q 'Chain from the case to the supplier' '$out/dom.html'"
check "a chain hop has no via" "grep -q 'via registrations.msisdn' '$out/dom.html'"
# Every console message fails the check, except the notice SwiftShader's GL driver
# prints when sigma reads back its picking buffer: a software-rendering artefact that
# a page cannot avoid and that says nothing about the page.
grep ':CONSOLE' "$out/console.log" | grep -v 'GL Driver Message (OpenGL, Performance, .*GPU stall due to ReadPixels' \
  > "$out/console-messages.txt" || true
check "console messages (see $out/console-messages.txt)" "[ ! -s '$out/console-messages.txt' ]"
for shot in cluster-1280x800 cluster-420x800 cluster-full-page; do
  check "no screenshot $shot.png" "[ -s '$out/$shot.png' ]"
done
if [ "$fail" != 0 ]; then
  exit 1
fi
ms="$(grep -o 'data-large-ms="[0-9]*"' <<< "$body" | grep -o '[0-9]*' || true)"
echo "cluster widget check: ok (2,000-node render ${ms:-?} ms; screenshots in $out)"
