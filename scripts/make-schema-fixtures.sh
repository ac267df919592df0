#!/usr/bin/env bash
# Regenerate the schema fixtures under fixtures/schema/ from the local PostgreSQL server.
#
#   1. creates a throw-away database planwise_fixture_<pid> (dropped at the end, also on
#      failure, via trap),
#   2. loads scripts/schema/shop.sql into it,
#   3. pg_dump --schema-only                       -> fixtures/schema/shop.dump.sql
#   4. the server's own catalog of that schema     -> fixtures/schema/shop.catalog.json
#      (scripts/schema/catalog.sql: tables, columns with format_type, nullability and
#      defaults, indexes with pg_get_indexdef, constraints with pg_get_constraintdef,
#      views, sequences and their owners)
#   5. loads fixtures/schema/shop.dump.sql into a second throw-away database and checks that
#      its catalog is the same JSON (so the dump is a faithful copy of the schema),
#   6. adds a few rows (scripts/schema/shop_data.sql) and dumps it all — data as COPY blocks,
#      CREATE DATABASE and \connect, owners, grants   -> fixtures/schema/shop.full.dump.sql
#   7. applies fixtures/schema/migrations/*.sql in migration order (no *.down.sql), each file
#      in a session of its own, to a third database    -> fixtures/schema/migrations.catalog.json
#
# Needs: psql and pg_dump of the server's major version, a server on 127.0.0.1:5432 that
# trusts user postgres (override with PGHOST / PGPORT / PGUSER), jq.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$ROOT/fixtures/schema"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"

SOURCE_DB="planwise_fixture_$$"
COPY_DB="planwise_fixture_${$}_copy"
MIGRATIONS_DB="planwise_fixture_${$}_migrations"

log() { printf '[make-schema-fixtures] %s\n' "$*" >&2; }

for tool in psql pg_dump jq; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

cleanup() {
    local rc=$?
    for db in "$SOURCE_DB" "$COPY_DB" "$MIGRATIONS_DB"; do
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    done
    exit "$rc"
}
trap cleanup EXIT INT TERM

catalog_json() {
    psql -X -At -v ON_ERROR_STOP=1 -d "$1" -f "$HERE/schema/catalog.sql" | jq --indent 1 .
}

# pg_dump 15.14+ brackets its output in \restrict / \unrestrict with a random key; a fixed
# one keeps regenerated fixtures byte-identical when nothing else changed.
stable_restrict_key() {
    sed -E 's/^\\(un)?restrict [A-Za-z0-9]+$/\\\1restrict planwisefixture/'
}

mkdir -p "$OUT"

log "loading scripts/schema/shop.sql into $SOURCE_DB"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $SOURCE_DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$SOURCE_DB" -f "$HERE/schema/shop.sql" >/dev/null

log "pg_dump --schema-only -> fixtures/schema/shop.dump.sql"
# --no-owner keeps the role of whoever ran this out of the fixture; GRANTs stay (--no-acl off)
# because tolerating them is part of what the loader is tested for.
pg_dump --schema-only --no-owner -d "$SOURCE_DB" | stable_restrict_key >"$OUT/shop.dump.sql"

log "server catalog -> fixtures/schema/shop.catalog.json"
catalog_json "$SOURCE_DB" >"$OUT/shop.catalog.json"

log "checking that the dump recreates the same catalog"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $COPY_DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$COPY_DB" -f "$OUT/shop.dump.sql" >/dev/null
if ! diff <(catalog_json "$COPY_DB") "$OUT/shop.catalog.json" >&2; then
    echo "the dump does not recreate the catalog it was taken from" >&2
    exit 1
fi

log "full dump with data -> fixtures/schema/shop.full.dump.sql"
psql -X -q -v ON_ERROR_STOP=1 -d "$SOURCE_DB" -f "$HERE/schema/shop_data.sql" >/dev/null
# The database's name carries this run's pid; the fixture calls it shop.
pg_dump --create -d "$SOURCE_DB" | sed "s/$SOURCE_DB/shop/g" | stable_restrict_key >"$OUT/shop.full.dump.sql"

log "migrations -> fixtures/schema/migrations.catalog.json"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $MIGRATIONS_DB"
# The order planwise applies them in: by name, numbers by value, down migrations left out.
find "$OUT/migrations" -name '*.sql' ! -name 'down.sql' ! -name '*.down.sql' | sort -V |
    while read -r migration; do
        psql -X -q -v ON_ERROR_STOP=1 -d "$MIGRATIONS_DB" -f "$migration" >/dev/null
    done
catalog_json "$MIGRATIONS_DB" >"$OUT/migrations.catalog.json"

log "done: $(grep -c ';$' "$OUT/shop.dump.sql") statements in shop.dump.sql, $(jq '.tables | length' "$OUT/shop.catalog.json") tables, $(jq '.indexes | length' "$OUT/shop.catalog.json") indexes"
