#!/usr/bin/env bash
# The report in a real browser: runs `duanka demo` on a small world, opens its
# report.html in headless Chromium, checks that the page's script ran, that every chart
# and the cluster graph are in the DOM with drawn elements, that the console shows no
# error, and writes a screenshot for people to look at.
# Usage: scripts/browser-test.sh (needs `chromium`; outputs under $CARGO_TARGET_DIR/browser-test).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
out="$target/browser-test"
chrome="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$chrome" ]; then
  echo "browser test: chromium is not installed" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
cargo build -q -j "${CARGO_BUILD_JOBS:-2}" -p duanka-cli
"$target/debug/duanka" demo --subscribers 6000 --seed 7 --quiet --out "$out/demo" > "$out/demo.log"
url="file://$(cd "$out/demo/scan" && pwd)/report.html"

flags=(--headless --disable-gpu --no-sandbox --no-first-run --disable-extensions
  --disable-dev-shm-usage --user-data-dir="$out/profile" --enable-logging=stderr --v=0)
"$chrome" "${flags[@]}" --virtual-time-budget=3000 --dump-dom "$url" > "$out/dom.html" 2> "$out/console.log"
"$chrome" "${flags[@]}" --hide-scrollbars --window-size=1400,4000 \
  --screenshot="$out/report-screenshot.png" "$url" 2>> "$out/console.log" >/dev/null

fail=0
check() { if ! eval "$2"; then echo "browser test: $1" >&2; fail=1; fi; }
# Set by the page's last script line: everything before it ran without throwing.
check "the page's script did not finish" "grep -q 'data-ready=\"v1\"' '$out/dom.html'"
for id in chart-detectors chart-otp-services chart-blocks chart-rogue-traffic graph-cluster chain chart-warnings; do
  # The element with its first drawn child (bars, cells, nodes, lines).
  check "#$id missing or empty" \
    "grep -Eq '<svg id=\"$id\"[^>]*>.*<(rect|circle|line|polyline|g) ' '$out/dom.html'"
done
check "#graph-cluster has no nodes" "grep -q 'class=\"node\" data-type=\"case\"' '$out/dom.html'"
check "the page does not name the reference snapshot" \
  "grep -Eq 'id=\"reference\">Reference data: [^<]*built-in snapshot [0-9]{4}-[0-9]{2}-[0-9]{2}' '$out/dom.html'"
check "#alerts-table has no rows" "grep -Eq '<table id=\"alerts-table\">.*<tbody><tr>' '$out/dom.html'"
# Chromium logs every console message (errors and uncaught exceptions alike) as a
# CONSOLE line; the page itself logs nothing, so any such line is a failure.
check "console messages (see $out/console.log)" "! grep -q ':CONSOLE' '$out/console.log'"
check "no screenshot" "[ -s '$out/report-screenshot.png' ]"
if [ "$fail" != 0 ]; then
  exit 1
fi
echo "browser test: ok ($out/report-screenshot.png)"
