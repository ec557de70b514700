#!/usr/bin/env bash
# Simulate-mode speed on expert plans, whole process, side by side with the simulator alone.
#
#   bench/simulate_bench.sh [lines] [runs]      (default 100000 3; from the repository root or not)
#
# Builds `thor-lite` as it ships (scripts/build-release.sh) and `thor-lite-bench` in release mode,
# imports the benchmark (../shared/embodied_reasoner or $THOR_LITE_ER_DATA) into a temporary store,
# writes the 809 expert plans (`thor-lite tasks --plans`) repeated to LINES lines, and times
# `thor-lite grade --store S repeated.jsonl` (default mode simulate, table to /dev/null): median
# wall time of RUNS, median CPU time, peak RSS of the runs. Actions are the plans' actions, `end`
# counted (every plan lists it). Then, in the same run, `thor-lite-bench`: the simulator's own
# rate on one core (`World.step` on fresh copies of each task's world) and the grader streamed on
# all cores with a consumer that only counts. Prints the whole process's rate as a fraction of the
# 1 M actions/s target and of the simulator's one-core rate.
# PEER=path/to/other/thor-lite (main's release build, copied aside first) grades the same file
# with that binary too, runs alternated with this one's (RUNS each), and prints both medians and
# the ratios (CPU time is the figure a busy machine distorts least). PER_TASK=1 also writes the
# `--per-task` lines (to /dev/null) in every run, as a full grading run does.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-100000}
runs=${2:-3}
checkout=${THOR_LITE_ER_DATA:-../shared/embodied_reasoner}
# The binary thor-lite ships (scripts/build-release.sh; BIN=path to time another); the simulator
# alone is timed by the release build of thor-lite-bench.
[ -n "${BIN:-}" ] || BIN=$(scripts/build-release.sh 2>/dev/null)
swift build -c release --product thor-lite-bench >/dev/null
bindir=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$BIN" import "$checkout" --store "$work/s.sqlite" -q 2>/dev/null
"$BIN" tasks --plans --store "$work/s.sqlite" > "$work/plans.jsonl"
python3 - "$BIN" "$bindir" "$work" "$lines" "$runs" "$checkout" "${PEER:-}" "${PER_TASK:-}" <<'PY'
import json, os, re, resource, statistics, subprocess, sys, time
binary, bindir, work, lines, runs, checkout, peer, per_task = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7], sys.argv[8]
plans = open(os.path.join(work, "plans.jsonl")).read().splitlines()
copies = max(1, lines // len(plans))
path = os.path.join(work, "repeated.jsonl")
with open(path, "w") as out:
    for _ in range(copies):
        out.write("\n".join(plans) + "\n")
actions = copies * sum(len(json.loads(line)["actions"]) for line in plans)
cores = os.cpu_count()
load = os.getloadavg()[0]
binaries = [binary] + ([peer] if peer else [])
measured = {binary: ([], []) for binary in binaries}
extra = ["--per-task", "/dev/null"] if per_task else []
for _ in range(runs):
    for binary in binaries:  # alternated, so that a change in the load hits both alike
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([binary, "grade", "--store", os.path.join(work, "s.sqlite"), path] + extra,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        measured[binary][0].append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        measured[binary][1].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
times, cpu = measured[binaries[0]]
median = statistics.median(times)
rate = actions / median
print(f"{copies * len(plans)} plan lines ({actions} actions), runs: {runs}, cores: {cores}, load average before: {load:.2f}")
print(f"thor-lite grade (simulate, whole process): median {median:.3f} s = {rate:,.0f} actions/s, peak RSS {rss_mb:.0f} MB")
# CPU time is what a busy machine distorts least: wall time = CPU time / cores on an idle one.
print(f"  CPU time (user + system): median {statistics.median(cpu):.3f} s = {actions / statistics.median(cpu):,.0f} actions per CPU second")
if peer:
    peer_times, peer_cpu = measured[peer]
    print(f"peer {peer}: median {statistics.median(peer_times):.3f} s = {actions / statistics.median(peer_times):,.0f} actions/s, "
          f"CPU {statistics.median(peer_cpu):.3f} s (peak RSS above is the larger of the two)")
    print(f"  this / peer: wall {statistics.median(peer_times) / median:.2f}x faster, "
          f"CPU {statistics.median(peer_cpu) / statistics.median(cpu):.2f}x less")
bench = subprocess.run([os.path.join(bindir, "thor-lite-bench"), checkout, "3"], check=True, capture_output=True, text=True,
                       env={**os.environ, "THOR_LITE_BENCH_LINES": str(lines)}).stdout
print(bench, end="")
simulator = float(re.search(r"= (\d+) actions/s on one core", bench).group(1))
print(f"whole process / 1 M actions/s target: {rate / 1e6:.2f}")
print(f"whole process / simulator on one core: {rate / simulator:.2f} (the simulator alone on {cores} cores: {cores}.00)")
PY
