#!/usr/bin/env python3
"""Prints what `planwise verify --format json` measured beside what it estimated, as the
Markdown tables of the README: per index, its size and build, its verdict and, per served
statement, the estimated speedup (planner cost before ÷ after) beside the measured one
(median ms before ÷ after); then the rewrites, the drops and the summary.

usage: table.py VERIFY.json
"""
import json, sys


def speedup(before, after):
    return before / after if after > 0 else float("inf")


def main():
    report = json.load(open(sys.argv[1]))
    queries = {q["fingerprint"]: q["normalized"] for q in report["queries"]}
    print("| # | index | size est. → real | build | verdict | statement | est. speedup | measured (ms) | measured speedup |")
    print("|---:|---|---|---:|---|---|---:|---|---:|")
    for finding in report["findings"]:
        verified, index = finding.get("verified"), finding.get("index")
        if not verified or not index:
            continue
        head = "| %d | `%s` | %.1f → %s MB | %s | %s |" % (
            index["rank"], index["index"], verified["estimated_size_bytes"] / 1e6,
            "%.1f" % (verified["real_size_bytes"] / 1e6) if verified.get("real_size_bytes") else "—",
            "%.0f ms" % verified["build_ms"] if verified.get("build_ms") else "—",
            verified.get("verdict") or "not verified: " + verified.get("not_verified", ""))
        rows = verified["statements"] or [None]
        for i, s in enumerate(rows):
            prefix = head if i == 0 else "| | | | | |"
            if s is None:
                print(prefix + " | | | |")
                continue
            text = queries.get(s["fingerprint"], s["fingerprint"])[:60]
            print("%s `%s` | %.1f× | %.2f → %.2f | %.1f× |" % (
                prefix, text.replace("|", "\\|"),
                speedup(s["estimated_cost_before"], s["estimated_cost_after"]),
                s["before_ms"], s["after_ms"], speedup(s["before_ms"], s["after_ms"])))
    for finding in report["findings"]:
        verified = finding.get("verified")
        if verified and "same_rows" in verified:
            print("\nRewrite %s (%s): same rows: %s, %s → %s ms" % (
                finding["rule"], finding["queries"][0], verified["same_rows"],
                verified.get("original_ms"), verified.get("rewrite_ms")))
        if verified and "safe_to_drop" in verified:
            print("\nDrop (%s): safe: %s" % (finding["sql"], verified["safe_to_drop"]))
    summary = report["verification"]
    print("\n%s" % json.dumps(summary))


if __name__ == "__main__":
    main()
