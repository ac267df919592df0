#!/usr/bin/env bash
# Regenerate the real PostgreSQL 15 log fixtures under fixtures/logs/.
#
# What it does, end to end:
#   1. creates a throw-away cluster "15/logs" on port 5433 (dropping an old one),
#   2. loads the shop schema + data with statement logging OFF (scripts/workload/setup.sql),
#   3. run "shop":      stderr+csvlog+jsonlog, log_min_duration_statement = 0,
#                       prefix '%m [%p] %q%u@%d/%a '       -> shop.log, shop.csv, shop.json,
#                       then pg_stat_statements exports     -> pgss.csv, pgss.json
#   4. run "pgbadger":  log_statement = all + log_duration, prefix
#                       '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '  -> pgbadger_prefix.log
#   5. run "session":   prefix '%m %c %x %e ', log_min_duration_statement = 0 -> session_id.log
#   6. writes fixtures/logs/README.md with facts counted from the produced files,
#   7. drops the throw-away cluster (also on failure, via trap).
#
# The shared cluster on port 5432 ("15/main") is never touched.
# Needs: root, PostgreSQL 15 server + client (pg_createcluster, pgbench, psql), python3.
set -euo pipefail

PGVER=15
CLUSTER=logs
PORT=5433
HOST=127.0.0.1

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
WL="$HERE/workload"
OUT="$ROOT/fixtures/logs"
CONFDIR="/etc/postgresql/$PGVER/$CLUSTER"
CONF="$CONFDIR/postgresql.conf"

log() { printf '[make-fixtures] %s\n' "$*" >&2; }

# shellcheck source=scripts/lib/throwaway-cluster.sh
source "$HERE/lib/throwaway-cluster.sh"
require_throwaway_cluster make-fixtures.sh

WORK="$(mktemp -d /tmp/planwise-fixtures.XXXXXX)"
chmod 755 "$WORK"
# per-run settings live outside /etc so pg_dropcluster leaves nothing behind
RUNCONF="$WORK/planwise-run.conf"


