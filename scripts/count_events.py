#!/usr/bin/env python3
"""Counts the events of the events run in its three logs, independently of planwise.

Used by scripts/make-event-fixtures.sh: reads STAGE/events.{log,csv,json}, checks the three
formats give the same counts and that the counts match what the driver did (DRIVER_JSON),
and writes STAGE/events-facts.json, which tests/log_events.rs checks planwise against.
"""
import csv
import json
import os
import re
import sys
from collections import Counter, defaultdict

STAGE = sys.argv[1]
DRIVER = json.loads(os.environ["DRIVER_JSON"])
VERSION = os.environ["PG_VERSION_STRING"]

PREFIX = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC) \[(?P<pid>\d+)\] "
    r"(?:(?P<user>[^@ ]*)@(?P<db>[^/ ]*)/(?P<app>\S*) )?"
    r"(?P<sev>[A-Z]+):  (?P<msg>.*)$"
)
ATTACHED = {"DETAIL": "detail", "HINT": "hint", "CONTEXT": "context", "STATEMENT": "statement"}


def stderr_entries(path):
    """Entries of the stderr log: message, detail and statement joined with their lines."""
    entries, current, part = [], None, None
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n")[:-1]:
            if line.startswith("\t"):
                current[part] += "\n" + line[1:]
                continue
            m = PREFIX.match(line)
            if m is None:
                raise SystemExit(f"unparsable stderr line: {line!r}")
            if m["sev"] in ATTACHED:
                assert current is not None and current["pid"] == m["pid"], line
                part = ATTACHED[m["sev"]]
                current[part] = m["msg"]
                continue
            current = {"pid": m["pid"], "sev": m["sev"], "msg": m["msg"]}
            part = "msg"
            entries.append(current)
    return entries


def csv_entries(path):
    with open(path, encoding="utf-8", newline="") as f:
        return [
            {"pid": r[3], "sev": r[11], "msg": r[13], "detail": r[14] or None,
             "statement": r[19] or None}
            for r in csv.reader(f)
        ]


def json_entries(path):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [
        {"pid": str(r["pid"]), "sev": r["error_severity"], "msg": r["message"],
         "detail": r.get("detail"), "statement": r.get("statement")}
        for r in rows
    ]


TEMP = re.compile(r'^temporary file: path "[^"]+", size (\d+)$')
WAITING = re.compile(r"^process \d+ still waiting for (\w+) on (.+) after [\d.]+ ms$")
ACQUIRED = re.compile(r"^process \d+ acquired \w+ on .+ after ([\d.]+) ms$")
HOLDERS = re.compile(r"^Process(?:es)? holding the lock: ([\d, ]+)\. Wait queue: ([\d, ]+)\.")
DEADLOCK_STATEMENT = re.compile(r"^Process \d+: (.*)$", re.M)
CANCELS = {
    "canceling statement due to statement timeout": "statement_timeout",
    "canceling statement due to lock timeout": "lock_timeout",
    "canceling statement due to user request": "user_request",
}
# "automatic [aggressive ]vacuum [to prevent wraparound ]of table" and "automatic analyze of table".
VACUUM = re.compile(r'^automatic (?:aggressive )?(vacuum|analyze) (?:to prevent wraparound )?of table "([^"]+)"')


# A statement that ran: with log_min_duration_statement, or log_statement.
EXECUTED = re.compile(r"^(?:duration: [\d.]+ ms  )?(?:statement|execute [^:]+): (.*)$", re.S)


def count(entries):
    """Counts the events; a temporary file without a STATEMENT is the last statement's that
    its session ran or failed (extended protocol: the portal is closed after the execute is
    logged; a cancelled statement's files are deleted after its ERROR)."""
    last_statement = {}
    per_statement = defaultdict(Counter)
    facts = Counter()
    autovacuum = defaultdict(Counter)
    checkpoint_reasons = Counter()
    deadlock_pairs = []
    for e in entries:
        msg, statement = e["msg"], e.get("statement")
        if e["sev"] in ("ERROR", "FATAL") and statement is not None:
            # A failed statement's files are deleted as it aborts, after its ERROR.
            last_statement[e["pid"]] = statement
        if e["sev"] == "LOG" and (m := EXECUTED.match(msg)):
            last_statement[e["pid"]] = m[1]
        elif m := TEMP.match(msg):
            if statement is None:
                statement = last_statement.get(e["pid"])
                facts["temp_files_attributed_by_session"] += 1
            facts["temp_files"] += 1
            facts["temp_bytes"] += int(m[1])
            per_statement[statement]["temp_files"] += 1
            per_statement[statement]["temp_bytes"] += int(m[1])
        elif m := WAITING.match(msg):
            facts["lock_waits"] += 1
            per_statement[statement]["lock_waits"] += 1
            assert HOLDERS.match(e["detail"] or ""), e
        elif m := ACQUIRED.match(msg):
            facts["locks_acquired_after_wait"] += 1
            per_statement[statement]["locks_acquired_after_wait"] += 1
        elif re.match(r"^process \d+ detected deadlock while waiting for ", msg):
            facts["deadlocks_detected_while_waiting"] += 1
        elif msg == "deadlock detected" and e["sev"] == "ERROR":
            facts["deadlocks"] += 1
            deadlock_pairs.append(sorted(DEADLOCK_STATEMENT.findall(e["detail"])))
        elif msg in CANCELS and e["sev"] == "ERROR":
            facts[CANCELS[msg]] += 1
            per_statement[statement][CANCELS[msg]] += 1
        elif m := VACUUM.match(msg):
            autovacuum[m[2]][m[1]] += 1
            facts["autovacuum_" + m[1]] += 1
        elif msg.startswith("checkpoint starting: "):
            checkpoint_reasons[msg.removeprefix("checkpoint starting: ")] += 1
        elif msg.startswith("checkpoint complete: "):
            facts["checkpoints"] += 1
        elif msg.startswith("connection authorized: "):
            facts["connections"] += 1
        elif msg.startswith("disconnection: "):
            facts["disconnections"] += 1
    return {
        "totals": dict(sorted(facts.items())),
        "by_statement": {s: dict(sorted(c.items())) for s, c in sorted(per_statement.items(), key=lambda i: str(i[0])) if s is not None},
        "unattributed": dict(per_statement.get(None, {})),
        "autovacuum_by_table": {t: dict(sorted(c.items())) for t, c in sorted(autovacuum.items())},
        "checkpoint_reasons": dict(sorted(checkpoint_reasons.items())),
        "deadlock_statements": sorted(deadlock_pairs),
    }


