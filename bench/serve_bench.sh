#!/usr/bin/env bash
# thor-lite serve: first the server's CPU alone (serve < a file of requests, single and batched),
# then through the Python client, side by side with a Python echo server (the pipe and
# the client's JSON work with no simulation: the floor for any server), printing ratios:
# single-environment steps/s with p50/p99 latency (ServeClient and ThorLiteEnv) and batched
# environment-steps/s at ENVS environments (ServeClient.step_batch and ThorLiteVectorEnv), with
# the standard library's json and with orjson when it is installed (pip install orjson).
# ThorLiteEnv/ThorLiteVectorEnv need Gymnasium (pip install "gymnasium>=1.0" numpy).
# Builds the binary thor-lite ships (scripts/build-release.sh; BIN=path to time another) and imports the real
# benchmark into a temporary store first.
# PEER=path/to/other/thor-lite adds the server-CPU, single-env and batched measurements against
# that binary (main's release build, say) with their ratios; RUNS=N adds N alternated runs of
# the single-env and batched measurements with the peer, medians.
# Usage: bench/serve_bench.sh [seconds per measurement] [envs]   (default 3 64)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3}
envs=${2:-64}
checkout=${THOR_LITE_ER_DATA:-../shared/embodied_reasoner}
python=${PYTHON:-python3}
# The binary thor-lite ships (scripts/build-release.sh; BIN=path to time another).
[ -n "${BIN:-}" ] || BIN=$(scripts/build-release.sh 2>/dev/null)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$BIN" import "$checkout" --store "$work/s.sqlite" -q 2>/dev/null
"$python" bench/serve_bench.py "$BIN" "$work/s.sqlite" --seconds "$seconds" --envs "$envs" ${PEER:+--peer "$PEER"} ${RUNS:+--runs "$RUNS"}
