#!/usr/bin/env bash
# Throughput and memory of `planwise workload` against pgbadger, grep and wc on the same
# big logs built from the real PostgreSQL 15 fixtures. See benches/README.md.
#
#   benches/throughput.sh [SIZE_MB] [--with-1g] [--runs N] [--no-pgbadger-all-cores] [--formats-only]
#
#   SIZE_MB        size of the big stderr log, default 200 (the csvlog and jsonlog copies
#                  hold exactly the same events, so they are larger, and so do the hosted
#                  formats rendered from the csvlog one)
#   --with-1g      also build a BIG_MB (default 1000) stderr log and compare planwise's
#                  peak RSS on it with the SIZE_MB one (memory must stay flat)
#   --runs N       runs per planwise/grep/wc measurement, the fastest is kept (default 3;
#                  pgbadger runs PGBADGER_RUNS times, default 1, it takes ~1 min per 200 MB)
#   --no-pgbadger-all-cores
#                  skip the extra `pgbadger -j <cores>` run
#   --formats-only only planwise on each format (no grep, wc, pgbadger, 1 GB log)
#
# Environment: BENCH_DIR (default <target>/bench-data, data is reused when present),
# BIG_MB, RUNS, PGBADGER_RUNS, QUIET_WAIT (seconds to wait for an idle machine, default 300).
# Idempotent: re-running reuses the generated logs and re-measures.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
BENCH_DIR="${BENCH_DIR:-$TARGET_DIR/bench-data}"
FIXTURES="$REPO/fixtures/logs"
GENERATOR="$REPO/benches/make_big_log.py"
PREFIX='%m [%p] %q%u@%d/%a '   # log_line_prefix of fixtures/logs/shop.log (see its README)

SIZE_MB=200
WITH_1G=0
BIG_MB="${BIG_MB:-1000}"
RUNS="${RUNS:-3}"
PGBADGER_RUNS="${PGBADGER_RUNS:-1}"
PGBADGER_ALL_CORES=1
FORMATS_ONLY=0
QUIET_WAIT="${QUIET_WAIT:-300}"

while [ $# -gt 0 ]; do
    case "$1" in
        --with-1g) WITH_1G=1 ;;
        --runs) RUNS="$2"; shift ;;
        --runs=*) RUNS="${1#--runs=}" ;;
        --no-pgbadger-all-cores) PGBADGER_ALL_CORES=0 ;;
        --formats-only) FORMATS_ONLY=1 ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        [0-9]*) SIZE_MB="$1" ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '==> %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------
apt_install() {
    # apt-get update only when the plain install fails (stale or empty package lists).
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get install -y "$@" >&2 || { $sudo apt-get update >&2 && $sudo apt-get install -y "$@" >&2; }
}
[ -x /usr/bin/time ] || { log "installing GNU time"; apt_install time; }
command -v pgbadger >/dev/null || { log "installing pgbadger"; apt_install pgbadger; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }

log "building planwise (release)"
(cd "$REPO" && cargo build --release --quiet)
mkdir -p "$BENCH_DIR"
# Measure a private copy: target/ is shared, another build may replace the binary mid-run.
PLANWISE="$BENCH_DIR/planwise"
cp "$TARGET_DIR/release/planwise" "$PLANWISE.tmp" && mv -f "$PLANWISE.tmp" "$PLANWISE"
VERSION="$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
(cd "$REPO" && git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null) || VERSION="$VERSION+dirty"

# --- data --------------------------------------------------------------------------------

