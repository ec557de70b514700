#!/usr/bin/env bash
# Grading speed, side by side on the same file: `thor-lite grade --mode recorded` (the shipped
# build, whole process: read, parse, grade, aggregate, per-task lines, summary file, table) versus the
# plain Python implementation bench/reference_metric.py (read, parse, grade, per-task lines,
# aggregate). Both send their per-task lines to /dev/null, so neither pays for disk writes the
# other does not.
# Usage: bench/grade_bench.sh [lines] [runs] [shape]   shape: full (default, sized like a real
# result.json) or lean (the metric's fields and short lists only); see bench/gen_trajectories.py
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-100000}
runs=${2:-3}
shape=${3:-full}
tasks=${THOR_LITE_ER_DATA:-../shared/embodied_reasoner}/data/test_809.json
# The binary thor-lite ships (scripts/build-release.sh; BIN=path to time another).
[ -n "${BIN:-}" ] || BIN=$(scripts/build-release.sh 2>/dev/null)
bin=$BIN
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/gen_trajectories.py "$tasks" "$lines" "$work/results.jsonl" 7 --shape="$shape"

python3 - "$bin" "$work" "$runs" "$shape" <<'PY'
import os, statistics, subprocess, sys, time
sys.path.insert(0, "bench")
import reference_metric
binary, work, runs, shape = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
results = os.path.join(work, "results.jsonl")

def python_grade():
    stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")
    try:
        reference_metric.aggregate(reference_metric.main(results))
    finally:
        sys.stdout.close()
        sys.stdout = stdout

def swift_grade():
    subprocess.run([binary, "grade", "--mode", "recorded", results, "--per-task", os.devnull,
                    "--summary", os.path.join(work, "s.json")], check=True, stdout=subprocess.DEVNULL)

py, sw = [], []
for _ in range(runs):
    t = time.perf_counter(); python_grade(); py.append(time.perf_counter() - t)
    t = time.perf_counter(); swift_grade(); sw.append(time.perf_counter() - t)
size = os.path.getsize(results) / 1e6
lines = sum(1 for _ in open(results))
print(f"{lines} trajectories, shape {shape} ({size:.0f} MB), runs: {runs}, cores: {os.cpu_count()}")
print(f"python reference_metric.py: median {statistics.median(py):.3f} s")
print(f"thor-lite grade --mode recorded: median {statistics.median(sw):.3f} s")
print(f"speed-up: {statistics.median(py) / statistics.median(sw):.1f}x")
PY
