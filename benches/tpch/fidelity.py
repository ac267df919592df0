#!/usr/bin/env python3
"""Fidelity of the what-if estimates: builds the recommended indexes for real on the TPC-H
database, runs every query of the workload without and with them, and prints, per query,
the estimated gain (HypoPG what-if, as measure.py computes it) beside the planner's cost with
the real indexes and the measured run time. The indexes are dropped afterwards.

usage: fidelity.py DB QUERIES.sql --indexes FILE [--exclude q2,q17,q20] [--runs 2]
FILE holds one CREATE INDEX statement per line (CONCURRENTLY is dropped). Prints a Markdown
table and writes nothing else; exits non-zero if an index cannot be built.
"""
import argparse, json, re, subprocess

from measure import explain_all, queries


def psql(db, script):
    return subprocess.run(["psql", "-X", "-At", "-q", "-d", db], input=script,
                          capture_output=True, text=True, check=True).stdout


def measured(db, workload, runs):
    """Per query: the planner's total cost and the fastest of `runs` executions (ms)."""
    script = ["\\set ON_ERROR_STOP 1", "SELECT hypopg_reset();"]
    for name, sql in workload.items():
        for run in range(runs):
            script.append("\\echo ===%s" % name)
            script.append("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql + ";")
    sections = re.split(r"^===(\S+)$", psql(db, "\n".join(script)), flags=re.M)
    result = {}
    for i in range(1, len(sections), 2):
        plan = json.loads(sections[i + 1].strip())[0]
        cost, ms = plan["Plan"]["Total Cost"], plan["Execution Time"]
        best = result.get(sections[i])
        result[sections[i]] = (cost, ms if best is None else min(ms, best[1]))
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("queries")
    parser.add_argument("--indexes", required=True)
    parser.add_argument("--exclude", default="")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    workload = queries(args.queries, set(filter(None, args.exclude.split(","))))
    ddl = [l.strip().replace(" CONCURRENTLY", "").rstrip(";") for l in open(args.indexes)]
    ddl = [d for d in ddl if d]
    _, hypo_before = explain_all(args.db, workload, [])
    hypo_size, hypo_after = explain_all(args.db, workload, ddl)
    before = measured(args.db, workload, args.runs)
    names = []
    try:
        for i, statement in enumerate(ddl):
            name = "planwise_fidelity_%d" % i
            statement = re.sub(r"^CREATE INDEX \S+ ON", "CREATE INDEX %s ON" % name, statement)
            psql(args.db, "\\set ON_ERROR_STOP 1\n" + statement + ";")
            names.append(name)
        # Index-only scans need a current visibility map. No ANALYZE: new statistics would
        # move the next runs' figures (by up to ~0.007, see ../shared/bench/tpch).
        psql(args.db, "VACUUM;")
        real_size = float(psql(args.db, "SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c "
                                         "WHERE c.relname LIKE 'planwise_fidelity_%%';"))
        after = measured(args.db, workload, args.runs)
    finally:
        if names:
            psql(args.db, "".join("DROP INDEX IF EXISTS %s;\n" % n for n in names))

    print("| query | what-if cost before → after | real-index cost before → after | "
          "run time before → after (ms) |")
    print("|---|---:|---:|---:|")
    for name in workload:
        print("| %s | %.0f → %.0f | %.0f → %.0f | %.0f → %.0f |" % (
            name, hypo_before[name], hypo_after[name], before[name][0], after[name][0],
            before[name][1], after[name][1]))
    total = lambda values, k=None: sum(v if k is None else v[k] for v in values.values())
    print("| **total** | %.0f → %.0f (**%.3f**) | %.0f → %.0f (**%.3f**) | %.0f → %.0f (**%.3f**) |" % (
        total(hypo_before), total(hypo_after), total(hypo_after) / total(hypo_before),
        total(before, 0), total(after, 0), total(after, 0) / total(before, 0),
        total(before, 1), total(after, 1), total(after, 1) / total(before, 1)))
    print()
    print("Index size: %.0f MB estimated by HypoPG, %.0f MB built." % (hypo_size / 1e6, real_size / 1e6))


if __name__ == "__main__":
    main()
