#!/usr/bin/env bash
# Simulate-mode speed on expert plans, whole process: the 809-task plan file (`thor-lite tasks
# --plans`) repeated to LINES lines, graded by `thor-lite grade` (release build, default mode
# simulate, table to /dev/null), median of RUNS; prints plan actions per second (`end` counted, as
# every plan lists it). Then the simulator's own rates from thor-lite-bench: actions/s on one core
# and the same repeated file streamed through Grader with a consumer that only counts (no report
# kept, nothing rendered). Usage: bench/simulate_bench.sh [lines] [runs]   (default 100000 3)
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-100000}
runs=${2:-3}
checkout=${THOR_LITE_ER_DATA:-../shared/embodied_reasoner}
swift build -c release --product thor-lite >/dev/null
swift build -c release --product thor-lite-bench >/dev/null
bindir=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bindir/thor-lite" import "$checkout" --store "$work/s.sqlite" -q 2>/dev/null
"$bindir/thor-lite" tasks --plans --store "$work/s.sqlite" > "$work/plans.jsonl"
python3 - "$bindir/thor-lite" "$work" "$lines" "$runs" <<'PY'
import json, os, statistics, subprocess, sys, time
binary, work, lines, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
plans = open(os.path.join(work, "plans.jsonl")).read().splitlines()
copies = max(1, lines // len(plans))
path = os.path.join(work, "repeated.jsonl")
with open(path, "w") as out:
    for _ in range(copies):
        out.write("\n".join(plans) + "\n")
actions = copies * sum(len(json.loads(line)["actions"]) for line in plans)
load = os.getloadavg()[0]
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run([binary, "grade", "--store", os.path.join(work, "s.sqlite"), path], check=True, stdout=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
median = statistics.median(times)
print(f"{copies * len(plans)} plan lines ({actions} actions), runs: {runs}, cores: {os.cpu_count()}, load average before: {load:.2f}")
print(f"thor-lite grade (simulate, whole process): median {median:.3f} s = {actions / median:,.0f} actions/s")
PY
THOR_LITE_BENCH_LINES=$lines "$bindir/thor-lite-bench" "$checkout" 3
