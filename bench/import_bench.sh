#!/usr/bin/env bash
# Import speed, side by side: `thor-lite import` (the shipped build) of an Embodied-Reasoner checkout
# versus Python's json.load of the same 120 metadata files plus the task file (parsing only).
# Usage: bench/import_bench.sh [checkout] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=${1:-../shared/embodied_reasoner}
runs=${2:-5}
# The binary thor-lite ships (scripts/build-release.sh; BIN=path to time another).
[ -n "${BIN:-}" ] || BIN=$(scripts/build-release.sh 2>/dev/null)
bin=$BIN
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$checkout" "$runs" "$bin" "$work" <<'PY'
import glob, json, os, statistics, subprocess, sys, time
checkout, runs, binary, work = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
files = sorted(glob.glob(os.path.join(checkout, "data_engine/taskgenerate/*/FloorPlan*/metadata.json")))
files.append(os.path.join(checkout, "data/test_809.json"))

def python_load():
    for path in files:
        with open(path) as handle:
            json.load(handle)

def thor_import(i):
    store = os.path.join(work, f"bench{i}.sqlite")
    subprocess.run([binary, "import", checkout, "--store", store, "--quiet"], check=True)

py, sw = [], []
for i in range(runs):
    t = time.perf_counter(); python_load(); py.append(time.perf_counter() - t)
    t = time.perf_counter(); thor_import(i); sw.append(time.perf_counter() - t)
print(f"files: {len(files)} ({sum(os.path.getsize(f) for f in files) / 1e6:.1f} MB), runs: {runs}, cores: {os.cpu_count()}")
print(f"python json.load (parse only, in-process): median {statistics.median(py) * 1000:.0f} ms, best {min(py) * 1000:.0f} ms")
print(f"thor-lite import (whole process: parse, check, write SQLite): median {statistics.median(sw) * 1000:.0f} ms, best {min(sw) * 1000:.0f} ms")
print(f"ratio import/json.load (median): {statistics.median(sw) / statistics.median(py):.2f}")
PY
