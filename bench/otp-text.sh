#!/usr/bin/env bash
# The SMS classifier (is_otp, service) on real messages: precision, recall and F1 per
# language and per source, and the share of signed OTPs whose service is named, on the
# dev and the test half of the labelled set (bench/otp-text/README.md).
#
# usage: bench/otp-text.sh [--wrong]
#   OTP_TEXT_SOURCES=DIR  use the source files already in DIR (laid out as the `file`
#                         column of bench/otp-text/sources.tsv) instead of downloading
#                         them; every file is checked against its pinned checksum.
set -euo pipefail
cd "$(dirname "$0")/.."

here=bench/otp-text
src="${OTP_TEXT_SOURCES:-$here/sources}"
mkdir -p "$src"
tail -n +2 "$here/sources.tsv" | while IFS=$'\t' read -r file repo commit path sha _licence; do
  dest="$src/$file"
  if [ ! -f "$dest" ]; then
    [ -n "${OTP_TEXT_SOURCES:-}" ] && { echo "$dest is missing" >&2; exit 1; }
    mkdir -p "$(dirname "$dest")"
    # Some pinned paths are Chinese: send them percent-encoded.
    url_path=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$path")
    curl -fsSL -o "$dest" "https://raw.githubusercontent.com/$repo/$commit/$url_path"
  fi
  echo "$sha  $dest" | sha256sum --quiet -c - || { echo "$dest differs from its pin" >&2; exit 1; }
done

python3 "$here/build.py" "$src" "$here/labels.tsv" "$here/labelled.tsv"
cargo run -q --release -p duanka-model --example otp_eval -- "$here/labelled.tsv" "$@"
# The goals (precision, recall per language, services named), as the ignored test holds them.
# cargo runs a test from its crate folder: the path must not be relative.
DUANKA_OTP_TEXT="$PWD/$here/labelled.tsv" cargo test -q --release -p duanka-model --test otp_text -- --ignored
