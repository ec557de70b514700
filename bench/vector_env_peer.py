#!/usr/bin/env python3
"""ThorLiteVectorEnv.step at N environments, this checkout's Python package and binary against
another's (main's: `git archive <commit> python/thor_lite | tar -x -C DIR`, and its release
binary), alternated, each run in a fresh process, medians. The policy is bench/serve_bench.py's
(`vector_env`): four plain actions in turn.

Usage: python3 bench/vector_env_peer.py BINARY STORE PEER_PYTHON_DIR PEER_BINARY [--runs 5] [--seconds 3] [--envs 64]
"""
import argparse
import os
import statistics
import subprocess
import sys

RUN = r'''
import sys, time
sys.path.insert(0, sys.argv[1])
import thor_lite
store, binary, seconds, envs = sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
vector = thor_lite.ThorLiteVectorEnv(envs, store=store, binary=binary)
vector.reset(seed=0)
actions = ["observe", "move forward", "navigate to CounterTop", "end"]
for turn in range(20):  # scenes compiled before the clock starts
    vector.step([actions[(turn + i) % 4] for i in range(envs)])
steps, turn, start = 0, 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    vector.step([actions[(turn + i) % len(actions)] for i in range(envs)])
    steps += envs
    turn += 1
print(steps / (time.perf_counter() - start))
vector.close()
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("store")
    parser.add_argument("peer_python")
    parser.add_argument("peer_binary")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--envs", type=int, default=64)
    args = parser.parse_args()
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")
    sides = {"this": (here, args.binary), "peer": (args.peer_python, args.peer_binary)}
    rates = {name: [] for name in sides}
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for index in range(args.runs):
        for name in (("this", "peer") if index % 2 == 0 else ("peer", "this")):
            package, binary = sides[name]
            out = subprocess.run([sys.executable, "-c", RUN, package, args.store, binary, str(args.seconds), str(args.envs)],
                                 check=True, capture_output=True, text=True).stdout
            rates[name].append(float(out))
    mine, peer = statistics.median(rates["this"]), statistics.median(rates["peer"])
    print(f"{args.envs} envs, ThorLiteVectorEnv.step: {mine:,.0f} env-steps/s, peer {peer:,.0f}   this/peer {mine / peer:.2f}"
          f"   (medians of {args.runs}; load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
