#!/usr/bin/env bash
# How `--schema` scales with the number of tables: generates pg_dump-shaped schemas of N
# tables (each with a primary key, a unique constraint, a two-column index and a foreign
# key to the table before it; benches/make_schema.py) and times
# `planwise analyze --schema gen.sql --log one.sql` (load the schema, run every rule, render
# the report) with peak RSS. Needs GNU time (/usr/bin/time).
#
#   benches/schema_scale.sh                  # 1k, 8k and 100k tables, release build
#   benches/schema_scale.sh 1000 8000        # other sizes
#   PLANWISE=path/to/planwise benches/schema_scale.sh   # another binary (e.g. a debug one)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 8000 100000)
target="${CARGO_TARGET_DIR:-target}"
if [[ -z "${PLANWISE:-}" ]]; then
    cargo build --release --quiet
    PLANWISE="$target/release/planwise"
fi
data="$target/bench-data"
mkdir -p "$data"
echo "SELECT 1;" >"$data/one.sql"
printf '%8s  %9s  %10s  %12s\n' tables seconds "peak MB" "schema MB"
for n in "${sizes[@]}"; do
    schema="$data/schema-$n.sql"
    [[ -s "$schema" && "$schema" -nt benches/make_schema.py ]] ||
        python3 benches/make_schema.py "$n" >"$schema"
    /usr/bin/time -f '%e %M' -o "$data/time-$n" \
        "$PLANWISE" analyze --schema "$schema" --log "$data/one.sql" -o /dev/null
    read -r seconds kb <"$data/time-$n"
    bytes=$(stat -c %s "$schema")
    awk -v n="$n" -v s="$seconds" -v kb="$kb" -v b="$bytes" \
        'BEGIN { printf "%8d  %9.2f  %10.0f  %12.1f\n", n, s, kb / 1024, b / 1048576 }'
done
