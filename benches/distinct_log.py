#!/usr/bin/env python3
"""Writes a stderr log (prefix `%m [%p] %q%u@%d `) of N distinct statement shapes, each
logged CALLS times with a duration, a user, a database and an application, for measuring
planwise's memory per fingerprint.

    distinct_log.py N OUT [CALLS]

The shapes come from distinct_queries.py (ORM-like joins, filters, CTEs, upserts), one
statement per line; calls of one shape differ in their constants, as a real log's do.
"""
import random
import subprocess
import sys
from pathlib import Path


def main():
    count = int(sys.argv[1])
    out = sys.argv[2]
    calls = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    shapes = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("distinct_queries.py")), str(count)],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    rng = random.Random(7)
    users = ["app", "reporting", "batch"]
    with open(out, "w") as f:
        ms = 0
        for call in range(calls):
            for i, sql in enumerate(shapes):
                ms += 3
                stamp = f"2026-11-26 {ms // 3_600_000 % 24:02}:{ms // 60_000 % 60:02}:" \
                        f"{ms // 1000 % 60:02}.{ms % 1000:03} UTC"
                pid = 10_000 + (i + call) % 500
                user = users[i % 3]
                duration = rng.uniform(0.05, 250.0)
                sql = sql.rstrip(";").replace("= 1,", f"= {call + 1},")
                f.write(f"{stamp} [{pid}] {user}@shop LOG:  duration: {duration:.3f} ms"
                        f"  statement: {sql}\n")


main()