# make SRC OUT SIZE_MB [extra generator args]: reuses OUT when its .meta.json is newer than
# the generator and the source (the generator writes the meta file after OUT is complete).
make_log() {
    local src="$1" out="$2" size="$3"; shift 3
    if [ -f "$out" ] && [ -f "$out.meta.json" ] \
        && [ "$out.meta.json" -nt "$GENERATOR" ] && [ "$out.meta.json" -nt "$src" ] \
        && python3 - "$out.meta.json" "$size" "$@" <<'EOF'
import json, sys
meta = json.load(open(sys.argv[1]))
args = sys.argv[3:]
want_reps = int(args[args.index("--reps") + 1]) if "--reps" in args else None
ok = meta["repetitions"] == want_reps if want_reps else meta.get("size_mb") == float(sys.argv[2])
sys.exit(0 if ok else 1)
EOF
    then
        log "reusing $out"
        return
    fi
    log "generating $out"
    python3 "$GENERATOR" "$src" "$out" "$size" "$@"
    # Remember what was asked for, so a later run with another size regenerates.
    python3 - "$out.meta.json" "$size" <<'EOF'
import json, sys
meta = json.load(open(sys.argv[1])); meta["size_mb"] = float(sys.argv[2])
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
}
meta() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1.meta.json" "$2"; }

BIG_LOG="$BENCH_DIR/stderr-$SIZE_MB.log"
make_log "$FIXTURES/shop.log" "$BIG_LOG" "$SIZE_MB"
REPS="$(meta "$BIG_LOG" repetitions)"
BIG_CSV="$BENCH_DIR/csvlog-$SIZE_MB.csv"
BIG_JSON="$BENCH_DIR/jsonlog-$SIZE_MB.json"
make_log "$FIXTURES/shop.csv" "$BIG_CSV" "$SIZE_MB" --reps "$REPS"
make_log "$FIXTURES/shop.json" "$BIG_JSON" "$SIZE_MB" --reps "$REPS"
# The hosted-platform and system-logger formats: the big csvlog's entries rendered as the
# tests render the fixture (tests/common/render.rs), so every file holds the same events.
# label:file name, in the order of the report.
HOSTED_FORMATS="rds:rds.log azure:azure.log syslog:syslog.log logplex:logplex.log \
cloudsql:cloudsql.json cloudsql-array:cloudsql-array.json cnpg:cnpg.json journald:journal.json \
azure-json:azure.json azure-records:azure-records.json"
HOSTED_DIR="$BENCH_DIR/hosted-$SIZE_MB"
RENDERER="$TARGET_DIR/release/examples/render_logs"
RENDERER_BUILT=0
mkdir -p "$HOSTED_DIR"
for spec in $HOSTED_FORMATS; do
    file="$HOSTED_DIR/${spec#*:}"
    if [ -f "$file.meta.json" ] && [ "$file.meta.json" -nt "$BIG_CSV.meta.json" ] \
        && [ "$file.meta.json" -nt "$REPO/tests/common/render.rs" ]; then
        log "reusing $file"
        continue
    fi
    if [ "$RENDERER_BUILT" = 0 ]; then
        # Built apart from planwise and only when needed: an example is built with the
        # dev-dependencies' features, which rebuilds the library (minutes).
        log "building the format renderer (release)"
        (cd "$REPO" && cargo build --release --quiet --example render_logs)
        RENDERER_BUILT=1
    fi
    log "rendering $file"
    entries="$("$RENDERER" "$BIG_CSV" "$HOSTED_DIR" "${spec#*:}")"
    python3 - "$file" "$entries" "$REPS" "$SIZE_MB" <<'EOF'
import json, os, sys
path, entries, reps, size = sys.argv[1:]
json.dump({"entries": int(entries), "repetitions": int(reps), "size_mb": float(size),
           "bytes": os.path.getsize(path)}, open(path + ".meta.json", "w"), indent=1)
EOF
done
if [ "$WITH_1G" = 1 ] && [ "$FORMATS_ONLY" = 0 ]; then
    HUGE_LOG="$BENCH_DIR/stderr-$BIG_MB.log"
    make_log "$FIXTURES/shop.log" "$HUGE_LOG" "$BIG_MB"
fi

# --- measuring ---------------------------------------------------------------------------
RESULTS="$BENCH_DIR/results.tsv"
: > "$RESULTS"
TIME_OUT="$BENCH_DIR/time.out"

# Waits (up to QUIET_WAIT s) until the CPUs are less than 15% busy over 2 s, so that other
# jobs on the machine do not skew the figures.
BUSY=0
wait_quiet() {
    local waited=0
    while :; do
        BUSY="$(python3 - <<'EOF'
import time
def sample():
    f = open("/proc/stat").readline().split()[1:]
    v = list(map(int, f))
    return sum(v), v[3] + v[4]
t0, i0 = sample(); time.sleep(2); t1, i1 = sample()
print(round(100 * (1 - (i1 - i0) / max(t1 - t0, 1))))
EOF
)"
        [ "$BUSY" -lt 15 ] && return
        if [ "$waited" -ge "$QUIET_WAIT" ]; then
            log "WARNING: machine still ${BUSY}% busy after ${waited}s; measuring anyway"
            return
        fi
        [ "$waited" = 0 ] && log "machine ${BUSY}% busy (other jobs); waiting for it to calm down"
        sleep 8; waited=$((waited + 10))
    done
}

