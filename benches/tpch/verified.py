#!/usr/bin/env python3
"""Markdown tables of what `planwise verify --format json` measured on the TPC-H database:
per recommended index its estimated and real size, build time and verdict, and per query it
serves the estimated speedup (planwise's cost a call before → after) beside the measured one
(median run time before → after); then the report's `verification` summary.

usage: verified.py VERIFY.json WORKLOAD.sql [--planwise BIN]
WORKLOAD.sql is the workload verify read, each statement after a `-- qN` line: the queries
are named by their fingerprints, which `planwise workload` (BIN, default `planwise`) computes.
"""
import argparse, json, os, re, subprocess, tempfile


def query_names(workload, planwise):
    """Fingerprint → qN, one `planwise workload` run a query."""
    parts = re.split(r"^-- (q\d+)\s*$", open(workload).read(), flags=re.M)
    names = {}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(1, len(parts), 2):
            path = os.path.join(folder, parts[i] + ".sql")
            open(path, "w").write(parts[i + 1])
            out = subprocess.run([planwise, "workload", "--log", path, "--format", "json"],
                                 capture_output=True, text=True, check=True).stdout
            for query in json.loads(out)["queries"]:
                names[query["fingerprint"]] = parts[i]
    return names


def mb(size):
    return "—" if size is None else "%.0f" % (size / 1e6)


def speedup(before, after):
    return before / max(after, 1e-3)


def statement_row(s, names):
    estimated = speedup(s["estimated_cost_before"], s["estimated_cost_after"])
    measured = speedup(s["before_ms"], s["after_ms"])
    held = max(estimated, measured) / min(estimated, measured) <= 2 if min(estimated, measured) > 0 else False
    return "%s | %.0fk → %.0fk (%.2f×) | %.0f → %.0f (%.2f×%s) | %s" % (
        names.get(s["fingerprint"], s["fingerprint"]),
        s["estimated_cost_before"] / 1e3, s["estimated_cost_after"] / 1e3, estimated,
        s["before_ms"], s["after_ms"], measured, "" if s["uses_index"] else ", index not used",
        "yes" if held else "**no**")


def index_rows(number, finding, names):
    verified = finding["verified"]
    head = "| %d | `%s` | %s → %s | %s | %s | " % (
        number, finding["index"]["index"], mb(verified["estimated_size_bytes"]),
        mb(verified.get("real_size_bytes")),
        "—" if verified.get("build_ms") is None else "%.1f" % (verified["build_ms"] / 1e3),
        verified.get("verdict", "not verified").replace("_", " "))
    blank = "| | | | | | "
    rows = [statement_row(s, names) for s in verified["statements"]]
    rows += ["%s | not timed: %s | | " % (names.get(n["fingerprint"], n["fingerprint"]), n["reason"])
             for n in verified.get("not_timed", [])]
    if verified.get("not_verified"):
        rows.append("| not verified: %s | | " % verified["not_verified"])
    return [(head if i == 0 else blank) + row + " |" for i, row in enumerate(rows or ["| | | "])]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("workload")
    parser.add_argument("--planwise", default="planwise")
    args = parser.parse_args()
    report = json.load(open(args.report))
    names = query_names(args.workload, args.planwise)
    findings = [f for f in report["findings"] if f.get("verified") and f.get("index")]
    print("| # | index | size MB estimated → real | build s | verdict | query | estimated cost "
          "before → after (speedup) | measured ms before → after (speedup) | within 2× |")
    print("|---:|---|---:|---:|---|---|---:|---:|---|")
    for number, finding in enumerate(findings, 1):
        print("\n".join(index_rows(number, finding, names)))
    summary = report["verification"]
    estimated = sum(f["verified"]["estimated_size_bytes"] for f in findings)
    real = sum(f["verified"].get("real_size_bytes") or 0 for f in findings)
    held = lambda h: "%d of %d" % (h["held"], h["of"])
    print()
    print("%d indexes: %d faster, %d no gain, %d slower, %d not verified (%d timed runs after a "
          "warm-up, medians). Estimates within 2×: speedups %s, sizes %s. Size: %s MB estimated, "
          "%s MB built." % (
              len(findings), summary["faster"], summary["no_gain"], summary["slower"],
              summary["not_verified"], summary["runs"], held(summary["speedup_estimates"]),
              held(summary["size_estimates"]), mb(estimated), mb(real)))
    together = summary.get("together")
    if together:
        print("All %d together, over the %d queries they serve: %.1f s → %.1f s (%.2f×)." % (
            together["indexes"], together["statements"], together["workload_before_ms"] / 1e3,
            together["workload_after_ms"] / 1e3,
            speedup(together["workload_before_ms"], together["workload_after_ms"])))
    if summary["budget_ran_out"]:
        print("The verification budget ran out: some indexes were not verified.")


if __name__ == "__main__":
    main()
