#!/usr/bin/env bash
# Peak memory of `thor-lite grade` at 10k, 100k and 1M lines, recorded and simulate mode: the
# maximum resident set (anonymous plus file-backed pages) that GNU time reports, for
#   thor-lite grade --mode recorded - --per-task /dev/null --summary FILE   (full-shape results)
#   thor-lite grade --mode simulate - --per-task /dev/null --summary FILE   (the 809 expert plans)
# next to the same stream read by `cat > /dev/null` (the floor: a process that keeps nothing), and
# the ratio of each to the 200 MB target. Memory must not grow with the number of lines.
#
# Inputs are streamed through a pipe (`grade -` reads standard input), so no 11 GB file is ever
# written: 100k full-shape lines of bench/gen_trajectories.py are generated once (1.1 GB, in a
# temporary directory removed at exit) and repeated to N lines; the plans of `thor-lite tasks
# --plans` are repeated to N lines.
#
# Needs: a Swift 6 toolchain (the script runs scripts/build-release.sh),
# python3, GNU time (`apt-get install time`), ../shared/embodied_reasoner (or THOR_LITE_ER_DATA).
# Usage: bench/memory_bench.sh [lines...]   (default: 10000 100000 1000000)
# Takes a few minutes on 2 cores (1M simulated lines dominate). The machine's load is printed
# first: figures taken while others build are noisy in time, not in memory.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
data=${THOR_LITE_ER_DATA:-../shared/embodied_reasoner}
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
[ -f "$data/data/test_809.json" ] || { echo "no benchmark data at $data (set THOR_LITE_ER_DATA)" >&2; exit 2; }
# The binary thor-lite ships (scripts/build-release.sh; BIN=path to measure another).
[ -n "${BIN:-}" ] || BIN=$(scripts/build-release.sh 2>/dev/null)
bin=$BIN
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

"$bin" import "$data" --store "$work/store.sqlite" -q 2>/dev/null
"$bin" tasks --plans --store "$work/store.sqlite" > "$work/plans.jsonl"
python3 bench/gen_trajectories.py "$data/data/test_809.json" 100000 "$work/results.jsonl" 7 --shape=full

# Writes the first $2 lines of $1 repeated to standard output.
repeat_to() {
    local file=$1 lines=$2 per copies
    per=$(wc -l < "$file")
    copies=$(( (lines + per - 1) / per ))
    { for ((i = 0; i < copies; i++)); do cat "$file"; done; } | head -n "$lines" || true
}

# Peak RSS in MB of `$@` reading the stream on standard input.
peak_mb() {
    /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
        echo "failed: $* (see below)" >&2
        cat "$work/stderr.txt" >&2
        exit 1
    }
    awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/time.txt"
}

printf "%-9s %9s %11s %13s %10s %9s\n" mode lines input_GB peak_RSS_MB cat_MB "x_200MB"
for mode in recorded simulate; do
    source=$work/results.jsonl
    [ "$mode" = simulate ] && source=$work/plans.jsonl
    for lines in "${sizes[@]}"; do
        bytes=$(repeat_to "$source" "$lines" | wc -c)
        rss=$(repeat_to "$source" "$lines" | peak_mb "$bin" grade --mode "$mode" - --store "$work/store.sqlite" \
            --per-task /dev/null --summary "$work/summary.json")
        floor=$(repeat_to "$source" "$lines" | peak_mb cat)
        graded=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tasks"])' "$work/summary.json")
        [ "$graded" -eq "$lines" ] || { echo "graded $graded of $lines lines" >&2; exit 1; }
        printf "%-9s %9d %11.2f %13s %10s %9.2f\n" "$mode" "$lines" "$(awk -v b="$bytes" 'BEGIN { print b / 1e9 }')" "$rss" "$floor" \
            "$(awk -v r="$rss" 'BEGIN { print r / 200 }')"
    done
done