# Busy CPU time of the whole machine so far, in clock ticks (user+nice+system+irq+softirq).
CLK_TCK="$(getconf CLK_TCK)"
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }

# measure TOOL INPUT_LABEL FILE RUNS STDOUT -- COMMAND...: runs COMMAND under
# /usr/bin/time -v (file in the page cache first) until RUNS runs were undisturbed, keeps
# the fastest. A run is disturbed when other processes used more than 10% of the machine
# meanwhile (busy time of /proc/stat minus the command's own CPU time); it is then retried
# after waiting for a quiet machine, at most 3 times more than RUNS.
measure() {
    local tool="$1" label="$2" file="$3" runs="$4" stdout="$5"; shift 6
    local bytes records best="" best_any="" line before after clean=0 attempts=0 others
    bytes="$(stat -c %s "$file")"
    records="$(meta "$file" entries)"
    cat "$file" > /dev/null
    wait_quiet
    while [ "$clean" -lt "$runs" ] && [ "$attempts" -lt $((runs + 3)) ]; do
        attempts=$((attempts + 1))
        before="$(busy_ticks)"
        # Wall time in nanoseconds: /usr/bin/time's is in 10 ms steps, too coarse for grep.
        started="$(date +%s%N)"
        if ! /usr/bin/time -v -o "$TIME_OUT" "$@" > "$stdout" 2> "$TIME_OUT.stderr"; then
            log "FAILED: $*"; cat "$TIME_OUT.stderr" "$TIME_OUT" >&2; exit 1
        fi
        ended="$(date +%s%N)"
        after="$(busy_ticks)"
        line="$(awk -F': ' -v busy=$((after - before)) -v hz="$CLK_TCK" -v cores="$NPROC" \
                -v w="$(( (ended - started) / 1000 ))" '
            /User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {r=$2}
            END {w = w / 1e6; o = busy/hz - (u+s); if (o < 0) o = 0
                 printf "%.3f\t%.2f\t%d\t%d", w, u+s, r, 100*o/((w > 0.5 ? w : 0.5)*cores)}' "$TIME_OUT")"
        others="$(cut -f4 <<<"$line")"
        if [ -z "$best_any" ] || awk -v a="${line%%$'\t'*}" -v b="${best_any%%$'\t'*}" 'BEGIN{exit !(a<b)}'; then
            best_any="$line"
        fi
        if [ "$others" -gt 10 ]; then
            log "  run disturbed: other processes used ${others}% of the machine; retrying"
            wait_quiet
            continue
        fi
        clean=$((clean + 1))
        if [ -z "$best" ] || awk -v a="${line%%$'\t'*}" -v b="${best%%$'\t'*}" 'BEGIN{exit !(a<b)}'; then
            best="$line"
        fi
    done
    [ -n "$best" ] || { best="$best_any"; log "  WARNING: no undisturbed run; keeping the fastest"; }
    printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$label" "$bytes" "$records" "$best" >> "$RESULTS"
    log "$(printf '%-28s %-10s wall %6ss  cpu %6ss  rss %7s KB  others %2s%%  (%s/%s clean runs)' \
        "$tool" "$label" $(cut -f1-4 <<<"$best") "$clean" "$attempts")"
}

