#!/usr/bin/env bash
# Frame indexing and picture speed (the shipped build; the in-process scan is a plain release
# build). Makes a directory of COPIES run folders (hard links of the real recorded runs' files:
# 26 frames per copy), then times
#   - thor-lite frames import, first run (every file new: read, IHDR via libpng, chunk CRCs,
#     SHA-256, replay) and second run (unchanged files: stat only), whole process;
#   - the same scan in-process without the store write, and an IHDR-only pass (33 bytes per file);
#   - Python reading each file, parsing its IHDR with struct and hashing it with hashlib (the peer);
#   - every scene map drawn and encoded.
# Usage: bench/frames_bench.sh [copies] [recorded_runs] [checkout]
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-154}
runs=${2:-../shared/recorded_runs}
checkout=${3:-../shared/embodied_reasoner}
# The binary thor-lite ships (scripts/build-release.sh; BIN=path to time another).
[ -n "${BIN:-}" ] || BIN=$(scripts/build-release.sh 2>/dev/null)
swift build -c release --product thor-lite-frames-bench >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/thor-lite-frames-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/base" "$work/frames/model"
cp -r "$runs"/*/* "$work/base/"
for i in $(seq 1 "$copies"); do
    for run in "$work"/base/*/; do
        target="$work/frames/model/$(basename "$run")_copy$i"
        mkdir "$target"
        ln "$run"/* "$target/"
    done
done
echo "frames: $(find "$work/frames" -name '*.png' | wc -l) in $(find "$work/frames/model" -mindepth 1 -maxdepth 1 | wc -l) run folders"

"$BIN" import "$checkout" --store "$work/store.sqlite" -q
cp "$work/store.sqlite" "$work/scan.sqlite"
for pass in first second; do
    start=$(date +%s.%N)
    "$BIN" frames import "$work/frames" --store "$work/store.sqlite" -q
    end=$(date +%s.%N)
    python3 -c "import sys; n=$(find "$work/frames" -name '*.png' | wc -l); t=$end-$start; print(f'thor-lite frames import ($pass run, whole process, with replay and SQLite): {t*1000:.0f} ms = {n/t:.0f} frames/s')"
done

python3 - "$work/frames" <<'PY'
import hashlib, os, struct, sys, time
paths = [os.path.join(d, f) for d, _, files in os.walk(sys.argv[1]) for f in files if f.endswith(".png")]
start = time.perf_counter()
for path in paths:
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    hashlib.sha256(data).hexdigest()
elapsed = time.perf_counter() - start
print(f"python peer (read, IHDR by struct, hashlib.sha256; no CRC check): {elapsed*1000:.0f} ms = {len(paths)/elapsed:.0f} frames/s")
PY
"$bin/thor-lite-frames-bench" "$work/scan.sqlite" "$work/frames"
