#!/usr/bin/env python3
"""Checks `thor-lite grade --mode recorded` against bench/reference_metric.py: per-task metrics
equal to 1e-12, aggregates (overall, categories, task types, per model) to 1e-9.

    python3 bench/parity.py <thor-lite binary> <results.jsonl or run dir> [more inputs...]

Exits 1 on any difference, printing the first ones.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_metric  # noqa: E402

KEYS = ["success", "efficiency", "completeness", "completeness_ordered", "key_actions_success", "repeat_rate", "step"]
BLOCK_KEYS = ["count", "success_rate", "efficiency", "completeness", "completeness_ordered", "repeat_rate"]


def records(path):
    if os.path.isdir(path):
        for file in sorted(glob.glob(os.path.join(path, "**", "result.json"), recursive=True)):
            yield json.load(open(file))
    else:
        for line in open(path):
            if line.strip():
                yield json.loads(line)


def close(a, b, tolerance):
    return abs(a - b) <= tolerance


def check(binary, path):
    expected = []
    for record in records(path):
        m = reference_metric.metrics(record["tasktype"], record["taskname"], record["trajectory"], record["key_actions"])
        expected.append((record.get("model") or "unknown", record["tasktype"], m))
    with tempfile.TemporaryDirectory() as work:
        per_task, summary = os.path.join(work, "per_task.jsonl"), os.path.join(work, "summary.json")
        subprocess.run([binary, "grade", "--mode", "recorded", path, "--per-task", per_task, "--summary", summary,
                        "--format", "json"], check=True, stdout=subprocess.DEVNULL)
        got = [json.loads(line) for line in open(per_task)]
        document = json.load(open(summary))
    problems = []
    if len(got) != len(expected):
        problems.append(f"{len(got)} graded lines, expected {len(expected)}")
    for index, (row, (_, _, m)) in enumerate(zip(got, expected)):
        for key in KEYS:
            if not close(row["metrics"][key], m[key], 1e-12):
                problems.append(f"line {index + 1} {key}: thor-lite {row['metrics'][key]} python {m[key]}")

    def compare(name, mine, theirs):
        for key in BLOCK_KEYS:
            if not close(mine[key], theirs[key], 1e-9):
                problems.append(f"{name} {key}: thor-lite {mine[key]} python {theirs[key]}")

    def compare_groups(prefix, mine, graded):
        theirs = reference_metric.aggregate(graded)
        compare(prefix + "overall", mine["overall"], theirs["overall"])
        if set(mine["categories"]) != set(theirs["categories"]) or set(mine["task_types"]) != set(theirs["task_types"]):
            problems.append(prefix + "different category or task-type keys")
        for letter in theirs["categories"]:
            compare(prefix + "category " + letter, mine["categories"].get(letter, {k: -1 for k in BLOCK_KEYS}), theirs["categories"][letter])
        for tasktype in theirs["task_types"]:
            compare(prefix + tasktype, mine["task_types"].get(tasktype, {k: -1 for k in BLOCK_KEYS}), theirs["task_types"][tasktype])

    compare_groups("", document, [(t, m) for _, t, m in expected])
    for model in sorted({model for model, _, _ in expected}):
        compare_groups(f"model {model}: ", document["models"][model], [(t, m) for mm, t, m in expected if mm == model])
    return len(expected), problems


def main():
    binary, paths = sys.argv[1], sys.argv[2:]
    failed = False
    for path in paths:
        count, problems = check(binary, path)
        status = "OK" if not problems else f"{len(problems)} differences"
        print(f"parity {path}: {count} lines, {status}")
        for problem in problems[:20]:
            print("  " + problem)
        failed |= bool(problems)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