OUT="$BENCH_DIR/out"
mkdir -p "$OUT"
rm -f "$OUT"/pgbadger-*.html "$OUT"/planwise-*.json   # no stale reports from an earlier run
NPROC="$(nproc)"

log "measuring (fastest of $RUNS runs; pgbadger $PGBADGER_RUNS)"
measure "planwise" "stderr" "$BIG_LOG" "$RUNS" /dev/null -- \
    "$PLANWISE" workload --log "$BIG_LOG" --format json -o /dev/null
measure "planwise --threads 1" "stderr" "$BIG_LOG" "$RUNS" /dev/null -- \
    "$PLANWISE" workload --log "$BIG_LOG" --format json -o /dev/null --threads 1
measure "planwise" "csvlog" "$BIG_CSV" "$RUNS" /dev/null -- \
    "$PLANWISE" workload --log "$BIG_CSV" --format json -o /dev/null
measure "planwise --threads 1" "csvlog" "$BIG_CSV" "$RUNS" /dev/null -- \
    "$PLANWISE" workload --log "$BIG_CSV" --format json -o /dev/null --threads 1
measure "planwise" "jsonlog" "$BIG_JSON" "$RUNS" /dev/null -- \
    "$PLANWISE" workload --log "$BIG_JSON" --format json -o /dev/null
measure "planwise --threads 1" "jsonlog" "$BIG_JSON" "$RUNS" /dev/null -- \
    "$PLANWISE" workload --log "$BIG_JSON" --format json -o /dev/null --threads 1
for spec in $HOSTED_FORMATS; do
    file="$HOSTED_DIR/${spec#*:}"
    measure "planwise" "${spec%%:*}" "$file" "$RUNS" /dev/null -- \
        "$PLANWISE" workload --log "$file" --format json -o /dev/null
    measure "planwise --threads 1" "${spec%%:*}" "$file" "$RUNS" /dev/null -- \
        "$PLANWISE" workload --log "$file" --format json -o /dev/null --threads 1
done
if [ "$FORMATS_ONLY" = 0 ]; then
measure "grep -c duration" "stderr" "$BIG_LOG" "$RUNS" "$OUT/grep.txt" -- \
    grep -c duration "$BIG_LOG"
measure "wc -l" "stderr" "$BIG_LOG" "$RUNS" "$OUT/wc.txt" -- \
    wc -l "$BIG_LOG"
measure "pgbadger -j 1" "stderr" "$BIG_LOG" "$PGBADGER_RUNS" "$OUT/pgbadger-j1.stdout" -- \
    pgbadger -j 1 -f stderr --prefix "$PREFIX" -o "$OUT/pgbadger-j1.html" "$BIG_LOG"
fi
if [ "$PGBADGER_ALL_CORES" = 1 ] && [ "$NPROC" -gt 1 ] && [ "$FORMATS_ONLY" = 0 ]; then
    measure "pgbadger -j $NPROC" "stderr" "$BIG_LOG" "$PGBADGER_RUNS" "$OUT/pgbadger-jn.stdout" -- \
        pgbadger -j "$NPROC" -f stderr --prefix "$PREFIX" -o "$OUT/pgbadger-jn.html" "$BIG_LOG"
fi
if [ "$WITH_1G" = 1 ]; then
    measure "planwise" "stderr 1G" "$HUGE_LOG" "$RUNS" /dev/null -- \
        "$PLANWISE" workload --log "$HUGE_LOG" --format json -o /dev/null
    measure "planwise --threads 1" "stderr 1G" "$HUGE_LOG" "$RUNS" /dev/null -- \
        "$PLANWISE" workload --log "$HUGE_LOG" --format json -o /dev/null --threads 1