stderr = count(stderr_entries(os.path.join(STAGE, "events.log")))
for name, reader in [("events.csv", csv_entries), ("events.json", json_entries)]:
    other = count(reader(os.path.join(STAGE, name)))
    if other != stderr:
        raise SystemExit(f"{name} counts differ from events.log:\n{other}\n{stderr}")

totals = stderr["totals"]
by_statement = stderr["by_statement"]
SORT = "SELECT id, order_id, product_id, price FROM order_items ORDER BY price DESC, id;"
# What the driver did must show in the log, exactly where it is deterministic.
checks = [
    (by_statement.get(SORT, {}).get("temp_files"), DRIVER["spill_sort_executions"], "a temporary file per spilling sort"),
    (totals.get("deadlocks"), DRIVER["deadlocks"], "deadlocks"),
    (totals.get("statement_timeout"), DRIVER["statement_timeouts"], "statement timeouts"),
    (totals.get("lock_timeout"), DRIVER["lock_timeouts"], "lock timeouts"),
    (totals.get("user_request"), DRIVER["user_cancels"], "user cancels"),
    (totals.get("locks_acquired_after_wait", 0) >= DRIVER["lock_waits"], True, "each lock wait acquired its lock"),
    (totals.get("lock_waits", 0) >= DRIVER["lock_waits"] + DRIVER["lock_timeouts"], True, "lock waits"),
    (stderr["checkpoint_reasons"].get("wal", 0) >= 1, True, "a checkpoint requested by WAL volume"),
    # A CHECKPOINT may join a checkpoint WAL had asked for: "immediate force wait wal".
    (sum(n for r, n in stderr["checkpoint_reasons"].items() if r.startswith("immediate force wait")), DRIVER["manual_checkpoints"], "the CHECKPOINT command"),
    (stderr["autovacuum_by_table"].get("shop.public.order_items", {}).get("vacuum", 0) >= 1, True, "autovacuum of order_items"),
    (totals.get("connections", 0) >= DRIVER["churn_connections"], True, "connections"),
]
for got, expected, what in checks:
    if got != expected:
        raise SystemExit(f"{what}: the log says {got}, the driver expects {expected}")

facts = {
    "generated_by": "scripts/make-event-fixtures.sh (do not edit)",
    "server": VERSION,
    "driver": DRIVER,
    "log": stderr,
}
with open(os.path.join(STAGE, "events-facts.json"), "w", encoding="utf-8") as f:
    json.dump(facts, f, indent=2, sort_keys=False)
    f.write("\n")
SETTINGS = [l.strip() for l in open(os.path.join(os.path.dirname(__file__), "make-event-fixtures.sh"))
            .read().split("configure_run events <<'EOF'\n")[1].split("\nEOF")[0].splitlines()]
with open(os.path.join(STAGE, "events.md"), "w", encoding="utf-8") as f:
    f.write("# The events run: `events.log`, `events.csv`, `events.json`\n\n")
    f.write("**Generated by `scripts/make-event-fixtures.sh` - do not edit by hand.** One run of a\n")
    f.write(f"throw-away cluster ({VERSION.split(' on ')[0]}) logging to stderr, csvlog and jsonlog at once with\n\n")
    f.write("```\n" + "\n".join(SETTINGS) + "\n```\n\n")
    f.write("The driver (`scripts/workload/events/`) did, counted as it did it:\n\n| action | count |\n| --- | --- |\n")
    for k, v in DRIVER.items():
        f.write(f"| {k} | {v} |\n")
    f.write("\nWhat the log holds, counted by `scripts/count_events.py` (the same in the three files;\n")
    f.write("per statement and per table in `events-facts.json`):\n\n| event | count |\n| --- | --- |\n")
    for k, v in stderr["totals"].items():
        f.write(f"| {k} | {v} |\n")
    for k, v in stderr["checkpoint_reasons"].items():
        f.write(f"| checkpoint starting: {k} | {v} |\n")
print(json.dumps(stderr["totals"]), file=sys.stderr)
