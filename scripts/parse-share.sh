#!/usr/bin/env bash
# The share of statements planwise reads on the real corpora of ../shared/corpora (every
# migration history and every schema): per corpus, the statements `planwise check` reports as
# not understood (unparsed_statement / unparsed_ddl) out of all it read, the same for
# `analyze --schema` (which parses only what may change the catalog), and the statements not
# understood grouped by their leading keywords. Built in debug (benches/parse_share.rs).
#
#   scripts/parse-share.sh            # the table and the groups
#   DETAILS=1 scripts/parse-share.sh  # and every statement not understood, on stderr
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPORA="${CORPORA:-$ROOT/../shared/corpora}"
if [[ ! -d "$CORPORA" ]]; then
    echo "no corpora at $CORPORA (set CORPORA=…)" >&2
    exit 1
fi

list=""
for folder in "$CORPORA"/migrations/*/; do
    list+="$(basename "$folder")=${folder%/};"
done
for schema in "$CORPORA"/schemas/*.sql; do
    list+="$(basename "$schema" .sql)=$schema;"
done

cd "$ROOT"
PLANWISE_PARSE_SHARE="$list" \
PLANWISE_PARSE_SHARE_DETAILS="${DETAILS:-}" \
    cargo bench --profile dev --quiet --bench parse_share 2>&1
