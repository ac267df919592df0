#!/usr/bin/env python3
"""Counts the events of the events run in its three logs, independently of planwise
(`count_events.py STAGE`), or the auto_explain plans of the plans run (`count_events.py
STAGE plans`: STAGE/plans.{log,csv,json} → plans-facts.json and plans.md).

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


# ---- the plans run (argument "plans"): auto_explain plans per statement ----

PLAN = re.compile(r"^duration: ([\d.]+) ms  plan:\n(.*)$", re.S)
TIMED = re.compile(r"^duration: [\d.]+ ms  (?:statement|execute [^:]+): (.*)$", re.S)
SORT_DISK = re.compile(r"Sort Method: [a-z -]+?  Disk: (\d+)kB")
HEAP_FETCHES = re.compile(r"Heap Fetches: (\d+)")
WORKERS = re.compile(r"Workers Planned: (\d+)\n\s*Workers Launched: (\d+)")


def json_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from json_nodes(child)


def read_plan(body):
    """The statement a plan names, its format, whether it has actual figures, and the
    figures tests/log_plans.rs checks planwise's tree against."""
    if body.startswith("{"):
        plan = json.loads(body)
        nodes = list(json_nodes(plan["Plan"]))
        sort_disk = [n["Sort Space Used"] for n in nodes if n.get("Sort Space Type") == "Disk"]
        figures = {
            "sort_disk_kb": max(sort_disk, default=None),
            "heap_fetches": max((n["Heap Fetches"] for n in nodes if "Heap Fetches" in n), default=None),
            "workers": next(([n["Workers Planned"], n["Workers Launched"]] for n in nodes if "Workers Planned" in n), None),
            "jit": "JIT" in plan,
            "nodes": len(nodes),
        }
        return plan["Query Text"], "json", "Actual Loops" in plan["Plan"], figures
    assert body.startswith("Query Text: "), body[:80]
    query, tree = body[len("Query Text: "):].split("\n", 1)  # the driver's statements are one line
    workers = WORKERS.search(tree)
    figures = {
        "sort_disk_kb": max((int(k) for k in SORT_DISK.findall(tree)), default=None),
        "heap_fetches": max((int(k) for k in HEAP_FETCHES.findall(tree)), default=None),
        "workers": [int(workers[1]), int(workers[2])] if workers else None,
        "jit": "\nJIT:\n" in "\n" + tree,
        "nodes": 1 + tree.count("->  "),
    }
    return query, "text", "(actual " in tree or "(never executed)" in tree, figures


def count_plans(entries):
    by_statement = defaultdict(lambda: {"plans": 0, "executions": 0, "formats": Counter(), "figures": []})
    formats = Counter()
    for e in entries:
        if e["sev"] != "LOG":
            continue
        if m := PLAN.match(e["msg"]):
            query, fmt, analyzed, figures = read_plan(m[2])
            by_statement[query]["plans"] += 1
            by_statement[query]["formats"][fmt + (" analyzed" if analyzed else "")] += 1
            if figures not in by_statement[query]["figures"]:
                by_statement[query]["figures"].append(figures)
            formats[fmt + (" analyzed" if analyzed else "")] += 1
        elif m := TIMED.match(e["msg"]):
            by_statement[m[1]]["executions"] += 1
    return {
        "totals": {"plans": sum(s["plans"] for s in by_statement.values()), **dict(sorted(formats.items()))},
        "by_statement": {q: {**s, "formats": dict(sorted(s["formats"].items()))} for q, s in sorted(by_statement.items())},
    }


