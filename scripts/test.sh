#!/usr/bin/env bash
# The project's test command: formatting, lints and every test of duanka (and liftcover,
# when present). Run from anywhere; build outputs go to $CARGO_TARGET_DIR if set.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="${CARGO_BUILD_JOBS:-2}"
echo "== duanka: fmt, one feature set, clippy, tests"
cargo fmt --all -- --check
# Builds and tests must agree on every dependency's features, or DataFusion compiles twice.
scripts/check-features.sh
cargo clippy -j "$jobs" --workspace --all-targets -- -D warnings
# The case store's tests run on SQLite and on a PostgreSQL server started for them;
# DUANKA_REQUIRE_PG makes a missing server a failure rather than a skipped variant.
# The pages' browser test runs when Chromium and chromedriver are here (.ci/run installs
# them); then a failure to drive them is a failure, not a skip.
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  export DUANKA_REQUIRE_BROWSER=1
fi
DUANKA_REQUIRE_PG=1 scripts/with-postgres.sh cargo test -j "$jobs" --workspace
# The cluster build (Apache Ballista, its own heavier build): its code linted, and a
# scheduler with two executors on loopback scanning as the embedded scan does.
echo "== duanka: the cluster build (clippy, the loopback cluster test)"
cargo clippy -j "$jobs" --workspace --all-targets --features duanka-cli/cluster -- -D warnings
cargo test -j "$jobs" --workspace --features duanka-cli/cluster --test cluster
if command -v chromium >/dev/null 2>&1; then
  CARGO_BUILD_JOBS="$jobs" scripts/browser-test.sh
else
  echo "== browser test skipped: no chromium (.ci/run installs it)"
fi

if [ -x liftcover/scripts/test.sh ] || [ -f liftcover/scripts/test.sh ]; then
  echo "== liftcover"
  LIFTCOVER_BUILD_JOBS="$jobs" bash liftcover/scripts/test.sh
fi
