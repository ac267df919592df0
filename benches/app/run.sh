#!/usr/bin/env bash
# The application benchmark: a multi-tenant project tracker (schema.sql, 7.8 M rows by
# load.sql) and its workload as the server logged it (workload.py: one psycopg session with
# log_min_duration_statement = 0, cut out of the server's log). Runs `planwise verify` on it
# — the database is a scratch copy made for the purpose — and prints the measured figures
# beside the estimates (verify.json, and the table printed).
#
#   benches/app/run.sh
# Then scores the report against the answer key (score.py, oracle.json): recall of the planted
# problems, traps hit, findings matching nothing planted, planted fixes verified faster.
# The statistics counters are reset between the workload and planwise (as on a restored copy,
# a replica or a restarted server): the key's trap is a DROP of an index the workload uses.
# prove.py first shows the key's fixes faster on the database without planwise (each built in
# a rolled-back transaction). With PLANWISE_BEFORE set, that binary verifies the same log
# too (counters reset again first) and is scored beside it: before and after.
# Environment: APP_DB (default planwise_app; created and loaded when missing, ~2 min),
# SERVER_LOG (default /var/log/postgresql/postgresql-15-main.log), PLANWISE (default: a
# release build), VERIFY_OPTIONS (default "--runs 5").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
db=${APP_DB:-planwise_app}
server_log=${SERVER_LOG:-/var/log/postgresql/postgresql-15-main.log}
work=${BENCH_DIR:-$repo/target/bench-data}/app
mkdir -p "$work"

if ! psql -X -d "$db" -Atc "SELECT 1 FROM pg_extension WHERE extname = 'hypopg'" 2>/dev/null | grep -q 1; then
  createdb "$db"
  psql -X -q -d "$db" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION hypopg" -f "$here/schema.sql" -f "$here/load.sql"
fi
if [ -z "${PLANWISE:-}" ]; then
  (cd "$repo" && cargo build --release --quiet)
  PLANWISE=$repo/target/release/planwise
fi
python3 "$here/prove.py" "$db"
echo
# The workload speaks the extended protocol, as an ORM does, through psycopg.
python3 -c "import psycopg" 2>/dev/null || python3 -m pip install --quiet psycopg
python3 "$here/workload.py" "$db" "$server_log" "$work/app.log"
verify() { # BINARY OUT: the statistics counters reset, then `planwise verify` of the log
  psql -X -q -d "$db" -Atc "SELECT pg_stat_reset()" >/dev/null
  # shellcheck disable=SC2086
  "$1" verify --scratch --db "postgres:///$db?host=/var/run/postgresql" --log "$work/app.log" \
      ${VERIFY_OPTIONS:---runs 5} --format json -o "$2"
}
verify "$PLANWISE" "$work/verify.json"
python3 "$here/table.py" "$work/verify.json"
echo
python3 "$here/score.py" "$work/verify.json"
if [ -n "${PLANWISE_BEFORE:-}" ]; then
  verify "$PLANWISE_BEFORE" "$work/verify-before.json"
  echo; echo "Before ($PLANWISE_BEFORE):"
  python3 "$here/score.py" "$work/verify-before.json"
fi
