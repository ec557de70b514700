#!/usr/bin/env python3
"""A plain-Python implementation of the Embodied-Reasoner reference metric, written from
../shared/docs/REFERENCE-EVAL.md independently of thor-lite's Swift code. Used for parity checks
(bench/parity.py) and as the baseline of the grading benchmark (bench/grade_bench.sh).

    python3 bench/reference_metric.py results.jsonl > per_task.jsonl
"""
import json
import math
import sys

CATEGORIES = {
    "S": ["single_search", "single_search_from_closerep"],
    "M": ["single_pickup", "single_pickup_from_closerep", "single_toggle"],
    "T": ["pickup_and_put", "pickup_and_put_in_closerep", "pickup_from_closerep_and_put",
          "pickup_from_closerep_and_put_in_closerep"],
    "C": ["ordered_pickup_two_object_and_put", "long-range tasks with dependency relationships"],
}


def lcs(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table[len(a)][len(b)]


def metrics(tasktype, taskname, trajectory, key_actions):
    reward = 0
    flag = 0
    prev = ""
    remaining = list(key_actions)
    navigated = []
    matched = []
    for entry in trajectory:
        action = entry["action"]
        obj = entry.get("object")
        success = entry["success"]
        if action == "navigate to":
            navigated.append(obj)
        if action in ("init", "observe", "move forward", "navigate to", "error") or success == 0:
            if success:
                prev = action + " " + obj if obj is not None else action
            continue
        if "end" in action:
            if tasktype == "single_search":
                legal = entry.get("legal_objects") or []
                if any(item.lower() in taskname.lower() for item in legal):
                    reward += 1
                elif prev in key_actions:
                    reward += 1
                    flag = 1
                    break
            else:
                reward += 1
                matched.append(action)
        elif obj is not None:
            if action.startswith("put"):
                action = "put"
            text = action + " " + obj
            if text in remaining:
                remaining.remove(text)
                matched.append(text)
                reward += 1
        prev = action + " " + obj if obj is not None else action
    scored = [k for k in key_actions if "observe" not in k and "move forward" not in k and "navigate to" not in k]
    total = len(scored)
    success = math.floor(reward / total)
    return {
        "success": success,
        "efficiency": (len(key_actions) + 1) / len(trajectory) if success else 0.0,
        "completeness": reward / total,
        "completeness_ordered": reward / total if tasktype == "single_search" else lcs(matched, scored) / total,
        "key_actions_success": flag,
        "repeat_rate": (len(navigated) - len(set(navigated))) / len(navigated) if navigated else 0,
        "step": 2 if tasktype == "single_search_from_closerep" else len(key_actions) - 1,
    }


def block(rows):
    n = len(rows)
    return {
        "count": n,
        "success_rate": sum(r["success"] for r in rows) / n,
        "efficiency": sum(r["efficiency"] for r in rows) / n,
        "completeness": sum(r["completeness"] for r in rows) / n,
        "completeness_ordered": sum(r["completeness_ordered"] for r in rows) / n,
        "repeat_rate": sum(r["repeat_rate"] for r in rows) / n,
    }


def aggregate(graded):
    """graded: list of (tasktype, metrics). Overall, categories (absent types skipped), task types."""
    result = {"overall": block([m for _, m in graded]), "categories": {}, "task_types": {}}
    for letter, types in CATEGORIES.items():
        rows = [m for t, m in graded if t in types]
        if rows:
            result["categories"][letter] = block(rows)
    for tasktype in sorted({t for t, _ in graded}):
        result["task_types"][tasktype] = block([m for t, m in graded if t == tasktype])
    return result


def main(path):
    graded = []
    with open(path) as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            m = metrics(record["tasktype"], record["taskname"], record["trajectory"], record["key_actions"])
            graded.append((record["tasktype"], m))
            print(json.dumps({"identity": record["identity"], "model": record.get("model"), "metrics": m}))
    return graded


if __name__ == "__main__":
    main(sys.argv[1])
