#!/usr/bin/env python3
"""Alternating A/B timer: runs `planwise workload` binaries (and `grep -c duration`) on one log
in turn, round after round, so that a shared machine's slow spells hit every contender alike.

    benches/ab_time.py ROUNDS LOG CONTENDER... [-- ARGUMENT...]

A contender is a path to a planwise binary, or `grep` (`grep -c duration LOG`) or `wc`
(`wc -l LOG`). After `--`, the planwise arguments to time instead of `workload`, `{}`
standing for LOG (a file or a folder; exit status 1, findings, counts as success). Prints,
per contender, the best and median wall time (ns clock), CPU time (user + system, from
wait4) and peak RSS (never below the timer's own ~11 MB, which a fork inherits). Example,
the previous release against this one:

    cp target/release/planwise /tmp/new
    benches/ab_time.py 11 target/bench-data/stderr-200.log /tmp/old /tmp/new grep
    benches/ab_time.py 11 ../shared/corpora/migrations/lemmy /tmp/old /tmp/new -- check {} \
        --format json
"""
import os
import statistics
import subprocess
import sys
import time


def command(contender, log, arguments):
    if contender == "grep":
        return ["grep", "-c", "duration", log]
    if contender == "wc":
        return ["wc", "-l", log]
    if arguments:
        return [contender] + [log if a == "{}" else a for a in arguments]
    return [contender, "workload", "--log", log, "--format", "json", "-o", "/dev/null"]


def run(argv):
    """Wall seconds, CPU seconds and peak RSS (MB) of one run; its output is discarded
    (written to a file: grep stops early when its output is /dev/null)."""
    out = os.open("/tmp/ab_time.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(out, 1)
        os.execvp(argv[0], argv)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    os.close(out)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"failed: {' '.join(argv)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rounds, log, contenders = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    arguments = []
    if "--" in contenders:
        at = contenders.index("--")
        contenders, arguments = contenders[:at], contenders[at + 1:]
    # Into the page cache, by another process (a fork inherits this one's peak RSS).
    if os.path.isfile(log):
        subprocess.run(["cat", log], stdout=subprocess.DEVNULL, check=True)
    results = {c: [] for c in contenders}
    for _ in range(rounds):
        for contender in contenders:
            results[contender].append(run(command(contender, log, arguments)))
    for contender, runs in results.items():
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        print(f"{contender:40s} wall best {min(walls):.3f} median {statistics.median(walls):.3f}"
              f"  cpu best {min(cpus):.3f} median {statistics.median(cpus):.3f}"
              f"  rss {max(r[2] for r in runs):.0f} MB")


if __name__ == "__main__":
    main()
