#!/usr/bin/env bash
# Runs every fuzz target in turn (one job at a time) for SECONDS_PER_TARGET seconds each.
# Usage: fuzz/run_all.sh [seconds] [target...]
set -uo pipefail
cd "$(dirname "$0")"
seconds=${1:-180}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(fingerprint fingerprint_idempotent lexer split_statements prefix_parse prefix_detect stderr_block csvlog_block jsonlog_block log_readers migration_check query_facts schema_load)
fi
[ -d corpus ] || python3 seed_corpus.py
mkdir -p logs
for target in "${targets[@]}"; do
    case $target in
        fingerprint*|lexer|split_statements|migration_check|query_facts|schema_load) dict=dict/sql.dict ;;
        *) dict=dict/log.dict ;;
    esac
    echo "== $target"
    RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$target" -- \
        -max_total_time="$seconds" -dict="$PWD/$dict" -print_final_stats=1 \
        > "logs/$target.log" 2>&1
    echo "exit $?"
    grep -E "^(stat::|Done|#[0-9]+ +DONE)|panicked|SUMMARY|Test unit written" "logs/$target.log" | tail -12
done
