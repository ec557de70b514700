#!/usr/bin/env bash
# Cold start of read commands, side by side with peers in one run (page cache warm, one process
# per run, nothing kept between runs):
#   thor-lite --version                                   (process start, no store)
#   thor-lite info                                        (open the store, a few COUNTs)
#   thor-lite task 7                                      (one task and the approach poses)
#   thor-lite grade --mode recorded ONE-LINE-FILE         (one result line carrying its task fields)
#   /bin/true, sqlite3 STORE "select 1", python3 -c pass  (peers: exec alone, SQLite's own CLI, an interpreter)
# Build (done by the script): scripts/build-release.sh, the binary the wheel ships.
# Usage: bench/cold_start.sh [runs]   (default 200; hyperfine if installed, else a Python loop).
# The store is $THOR_LITE_STORE if set, else a fresh import of ../shared/embodied_reasoner
# ($THOR_LITE_ER_DATA). Set BIN=path to time another thor-lite binary instead, and PEER=path to
# time a second thor-lite binary's commands in the same run (e.g. a plain `swift build -c release
# --static-swift-stdlib`), with the ratio of each to its peer.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
[ -n "${BIN:-}" ] || BIN=$(scripts/build-release.sh 2>/dev/null)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
store=${THOR_LITE_STORE:-}
if [ -z "$store" ]; then
    store=$work/store.sqlite
    "$BIN" import "${THOR_LITE_ER_DATA:-../shared/embodied_reasoner}" --store "$store" -q 2>/dev/null
fi
line=$work/one.jsonl
cat > "$line" <<'JSON'
{"identity": 7, "model": "m", "tasktype": "single_search", "taskname": "Find the Apple", "key_actions": ["navigate to Apple", "end"], "trajectory": [{"action": "init", "object": null, "success": 1, "legal_objects": ["Apple"]}, {"action": "navigate to", "object": "Apple", "success": 1, "legal_objects": ["Apple"]}, {"action": "end", "object": null, "success": 1, "legal_objects": ["Apple"]}]}
JSON
sqlite=$(command -v sqlite3 || true)

python3 - "$BIN" "$store" "$line" "$runs" "$sqlite" "${PEER:-}" <<'PY'
import json, os, shutil, statistics, subprocess, sys, tempfile, time
binary, store, line, runs, sqlite, peer = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]


def thor_lite(binary, prefix):
    return {
        f"{prefix} --version": [binary, "--version"],
        f"{prefix} info": [binary, "info", "--store", store],
        f"{prefix} task 7": [binary, "task", "7", "--store", store],
        f"{prefix} grade --mode recorded (1 line)": [binary, "grade", "--mode", "recorded", "--store", store, line],
    }


commands = thor_lite(binary, "thor-lite")
if peer:
    commands.update(thor_lite(peer, "PEER"))
commands["/bin/true"] = ["/bin/true"]
if sqlite:
    commands['sqlite3 STORE "select 1"'] = [sqlite, store, "select 1"]
commands["python3 -c pass"] = [sys.executable, "-c", "pass"]
for command in commands.values():  # every command must work before it is timed
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
load = os.getloadavg()[0]
# Wall time suffers first when the machine is loaded; CPU time (user + system of the process)
# much less, so both are printed.
means, mins, cpu = {}, {}, {}
if shutil.which("hyperfine"):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "h.json")
        names = list(commands)
        argv = ["hyperfine", "-N", "-w", "20", "-r", str(runs), "--export-json", report, "--style", "none"]
        for name in names:
            argv += ["-n", name, " ".join(f"'{a}'" if " " in a else a for a in commands[name])]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        for name, result in zip(names, json.load(open(report))["results"]):
            means[name], mins[name] = statistics.median(result["times"]), result["min"]
            cpu[name] = result["user"] + result["system"]
    how = f"hyperfine, {runs} runs each, medians"
else:
    times = {name: [] for name in commands}
    cpus = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            t = time.perf_counter()
            child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, _, usage = os.wait4(child.pid, 0)
            times[name].append(time.perf_counter() - t)
            cpus[name].append(usage.ru_utime + usage.ru_stime)
    means = {name: statistics.median(v) for name, v in times.items()}
    mins = {name: min(v) for name, v in times.items()}
    cpu = {name: statistics.mean(v) for name, v in cpus.items()}
    how = f"Python loop, {runs} runs each, medians (includes fork/exec from Python)"
print(f"{binary} ({os.path.getsize(binary) / 1e6:.1f} MB), {how}, cores: {os.cpu_count()}, load average before: {load:.2f}")
if peer:
    print(f"PEER = {peer} ({os.path.getsize(peer) / 1e6:.1f} MB)")
ours = means["thor-lite info"]
for name in commands:
    print(f"{name:42s} wall median {means[name] * 1e3:6.2f} ms  min {mins[name] * 1e3:6.2f} ms  "
          f"CPU {cpu[name] * 1e3:6.2f} ms  {means[name] / ours:5.2f}x thor-lite info (wall)")
if peer:
    for name in [name for name in commands if name.startswith("thor-lite ")]:
        other = "PEER" + name[len("thor-lite"):]
        print(f"{name:42s} {means[name] / means[other]:5.2f}x PEER's wall median, {cpu[name] / cpu[other]:5.2f}x its CPU")
PY
