#!/usr/bin/env bash
# Reproduces the vendored browser files from the npm registry at pinned versions and
# checks them against the sha256 sums recorded in NOTICE, so that a review of an update
# only has to look at this script and NOTICE, never at minified code.
# The pages are served offline by the binary: nothing here is fetched at page run time.
# Usage: crates/server/assets/vendor/fetch.sh   (needs npm, tar, sha256sum)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# package version  file-in-package  vendored-name
files=(
  "graphology 0.26.0 dist/graphology.umd.min.js graphology.umd.min.js"
  "sigma 3.0.3 dist/sigma.min.js sigma.min.js"
)
# Licence texts: the two packages above and the two that their builds bundle inside
# (sigma.min.js carries events and graphology-utils; graphology.umd.min.js carries events).
licences=(
  "graphology 0.26.0 LICENSE.txt"
  "sigma 3.0.3 LICENSE.txt"
  "events 3.3.0 LICENSE"
  "graphology-utils 2.5.2 LICENSE.txt"
)

unpack() {
  local pkg="$1" ver="$2"
  if [ ! -d "$work/$pkg" ]; then
    # npm pack fetches exactly the published tarball, without running any install script.
    (cd "$work" && npm pack --silent "$pkg@$ver" > /dev/null)
    mkdir -p "$work/$pkg"
    tar -xzf "$work/$pkg-$ver.tgz" -C "$work/$pkg" --strip-components=1
  fi
}

copied=()
for line in "${files[@]}"; do
  read -r pkg ver src dst <<< "$line"
  unpack "$pkg" "$ver"
  cp "$work/$pkg/$src" "$here/$dst"
  copied+=("$dst")
done
for line in "${licences[@]}"; do
  read -r pkg ver src <<< "$line"
  unpack "$pkg" "$ver"
  cp "$work/$pkg/$src" "$here/LICENSE-$pkg.txt"
  copied+=("LICENSE-$pkg.txt")
done

# NOTICE lines of the form "sha256 <hex> <file>" are the expected sums; every copied
# file must have one, so that a new file cannot slip in unrecorded.
fail=0
for name in "${copied[@]}"; do
  want="$(awk -v n="$name" '$1 == "sha256" && $3 == n { print $2 }' "$here/NOTICE")"
  got="$(sha256sum "$here/$name" | cut -d' ' -f1)"
  if [ -z "$want" ]; then
    echo "fetch.sh: $name has no sha256 line in NOTICE (it is $got)" >&2
    fail=1
  elif [ "$got" != "$want" ]; then
    echo "fetch.sh: $name: sha256 $got, NOTICE says $want" >&2
    fail=1
  fi
done
if [ "$fail" = 0 ]; then
  echo "fetch.sh: ${#copied[@]} vendored files match NOTICE"
fi
exit "$fail"
