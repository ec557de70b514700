#!/usr/bin/env python3
"""Generates result lines in the reference shape (seeded, deterministic) over the real tasks, for
parity checks and the grading benchmark. Each line carries tasktype, taskname and key_actions, so
no store is needed. Mixes expert steps, wrong objects, failed steps, `put in`, `error` actions,
null legal_objects, repeated navigation, early ends and several models, plus a few lines that
only an exact implementation grades right: `success` values other than 0/1 (null, "", false, 0.0,
2, lists: the reference skips on `success == 0` but records `prev` only when truthy), object names
with a Kelvin sign (canonically equivalent to "K", yet a different string to Python) and Greek
task names where `str.lower()` applies the final-sigma rule.

    python3 bench/gen_trajectories.py ../shared/embodied_reasoner/data/test_809.json 100000 out.jsonl [seed]
"""
import json
import random
import sys

TYPES = ["Apple", "Pot", "Potato", "Fridge", "CounterTop", "Cabinet", "Mug", "Bowl", "Sink", "Microwave",
         "Drawer", "Plate", "Knife", "Egg", "Tomato", "Shelf", "Box", "Television", "Sofa", "GarbageCan"]
ACTIONS = ["navigate to", "pickup", "put", "put in", "open", "close", "toggle"]
ODD_SUCCESS = [None, "", "yes", False, True, 0.0, 2, [], [1], {}]
GREEK_SUFFIX = " ΟΔΟΣ"
GREEK_LEGAL = ["ος", "οσ", "ΟΣ"]


def key_strings(task):
    return [(a["action"] + " " + a["objectType"]).strip() for a in task["task_metadata"]["actions"]]


def entry(rng, action, obj, success):
    legal = rng.sample(TYPES, rng.randint(0, 6))
    if rng.random() < 0.02:
        success = rng.choice(ODD_SUCCESS)
    if action == "end" and rng.random() < 0.05:
        legal.append(rng.choice(GREEK_LEGAL))
    return {
        "response": f"<DecisionMaking>{action} {obj or ''}</DecisionMaking>".replace(" </", "</"),
        "action": action, "object": obj,
        "legal_locations": rng.sample(TYPES, rng.randint(0, 5)),
        "legal_objects": None if rng.random() < 0.05 else legal,
        "success": success, "errorInfo": "", "images": None,
    }


def trajectory(rng, keys):
    steps = [entry(rng, "init", None, 1)]
    for key in keys:
        if key == "end":
            break
        # noise before the key step
        for _ in range(rng.choice([0, 0, 0, 1, 2, 3])):
            kind = rng.random()
            if kind < 0.15:
                steps.append(entry(rng, "error", None, 0))
            elif kind < 0.3:
                steps.append(entry(rng, rng.choice(["observe", "move forward"]), None, 1))
            else:
                steps.append(entry(rng, rng.choice(ACTIONS), rng.choice(TYPES), rng.choice([0, 1])))
        if rng.random() < 0.1:
            break  # gives up early
        action, _, obj = key.rpartition(" ")
        if key.startswith("navigate to"):
            action, obj = "navigate to", key[len("navigate to "):]
        if action == "put" and rng.random() < 0.3:
            action = "put in"
        success = 1 if rng.random() < 0.85 else 0
        if obj and "K" in obj and rng.random() < 0.2:
            obj = obj.replace("K", "\u212a")
        steps.append(entry(rng, action, obj or None, success))
        if rng.random() < 0.1:
            steps.append(dict(steps[-1]))  # repeated step
    if rng.random() < 0.2:
        steps.append(entry(rng, "end", None, 0))  # repeat cut-off style end
    else:
        steps.append(entry(rng, "end", None, 1))
    return steps


def main(tasks_path, count, out_path, seed=7):
    rng = random.Random(seed)
    tasks = json.load(open(tasks_path))
    models = ["model-a", "model-b", "model-c"]
    with open(out_path, "w") as out:
        for number in range(count):
            task = tasks[number % len(tasks)]
            keys = key_strings(task)
            taskname = task["taskname"] + (GREEK_SUFFIX if rng.random() < 0.02 else "")
            line = {
                "identity": task["identity"], "scene": task["scene"], "tasktype": task["tasktype"],
                "instruction_idx": task["instruction_idx"], "model": models[number % len(models)],
                "taskname": taskname, "trajectory": trajectory(rng, keys), "key_actions": keys,
            }
            out.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 7)
