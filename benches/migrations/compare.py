#!/usr/bin/env python3
"""planwise check vs squawk on real migration histories, side by side.

For each history folder under the corpora: wall time of both tools (best of N runs), files,
findings per rule, files flagged, and whether every statement squawk flags as dangerous
(locks, rewrites, failures) also has a planwise finding — the misses are listed with the
statement so each can be explained.

Usage: compare.py --planwise target/release/planwise --corpora ../shared/corpora/migrations
"""

import argparse
import collections
import json
import os
import subprocess
import time

# squawk rules about statements that lock, rewrite or fail: planwise must not miss these
# (unless it can tell the statement is harmless, e.g. the table was created in the same file).
DANGEROUS = {
    "require-concurrent-index-creation",
    "require-concurrent-index-deletion",
    "require-concurrent-reindex",
    "ban-concurrent-index-creation-in-transaction",
    "adding-foreign-key-constraint",
    "constraint-missing-not-valid",
    "adding-not-nullable-field",
    "adding-required-field",
    "adding-field-with-default",
    "changing-column-type",
    "disallowed-unique-constraint",
    "adding-primary-key-constraint",
    "adding-serial-primary-key-field",
    "ban-drop-column",
    "ban-drop-table",
    "renaming-column",
    "renaming-table",
    "ban-truncate-cascade",
    "transaction-nesting",
}


def best_of(runs, command, cwd):
    best, output = None, None
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if best is None or elapsed < best:
            best, output = elapsed, result
    return best, output


def squawk(folder, files, runs):
    elapsed, result = best_of(runs, ["squawk", "--reporter", "json", *files], folder)
    violations = json.loads(result.stdout or "[]")
    for v in violations:
        v["file"] = os.path.basename(v["file"])
        v["line"] += 1  # squawk counts lines from 0
    return elapsed, violations


def planwise(binary, folder, runs, extra):
    elapsed, result = best_of(runs, [binary, "check", ".", "--format", "json", *extra], folder)
    if result.returncode not in (0, 1):
        raise SystemExit(f"planwise failed on {folder}: {result.stderr}")
    report = json.loads(result.stdout)
    for f in report["findings"]:
        f["location"]["file"] = os.path.basename(f["location"]["file"])
    return elapsed, report


def covered(violation, findings_by_file):
    return any(
        f["location"]["line"] <= violation["line"] <= f["location"]["end_line"]
        for f in findings_by_file.get(violation["file"], [])
    )


def statement_at(folder, file, line):
    with open(os.path.join(folder, file), encoding="utf-8", errors="replace") as handle:
        lines = handle.read().splitlines()
    return lines[line - 1].strip()[:90] if 0 < line <= len(lines) else ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--planwise", default="target/release/planwise")
    parser.add_argument("--corpora", default="../shared/corpora/migrations")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--show-misses", type=int, default=5)
    args = parser.parse_args()
    binary = os.path.abspath(args.planwise)
    rows = []
    for name in sorted(os.listdir(args.corpora)):
        folder = os.path.join(args.corpora, name)
        if not os.path.isdir(folder):
            continue
        files = sorted(f for f in os.listdir(folder) if f.endswith(".sql"))
        squawk_time, violations = squawk(folder, files, args.runs)
        planwise_time, report = planwise(binary, folder, args.runs, [])
        findings = report["findings"]
        by_file = collections.defaultdict(list)
        for f in findings:
            by_file[f["location"]["file"]].append(f)
        dangerous = [v for v in violations if v["rule_name"] in DANGEROUS]
        misses = [v for v in dangerous if not covered(v, by_file)]
        flagged = {f["location"]["file"] for f in findings if f["severity"] in ("warning", "error")}
        # The same history once the tables' sizes are known: all small, all large.
        sized = {}
        for label, rows_given in (("small", "*=1000"), ("large", "*=1e7")):
            _, sized_report = planwise(binary, folder, 1, ["--table-rows", rows_given])
            sized[label] = {
                f["location"]["file"]
                for f in sized_report["findings"]
                if f["severity"] in ("warning", "error")
            }
        rows.append((name, len(files), squawk_time, planwise_time, violations, findings, flagged, sized))
        print(f"\n## {name}: {len(files)} files, {report['summary']['statements']} statements")
        print(f"squawk:   {squawk_time:.3f} s, {len(violations)} violations, "
              f"{len({v['file'] for v in violations})} files flagged")
        print(f"planwise: {planwise_time:.3f} s, {len(findings)} findings "
              f"({report['summary']['errors']} error, {report['summary']['warnings']} warning, "
              f"{report['summary']['infos']} info), {len(flagged)} files flagged (warning or error), "
              f"{len(by_file)} with any finding; {report['summary']['unparsed']} statements unparsed")
        print("squawk rules:   " + ", ".join(f"{r} {n}" for r, n in collections.Counter(v["rule_name"] for v in violations).most_common()))
        print("planwise rules: " + ", ".join(f"{r} {n}" for r, n in collections.Counter(f["rule"] + "/" + f["severity"] for f in findings).most_common()))
        print(f"dangerous squawk violations: {len(dangerous)}, with a planwise finding on the statement: "
              f"{len(dangerous) - len(misses)}, without: {len(misses)}")
        by_rule = collections.defaultdict(list)
        for v in misses:
            by_rule[v["rule_name"]].append(v)
        for rule, items in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
            print(f"  missed {rule}: {len(items)}")
            for v in items[: args.show_misses]:
                print(f"    {v['file']}:{v['line']}: {statement_at(folder, v['file'], v['line'])}")
    print("\n| history | files | squawk: files flagged | planwise, sizes unknown | planwise, all tables 1k rows | planwise, all tables 10M rows | squawk s | planwise s | speed |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, files, st, pt, violations, findings, flagged, sized in rows:
        print(f"| {name} | {files} | {len({v['file'] for v in violations})} | {len(flagged)} | "
              f"{len(sized['small'])} | {len(sized['large'])} | {st:.3f} | {pt:.3f} | {st / pt:.1f}× |")


if __name__ == "__main__":
    main()
