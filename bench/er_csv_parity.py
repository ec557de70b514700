#!/usr/bin/env python3
"""Checks `thor-lite grade --mode recorded --format er-csv` against the reference's result.csv,
rebuilt here independently: the per-task metric of bench/reference_metric.py, then the reference's
aggregation and CSV layout (show_result.py: categories, then "all", then task types in order of
first appearance; round(x, 4); a space before repeat_rate; a type without success shows its
efficiency as 0). Categories average the task types present (the reference crashes otherwise).

    python3 bench/er_csv_parity.py <thor-lite binary> <store> <results.jsonl> [more...]

Exits 1 when the bytes differ, printing both.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_metric  # noqa: E402

CATEGORIES = reference_metric.CATEGORIES
FIELDS = ["success", "efficiency", "completeness", "completeness_ordered", "repeat_rate"]


def expected(paths):
    by_model = {}
    for path in paths:
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            record = json.loads(line)
            m = reference_metric.metrics(record["tasktype"], record["taskname"], record["trajectory"], record["key_actions"])
            by_model.setdefault(record.get("model", "unknown"), []).append((record["tasktype"], m))
    out = ["model,tasktype,success_rate,efficiency,completeness,completeness_ordered,repeat_rate,tasktype_count,all_count\n"]
    for model, rows in by_model.items():
        sums, counts, success = {}, {}, {}
        total = {f: 0 for f in FIELDS}
        for tasktype, m in rows:
            counts[tasktype] = counts.get(tasktype, 0) + 1
            success[tasktype] = success.get(tasktype, 0) + m["success"]
            sums.setdefault(tasktype, {f: 0 for f in FIELDS})
            for f in FIELDS:
                sums[tasktype][f] += m[f]
                total[f] += m[f]
        result = {}
        for key, types in CATEGORIES.items():
            present = [t for t in types if t in counts]
            if not present:
                continue
            n = sum(counts[t] for t in present)
            result[key] = [round(sum(sums[t][f] for t in present) / n, 4) for f in FIELDS] + [n]
        result["all"] = [round(total[f] / len(rows), 4) for f in FIELDS] + [len(rows)]
        for tasktype in counts:
            values = [round(sums[tasktype][f] / counts[tasktype], 4) for f in FIELDS]
            if not success[tasktype]:
                values[1] = 0
            result[tasktype] = values + [counts[tasktype]]
        for key, v in result.items():
            out.append(f"{model},{key},{v[0]},{v[1]},{v[2]},{v[3]}, {v[4]},{v[5]},{len(rows)}\n")
        out.append("\n")
    return "".join(out)


def main(binary, store, paths):
    got = subprocess.run([binary, "grade", "--mode", "recorded", "--format", "er-csv", "--store", store, *paths],
                         capture_output=True, text=True, encoding="utf-8")
    want = expected(paths)
    if got.stdout != want:
        print("er-csv differs from the reference's result.csv\n--- thor-lite\n" + got.stdout + "--- reference\n" + want)
        return 1
    print(f"er-csv parity: {len(want.splitlines())} lines identical to the reference's result.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