fi

# --- correctness -------------------------------------------------------------------------
log "checking results agree (untimed runs)"
"$PLANWISE" workload --log "$FIXTURES/shop.log" --format json -o "$OUT/planwise-fixture.json"
for f in "$BIG_LOG" "$BIG_CSV" "$BIG_JSON"; do
    "$PLANWISE" workload --log "$f" --format json -o "$OUT/planwise-$(basename "$f").json"
done
for spec in $HOSTED_FORMATS; do
    "$PLANWISE" workload --log "$HOSTED_DIR/${spec#*:}" --format json -o "$OUT/planwise-hosted-${spec%%:*}.json"
done
if [ "$WITH_1G" = 1 ]; then
    "$PLANWISE" workload --log "$HUGE_LOG" --format json -o "$OUT/planwise-$(basename "$HUGE_LOG").json"
fi

# --- report ------------------------------------------------------------------------------
python3 - "$RESULTS" "$OUT" "$BIG_LOG" "$BIG_CSV" "$BIG_JSON" "$REPS" "$WITH_1G" \
    "${HUGE_LOG:-}" "$NPROC" "$RUNS" "$VERSION" "$PGBADGER_RUNS" "$HOSTED_FORMATS" <<'EOF' | tee "$BENCH_DIR/results.md"
import json, os, re, subprocess, sys, time, platform
(results, out, big_log, big_csv, big_json, reps, with_1g, huge_log, nproc, runs, version,
 pgbadger_runs, hosted_formats) = sys.argv[1:]
hosted = [spec.split(":")[0] for spec in hosted_formats.split()]
reps = int(reps)
rows = []
for line in open(results):
    tool, label, size, records, wall, cpu, rss, others = line.rstrip("\n").split("\t")
    rows.append(dict(tool=tool, input=label, bytes=int(size), records=int(records),
                     wall=float(wall), cpu=float(cpu), rss=int(rss), others=int(others)))

failures = 0

def find(tool, label):
    return next((r for r in rows if r["tool"] == tool and r["input"] == label), None)

def nz(s):
    return max(s, 0.001)

def rate(mb, s):
    return mb / nz(s)

cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                  if l.startswith("model name")), platform.processor())
print(f"## planwise throughput, {time.strftime('%Y-%m-%d')}\n")
pgbadger_version = subprocess.run(["pgbadger", "--version"], capture_output=True,
                                  text=True).stdout.strip()
print(f"Machine: {nproc} cores ({cpu_model}), "
      f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB RAM, "
      f"Linux {platform.release()}; planwise {version}, {pgbadger_version}. Files in the page "
      f"cache; fastest of {runs} runs ({pgbadger_runs} for pgbadger). Input: "
      f"fixtures/logs/shop.* repeated {reps} times ({rows[0]['records']} log entries per file; "
      f"csvlog/jsonlog hold the same events as the stderr log, hence their larger size).\n")
