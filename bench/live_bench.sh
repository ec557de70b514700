#!/usr/bin/env bash
# Live mode's own cost, side by side with simulate mode on the same lines: the expert plans of the
# first TASKS tasks of the real benchmark, graded by `thor-lite grade` (simulate, the peer) and by
# `thor-lite grade --mode live` against the fake ai2thor (bridge/fake_ai2thor: no Unity, every
# action confirmed), recording frames and the divergence report. The difference is what thor-lite
# and the bridge add per step around Unity (process, JSON lines, the wrapper's logic in Python,
# PNG frames, the shadow replay); on a GPU machine Unity's own time per action comes on top.
# Times the binary thor-lite ships (scripts/build-release.sh; BIN=path to time another, BUILD=debug
# a debug build).
# Usage: bench/live_bench.sh [tasks] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
tasks=${1:-100}
runs=${2:-3}
build=${BUILD:-release}
checkout=${THOR_LITE_ER_DATA:-../shared/embodied_reasoner}
if [ -z "${BIN:-}" ]; then
    if [ "$build" = release ]; then BIN=$(scripts/build-release.sh 2>/dev/null)
    else swift build -c "$build" --product thor-lite >/dev/null; BIN=$(swift build -c "$build" --show-bin-path)/thor-lite; fi
fi
bin=$BIN
work=$(mktemp -d /tmp/thor-lite-live-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$bin" import "$checkout" --store "$work/store.sqlite" -q 2>/dev/null
"$bin" tasks --plans --store "$work/store.sqlite" > "$work/all.jsonl"
head -n "$tasks" "$work/all.jsonl" > "$work/plans.jsonl"
steps=$(python3 -c 'import json,sys; print(sum(len(json.loads(l)["actions"]) for l in open(sys.argv[1])))' "$work/plans.jsonl")
export PYTHONPATH=$PWD/bridge/fake_ai2thor THOR_LITE_FAKE_SCENES=$checkout/data_engine

best() {  # "wall cpu": the best wall time and the best CPU time (user+sys, children included) of $runs runs
    python3 - "$runs" "$@" <<'PY'
import resource, subprocess, sys, time
runs, command = int(sys.argv[1]), sys.argv[2:]
walls, cpus = [], []
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    walls.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
print(f"{min(walls):.3f} {min(cpus):.3f}")
PY
}

simulate=$(best "$bin" grade "$work/plans.jsonl" --store "$work/store.sqlite")
live=$(best sh -c "rm -rf '$work/runs'; exec '$bin' grade --mode live '$work/plans.jsonl' --store '$work/store.sqlite' --record '$work/runs' --divergence '$work/divergence.jsonl'")
"$bin" grade --mode live "$work/plans.jsonl" --store "$work/store.sqlite" >/dev/null 2>&1 || { echo "live run failed"; exit 1; }
python3 - "$tasks" "$steps" $simulate $live <<'PY'
import sys
tasks, steps = int(sys.argv[1]), int(sys.argv[2])
sim_wall, sim_cpu, live_wall, live_cpu = map(float, sys.argv[3:7])
print(f"{tasks} expert plans, {steps} model calls (best of runs, whole process; CPU includes the sidecar)")
print(f"{'':30} {'wall s':>8} {'ms/call':>8} {'CPU s':>8} {'ms/call':>8}")
for name, wall, cpu in (("simulate mode", sim_wall, sim_cpu), ("live mode, fake ai2thor", live_wall, live_cpu)):
    print(f"{name:30} {wall:8.3f} {1000 * wall / steps:8.2f} {cpu:8.3f} {1000 * cpu / steps:8.2f}")
print(f"{'live / simulate':30} {live_wall / sim_wall:7.1f}x {'':8} {live_cpu / sim_cpu:7.1f}x")
PY
