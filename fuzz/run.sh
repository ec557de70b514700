#!/usr/bin/env bash
# libFuzzer over ThorJSON (the reader of every input), seeded with the fixture predictions.
# Usage: fuzz/run.sh [seconds]   (default 60). Needs a Swift toolchain with -sanitize=fuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
work=.build/fuzz
mkdir -p "$work/corpus"
swiftc -sanitize=fuzzer,address -parse-as-library -O Sources/ThorJSON/*.swift fuzz/JSONFuzzTarget.swift -o "$work/json-fuzz"
n=0
while IFS= read -r line; do
    n=$((n + 1))
    printf '%s' "$line" > "$work/corpus/seed-$n.json"
done < <(cat fixtures/predictions/*.jsonl)
"$work/json-fuzz" "$work/corpus" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1
