#!/usr/bin/env bash
# Index-advice quality on TPC-H SF1 (the benchmark of ../shared/bench/tpch): runs
# `planwise analyze --db … --budget B` on the 22 queries' workload B (without q2, q17, q20)
# and measures the recommended indexes independently (measure.py: HypoPG + EXPLAIN in one
# psql session): relative estimated workload cost = Σ cost with ÷ Σ cost without.
# Also checks that on all 22 queries (workload A) the lineitem(l_partkey …) index q20
# needs is found, and proves the first budget's advice with `planwise verify --scratch` (the
# TPC-H database is a scratch copy: load.sh rebuilds it): each recommended index built for
# real, its real size and build time, the queries it serves timed before and after beside
# planwise's estimate, then all of them together (verified.py renders the table).
#
#   benches/tpch/run.sh [BUDGETS="500MB 1000MB"]
# Environment: TPCH_DIR (default ../shared/bench/tpch), TPCH_DB (default planwise_tpch;
# built with $TPCH_DIR/load.sh when missing), PLANWISE (default: a release build),
# VERIFY_RUNS (default 3: timed runs a query and index state, after one warm-up run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tpch=${TPCH_DIR:-$repo/../shared/bench/tpch}
db=${TPCH_DB:-planwise_tpch}
budgets=${1:-500MB 1000MB}
work=${BENCH_DIR:-$repo/target/bench-data}/tpch
mkdir -p "$work"

if ! psql -X -d "$db" -Atc "SELECT 1 FROM pg_extension WHERE extname = 'hypopg'" 2>/dev/null | grep -q 1; then
  bash "$tpch/load.sh" "$db" 1
fi
if [ -z "${PLANWISE:-}" ]; then
  (cd "$repo" && cargo build --release --quiet)
  PLANWISE=$repo/target/release/planwise
fi

# Workload files: one statement per query, "-- qN" kept as a comment.
python3 - "$tpch/queries.sql" "$work" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
parts = re.split(r"^(-- q\d+)\s*$", text, flags=re.M)
queries = [(parts[i][3:], parts[i] + "\n" + parts[i + 1].strip() + "\n") for i in range(1, len(parts), 2)]
open(f"{sys.argv[2]}/workload-a.sql", "w").write("\n".join(q for _, q in queries))
open(f"{sys.argv[2]}/workload-b.sql", "w").write(
    "\n".join(q for name, q in queries if name not in ("q2", "q17", "q20")))
PY

url="postgres:///$db?host=/var/run/postgresql"
printf '| budget | options | relative cost (measured) | planwise own estimate | greedy only | size MB | indexes | plans asked | time s |\n|---|---|---|---|---|---|---|---|---|\n' > "$work/results.md"
# Defaults first, then without the 0.1 % minimum saving (which drops the small-table tail).
for budget in $budgets; do for options in "" "--min-saving 0"; do
  tag="$budget${options// /}"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$PLANWISE" analyze --log "$work/workload-b.sql" --db "$url" --budget "$budget" $options \
      --format json -o "$work/b-$tag.json" 2>/dev/null
  end=$(date +%s.%N)
  python3 - "$work/b-$tag.json" > "$work/b-$tag.indexes.sql" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
for finding in report["findings"]:
    if finding["rule"] in ("IDX001", "IDX002", "IDX003"):
        print(finding["sql"])
PY
  python3 "$here/measure.py" "$db" "$tpch/queries.sql" --indexes "$work/b-$tag.indexes.sql" \
      --exclude q2,q17,q20 > "$work/b-$tag.measured.json"
  python3 - "$work/b-$tag.json" "$work/b-$tag.measured.json" "$budget" "$start" "$end" "${options:-defaults}" >> "$work/results.md" <<'PY'
import json, sys
report, measured = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
advice = report["index_advice"]
own = advice["cost_after"] / advice["cost_before"]
greedy = advice["cost_after_greedy"] / advice["cost_before"]
seconds = float(sys.argv[5]) - float(sys.argv[4])
print(f"| {sys.argv[3]} | {sys.argv[6]} | **{measured['relative']:.3f}** | {own:.3f} | {greedy:.3f} | "
      f"{measured['size_mb']:.0f} | {advice['indexes']} | {advice['evaluations']} | {seconds:.1f} |")
PY
done; done

"$PLANWISE" analyze --log "$work/workload-a.sql" --db "$url" --budget 1000MB --format json \
    -o "$work/a-1000MB.json" 2>/dev/null
python3 - "$work/a-1000MB.json" >> "$work/results.md" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
found = [f["sql"] for f in report["findings"]
         if f["table"] == "public.lineitem" and f["columns"][:1] == ["l_partkey"]]
print()
print("Workload A (22 queries), 1000MB: lineitem(l_partkey …) index " +
      (f"found: `{found[0]}`" if found else "**NOT found**"))
PY
# Verified: the smallest budget's recommendations built on the scratch copy and timed. SF1
# queries take up to ~4 s here (more on a busy machine): 30 s is verify's largest timeout.
first=${budgets%% *}
"$PLANWISE" verify --scratch --log "$work/workload-b.sql" --db "$url" --budget "$first" \
    --runs "${VERIFY_RUNS:-3}" --statement-timeout 30s --verify-budget 40m \
    --format json -o "$work/verify-$first.json" 2> "$work/verify-$first.log"
{
  echo
  echo "Verified at $first (defaults), \`planwise verify --scratch\` on $db:"
  echo
  python3 "$here/verified.py" "$work/verify-$first.json" "$work/workload-b.sql" --planwise "$PLANWISE"
} >> "$work/results.md"
cat "$work/results.md"
