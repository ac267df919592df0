#!/usr/bin/env bash
# Memory per distinct fingerprint, and for one huge statement (issue #14's budget: at most
# 1.5 KB per fingerprint in `workload`, samples capped in size).
#
#   benches/memory.sh [N]      # N distinct statements (default 200,000) and N/2
#
# Peak RSS of `workload --format json` and `analyze --format json` on stderr logs of N/2 and
# N distinct statements (benches/distinct_log.py); the difference over N/2 is the memory a
# fingerprint costs, without the fixed part (binary, buffers, thread stacks). Then a log
# with one 100 MB `INSERT … VALUES` line, against its size.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-200000}"
half=$((count / 2))
data=target/bench-data
mkdir -p "$data"
cargo build --release --quiet
binary=target/release/planwise

peak_kb() { # command… → peak RSS in KB
  /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1
}

for n in "$half" "$count"; do
  [ -s "$data/distinct-$n.log" ] || python3 benches/distinct_log.py "$n" "$data/distinct-$n.log"
done
for command in workload analyze; do
  small=$(peak_kb "$binary" "$command" --log "$data/distinct-$half.log" --format json -o /dev/null)
  large=$(peak_kb "$binary" "$command" --log "$data/distinct-$count.log" --format json -o /dev/null)
  per=$(python3 -c "print(f'{($large - $small) * 1024 / ($count - $half):.0f}')")
  echo "$command: $((small / 1024)) MB at $half, $((large / 1024)) MB at $count distinct statements: $per bytes per fingerprint"
done

huge="$data/one-huge-statement.log"
[ -s "$huge" ] || python3 - "$huge" <<'PY'
import sys
rows = ", ".join(f"({i}, 'customer-{i}', {i % 97}.50)" for i in range(3_400_000))
with open(sys.argv[1], "w") as f:
    f.write("2026-11-26 00:00:00.001 UTC [100] app@shop LOG:  duration: 912.000 ms  "
            f"statement: INSERT INTO orders (id, customer, total) VALUES {rows}\n")
    f.write("2026-11-26 00:00:00.002 UTC [100] app@shop LOG:  duration: 0.100 ms  "
            "statement: SELECT * FROM orders WHERE id = 1\n")
PY
size_mb=$(( $(stat -c %s "$huge") / 1048576 ))
for command in workload analyze; do
  kb=$(peak_kb "$binary" "$command" --log "$huge" --format json -o /dev/null)
  echo "$command, one ${size_mb} MB statement: $((kb / 1024)) MB peak RSS"
done
