#!/usr/bin/env python3
"""Relative estimated workload cost of a set of indexes on the TPC-H database, measured
independently of planwise: one psql session creates the indexes hypothetically (HypoPG),
EXPLAINs every query, and the sum is divided by the sum without them.

usage: measure.py DB QUERIES.sql [--indexes FILE] [--exclude q2,q17,q20]
FILE holds one CREATE INDEX statement per line (CONCURRENTLY is dropped: HypoPG takes the
plain form). Prints JSON: {"relative": …, "size_mb": …, "base": …, "with": …, "per_query": …}.
"""
import argparse, json, re, subprocess, sys


def queries(path, exclude):
    text = open(path).read()
    parts = re.split(r"^-- (q\d+)\s*$", text, flags=re.M)
    found = {parts[i]: parts[i + 1].strip().rstrip(";") for i in range(1, len(parts), 2)}
    return {name: sql for name, sql in found.items() if name not in exclude}


def explain_all(db, workload, indexes):
    script = ["\\set ON_ERROR_STOP 1", "SELECT hypopg_reset();"]
    for ddl in indexes:
        ddl = ddl.replace(" CONCURRENTLY", "").rstrip(";")
        script.append("SELECT hypopg_create_index($$%s$$);" % ddl)
    script.append("\\echo ===size")
    script.append("SELECT coalesce(sum(hypopg_relation_size(indexrelid)), 0) FROM hypopg_list_indexes;")
    for name, sql in workload.items():
        script.append("\\echo ===" + name)
        script.append("EXPLAIN (FORMAT JSON) " + sql + ";")
    out = subprocess.run(["psql", "-X", "-At", "-q", "-d", db], input="\n".join(script),
                         capture_output=True, text=True, check=True).stdout
    sections = re.split(r"^===(\S+)$", out, flags=re.M)
    result = {sections[i]: sections[i + 1].strip() for i in range(1, len(sections), 2)}
    size = float(result.pop("size"))
    costs = {name: json.loads(plan)[0]["Plan"]["Total Cost"] for name, plan in result.items()}
    return size, costs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("queries")
    parser.add_argument("--indexes")
    parser.add_argument("--exclude", default="")
    args = parser.parse_args()
    workload = queries(args.queries, set(filter(None, args.exclude.split(","))))
    indexes = [l.strip() for l in open(args.indexes)] if args.indexes else []
    indexes = [l for l in indexes if l]
    _, base = explain_all(args.db, workload, [])
    size, with_indexes = explain_all(args.db, workload, indexes)
    print(json.dumps({
        "relative": sum(with_indexes.values()) / sum(base.values()),
        "size_mb": size / 1e6,
        "base": sum(base.values()),
        "with": sum(with_indexes.values()),
        "per_query": {q: [base[q], with_indexes[q]] for q in base},
    }))


if __name__ == "__main__":
    sys.exit(main())
