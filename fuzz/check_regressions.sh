#!/usr/bin/env bash
# Runs every input in fuzz/regressions/<target>/ through its (already built) fuzz target
# and prints ok / PANIC with the panic location. Build first:
#   RUSTC_BOOTSTRAP=1 cargo fuzz build -s none
set -uo pipefail
cd "$(dirname "$0")"
bin=target/x86_64-unknown-linux-gnu/release
status=0
for dir in regressions/*/; do
    target=$(basename "$dir")
    if [ ! -x "$bin/$target" ]; then
        # Not built: nothing was checked, which must not read as "ok".
        echo "NOT BUILT $target: $bin/$target is missing"
        status=1
        continue
    fi
    for input in "$dir"*; do
        out=$("$bin/$target" "$input" 2>&1)
        if grep -q panicked <<<"$out"; then
            echo "PANIC $target $(basename "$input"): $(grep -A1 -m1 panicked <<<"$out" | tr '\n' ' ' | sed 's/thread .* panicked at //')"
            status=1
        else
            echo "ok    $target $(basename "$input")"
        fi
    done
done
exit $status
