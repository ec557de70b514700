#!/usr/bin/env python3
"""The strongest plain-Python grader a user would write: bench/reference_metric.py's metric with
orjson for parsing and writing, on every core (multiprocessing over byte ranges of the file, each
worker reading its own range: no serial pass over the lines in the parent). Per-task lines are
rendered with orjson and written to /dev/null (as thor-lite's --per-task /dev/null); the parent
aggregates. The recorded-mode peer of bench/recorded_bench.sh.

    python3 bench/orjson_metric.py results.jsonl [processes]
"""
import multiprocessing
import os
import sys

import orjson

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_metric  # noqa: E402


def grade_range(args):
    path, start, end = args
    graded = []
    with open(path, "rb") as handle, open(os.devnull, "wb") as sink:
        # A range owns the lines that start in [start, end).
        if start > 0:
            handle.seek(start - 1)
            handle.readline()
        while handle.tell() < end:
            line = handle.readline()
            if not line:
                break
            if not line.strip():
                continue
            record = orjson.loads(line)
            m = reference_metric.metrics(record["tasktype"], record["taskname"], record["trajectory"], record["key_actions"])
            graded.append((record["tasktype"], m))
            sink.write(orjson.dumps({"identity": record["identity"], "model": record.get("model"), "metrics": m}) + b"\n")
    return graded


def main(path, processes):
    size = os.path.getsize(path)
    bounds = [size * k // processes for k in range(processes + 1)]
    ranges = [(path, bounds[k], bounds[k + 1]) for k in range(processes)]
    with multiprocessing.Pool(processes) as pool:
        parts = pool.map(grade_range, ranges)
    graded = [row for part in parts for row in part]
    return reference_metric.aggregate(graded), len(graded)


if __name__ == "__main__":
    summary, count = main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count())
    print(count, "lines graded; overall", orjson.dumps(summary["overall"]).decode())
