#!/usr/bin/env bash
# Regenerate the real PostgreSQL 15 event log fixtures: fixtures/logs/events.{log,csv,json},
# the facts counted from them (events-facts.json) and their description (events.md).
#
# What it does, end to end:
#   1. creates a throw-away cluster "15/events" on port 5434 (dropping an old one),
#   2. loads the shop schema + data with logging off (scripts/workload/setup.sql),
#   3. one logged run, stderr + csvlog + jsonlog, with the settings that make the server log
#      its events: log_temp_files = 0 (work_mem = 64kB), log_lock_waits (deadlock_timeout =
#      100ms), log_autovacuum_min_duration = 0, log_checkpoints, log_connections and
#      log_disconnections, log_min_duration_statement = 0; a driver (scripts/workload/events/)
#      spills sorts and hash joins, makes sessions wait on row locks, causes one deadlock, one
#      statement timeout, one lock timeout and one user cancel, churns connections, writes
#      enough WAL to request a checkpoint and enough dead rows to wake autovacuum,
#   4. counts the events in the three files (Python, independent of planwise), checks they
#      agree with each other and with what the driver did, and writes events-facts.json,
#   5. drops the throw-away cluster (also on failure, via trap).
#
# The shared cluster on port 5432 is never touched. Needs: root, PostgreSQL 15 server +
# client (pg_createcluster, pgbench, psql), python3.
set -euo pipefail

PGVER=15
CLUSTER=events
PORT=5434
HOST=127.0.0.1

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
WL="$HERE/workload"
EV="$WL/events"
OUT="$ROOT/fixtures/logs"
CONF="/etc/postgresql/$PGVER/$CLUSTER/postgresql.conf"