cleanup() {
    local rc=$?
    if cluster_exists; then
        log "dropping throw-away cluster $PGVER/$CLUSTER"
        pg_dropcluster --stop "$PGVER" "$CLUSTER" || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PSQL=(psql -X -q -h "$HOST" -p "$PORT")
PGBENCH=(pgbench -h "$HOST" -p "$PORT" -n --random-seed=20240101)

install_fixture() { install -m 644 "$1" "$STAGE/$2"; }

# ---------------------------------------------------------------------------
log "creating throw-away cluster $PGVER/$CLUSTER on port $PORT"
if cluster_exists; then
    pg_dropcluster --stop "$PGVER" "$CLUSTER"
fi
pg_createcluster "$PGVER" "$CLUSTER" --port "$PORT" -- --auth=trust >/dev/null

cat >>"$CONF" <<EOF

# ---- added by planwise scripts/make-fixtures.sh ----
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.save = off          # a restart starts the statistics afresh
lc_messages = 'C'
log_timezone = 'UTC'
logging_collector = on
log_filename = 'pg.log'                # csvlog -> pg.csv, jsonlog -> pg.json
log_rotation_age = 0
log_rotation_size = 0
include = '$RUNCONF'
EOF

# ---- setup: schema + data, nothing of interest logged ----------------------
configure_run setup <<'EOF'
log_destination = 'stderr'
log_min_duration_statement = -1
log_statement = 'none'
EOF
pg_start
"${PSQL[@]}" -U postgres -d postgres -f "$WL/setup.sql"
PG_VERSION_STRING="$("${PSQL[@]}" -U postgres -d postgres -At -c 'SELECT version()')"
log "server: $PG_VERSION_STRING"
pg_stop

# Everything is staged in $STAGE and only copied over fixtures/logs at the very
# end, so a failed run leaves the existing fixtures untouched.
STAGE="$WORK/out"
mkdir -p "$STAGE"

# pgbench returns 2 when a client aborts on an SQL error; the err_*_ext.sql
# scripts fail on purpose, so that (and only that) is tolerated.
pgbench_expect_error() {
    local rc=0
    "${PGBENCH[@]}" "$@" >"$WORK/pgbench-expected-error.out" 2>&1 || rc=$?
    if [[ $rc -ne 2 ]]; then
        cat "$WORK/pgbench-expected-error.out" >&2
        echo "pgbench was expected to abort with status 2 but returned $rc" >&2
        return 1
    fi
}
# psql without ON_ERROR_STOP exits 0 even though statements failed.
psql_errors() { "${PSQL[@]}" "$@" -f "$WL/errors.sql" >/dev/null 2>&1; }

# ---- run 1: shop ------------------------------------------------------------
log "run 1: shop (stderr + csvlog + jsonlog)"
configure_run shop <<'EOF'
log_destination = 'stderr,csvlog,jsonlog'
log_line_prefix = '%m [%p] %q%u@%d/%a '
log_min_duration_statement = 0
log_statement = 'none'
log_duration = off
log_connections = on
log_disconnections = on
EOF
pg_start
# storefront traffic in the three pgbench protocols
"${PGBENCH[@]}" -U app -f "$WL/browse.sql" -c 2 -t 15 -M simple shop >/dev/null
"${PGBENCH[@]}" -U app -f "$WL/browse.sql" -c 2 -t 6 -M extended shop >/dev/null
"${PGBENCH[@]}" -U app -f "$WL/browse.sql" -c 2 -t 5 -M prepared shop >/dev/null
# checkouts in BEGIN/COMMIT transactions
"${PGBENCH[@]}" -U app -f "$WL/checkout.sql" -c 1 -t 4 -M simple shop >/dev/null
"${PGBENCH[@]}" -U postgres -f "$WL/checkout.sql" -c 2 -t 4 -M prepared shop >/dev/null
# N+1: psql (literals, one session) and pgbench extended (parameters, one session)
PGAPPNAME=shop-web "${PSQL[@]}" -U app -d shop -v ON_ERROR_STOP=1 -f "$WL/n_plus_one.sql" >/dev/null
"${PGBENCH[@]}" -U app -f "$WL/n_plus_one_ext.sql" -c 1 -t 2 -M extended shop >/dev/null
# runs of single-row INSERTs in one session
PGAPPNAME=importer "${PSQL[@]}" -U app -d shop -v ON_ERROR_STOP=1 -f "$WL/single_inserts.sql" >/dev/null
"${PGBENCH[@]}" -U app -f "$WL/insert_item.sql" -c 1 -t 15 -M extended shop >/dev/null
# pagination, IN lists, multi-row INSERTs, multi-line + comments, transactions
PGAPPNAME=shop-reports "${PSQL[@]}" -U postgres -d shop -f "$WL/reports.sql" >/dev/null
# errors: simple protocol (psql) and extended protocol (pgbench)
PGAPPNAME=psql psql_errors -U postgres -d shop
pgbench_expect_error -U app -f "$WL/err_div_ext.sql" -c 1 -t 1 -M extended shop
pgbench_expect_error -U app -f "$WL/err_dup_ext.sql" -c 1 -t 1 -M extended -D email=user1@example.com shop
pgbench_expect_error -U app -f "$WL/err_missing_ext.sql" -c 1 -t 1 -M extended shop
# pg_stat_statements exports (these statements are logged too, but excluded from the exports)
PGSS_QUERY="$(grep -v '^--' "$WL/pgss_export.sql" | tr '\n' ' ' | sed 's/  */ /g; s/ *$//')"
"${PSQL[@]}" -U postgres -d shop -c "\\copy ($PGSS_QUERY) TO '$WORK/pgss.csv' WITH (FORMAT csv, HEADER)"
"${PSQL[@]}" -U postgres -d shop -At -c "SELECT json_agg(t) FROM ($PGSS_QUERY) t" >"$WORK/pgss.json"
pg_stop
install_fixture "$WORK/shop/pg.log" shop.log
install_fixture "$WORK/shop/pg.csv" shop.csv
install_fixture "$WORK/shop/pg.json" shop.json
install_fixture "$WORK/pgss.csv" pgss.csv
install_fixture "$WORK/pgss.json" pgss.json

# ---- run 2: pgbadger-style prefix, log_statement + log_duration ---------------
log "run 2: pgbadger_prefix (log_statement = all, log_duration = on)"
configure_run pgbadger <<'EOF'
log_destination = 'stderr'
log_line_prefix = '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '
log_min_duration_statement = -1
log_statement = 'all'
log_duration = on
log_connections = on
log_disconnections = on
EOF
pg_start
"${PGBENCH[@]}" -U app -f "$WL/browse.sql" -c 2 -t 8 -M simple shop >/dev/null
"${PGBENCH[@]}" -U app -f "$WL/browse.sql" -c 2 -t 4 -M extended shop >/dev/null
"${PGBENCH[@]}" -U postgres -f "$WL/checkout.sql" -c 1 -t 3 -M prepared shop >/dev/null
"${PGBENCH[@]}" -U app -f "$WL/n_plus_one_ext.sql" -c 1 -t 1 -M extended shop >/dev/null
# one psql session over the Unix socket (client=[local]) for variety
PGAPPNAME=shop-reports psql -X -q -h /var/run/postgresql -p "$PORT" -U postgres -d shop -f "$WL/reports.sql" >/dev/null
PGAPPNAME=psql psql_errors -U postgres -d shop
pgbench_expect_error -U app -f "$WL/err_div_ext.sql" -c 1 -t 1 -M extended shop
pg_stop
install_fixture "$WORK/pgbadger/pg.log" pgbadger_prefix.log

# ---- run 3: session id / xid / sqlstate prefix ---------------------------------
log "run 3: session_id (%m %c %x %e)"
configure_run session <<'EOF'
log_destination = 'stderr'
log_line_prefix = '%m %c %x %e '
log_min_duration_statement = 0
log_statement = 'none'
log_duration = off
log_connections = off
log_disconnections = off
EOF
pg_start
"${PGBENCH[@]}" -U app -f "$WL/browse.sql" -c 2 -t 12 -M simple shop >/dev/null
"${PGBENCH[@]}" -U app -f "$WL/browse.sql" -c 2 -t 4 -M extended shop >/dev/null
"${PGBENCH[@]}" -U app -f "$WL/checkout.sql" -c 2 -t 4 -M simple shop >/dev/null
"${PGBENCH[@]}" -U app -f "$WL/insert_item.sql" -c 1 -t 5 -M extended shop >/dev/null
PGAPPNAME=shop-web "${PSQL[@]}" -U app -d shop -v ON_ERROR_STOP=1 -f "$WL/n_plus_one.sql" >/dev/null
PGAPPNAME=shop-reports "${PSQL[@]}" -U postgres -d shop -f "$WL/reports.sql" >/dev/null
PGAPPNAME=psql psql_errors -U postgres -d shop
pgbench_expect_error -U app -f "$WL/err_dup_ext.sql" -c 1 -t 1 -M extended -D email=user1@example.com shop
pg_stop
install_fixture "$WORK/session/pg.log" session_id.log

pg_dropcluster --stop "$PGVER" "$CLUSTER"
log "cluster dropped"

# ---- README with facts counted from the produced files -------------------------
log "writing $OUT/README.md"
PG_VERSION_STRING="$PG_VERSION_STRING" python3 - "$STAGE" <<'PY'
import csv, json, os, re, sys
from collections import Counter

OUT = sys.argv[1]
VERSION = os.environ["PG_VERSION_STRING"]

def p(name):
    return os.path.join(OUT, name)

def lines_of(name):
    with open(p(name), encoding="utf-8", newline="") as f:
        data = f.read()
    assert data.endswith("\n"), name
    return data[:-1].split("\n")

SEV = r"(?P<sev>DEBUG[1-5]?|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|CONTEXT|STATEMENT|QUERY|LOCATION):  (?P<msg>.*)$"
AUX = {"DETAIL", "HINT", "CONTEXT", "STATEMENT", "QUERY", "LOCATION"}
DUR = r"duration: \d+\.\d{3} ms"

def parse_stderr(name, prefix):
    rx = re.compile("^" + prefix + SEV)
    all_lines = lines_of(name)
    parsed, cont, bad, multi = [], 0, [], 0
    prev_was_prefixed = False
    for line in all_lines:
        if line.startswith("\t"):
            cont += 1
            if prev_was_prefixed:
                multi += 1
            prev_was_prefixed = False
            continue
        m = rx.match(line)
        if m is None:
            bad.append(line)
            prev_was_prefixed = False
            continue
        parsed.append(m)
        prev_was_prefixed = True
    if bad:
        raise SystemExit(f"{name}: {len(bad)} unparsable lines, first: {bad[0]!r}")
    return all_lines, parsed, cont, multi

def common_stderr_facts(name, prefix):
    all_lines, parsed, cont, multi = parse_stderr(name, prefix)
    sev = Counter(m["sev"] for m in parsed)
    msgs = [m["msg"] for m in parsed if m["sev"] not in AUX]
    f = {}
    f["physical lines"] = len(all_lines)
    f["lines starting with TAB (continuation of a multi-line message)"] = cont
    f["prefixed lines"] = len(parsed)
    f["prefixed lines followed by >= 1 TAB line (multi-line messages)"] = multi
    f["log entries = prefixed lines that are not DETAIL/HINT/CONTEXT/STATEMENT/QUERY/LOCATION"] = len(msgs)
    for s in ["LOG", "ERROR", "FATAL", "WARNING", "DETAIL", "HINT", "CONTEXT", "STATEMENT"]:
        f[f"`{s}:` lines"] = sev.get(s, 0)
    f["`duration:` lines (all forms)"] = sum(1 for x in msgs if x.startswith("duration: "))
    f["`duration: N ms  statement: ...`"] = sum(1 for x in msgs if re.match(DUR + "  statement: ", x))
    f["`duration: N ms  statement: ` with EMPTY statement text"] = sum(1 for x in msgs if re.fullmatch(DUR + "  statement: ", x))
    f["`duration: N ms  parse <name>: ...`"] = sum(1 for x in msgs if re.match(DUR + "  parse ", x))
    f["`duration: N ms  bind <name>: ...`"] = sum(1 for x in msgs if re.match(DUR + "  bind ", x))
    f["`duration: N ms  execute <name>: ...`"] = sum(1 for x in msgs if re.match(DUR + "  execute ", x))
    f["bare `duration: N ms` (no statement text, log_duration)"] = sum(1 for x in msgs if re.fullmatch(DUR, x))
    f["`statement: ...` lines (log_statement, no duration)"] = sum(1 for x in msgs if x.startswith("statement: "))
    f["`execute <name>: ...` lines without duration (log_statement)"] = sum(1 for x in msgs if x.startswith("execute "))
    f["lines containing `execute <unnamed>:`"] = sum(1 for x in msgs if "execute <unnamed>:" in x)
    f["lines containing a named `execute P_n:`"] = sum(1 for x in msgs if re.search(r"execute P_\d+:", x))
    f["`DETAIL:  parameters: ...` lines"] = sum(1 for m in parsed if m["sev"] == "DETAIL" and m["msg"].startswith("parameters: "))
    f["`connection received:` lines"] = sum(1 for x in msgs if x.startswith("connection received:"))
    f["`connection authorized:` lines"] = sum(1 for x in msgs if x.startswith("connection authorized:"))
    f["`disconnection:` lines"] = sum(1 for x in msgs if x.startswith("disconnection:"))
    return f, parsed, msgs

def table(facts):
    out = ["| fact | value |", "| --- | --- |"]
    for k, v in facts.items():
        if isinstance(v, (list, tuple, set)):
            v = ", ".join(f"`{x}`" for x in v)
        out.append(f"| {k} | {v} |")
    return "\n".join(out)

TS_MS = r"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC)"
TS_S = r"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)"
facts = {}

# shop.log -----------------------------------------------------------------
pre = TS_MS + r" \[(?P<pid>\d+)\] (?:(?P<user>[^@ ]*)@(?P<db>[^/ ]*)/(?P<app>\S*) )?"
f, parsed, msgs = common_stderr_facts("shop.log", pre)
f["distinct pids (all lines)"] = len({m["pid"] for m in parsed})
f["distinct pids with a `duration:` line"] = len({m["pid"] for m in parsed if m["sev"] == "LOG" and m["msg"].startswith("duration: ")})
f["lines without the `%q` part (no user@db/app, i.e. non-session processes)"] = sum(1 for m in parsed if m["user"] is None)
f["distinct users (`%u`)"] = sorted({m["user"] for m in parsed if m["user"] is not None})
f["distinct databases (`%d`)"] = sorted({m["db"] for m in parsed if m["db"] is not None})
f["distinct application names (`%a`)"] = sorted({m["app"] for m in parsed if m["app"] is not None})
nplus1 = re.compile(DUR + r"  statement: SELECT product_id, qty, price FROM order_items WHERE order_id = \d+;$")
f["N+1 children, simple protocol: `statement: SELECT product_id, qty, price FROM order_items WHERE order_id = <literal>;`"] = sum(1 for x in msgs if nplus1.match(x))
f["... of which in app `shop-web` (one session)"] = sum(1 for m in parsed if m["app"] == "shop-web" and nplus1.match(m["msg"]))
f["N+1 children, extended protocol: `execute <unnamed>: SELECT product_id, qty, price FROM order_items WHERE order_id = $1;`"] = sum(
    1 for x in msgs if re.match(DUR + r"  execute <unnamed>: SELECT product_id, qty, price FROM order_items WHERE order_id = \$1;$", x))
f["N+1 parents: duration lines with `SELECT id FROM orders WHERE user_id = ...`"] = sum(1 for x in msgs if re.match(DUR + r"  (statement|execute <unnamed>): SELECT id FROM orders WHERE user_id = ", x))
f["single-row INSERTs from app `importer` (one session)"] = sum(1 for m in parsed if m["app"] == "importer" and re.match(DUR + r"  statement: INSERT INTO order_items .* VALUES \([^)]*\);$", m["msg"]))
f["`ERROR:` messages (distinct texts)"] = sorted({m["msg"] for m in parsed if m["sev"] == "ERROR"})
facts["shop.log"] = f
shop_entries = f["log entries = prefixed lines that are not DETAIL/HINT/CONTEXT/STATEMENT/QUERY/LOCATION"]
shop_stderr = f

# shop.csv -----------------------------------------------------------------
with open(p("shop.csv"), encoding="utf-8", newline="") as fh:
    rows = list(csv.reader(fh))
f = {}
f["CSV records (csv.reader rows, no header row)"] = len(rows)
f["columns per record"] = sorted({len(r) for r in rows})
f["records spanning several physical lines (newline inside a quoted field)"] = sum(1 for r in rows if any("\n" in c for c in r))
sev = Counter(r[11] for r in rows)
for s in ["LOG", "ERROR"]:
    f[f"error_severity = {s} (col 12)"] = sev.get(s, 0)
f["message starts with `duration:` (col 14)"] = sum(1 for r in rows if r[13].startswith("duration: "))
f["message contains `execute <unnamed>:`"] = sum(1 for r in rows if "execute <unnamed>:" in r[13])
f["detail starts with `parameters:` (col 15)"] = sum(1 for r in rows if r[14].startswith("parameters: "))
f["non-empty `query` (col 20, the STATEMENT of an error)"] = sum(1 for r in rows if r[19])
f["distinct process_id (col 4)"] = len({r[3] for r in rows})
f["distinct session_id (col 6)"] = len({r[5] for r in rows})
f["records with non-zero query_id (col 26)"] = sum(1 for r in rows if r[25] not in ("", "0"))
facts["shop.csv"] = f
assert len(rows) == shop_entries, (len(rows), shop_entries)

# shop.json ----------------------------------------------------------------
with open(p("shop.json"), encoding="utf-8") as fh:
    objs = [json.loads(line) for line in fh]
f = {}
f["JSON objects (one per line)"] = len(objs)
f["distinct keys over all objects"] = sorted({k for o in objs for k in o})
sev = Counter(o["error_severity"] for o in objs)
for s in ["LOG", "ERROR"]:
    f[f"error_severity = {s}"] = sev.get(s, 0)
f["message starts with `duration:`"] = sum(1 for o in objs if o["message"].startswith("duration: "))
f["message contains `execute <unnamed>:`"] = sum(1 for o in objs if "execute <unnamed>:" in o["message"])
f["detail starts with `parameters:`"] = sum(1 for o in objs if o.get("detail", "").startswith("parameters: "))
f["objects with a `statement` key (the STATEMENT of an error)"] = sum(1 for o in objs if "statement" in o)
f["distinct pid"] = len({o["pid"] for o in objs})
f["objects with non-zero query_id"] = sum(1 for o in objs if o.get("query_id", 0) != 0)
facts["shop.json"] = f
assert len(objs) == shop_entries, (len(objs), shop_entries)
assert f["message starts with `duration:`"] == shop_stderr["`duration:` lines (all forms)"]
assert facts["shop.csv"]["message starts with `duration:` (col 14)"] == shop_stderr["`duration:` lines (all forms)"]

# pgbadger_prefix.log ------------------------------------------------------
pre = TS_S + r" \[(?P<pid>\d+)\]: \[(?P<line>\d+)-1\] user=(?P<user>[^,]*),db=(?P<db>[^,]*),app=(?P<app>[^,]*),client=(?P<client>\S*) "
f, parsed, msgs = common_stderr_facts("pgbadger_prefix.log", pre)
f["distinct pids"] = len({m["pid"] for m in parsed})
f["distinct `client=` values"] = sorted({m["client"] for m in parsed})
f["distinct `app=` values"] = sorted({m["app"] for m in parsed})
by_pid = {}
for m in parsed:
    by_pid.setdefault(m["pid"], []).append(int(m["line"]))
f["pids whose `%l` is exactly 1,2,3,... in file order"] = sum(1 for v in by_pid.values() if v == list(range(1, len(v) + 1)))
f["pids whose `%l` does NOT start at 1 (postmaster: its first lines went to the pre-collector stderr)"] = sum(1 for v in by_pid.values() if v[0] != 1)
f["`ERROR:` messages (distinct texts)"] = sorted({m["msg"] for m in parsed if m["sev"] == "ERROR"})
facts["pgbadger_prefix.log"] = f

# session_id.log -----------------------------------------------------------
pre = TS_MS + r" (?P<sid>[0-9a-f]+\.[0-9a-f]+) (?P<xid>\d+) (?P<sqlstate>[0-9A-Z]{5}) "
f, parsed, msgs = common_stderr_facts("session_id.log", pre)
f["distinct session ids (`%c`)"] = len({m["sid"] for m in parsed})
f["distinct session ids with a `duration:` line"] = len({m["sid"] for m in parsed if m["sev"] == "LOG" and m["msg"].startswith("duration: ")})
f["lines with non-zero xid (`%x`)"] = sum(1 for m in parsed if m["xid"] != "0")
f["distinct non-zero xids"] = len({m["xid"] for m in parsed if m["xid"] != "0"})
f["`COMMIT;` duration lines with xid 0"] = sum(1 for m in parsed if m["msg"].endswith("statement: COMMIT;") and m["xid"] == "0")
f["SQLSTATE (`%e`) on ERROR lines"] = sorted(f"{k} x{v}" for k, v in Counter(m["sqlstate"] for m in parsed if m["sev"] == "ERROR").items())
f["SQLSTATE on STATEMENT/DETAIL lines equals that of the preceding ERROR"] = all(
    parsed[i]["sqlstate"] == parsed[i - 1]["sqlstate"] for i in range(1, len(parsed)) if parsed[i]["sev"] in ("STATEMENT", "DETAIL", "HINT") and parsed[i - 1]["sev"] in ("ERROR", "DETAIL", "HINT"))
f["lines with SQLSTATE other than 00000"] = sum(1 for m in parsed if m["sqlstate"] != "00000")
facts["session_id.log"] = f

# pgss.csv / pgss.json -----------------------------------------------------
with open(p("pgss.csv"), encoding="utf-8", newline="") as fh:
    rd = csv.DictReader(fh)
    pgss_rows = list(rd)
    pgss_cols = rd.fieldnames
with open(p("pgss.json"), encoding="utf-8") as fh:
    pgss_json = json.load(fh)
assert len(pgss_rows) == len(pgss_json)
assert [r["query"] for r in pgss_rows] == [o["query"] for o in pgss_json]
assert [int(r["calls"]) for r in pgss_rows] == [o["calls"] for o in pgss_json]
f = {}
f["rows (csv data rows = json array length)"] = len(pgss_rows)
f["csv header columns"] = pgss_cols
f["sum of calls"] = sum(int(r["calls"]) for r in pgss_rows)
f["distinct queryid"] = len({r["queryid"] for r in pgss_rows})
f["distinct query texts"] = len({r["query"] for r in pgss_rows})
f["rows with toplevel = f (nested, e.g. FK trigger queries)"] = sum(1 for r in pgss_rows if r["toplevel"] == "f")
f["rows whose query text contains a newline"] = sum(1 for r in pgss_rows if "\n" in r["query"])
f["usernames"] = sorted({r["username"] for r in pgss_rows})
f["datname values"] = sorted({r["datname"] for r in pgss_rows})
top = max(pgss_rows, key=lambda r: int(r["calls"]))
f["max calls (row)"] = f"{top['calls']} calls: `{top['query']}` (user {top['username']})"
f["JSON type of dbid / queryid / calls / toplevel"] = " / ".join(type(pgss_json[0][k]).__name__ for k in ("dbid", "queryid", "calls", "toplevel"))
facts["pgss.csv + pgss.json"] = f

sizes = {n: os.path.getsize(p(n)) for n in sorted(os.listdir(OUT)) if n != "README.md"}

README = f"""# PostgreSQL 15 log fixtures

Real server logs produced by a throw-away PostgreSQL cluster, plus
`pg_stat_statements` exports. **Generated - do not edit by hand.** Regenerate
everything (including this README and its counts) with:

    sudo scripts/make-fixtures.sh

The script creates cluster `15/logs` on port 5433 (never touching the shared
cluster on 5432), loads `scripts/workload/setup.sql` with statement logging
off, runs the three logged runs below, copies the *whole* log files here and
drops the cluster (also on failure, via `trap`). Timestamps, pids, session ids,
xids and durations change on every regeneration; the counts below are
recomputed each time.

Server: `{VERSION}`

## Files

| file | bytes | run | format |
| --- | ---: | --- | --- |
""" + "\n".join(f"| `{n}` | {sizes[n]} | {run} | {fmt} |" for n, run, fmt in [
    ("shop.log", "1 shop", "stderr"),
    ("shop.csv", "1 shop", "csvlog (26 columns, no header)"),
    ("shop.json", "1 shop", "jsonlog (one object per line)"),
    ("pgss.csv", "1 shop, end", "`\\copy ... CSV HEADER` of pg_stat_statements"),
    ("pgss.json", "1 shop, end", "`psql -At` of `json_agg` over the same rows"),
    ("pgbadger_prefix.log", "2 pgbadger", "stderr"),
    ("session_id.log", "3 session", "stderr"),
]) + f"""

## Settings common to all runs

Appended to the throw-away cluster's `postgresql.conf` (Debian defaults otherwise,
e.g. `log_checkpoints = on`, `ssl = on` with the snakeoil certificate):

```
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.save = off          # restart = fresh statistics
lc_messages = 'C'
log_timezone = 'UTC'
logging_collector = on
log_filename = 'pg.log'                # csvlog -> pg.csv, jsonlog -> pg.json
log_rotation_age = 0
log_rotation_size = 0
```

Data (`scripts/workload/setup.sql`, database `shop`): `users` (500),
`products` (200), `orders` (1363; users 1..5 own 25 orders each, ids
`(u-1)*25+1 .. u*25`), `order_items` (4089), foreign keys everywhere but
**no index on `orders.user_id` nor `order_items.order_id`**. Roles: `postgres`
(superuser) and `app`. Clients connect over TCP to 127.0.0.1 (so connection
lines say `SSL enabled ...`) except one psql session in run 2 over the Unix
socket. pgbench always runs with `-n --random-seed=20240101`.

## Run 1 - `shop.log`, `shop.csv`, `shop.json`, `pgss.csv`, `pgss.json`

One run, three destinations: `log_destination = 'stderr,csvlog,jsonlog'`, so the
three files hold exactly the same events (whole files, same run).

```
log_line_prefix = '%m [%p] %q%u@%d/%a '
log_min_duration_statement = 0
log_statement = 'none'
log_duration = off
log_connections = on
log_disconnections = on
```

Workload, in this order (files in `scripts/workload/`):

1. `browse.sql` (3 lookups per transaction): pgbench `-M simple -c 2 -t 15`,
   `-M extended -c 2 -t 6`, `-M prepared -c 2 -t 5` (user `app`).
2. `checkout.sql` (`BEGIN; INSERT ... RETURNING id \\gset; INSERT ... SELECT; UPDATE; UPDATE; COMMIT;`):
   `-M simple -c 1 -t 4` (app), `-M prepared -c 2 -t 4` (postgres).
3. N+1 with literals: `n_plus_one.sql` through psql, one session, application
   `shop-web`: `SELECT id FROM orders WHERE user_id = 2;` + 25 child lookups
   `... FROM order_items WHERE order_id = 26..50`, then the same for user 4 (orders 76..100).
4. N+1 with parameters: `n_plus_one_ext.sql`, pgbench `-M extended -c 1 -t 2`
   (1 parent + 10 children per transaction, one session).
5. Single-row INSERT runs: `single_inserts.sql` through psql, one session,
   application `importer` (40 INSERTs); `insert_item.sql`, pgbench `-M extended -c 1 -t 15`.
6. `reports.sql` through psql, application `shop-reports` (user postgres):
   OFFSET pagination (0 .. 3900), `IN (...)` lists of 3/6/12/25 ids, multi-row
   `INSERT ... VALUES` with 2/3/5/8 rows, two multi-line statements (one with
   an inner `-- comment` and `/* comment */`), `BEGIN/COMMIT` x2 and `BEGIN/ROLLBACK`.
7. `errors.sql` through psql (no ON_ERROR_STOP): division by zero, unique
   violation, syntax error, missing relation, multi-line division by zero,
   missing column inside a transaction, then `current transaction is aborted`, `ROLLBACK`.
8. Extended-protocol errors via pgbench (each aborts its client on purpose):
   `err_div_ext.sql` (division by zero at execute), `err_dup_ext.sql` (unique
   violation, `-D email=user1@example.com`), `err_missing_ext.sql` (missing relation, fails at parse).
9. `pgss.csv` and `pgss.json` are exported with the query in
   `scripts/workload/pgss_export.sql` (rows of database `shop`, excluding
   statements mentioning `pg_stat_statements`, ordered by `total_exec_time DESC`).
   These two export statements are themselves logged at the end of run 1.

## Run 2 - `pgbadger_prefix.log`

```
log_line_prefix = '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '
log_min_duration_statement = -1
log_statement = 'all'
log_duration = on
log_connections = on
log_disconnections = on
```

Workload: `browse.sql` `-M simple -c 2 -t 8` and `-M extended -c 2 -t 4`,
`checkout.sql` `-M prepared -c 1 -t 3`, `n_plus_one_ext.sql` `-M extended -c 1 -t 1`,
`reports.sql` via psql over the Unix socket (`client=[local]`), `errors.sql`,
`err_div_ext.sql`.

## Run 3 - `session_id.log`

```
log_line_prefix = '%m %c %x %e '
log_min_duration_statement = 0
log_statement = 'none'
log_connections = off
log_disconnections = off
```

Workload: `browse.sql` `-M simple -c 2 -t 12` and `-M extended -c 2 -t 4`,
`checkout.sql` `-M simple -c 2 -t 4`, `insert_item.sql` `-M extended -c 1 -t 5`,
`n_plus_one.sql`, `reports.sql`, `errors.sql`, `err_dup_ext.sql`.

## Facts a test can assert

Counted by the script from the files themselves (Python `re`/`csv`/`json`,
independent of planwise); "lines" means newline-separated physical lines.
"Log entries" of `shop.log` = CSV records = JSON objects (asserted).

""" + "\n\n".join(f"### `{name}`\n\n" + table(fs) for name, fs in facts.items()) + """

## Things worth knowing when parsing these

* `pg_ctlcluster start` probes the server: a `connection received: host=[local]`
  with no further lines for that pid, and psql sessions to `template1` whose
  only statement is EMPTY (`duration: 0.05 ms  statement: ` with nothing after
  the colon, trailing space included; in run 2 `statement: ` + a bare `duration:`).
* Extended protocol with `log_min_duration_statement = 0` logs three duration
  lines per statement: `parse <unnamed>:` (no DETAIL), `bind <unnamed>:` and
  `execute <unnamed>:`, the last two each followed by
  `DETAIL:  parameters: $1 = '...'`. pgbench `-M prepared` names statements
  `P_0`, `P_1`, ... (parse once per connection, then bind + execute).
* With `log_statement = 'all'` + `log_duration = on` (run 2), an extended-protocol
  statement yields ONE `execute <unnamed>: ...` line (+ DETAIL) but THREE bare
  `duration: N ms` lines: parse and bind durations come BEFORE the `execute`
  line, the execute duration after it. Simple protocol is `statement:` then `duration:`.
  `%t` has whole seconds only. The postmaster's `%l` starts at 3: its first two
  lines went to the original stderr before the logging collector took over.
* Errors: simple protocol gives `ERROR:` [+ `DETAIL:`] + `STATEMENT:` with the
  literal text; extended protocol shows `$1` in `STATEMENT:` and no parameter
  values (`log_parameter_max_length_on_error = 0`, the default). An error at
  execute is preceded by its parse + bind duration lines; an error at parse
  (missing relation) has no duration line at all. Failed statements never get a
  `duration:` line.
* pgbench's `\\gset` strips itself from the SQL: the statement is logged as
  `... RETURNING id ` (trailing space, no semicolon).
* `%x` is 0 on `COMMIT;` lines (the transaction has ended when the duration is
  logged) and on read-only statements; `%e` is `00000` except on
  ERROR/DETAIL/STATEMENT lines of a failed statement.
* jsonlog omits empty keys (no `user`/`dbname` for postmaster lines, `detail`
  only when present); the STATEMENT of an error is the `statement` key in JSON
  and the `query` column (20th) in csvlog.
* pg_stat_statements keeps one row per (user, db, queryid, toplevel): the same
  normalised text appears several times (literal vs `$n` parameter in the original
  statement give different queryids; `app` vs `postgres`; nested FK checks
  `SELECT $2 FROM ONLY "public"."orders" x WHERE ... FOR KEY SHARE OF x` with
  `toplevel = f`, attributed to the table owner `postgres` even when `app` ran
  the INSERT). IN lists / VALUES lists of different lengths are separate rows.
  In `pgss.json`, `dbid` (type oid) is a JSON *string*, `queryid` a signed 64-bit number.
"""
with open(p("README.md"), "w", encoding="utf-8") as fh:
    fh.write(README)
print("README.md written")
PY
chmod 644 "$STAGE/README.md"
mkdir -p "$OUT"
for f in shop.log shop.csv shop.json pgss.csv pgss.json pgbadger_prefix.log session_id.log README.md; do
    install -m 644 "$STAGE/$f" "$OUT/$f"
done
log "done: $(du -sh "$OUT" | cut -f1) in $OUT"
