#!/usr/bin/env bash
# libFuzzer over ThorJSON (the reader of every input) and over CSimdRecord (simdjson reading grade
# input lines), seeded with the fixture predictions.
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
if [ -f /usr/include/simdjson.h ]; then
    clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address -ISources/CSimdRecord/include \
        Sources/CSimdRecord/CSimdRecord.cpp fuzz/SimdRecordFuzzTarget.cpp -lsimdjson -o "$work/simd-record-fuzz" \
        2> >(grep -v "Cannot export local symbol" >&2)  # gold's notes on ASan's own symbols
    mkdir -p "$work/simd-corpus"
    cp "$work"/corpus/seed-*.json "$work/simd-corpus/"
    "$work/simd-record-fuzz" "$work/simd-corpus" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1
fi
