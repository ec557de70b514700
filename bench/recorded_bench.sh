#!/usr/bin/env bash
# Recorded-mode throughput side by side on one file, in one run (medians of RUNS, one after the
# other so they share the machine's state):
#   thor-lite grade --mode recorded FILE --per-task /dev/null   (the shipped release build, whole process)
#   the same without --per-task                                  (summary only: the table)
#   the same with THOR_LITE_JSON_READER=thorjson                 (every line read by ThorJSON, not simdjson)
#   python3 bench/orjson_metric.py FILE                          (orjson + multiprocessing, all cores)
#   bench/peers/simdjson_select FILE                             (simdjson selective read, all cores; if libsimdjson-dev is installed)
#   cat FILE > /dev/null                                         (the page cache's own rate)
# then GB/s, CPU time (user + system: the figure a busy machine distorts least) and ratios.
# CACHE says how the file sits in the page cache while it is timed, which changes what the kernel's
# read costs every command here (cat's own time doubles; docs/performance.md, "The page cache"):
#   CACHE=read     (default) dropped from the cache and read once, so it is cached as a file read
#                  from disk is (the kernel reads ahead into large folios);
#   CACHE=written  copied 4 KB at a time and timed as that copy sits in the cache: in page-sized
#                  folios, as a file written in small pieces is (a results file graded moments
#                  after an evaluation wrote it line by line).
# PEER=path/to/other/thor-lite (main's scripts/build-release.sh binary, copied aside first, since main may rebuild)
# grades the same file with that binary too, with and without --per-task, alternated with the rest.
# Usage: bench/recorded_bench.sh [lines] [runs] [shape]  (default 100000 5 full: the 1.1 GB
# full-shape file of bench/gen_trajectories.py). Set RESULTS=path to reuse a file.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-100000}
runs=${2:-5}
shape=${3:-full}
tasks=${THOR_LITE_ER_DATA:-../shared/embodied_reasoner}/data/test_809.json
# The binary thor-lite ships (scripts/build-release.sh; BIN=path to time another).
[ -n "${BIN:-}" ] || BIN=$(scripts/build-release.sh 2>/dev/null)
bin=$BIN
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=${RESULTS:-$work/results.jsonl}
[ -f "$results" ] || python3 bench/gen_trajectories.py "$tasks" "$lines" "$results" 7 --shape="$shape"
case ${CACHE:=read} in
    read) python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$results"
          cat "$results" > /dev/null ;;
    written) python3 -c 'import os, shutil, sys; shutil.copyfileobj(open(sys.argv[1], "rb"), open(sys.argv[2], "wb", buffering=0), 4096); os.fsync(os.open(sys.argv[2], os.O_RDONLY))' "$results" "$work/written.jsonl"
             results=$work/written.jsonl ;;
    *) echo "recorded_bench: CACHE is read or written, not $CACHE" >&2; exit 2 ;;
esac
peer=""
if [ -f /usr/include/simdjson.h ] && g++ -O3 -std=c++17 bench/peers/simdjson_select.cpp -lsimdjson -pthread -o "$work/simdjson_select" 2>/dev/null; then
    peer="$work/simdjson_select"
fi

python3 - "$bin" "$results" "$runs" "$peer" "${PEER:-}" "$CACHE" <<'PY'
import os, statistics, subprocess, sys, time
binary, results, runs, peer, other, cache = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
null = subprocess.DEVNULL
def grade(binary, per_task=True):
    return [binary, "grade", "--mode", "recorded", results] + (["--per-task", os.devnull] if per_task else [])
ours_name = "thor-lite grade --mode recorded"
commands = {ours_name: grade(binary), "  the same, summary only": grade(binary, per_task=False)}
if other:
    commands["PEER (e.g. main) grade --mode recorded"] = grade(other)
    commands["  PEER, summary only"] = grade(other, per_task=False)
commands["the same, ThorJSON reader only"] = grade(binary)
commands["python orjson + multiprocessing"] = [sys.executable, "bench/orjson_metric.py", results]
environments = {"the same, ThorJSON reader only": dict(os.environ, THOR_LITE_JSON_READER="thorjson")}
if peer:
    commands["simdjson selective read (C++)"] = [peer, results]
commands["cat > /dev/null"] = ["cat", results]
load = os.getloadavg()[0]
times = {name: [] for name in commands}
cpu = {name: [] for name in commands}
for _ in range(runs):
    for name, command in commands.items():
        t = time.perf_counter()
        process = subprocess.Popen(command, stdout=null, stderr=null, env=environments.get(name))
        _, status, usage = os.wait4(process.pid, 0)
        times[name].append(time.perf_counter() - t)
        if status != 0:
            sys.exit(f"{name} failed: {command}")
        # The process with the descendants it waited for (the orjson metric's worker processes).
        cpu[name].append(usage.ru_utime + usage.ru_stime)
size = os.path.getsize(results)
print(f"{results}: {size / 1e9:.2f} GB, cached as {cache}, runs: {runs}, cores: {os.cpu_count()}, load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f}")
ours = statistics.median(times[ours_name])
for name, values in times.items():
    median = statistics.median(values)
    print(f"{name:40s} median {median:6.3f} s  {size / median / 1e9:5.2f} GB/s  CPU {statistics.median(cpu[name]):6.3f} s"
          f"  thor-lite is {median / ours:5.2f}x its speed")
PY