def plans_main():
    runs = {name: count_plans(reader(os.path.join(STAGE, name)))
            for name, reader in [("plans.log", stderr_entries), ("plans.csv", csv_entries), ("plans.json", json_entries)]}
    log = runs["plans.log"]
    for name, other in runs.items():
        if other != log:
            raise SystemExit(f"{name} counts differ from plans.log:\n{other}\n{log}")
    by = log["by_statement"]
    stmt = lambda prefix: next(s for q, s in by.items() if q.startswith(prefix))
    parts = sum(1 for k in DRIVER if k.startswith("part_"))
    checks = [
        # A plan per execution: the sort ran in two text parts and the JSON part.
        (stmt("SELECT id, order_id, product_id, price FROM order_items ORDER BY")["plans"],
         DRIVER["sort_spill_executions"], "a plan per sort"),
        (stmt("SELECT id, order_id, product_id, price FROM order_items ORDER BY")["executions"],
         DRIVER["sort_spill_executions"], "a statement line per sort"),
        (stmt("SELECT id, status, total FROM orders WHERE user_id = $1")["plans"],
         DRIVER["filter_scan_executions"], "a plan per filtering scan"),
        (stmt("SELECT count(*) FROM order_items WHERE id % 2 = 0")["plans"],
         DRIVER["misestimate_executions"], "a plan per misestimated count"),
        # The function's statement is planned inside it: a plan without a statement line.
        (stmt("(SELECT count(*) FROM orders WHERE user_id = p_user)")["plans"],
         DRIVER["nested_executions"], "a nested plan per call of order_count"),
        (stmt("(SELECT count(*) FROM orders WHERE user_id = p_user)")["executions"], 0,
         "no statement line for a nested statement"),
        (stmt("SELECT count(*) FROM order_items WHERE qty = 3")["figures"][0]["workers"], [2, 0],
         "workers planned, none launched"),
        (all(f["jit"] for f in stmt("SELECT status, count(*) FROM orders")["figures"]), True, "JIT"),
        (all(f["sort_disk_kb"] for f in stmt("SELECT id, order_id, product_id, price FROM order_items ORDER BY")["figures"]), True, "the sort on disk"),
        (sorted(log["totals"]), ["json", "json analyzed", "plans", "text analyzed"], "the formats"),
        (parts, 4, "the four parts"),
    ]
    for got, expected, what in checks:
        if got != expected:
            raise SystemExit(f"{what}: the log says {got}, the driver expects {expected}")
    facts = {
        "generated_by": "scripts/make-event-fixtures.sh (do not edit)",
        "server": VERSION,
        "driver": DRIVER,
        "log": log,
    }
    with open(os.path.join(STAGE, "plans-facts.json"), "w", encoding="utf-8") as f:
        json.dump(facts, f, indent=2)
        f.write("\n")
    settings = [l.strip() for l in open(os.path.join(os.path.dirname(__file__), "make-event-fixtures.sh"))
                .read().split("configure_run plans <<'EOF'\n")[1].split("\nEOF")[0].splitlines()]
    with open(os.path.join(STAGE, "plans.md"), "w", encoding="utf-8") as f:
        f.write("# The plans run: `plans.log`, `plans.csv`, `plans.json`\n\n")
        f.write("**Generated by `scripts/make-event-fixtures.sh` - do not edit by hand.** One run of a\n")
        f.write(f"throw-away cluster ({VERSION.split(' on ')[0]}) logging to stderr, csvlog and jsonlog at once with\n\n")
        f.write("```\n" + "\n".join(settings) + "\n```\n\n")
        f.write("and, part by part, `auto_explain.log_format`, `log_analyze` and `log_timing` reloaded: text\n")
        f.write("with timing, JSON with timing, text without timing, JSON without ANALYZE. The driver\n")
        f.write("(`scripts/workload/plans/`) did, counted as it did it:\n\n| action | count |\n| --- | --- |\n")
        for k, v in DRIVER.items():
            f.write(f"| {k} | {v} |\n")
        f.write("\nPlans and statement lines per statement, counted by `scripts/count_events.py` (the same\n")
        f.write("in the three files):\n\n| statement | plans | statement lines |\n| --- | --- | --- |\n")
        for q, s in by.items():
            if s["plans"]:
                f.write(f"| `{q}` | {s['plans']} | {s['executions']} |\n")
    print(json.dumps(log["totals"]), file=sys.stderr)


if len(sys.argv) > 2 and sys.argv[2] == "plans":
    plans_main()
    sys.exit(0)


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
