#!/usr/bin/env bash
# planwise check vs squawk on the real migration histories of ../shared/corpora/migrations:
# time, files flagged, findings per rule, and the dangerous statements squawk flags that
# planwise does not (each to be explained). Needs the release build and squawk (pip).
set -euo pipefail
cd "$(dirname "$0")/.."
corpora="${1:-../shared/corpora/migrations}"
command -v squawk >/dev/null || pip install --quiet squawk-cli
cargo build --release --quiet
target="${CARGO_TARGET_DIR:-target}"
python3 benches/migrations/compare.py --planwise "$target/release/planwise" --corpora "$corpora" --runs 7
