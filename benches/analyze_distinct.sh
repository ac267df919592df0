#!/usr/bin/env bash
# Times `planwise analyze` on a workload of N distinct statements (default 10,000): each is
# fingerprinted, parsed once and turned into facts, in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-10000}"
data=target/bench-data
mkdir -p "$data"
workload="$data/distinct-$count.sql"
[ -s "$workload" ] || python3 benches/distinct_queries.py "$count" "$workload"
cargo build --release --quiet
binary=target/release/planwise
/usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB peak RSS" \
  "$binary" analyze --log "$workload" --format json -o "$data/distinct-$count.json"
python3 - "$data/distinct-$count.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
queries = report["queries"]
with_facts = sum(1 for q in queries if q.get("facts"))
print(f"{len(queries)} distinct queries, {with_facts} with facts, "
      f"{sum(d['count'] for d in report['diagnostics'])} diagnostics")
PY
