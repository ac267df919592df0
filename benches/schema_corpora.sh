#!/usr/bin/env bash
# How much of real schemas and migration histories `--schema` understands, and how fast.
#
# Reads the public corpora under ../shared/corpora (read-only; see their README for where each
# file comes from) — pg_dump structure files and migration folders — with the catalog loader
# (benches/schema_corpora.rs, built in release) and prints, per
# corpus: files, statements, applied, ignored, failed (unparsed), the share understood, the
# tables and indexes found, and the load time. The default test suite never needs the corpora.
#
#   benches/schema_corpora.sh                   # the table
#   DETAILS=1 benches/schema_corpora.sh         # and the first diagnostics of each kind
#   benches/schema_corpora.sh --against-server  # also load each pg_dump into a throw-away
#       database on the local server (psql -h 127.0.0.1 -U postgres, trust auth) and list
#       where planwise's catalog of the file differs from PostgreSQL's own catalog of it
#       (statements the server itself rejects, e.g. for a missing extension, differ too)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPORA="${CORPORA:-$ROOT/../shared/corpora}"

if [[ ! -d "$CORPORA" ]]; then
    echo "no corpora at $CORPORA (set CORPORA=…)" >&2
    exit 1
fi

# A ~30,000-line pg_dump: danbooru's structure four times over, each copy in a schema of
# its own (pg_dump qualifies every name, so renaming `public.` moves the whole copy).
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
mkdir -p "$TARGET_DIR/bench-data"
BIG="$TARGET_DIR/bench-data/danbooru-x4.sql"
: >"$BIG"
for copy in 1 2 3 4; do
    echo "CREATE SCHEMA copy$copy;" >>"$BIG"
    sed "s/public\./copy$copy./g" "$CORPORA/schemas/danbooru-structure.sql" >>"$BIG"
done

list=""
for schema in "$CORPORA"/schemas/*.sql; do
    list+="$(basename "$schema" .sql)=$schema;"
done
for folder in "$CORPORA"/migrations/*/; do
    list+="$(basename "$folder") (migrations)=${folder%/};"
done
list+="danbooru ×4, $(wc -l <"$BIG") lines=$BIG;"

cd "$ROOT"
PLANWISE_SCHEMA_CORPORA="$list" \
PLANWISE_SCHEMA_CORPORA_DETAILS="${DETAILS:-}" \
    cargo bench --quiet --bench schema_corpora 2>&1

if [[ "${1:-}" == "--against-server" ]]; then
    export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
    DB="planwise_corpus_$$"
    trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true' EXIT
    for schema in "$CORPORA"/schemas/*.sql; do
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>/dev/null
        errors=$(psql -X -q -d "$DB" -f "$schema" 2>&1 | grep -c ERROR || true)
        psql -X -At -d "$DB" -f "$ROOT/scripts/schema/catalog.sql" >"$TARGET_DIR/bench-data/catalog.json"
        echo
        echo "$(basename "$schema"): the server rejected $errors statement(s)"
        cargo run --release --quiet --example compare_catalog -- \
            "$schema" "$TARGET_DIR/bench-data/catalog.json" 2>&1 | cut -c1-300 | sed -n 1,12p
    done
fi
