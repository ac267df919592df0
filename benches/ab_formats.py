#!/usr/bin/env python3
"""Alternating timer across log formats: one planwise binary reads each file in turn, round
after round (`workload --threads 1`), so that a shared machine's slow spells hit every format
alike; the first file is the reference (stderr). Prints per file the best and median CPU time
(user + system, from wait4) and the best wall time, each with its ratio to the first file's.

    benches/ab_formats.py ROUNDS PLANWISE[,PLANWISE...] REFERENCE_LOG LOG...

Several builds, comma-separated, are run in turn on each file (a before and an after in the
same run), each build's ratios taken to its own time on the reference.

The files should hold the same entries (benches/throughput.sh renders them), so the ratios
are ratios of time per record. Example, on throughput.sh's 50 MB data:

    benches/ab_formats.py 11 target/bench-data/planwise target/bench-data/stderr-50.log \\
        target/bench-data/hosted-50/*.json
"""
import os
import statistics
import subprocess
import sys
import time


def run(planwise, log):
    started = time.perf_counter_ns()
    command = [planwise, "workload", "--threads", "1", "--format", "json", "-o", "/dev/null",
               "--log", log]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        sys.exit(f"{' '.join(command)} exited with {status}")
    return usage.ru_utime + usage.ru_stime, (time.perf_counter_ns() - started) / 1e9


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rounds, builds, logs = int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3:]
    times = {(build, log): [] for build in builds for log in logs}
    for _ in range(rounds):
        for log in logs:
            for build in builds:
                times[build, log].append(run(build, log))
    for build in builds:
        if len(builds) > 1:
            print(build)
        reference = None
        for log in logs:
            cpu = [c for c, _ in times[build, log]]
            best, median = min(cpu), statistics.median(cpu)
            wall = min(w for _, w in times[build, log])
            reference = reference or (best, median, wall)
            print(f"{os.path.basename(log):20s} cpu best {best:.3f} ({best / reference[0]:.2f}x) "
                  f"median {median:.3f} ({median / reference[1]:.2f}x) "
                  f"wall best {wall:.3f} ({wall / reference[2]:.2f}x)")


if __name__ == "__main__":
    main()
