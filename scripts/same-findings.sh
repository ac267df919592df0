#!/usr/bin/env bash
# Whether two builds of planwise report the same thing, byte for byte: for refactors that
# must not change behaviour.
#
#   scripts/same-findings.sh A B
#
# A and B are each a planwise binary (a path) or a git revision (built in a temporary
# worktree with this checkout's target folder, so only planwise itself compiles). Both run
# `planwise analyze --format json` and `planwise check --format json` over:
#   - every offline case of fixtures/rules (as tests/rule_fixtures.rs runs it; live cases,
#     those with a setup.sql, are left out),
#   - fixtures/check and every log of fixtures/logs (with fixtures/schema/shop.dump.sql),
#   - the shared corpora (../shared/corpora, or $CORPORA): each schema analysed, each
#     migration history checked, without and with the shop's workload,
#   - a bench log: fixtures/logs/shop.log repeated to $BENCH_MB megabytes (default 20) by
#     benches/make_big_log.py, analysed with the shop's schema.
# Each run's stdout, stderr and exit status are kept under $OUT (default
# <target>/same-findings/{a,b}); the two trees are compared and every difference listed.
# Exit status: 0 when they are the same, 1 when they differ, 2 on error.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
OUT="${OUT:-$TARGET_DIR/same-findings}"
# Beside the checkout, or beside the main checkout when this is a worktree of it.
MAIN_CHECKOUT="$(dirname "$(git -C "$REPO" rev-parse --path-format=absolute --git-common-dir)")"
for corpora in "$REPO/../shared/corpora" "$MAIN_CHECKOUT/../shared/corpora"; do
    [ -d "$corpora" ] && break
done
CORPORA="${CORPORA:-$corpora}"
BENCH_MB="${BENCH_MB:-20}"

if [ $# -ne 2 ]; then
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi

# A binary, or a revision built into $OUT/bin/<rev>.
binary_of() {
    local spec="$1"
    if [ -x "$spec" ] && [ -f "$spec" ]; then
        realpath "$spec"
        return
    fi
    local commit
    commit="$(git -C "$REPO" rev-parse --verify --quiet "$spec^{commit}")" ||
        { echo "$spec is neither a planwise binary nor a git revision" >&2; exit 2; }
    local built="$OUT/bin/$commit"
    if [ ! -x "$built" ]; then
        local tree
        tree="$(mktemp -d)"
        git -C "$REPO" worktree add --detach --quiet "$tree" "$commit"
        (cd "$tree" && CARGO_TARGET_DIR="$TARGET_DIR" cargo build --quiet --bin planwise) >&2
        mkdir -p "$OUT/bin"
        cp "$TARGET_DIR/debug/planwise" "$built"
        git -C "$REPO" worktree remove --force "$tree"
    fi
    echo "$built"
}

A="$(binary_of "$1")"
B="$(binary_of "$2")"

# The bench log, made once.
BENCH_LOG="$TARGET_DIR/bench-data/shop-${BENCH_MB}mb.log"
if [ ! -f "$BENCH_LOG" ]; then
    mkdir -p "$(dirname "$BENCH_LOG")"
    python3 "$REPO/benches/make_big_log.py" "$REPO/fixtures/logs/shop.log" "$BENCH_LOG" "$BENCH_MB" 2>/dev/null
fi

# Every run, one a line: a name, then planwise's arguments (paths relative to the repo, so
# that reports hold no absolute path of this machine).
cases() {
    local shop=fixtures/schema/shop.dump.sql
    for dir in fixtures/rules/*/; do
        local id
        id="$(basename "$dir")"
        for case in "$dir"positive "$dir"negative*; do
            [ -d "$case" ] || continue
            [ -f "$case/setup.sql" ] && continue
            local extra=""
            [ -f "$case/args" ] && extra="$(tr '\n' ' ' <"$case/args")"
            local workload="$case/workload.sql"
            [ -f "$case/workload.log" ] && workload="$case/workload.log"
            local name="rules-$id-$(basename "$case")"
            if [ -f "$case/migration.sql" ]; then
                local args="check $case/migration.sql --format json"
                for schema in schema.sql schema.json; do
                    [ -f "$case/$schema" ] && args+=" --schema $case/$schema"
                done
                [ -f "$workload" ] && args+=" --log $workload"
                echo "$name $args $extra"
            else
                local schemas=""
                for where in "$case" "$dir"; do
                    for schema in schema.json schema.sql; do
                        [ -f "$where/$schema" ] && schemas+=" ${where%/}/$schema"
                    done
                    [ -n "$schemas" ] && break
                done
                echo "$name analyze --format json --log $workload --schema$schemas $extra"
            fi
        done
    done
    echo "check-fixture check fixtures/check/migrations --schema $shop --log fixtures/logs/shop.log --format json"
    echo "check-fixture-no-schema check fixtures/check/no-schema --format json"
    for log in fixtures/logs/*.* fixtures/logs/hosted/*; do
        [ -f "$log" ] || continue
        case "$log" in *.md) continue ;; esac
        local name="log-$(basename "$log")"
        echo "$name analyze --format json --log $log --schema $shop"
    done
    if [ -d "$CORPORA" ]; then
        for schema in "$CORPORA"/schemas/*.sql; do
            echo "corpus-$(basename "$schema" .sql) analyze --format json --schema $schema"
            echo "corpus-$(basename "$schema" .sql)-shop analyze --format json --schema $schema --log fixtures/logs/shop.log"
        done
        for folder in "$CORPORA"/migrations/*/; do
            local name="corpus-$(basename "$folder")"
            echo "$name-check check ${folder%/} --format json"
            echo "$name-check-shop check ${folder%/} --log fixtures/logs/shop.log --format json"
            echo "$name-analyze analyze --format json --schema ${folder%/}"
        done
    else
        echo "no corpora at $CORPORA: left out" >&2
    fi
    echo "bench-log analyze --format json --log $BENCH_LOG --schema $shop"
}

run_all() {
    local binary="$1" into="$2"
    rm -rf "$into"
    mkdir -p "$into"
    cd "$REPO"
    cases | while read -r name args; do
        # shellcheck disable=SC2086
        set +e
        "$binary" $args >"$into/$name.out" 2>"$into/$name.err"
        echo "$?" >"$into/$name.status"
        set -e
    done
}

echo "A: $A" >&2
run_all "$A" "$OUT/a"
echo "B: $B" >&2
run_all "$B" "$OUT/b"

runs=$(find "$OUT/a" -name '*.status' | wc -l)
findings=$(cat "$OUT"/a/*.out | grep -c '"rule":' || true)
if diff -r -q "$OUT/a" "$OUT/b" >/dev/null; then
    echo "same: $runs runs, $findings findings, stdout, stderr and exit status byte-identical"
    exit 0
fi
echo "DIFFERENT ($runs runs):"
diff -r -q "$OUT/a" "$OUT/b" | sed "s|$OUT/||g"
exit 1