print("| tool | input | MB | wall s | CPU s | MB/s (wall) | MB/s per CPU-s | peak RSS MB |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    mb = r["bytes"] / 1e6
    print(f"| `{r['tool']}` | {r['input']} | {mb:.0f} | {r['wall']:.3f} | {r['cpu']:.2f} | "
          f"{rate(mb, r['wall']):.0f} | {rate(mb, r['cpu']):.0f} | {r['rss'] / 1024:.0f} |")
busy = [r for r in rows if r["others"] > 10]
if busy:
    print("\nWARNING: other processes used a share of the machine during: "
          + ", ".join(f"{r['tool']} {r['input']} ({r['others']}%)" for r in busy))

print("\n### Ratios\n")
pw, pw1 = find("planwise", "stderr"), find("planwise --threads 1", "stderr")
pgb = find("pgbadger -j 1", "stderr")
pgbn = next((r for r in rows if r["tool"].startswith("pgbadger -j ") and r["tool"] != "pgbadger -j 1"), None)
grep, wc = find("grep -c duration", "stderr"), find("wc -l", "stderr")
def speed(r, cpu=False):
    return rate(r["bytes"] / 1e6, r["cpu"] if cpu else r["wall"])
lines = []
if pgb:
    lines.append(f"planwise (all cores) MB/s ÷ pgbadger -j 1 MB/s: wall **{speed(pw) / speed(pgb):.1f}x**, "
                 f"per CPU-second **{speed(pw, True) / speed(pgb, True):.1f}x**")
    lines.append(f"planwise --threads 1 MB/s ÷ pgbadger -j 1 MB/s: wall **{speed(pw1) / speed(pgb):.1f}x**, "
                 f"per CPU-second **{speed(pw1, True) / speed(pgb, True):.1f}x**")
if pgbn:
    lines.append(f"planwise (all cores) ÷ {pgbn['tool']} (wall MB/s): **{speed(pw) / speed(pgbn):.1f}x**")
if grep and wc:
    lines.append(f"planwise wall ÷ `grep -c duration` wall: **{pw['wall'] / nz(grep['wall']):.1f}x** "
                 f"(--threads 1: {pw1['wall'] / nz(grep['wall']):.1f}x); "
                 f"÷ `wc -l` wall: {pw['wall'] / nz(wc['wall']):.1f}x")
for l in lines:
    print("- " + l)

# Every format holds the same entries: time per entry, beside stderr's (goal: at most 2x).
print("\n### Time per record, by format\n")
print("Each file holds the same log entries (the big csvlog's, rendered); µs of wall time "
      "and of CPU time per entry, and the ratio to stderr's.\n")
print("| format | MB | entries | µs/entry (all cores) | ÷ stderr | µs/entry (--threads 1) | ÷ stderr | CPU ÷ stderr (--threads 1) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for fmt in ["stderr", "csvlog", "jsonlog"] + hosted:
    a, a1 = find("planwise", fmt), find("planwise --threads 1", fmt)
    if not (a and a1):
        continue
    per = lambda r, key="wall": nz(r[key]) / r["records"]
    print(f"| {fmt} | {a['bytes'] / 1e6:.0f} | {a['records']} | {1e6 * per(a):.3f} | "
          f"{per(a) / per(pw):.2f}x | {1e6 * per(a1):.3f} | {per(a1) / per(pw1):.2f}x | "
          f"{per(a1, 'cpu') / per(pw1, 'cpu'):.2f}x |")

if with_1g == "1":
    print("\n### Memory flatness\n")
    print("| planwise | input | MB | wall s | MB/s (wall) | peak RSS MB |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for tool in ("planwise", "planwise --threads 1"):
        for label in ("stderr", "stderr 1G"):
            r = find(tool, label)
            if r:
                print(f"| `{tool}` | {label} | {r['bytes'] / 1e6:.0f} | {r['wall']:.3f} | "
                      f"{speed(r):.0f} | {r['rss'] / 1024:.0f} |")
    print()
    for tool in ("planwise", "planwise --threads 1"):
        a, b = find(tool, "stderr"), find(tool, "stderr 1G")
        growth = (b["rss"] - a["rss"]) / 1024 / ((b["bytes"] - a["bytes"]) / 1e6)
        flat = b["rss"] <= 1.2 * a["rss"]
        note = "flat = at most x1.2"
        if tool == "planwise":
            note += "; on all cores the peak varies by a few MB from run to run (blocks in flight)"
        print(f"- `{tool}`: peak RSS x{b['rss'] / a['rss']:.2f} for x{b['bytes'] / a['bytes']:.1f} "
              f"the log ({growth * 1000:.0f} KB more per extra MB of log): "
              f"**{'flat' if flat else 'grows'}** ({note})")

print("\n### Correctness\n")
def summary(path):
    return json.load(open(path))["summary"]
fixture = summary(os.path.join(out, "planwise-fixture.json"))
expected = fixture["statements"] * reps
print(f"planwise on fixtures/logs/shop.log: {fixture['statements']} statements; "
      f"x {reps} repetitions = {expected} expected\n")
print("| input | summary.statements | distinct_queries | errors | total_ms | unpaired_durations | lines_skipped |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
counts = {}
files = [big_log, big_csv, big_json] + ([huge_log] if with_1g == "1" else [])
reports = {}
for f in files:
    path = os.path.join(out, "planwise-" + os.path.basename(f) + ".json")
    report = json.load(open(path))
    s = report["summary"]
    counts[f] = s["statements"]
    print(f"| {os.path.basename(f)} | {s['statements']} | {s['distinct_queries']} | {s['errors']} | "
          f"{s['total_ms']} | {s['unpaired_durations']} | {s['lines_skipped']} |")
    for q in report["queries"]:
        q.pop("sample", None)   # file:line of the sample differ between formats
    reports[f] = json.dumps({"queries": report["queries"], "loops": report["loops"]}, sort_keys=True)
same = len({counts[f] for f in (big_log, big_csv, big_json)}) == 1
identical = len({reports[f] for f in (big_log, big_csv, big_json)}) == 1
failures += (not same) + (counts[big_log] != expected) + (not identical)
print(f"\n- statements equal across stderr/csvlog/jsonlog: **{'yes' if same else 'NO'}**; "
      f"equal to fixture x repetitions: **{'yes' if counts[big_log] == expected else 'NO'}**")
print(f"- per-query stats and loops identical across the three formats: "
      f"**{'yes' if identical else 'NO'}**")
if with_1g == "1":
    huge_reps = json.load(open(huge_log + ".meta.json"))["repetitions"]
    ok = counts[huge_log] == fixture["statements"] * huge_reps
    failures += not ok
    print(f"- 1 GB log: {counts[huge_log]} statements, expected {fixture['statements'] * huge_reps}: "
          f"**{'yes' if ok else 'NO'}**")
for fmt in hosted:
    s = summary(os.path.join(out, f"planwise-hosted-{fmt}.json"))
    ok = s["statements"] == expected and s["lines_skipped"] == 0
    failures += not ok
    print(f"- {fmt}: {s['statements']} statements, {s['lines_skipped']} lines skipped: "
          f"**{'yes' if ok else 'NO'}**")
if os.path.exists(os.path.join(out, "grep.txt")):
    grep_count = open(os.path.join(out, "grep.txt")).read().strip()
    print(f"- `grep -c duration`: {grep_count} lines (includes parse/bind durations, which are not executions)")
for name in ("pgbadger-j1", "pgbadger-jn"):
    html = os.path.join(out, name + ".html")
    if not os.path.exists(html):
        continue
    text = open(html, encoding="utf-8", errors="replace").read()
    def figure(label):
        m = re.search(r'<span class="figure">([^<]*)</span> <span class="figure-label">' + label, text)
        return m.group(1).replace(",", "") if m else "?"
    queries = figure("Number of queries")
    ok = "yes" if queries == str(counts[big_log]) else "NO"
    failures += ok == "NO"
    print(f"- {name.replace('-j1', ' -j 1').replace('-jn', ' -j N')}: {queries} queries "
          f"(\"Number of queries\" in its report; equal to planwise: **{ok}**), "
          f"{figure('Number of unique normalized queries')} normalized queries, "
          f"{figure('Number of events')} events, {figure('Total number of sessions')} sessions")
if failures:
    print(f"\n{failures} correctness check(s) FAILED", file=sys.stderr)
    sys.exit(1)
EOF
log "results: $BENCH_DIR/results.md"
