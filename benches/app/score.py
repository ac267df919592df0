#!/usr/bin/env python3
"""Scores a planwise JSON report of the application benchmark against its answer key
(oracle.json): recall of the planted problems (each with the finding that matched), the
traps hit, the findings that match nothing in the key, and the planted fixes verified on
the database itself (from `planwise verify`'s measurements, when the report has them).

usage: score.py REPORT.json [--oracle oracle.json] [--json]
REPORT.json is `planwise verify --format json` (run.sh writes it) or `planwise analyze
--format json` (then nothing counts as verified). Standalone, so two binaries' reports can be
compared: score.py before.json; score.py after.json. --json prints the figures as one line.
"""
import argparse, json, os, re, sys


def normalize(text):
    """Lower case, single spaces, no space inside parentheses: `lower( email )` = `lower(email)`."""
    text = re.sub(r"\s+", " ", (text or "").lower())
    return re.sub(r"\(\s+|\s+\)", lambda m: m.group(0).strip(), text)


def matches(finding, expect):
    """Whether one finding meets one expectation of the key: every field the expectation gives
    must hold. rule: the finding's rule is one of these; table: its table (schema-qualified);
    leading: its key columns begin with these; columns: its key columns are exactly these;
    sql_contains / sql_lacks: substrings of its SQL (normalized); mentions: substrings of its
    message or SQL."""
    columns = [normalize(c) for c in finding.get("columns") or []]
    sql = normalize(finding.get("sql"))
    said = sql + " " + normalize(finding.get("message"))
    wanted = [normalize(c) for c in expect.get("leading", [])]
    return all([
        "rule" not in expect or finding.get("rule") in expect["rule"],
        "table" not in expect or finding.get("table") == expect["table"],
        columns[:len(wanted)] == wanted,
        "columns" not in expect or columns == [normalize(c) for c in expect["columns"]],
        all(normalize(s) in sql for s in expect.get("sql_contains", [])),
        not any(normalize(s) in sql for s in expect.get("sql_lacks", [])),
        all(normalize(s) in said for s in expect.get("mentions", [])),
    ])


def first_match(findings, entry):
    return next((f for f in findings for e in entry["expect"] if matches(f, e)), None)


def verified(finding, how):
    """The fix's check on the database, as `planwise verify` recorded it: (verified?, evidence)."""
    v = finding.get("verified") or {}
    if how == "index":
        if not v.get("verdict"):
            return None, v.get("not_verified", "not verified")
        return v["verdict"] == "faster", "%s: %.2f → %.2f ms" % (v["verdict"], v["before_ms"], v["after_ms"])
    if how == "rewrite":
        if "same_rows" not in v or v.get("original_ms") is None:
            return None, "not verified"
        ok = v["same_rows"] and v["rewrite_ms"] < v["original_ms"]
        return ok, "same rows: %s, %.1f → %.1f ms" % (v["same_rows"], v["original_ms"], v["rewrite_ms"])
    return None, "not measurable by verify"


def describe(finding):
    """Rule, table, the message's first clause and, for a verified index, its verdict."""
    message = (finding.get("message") or "").split("; ")[0]
    verdict = (finding.get("verified") or {}).get("verdict")
    return "%s %s %s%s" % (finding.get("rule"), finding.get("table") or "-", message[:110],
                           "  [verify: %s]" % verdict if verdict else "")


def score(report, oracle):
    findings = report["findings"]
    found, missed, traps, verified_fixes, used = [], [], [], [], set()
    for entry in oracle["planted"]:
        finding = first_match(findings, entry)
        if finding is None:
            missed.append(entry)
            continue
        used.add(id(finding))
        ok, evidence = verified(finding, entry["verify"])
        found.append((entry, finding, ok, evidence))
        if ok:
            verified_fixes.append(entry["id"])
    for entry in oracle["traps"]:
        sprung = [f for f in findings if any(matches(f, e) for e in entry["expect"])]
        if sprung:
            traps.append((entry, sprung))
            used.update(id(f) for f in sprung)
    unmatched = [f for f in findings if id(f) not in used and not any(
        matches(f, e) for entry in oracle["planted"] for e in entry["expect"])]
    return found, missed, traps, unmatched, verified_fixes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--oracle", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "oracle.json"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    oracle = json.load(open(args.oracle))
    found, missed, traps, unmatched, verified_fixes = score(json.load(open(args.report)), oracle)
    planted, measurable = len(oracle["planted"]), sum(e["verify"] != "none" for e in oracle["planted"])
    figures = {"planted": planted, "found": len(found), "recall": round(len(found) / planted, 3),
               "traps": len(oracle["traps"]), "traps_hit": len(traps), "unmatched": len(unmatched),
               "measurable": measurable, "verified": len(verified_fixes)}
    if args.json:
        print(json.dumps(figures))
        return
    print("Planted problems found: %d / %d (recall %.2f)" % (len(found), planted, figures["recall"]))
    for entry, finding, ok, evidence in found:
        mark = {True: "verified", False: "NOT faster", None: "-"}[ok]
        print("  + %-22s %s  [%s: %s]" % (entry["id"], describe(finding), mark, evidence))
    for entry in missed:
        print("  - %-22s missed: %s" % (entry["id"], entry["what"]))
    print("Traps hit: %d / %d" % (len(traps), len(oracle["traps"])))
    for entry, sprung in traps:
        print("  ! %-22s %s" % (entry["id"], entry["what"]))
        for finding in sprung:
            print("      %s" % describe(finding))
    print("Unmatched findings: %d" % len(unmatched))
    for finding in unmatched:
        print("  ? %s" % describe(finding))
    print("Planted fixes verified on the database: %d / %d measurable (%s)" % (
        len(verified_fixes), measurable, ", ".join(verified_fixes) or "none"))
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())
