#!/usr/bin/env bash
# Regenerate the real PostgreSQL 15 event log fixtures: fixtures/logs/events.{log,csv,json},
# the facts counted from them (events-facts.json) and their description (events.md); and the
# auto_explain plan fixtures: fixtures/logs/plans.{log,csv,json}, plans-facts.json, plans.md.
#
#   scripts/make-event-fixtures.sh              # both runs
#   RUNS=plans scripts/make-event-fixtures.sh   # one of them: RUNS="events", RUNS="plans"
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
#   5. the plans run, stderr + csvlog + jsonlog: auto_explain loaded for every session
#      (session_preload_libraries) with log_min_duration = 0, log_analyze, log_buffers and
#      log_nested_statements, next to log_min_duration_statement = 0 (so each execution
#      logs its plan and its statement); the driver (scripts/workload/plans/) runs statements
#      whose plans show a misestimate, a filtering sequential scan, a sort on disk, a nested
#      loop, heap fetches, JIT and workers not launched, and a function's nested statement,
#      in four parts: text format, JSON format, text without timing, JSON without ANALYZE
#      (auto_explain.log_format is reloaded between them); count_events.py counts the
#      plans per statement in the three files and writes plans-facts.json,
#   6. drops the throw-away cluster (also on failure, via trap).
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

# shellcheck source=scripts/lib/throwaway-cluster.sh
source "$HERE/lib/throwaway-cluster.sh"
require_throwaway_cluster make-event-fixtures.sh

RUNS="${RUNS:-events plans}"
for run in $RUNS; do
    [[ $run == events || $run == plans ]] || { echo "RUNS: unknown run $run" >&2; exit 2; }
done

WORK="$(mktemp -d /tmp/planwise-event-fixtures.XXXXXX)"
chmod 755 "$WORK"
RUNCONF="$WORK/planwise-run.conf"

