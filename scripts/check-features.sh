#!/usr/bin/env bash
# Fails when `cargo build`, `cargo build -p duanka-cli` and `cargo test` would build a
# dependency with different features: each difference recompiles that dependency and
# everything above it (for DataFusion, minutes). Prints the packages that differ.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="$(mktemp -d "${TMPDIR:-/tmp}/duanka-features.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
tree() { cargo tree -q -e "$1" -f '{p} {f}' --prefix none "${@:2}" | sort -u; }
tree normal,build --workspace > "$scratch/build"
tree normal,build -p duanka-cli > "$scratch/cli"
tree normal,build,dev --workspace > "$scratch/test"
python3 - "$scratch" <<'PY'
import sys
from pathlib import Path

def load(path):
    feats = {}
    for line in Path(path).read_text().splitlines():
        parts = line.replace(" (*)", "").split(" ")
        if len(parts) < 2:
            continue
        # "name vX.Y.Z [(path)] [features]": the package is name and version.
        pkg = " ".join(parts[:2])
        rest = [p for p in parts[2:] if not p.startswith("(")]
        feats.setdefault(pkg, set()).update(rest[0].split(",") if rest else [])
    return feats

d = Path(sys.argv[1])
graphs = {name: load(d / name) for name in ("build", "cli", "test")}
bad = []
names = list(graphs)
for i, a in enumerate(names):
    for b in names[i + 1:]:
        for pkg in sorted(graphs[a].keys() & graphs[b].keys()):
            fa, fb = graphs[a][pkg], graphs[b][pkg]
            if fa != fb:
                bad.append(f"{pkg}: {a} [{','.join(sorted(fa - {''}))}] vs {b} [{','.join(sorted(fb - {''}))}]")
for line in bad:
    print("feature mismatch:", line, file=sys.stderr)
if bad:
    print("make the features agree (see the getrandom entry of the workspace Cargo.toml)", file=sys.stderr)
    sys.exit(1)
print(f"features: one set for build, duanka-cli and tests ({len(graphs['test'])} packages)")
PY