log() { printf '[make-event-fixtures] %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
    echo "make-event-fixtures.sh must run as root (it creates a throw-away PostgreSQL cluster)" >&2
    exit 1
fi
for tool in pg_createcluster pg_dropcluster pg_ctlcluster pg_lsclusters psql pgbench python3; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
if pg_lsclusters -h | awk -v p="$PORT" -v v="$PGVER" -v c="$CLUSTER" '$3 == p && !($1 == v && $2 == c) {bad=1} END {exit !bad}'; then
    echo "port $PORT is used by another cluster; refusing to continue" >&2
    exit 1
fi

WORK="$(mktemp -d /tmp/planwise-event-fixtures.XXXXXX)"
chmod 755 "$WORK"
RUNCONF="$WORK/planwise-run.conf"

cluster_exists() { pg_lsclusters -h | awk -v v="$PGVER" -v c="$CLUSTER" '$1 == v && $2 == c {f=1} END {exit !f}'; }

cleanup() {
    local rc=$?
    # Background clients of the driver, if it failed half way.
    jobs -p | xargs -r kill 2>/dev/null || true
    if cluster_exists; then
        log "dropping throw-away cluster $PGVER/$CLUSTER"
        pg_dropcluster --stop "$PGVER" "$CLUSTER" || true
    fi
    if [[ $rc -ne 0 && -d "$WORK/events" ]]; then
        rm -rf /tmp/planwise-event-fixtures.failed && cp -r "$WORK/events" /tmp/planwise-event-fixtures.failed
        log "the failed run's logs are in /tmp/planwise-event-fixtures.failed"
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PSQL=(psql -X -q -h "$HOST" -p "$PORT")
PGBENCH=(pgbench -h "$HOST" -p "$PORT" -n --random-seed=20241206)

pg_start() { pg_ctlcluster --skip-systemctl-redirect "$PGVER" "$CLUSTER" start; }
pg_stop()  { pg_ctlcluster --skip-systemctl-redirect "$PGVER" "$CLUSTER" stop -m fast; }

# configure_run NAME (settings on stdin): logs go to a fresh $WORK/NAME.
configure_run() {
    local dir="$WORK/$1"
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    { echo "log_directory = '$dir'"; cat; } >"$RUNCONF"
    chown postgres:postgres "$RUNCONF"
}

log "creating throw-away cluster $PGVER/$CLUSTER on port $PORT"
if cluster_exists; then
    pg_dropcluster --stop "$PGVER" "$CLUSTER"
fi
pg_createcluster "$PGVER" "$CLUSTER" --port "$PORT" -- --auth=trust >/dev/null
cat >>"$CONF" <<EOF

# ---- added by planwise scripts/make-event-fixtures.sh ----
shared_preload_libraries = 'pg_stat_statements'
lc_messages = 'C'
log_timezone = 'UTC'
logging_collector = on
log_filename = 'pg.log'
log_rotation_age = 0
log_rotation_size = 0
max_parallel_workers_per_gather = 0    # one temporary file per sort, none from workers
include = '$RUNCONF'
EOF

configure_run setup <<'EOF'
log_destination = 'stderr'
log_min_duration_statement = -1
autovacuum = off
EOF
pg_start
"${PSQL[@]}" -U postgres -d postgres -f "$WL/setup.sql" >/dev/null
"${PSQL[@]}" -U postgres -d shop -c 'VACUUM ANALYZE' >/dev/null
PG_VERSION_STRING="$("${PSQL[@]}" -U postgres -d postgres -At -c 'SELECT version()')"
log "server: $PG_VERSION_STRING"
pg_stop

configure_run events <<'EOF'
log_destination = 'stderr,csvlog,jsonlog'
log_line_prefix = '%m [%p] %q%u@%d/%a '
log_min_duration_statement = 0
log_connections = on
log_disconnections = on
log_temp_files = 0
work_mem = '64kB'
log_lock_waits = on
deadlock_timeout = '100ms'
log_autovacuum_min_duration = 0
autovacuum_naptime = '1s'
autovacuum_vacuum_threshold = 500
autovacuum_vacuum_scale_factor = 0
autovacuum_analyze_threshold = 500
autovacuum_analyze_scale_factor = 0
log_checkpoints = on
checkpoint_timeout = '1h'
max_wal_size = '32MB'
min_wal_size = '32MB'
EOF

# What the driver does, counted as it does it: events-facts.json's "driver".
declare -A DRIVER=()
did() { DRIVER[$1]=$(( ${DRIVER[$1]:-0} + ${2:-1} )); }

# psql_as APP FILE [VAR=VALUE ...]: one session running FILE (errors expected: no ON_ERROR_STOP).
psql_as() {
    local app=$1 file=$2; shift 2
    local vars=()
    for assignment in "$@"; do vars+=(-v "$assignment"); done
    PGAPPNAME="$app" "${PSQL[@]}" -U app -d shop "${vars[@]}" -f "$file" >/dev/null 2>&1
}

# A blocker holds product ID for 1.5 s; a waiter asks for it 0.4 s later.
lock_wait() {
    psql_as blocker "$EV/hold_product.sql" "id=$1" seconds=1.5 &
    local blocker=$!
    sleep 0.4
    psql_as waiter "$EV/wait_product.sql" "id=$1"
    wait "$blocker"
    did lock_waits
}

log "events run"
pg_start
# Spills: a sort (one temporary file each) and a batched hash join, both in one session each.
"${PGBENCH[@]}" -U app -f "$EV/spill_sort.sql" -c 1 -t 6 -M extended shop >/dev/null
did spill_sort_executions 6
"${PGBENCH[@]}" -U app -f "$EV/spill_hash.sql" -c 1 -t 2 -M simple shop >/dev/null
did spill_hash_executions 2
# Statements that fit in work_mem (the negative case).
"${PGBENCH[@]}" -U app -f "$WL/browse.sql" -c 2 -t 5 -M extended shop >/dev/null
did browse_transactions 10
# Lock waits on three products.
for product in 1 2 1; do lock_wait "$product"; done
# A deadlock: two sessions take products 5 and 6 in opposite orders.
psql_as deadlock-a "$EV/deadlock.sql" first=5 second=6 &
first=$!
psql_as deadlock-b "$EV/deadlock.sql" first=6 second=5
wait "$first"
did deadlocks
# A lock timeout: waits for product 7 while a blocker holds it.
psql_as blocker "$EV/hold_product.sql" id=7 seconds=1.5 &
blocker=$!
sleep 0.4
psql_as timeout-victim "$EV/lock_timeout.sql" id=7
wait "$blocker"
did lock_timeouts
# A statement timeout.
psql_as timeout-victim "$EV/statement_timeout.sql"
did statement_timeouts
# A user cancel: pg_cancel_backend on a sleeping session.
psql_as cancel-victim "$EV/cancelled.sql" &
victim=$!
sleep 0.6
PGAPPNAME=canceller "${PSQL[@]}" -U postgres -d shop -At \
    -c "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE application_name = 'cancel-victim'" >"$WORK/cancelled"
wait "$victim"
did user_cancels "$(cat "$WORK/cancelled")"
# Connection churn: one connection per transaction.
"${PGBENCH[@]}" -U app -f "$EV/churn.sql" -c 1 -t 12 -C -M simple shop >/dev/null
did churn_connections 12
# WAL for a requested checkpoint, dead rows for autovacuum; then a manual checkpoint.
PGAPPNAME=bulk "${PSQL[@]}" -U postgres -d shop -v ON_ERROR_STOP=1 -f "$EV/bulk_write.sql" >/dev/null
sleep 6   # autovacuum_naptime is 1 s: time for it to visit order_items, and for the
          # WAL-requested checkpoints to finish (spread over a few seconds)
PGAPPNAME=bulk "${PSQL[@]}" -U postgres -d shop -c 'CHECKPOINT' >/dev/null
did manual_checkpoints
pg_stop

STAGE="$WORK/out"
mkdir -p "$STAGE"
for ext in log csv json; do
    install -m 644 "$WORK/events/pg.$ext" "$STAGE/events.$ext"
done

DRIVER_JSON="$(for key in "${!DRIVER[@]}"; do printf '%s %s\n' "$key" "${DRIVER[$key]}"; done |
    python3 -c 'import json, sys; print(json.dumps({k: int(v) for k, v in sorted(l.split() for l in sys.stdin)}))')"
log "counting the events"
PG_VERSION_STRING="$PG_VERSION_STRING" DRIVER_JSON="$DRIVER_JSON" \
    python3 "$HERE/count_events.py" "$STAGE"

for file in events.log events.csv events.json events-facts.json events.md; do
    size=$(stat -c %s "$STAGE/$file")
    if (( size > 200 * 1024 )); then
        echo "$file is $size bytes; keep the committed fixtures under 200 KB" >&2
        exit 1
    fi
    install -m 644 "$STAGE/$file" "$OUT/$file"
done
log "wrote $OUT/events.{log,csv,json,md} and events-facts.json"