cleanup() {
    local rc=$?
    # Background clients of the driver, if it failed half way.
    jobs -p | xargs -r kill 2>/dev/null || true
    if cluster_exists; then
        log "dropping throw-away cluster $PGVER/$CLUSTER"
        pg_dropcluster --stop "$PGVER" "$CLUSTER" || true
    fi
    if [[ $rc -ne 0 ]]; then
        rm -rf /tmp/planwise-event-fixtures.failed && mkdir /tmp/planwise-event-fixtures.failed
        for dir in events plans out; do
            [[ -d "$WORK/$dir" ]] && cp -r "$WORK/$dir" /tmp/planwise-event-fixtures.failed/
        done
        log "the failed run's logs are in /tmp/planwise-event-fixtures.failed"
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PSQL=(psql -X -q -h "$HOST" -p "$PORT")
PGBENCH=(pgbench -h "$HOST" -p "$PORT" -n --random-seed=20241206)


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

STAGE="$WORK/out"
mkdir -p "$STAGE"

# install_fixtures FILE...: from the stage to fixtures/logs, each under 200 KB.
install_fixtures() {
    for file in "$@"; do
        size=$(stat -c %s "$STAGE/$file")
        if (( size > 200 * 1024 )); then
            echo "$file is $size bytes; keep the committed fixtures under 200 KB" >&2
            exit 1
        fi
        install -m 644 "$STAGE/$file" "$OUT/$file"
    done
}

# What a run's driver does, counted as it does it: the facts' "driver".
declare -A DRIVER=()
did() { DRIVER[$1]=$(( ${DRIVER[$1]:-0} + ${2:-1} )); }
driver_json() {
    for key in "${!DRIVER[@]}"; do printf '%s %s\n' "$key" "${DRIVER[$key]}"; done |
        python3 -c 'import json, sys; print(json.dumps({k: int(v) for k, v in sorted(l.split() for l in sys.stdin)}))'
}

events_run() {
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

    DRIVER=()

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

    for ext in log csv json; do
        install -m 644 "$WORK/events/pg.$ext" "$STAGE/events.$ext"
    done

    DRIVER_JSON="$(driver_json)"
    log "counting the events"
    PG_VERSION_STRING="$PG_VERSION_STRING" DRIVER_JSON="$DRIVER_JSON" \
        python3 "$HERE/count_events.py" "$STAGE"

    install_fixtures events.log events.csv events.json events-facts.json events.md
    log "wrote $OUT/events.{log,csv,json,md} and events-facts.json"
}

PL="$WL/plans"

# plans_part NAME FORMAT ANALYZE TIMING: auto_explain's settings for the sessions to come
# (a reload: new sessions load auto_explain with them).
plans_part() {
    log "plans run, part $1: log_format = $2, log_analyze = $3, log_timing = $4"
    { sed '/^auto_explain.log_\(format\|analyze\|timing\) /d' "$RUNCONF"
      echo "auto_explain.log_format = $2"
      echo "auto_explain.log_analyze = $3"
      echo "auto_explain.log_timing = $4"; } >"$RUNCONF.new"
    mv "$RUNCONF.new" "$RUNCONF"
    chown postgres:postgres "$RUNCONF"
    if pg_lsclusters -h | awk -v v="$PGVER" -v c="$CLUSTER" '$1 == v && $2 == c && $4 == "online" {f=1} END {exit !f}'; then
        pg_ctlcluster --skip-systemctl-redirect "$PGVER" "$CLUSTER" reload
        sleep 1
    fi
    did "part_$1"
}

# plans_psql FILE: one session running scripts/workload/plans/FILE.sql.
plans_psql() {
    PGAPPNAME="$1" "${PSQL[@]}" -U app -d shop -v ON_ERROR_STOP=1 -f "$PL/$1.sql" >/dev/null
    did "$1_executions"
}

# plans_pgbench FILE MODE N: N transactions of FILE.sql in one session.
plans_pgbench() {
    "${PGBENCH[@]}" -U app -f "$PL/$1.sql" -c 1 -t "$3" -M "$2" shop >/dev/null
    did "$1_executions" "$3"
}

plans_run() {
    DRIVER=()
    configure_run plans <<'EOF'
log_destination = 'stderr,csvlog,jsonlog'
log_line_prefix = '%m [%p] %q%u@%d/%a '
log_min_duration_statement = 0
log_temp_files = 0
work_mem = '64kB'
autovacuum = off
session_preload_libraries = 'auto_explain'
auto_explain.log_min_duration = 0
auto_explain.log_buffers = on
auto_explain.log_nested_statements = on
EOF
    plans_part text text on on
    pg_start
    "${PSQL[@]}" -U postgres -d shop -v ON_ERROR_STOP=1 -f "$PL/setup.sql" >/dev/null
    plans_pgbench filter_scan extended 3
    plans_pgbench sort_spill simple 2
    plans_pgbench browse extended 2
    for file in misestimate nested_loop heap_fetches jit no_workers nested; do
        plans_psql "$file"
    done
    plans_part json json on on
    plans_pgbench filter_scan extended 1
    for file in misestimate sort_spill nested_loop heap_fetches jit no_workers nested; do
        plans_psql "$file"
    done
    plans_part text_no_timing text on off
    plans_psql misestimate
    plans_psql sort_spill
    plans_part json_no_analyze json off on
    plans_psql misestimate
    plans_pgbench filter_scan extended 1
    pg_stop

    for ext in log csv json; do
        install -m 644 "$WORK/plans/pg.$ext" "$STAGE/plans.$ext"
    done
    log "counting the plans"
    PG_VERSION_STRING="$PG_VERSION_STRING" DRIVER_JSON="$(driver_json)" \
        python3 "$HERE/count_events.py" "$STAGE" plans
    install_fixtures plans.log plans.csv plans.json plans-facts.json plans.md
    log "wrote $OUT/plans.{log,csv,json,md} and plans-facts.json"
}

for run in $RUNS; do
    "${run}_run"
done
