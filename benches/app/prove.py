#!/usr/bin/env python3
"""Proves the answer key on the database itself, without planwise: for each planted problem
with a `fix`, times its `statement` with EXPLAIN (ANALYZE) (median of RUNS), then builds the
fix for real (an index: CREATE INDEX and ANALYZE of its table, so an expression index has
statistics) or runs the rewrite, times again, and rolls everything back. A planted problem
whose fix is not faster does not belong in the key.

usage: prove.py DB [--oracle oracle.json] [--runs 3]
The transaction is rolled back: the database is left as it was (the index builds take a few
seconds each on the 2 M-row tables).
"""
import argparse, json, os, re, statistics, subprocess

MARK = "planwise-prove:"


def timings_script(statement, runs, label):
    """psql lines that print `MARK label ms` for each EXPLAIN ANALYZE run of statement."""
    explain = "EXPLAIN (ANALYZE, FORMAT JSON) %s" % statement
    return "".join("SELECT '%s%s';\n%s;\n" % (MARK, label, explain) for _ in range(runs))


def parse(output):
    """The execution times psql printed, by label, in order."""
    times, label = {}, None
    for line in output.splitlines():
        if line.startswith(MARK):
            label = line[len(MARK):]
        match = re.search(r'"Execution Time": ([0-9.]+)', line)
        if match and label:
            times.setdefault(label, []).append(float(match.group(1)))
    return times


def prove(db, entry, runs):
    fix = entry["fix"]
    script = "BEGIN;\n" + timings_script(entry["statement"], runs, "before")
    if fix.upper().startswith("CREATE INDEX"):
        table = re.search(r"\bON\s+([\w.]+)", fix, re.I).group(1)
        script += "%s;\nANALYZE %s;\n" % (fix, table)
        script += timings_script(entry["statement"], runs, "after")
    else:
        script += timings_script(fix, runs, "after")
    script += "ROLLBACK;\n"
    out = subprocess.run(["psql", "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1", "-d", db], input=script,
                         capture_output=True, text=True, check=True).stdout
    times = parse(out)
    return statistics.median(times["before"]), statistics.median(times["after"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--oracle", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "oracle.json"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    planted = [e for e in json.load(open(args.oracle))["planted"] if "fix" in e]
    faster = 0
    print("| planted | fix | before (ms) | after (ms) | speedup |")
    print("|---|---|---:|---:|---:|")
    for entry in planted:
        before, after = prove(args.db, entry, args.runs)
        faster += after < before
        print("| %s | `%s` | %.2f | %.2f | %.1f× |" % (
            entry["id"], entry["fix"][:70], before, after, before / after if after else float("inf")))
    print("\n%d of %d planted fixes faster on the database (median of %d EXPLAIN ANALYZE runs each)"
          % (faster, len(planted), args.runs))


if __name__ == "__main__":
    main()
