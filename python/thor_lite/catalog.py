"""The store's tasks and their expert plans, read through the `thor-lite` command line."""
import json
import os
import subprocess

from ._client import ThorLiteError, find_binary

__all__ = ["Task", "list_tasks", "expert_plans", "CATEGORIES"]

# The reference's aggregation categories (docs/metric.md, "Aggregation").
CATEGORIES = {
    "search": ("single_search", "single_search_from_closerep"),
    "manipulation": ("single_pickup", "single_pickup_from_closerep", "single_toggle"),
    "transport": ("pickup_and_put", "pickup_and_put_in_closerep", "pickup_from_closerep_and_put",
                  "pickup_from_closerep_and_put_in_closerep"),
    "composite": ("ordered_pickup_two_object_and_put", "long-range tasks with dependency relationships"),
}


class Task(dict):
    """One task: identity (int or str, as in the task file), scene, tasktype, taskname."""

    @property
    def identity(self):
        return self["identity"]


def _typed(identity):
    """Identities as the task file has them: integers stay integers."""
    if isinstance(identity, str) and identity.isdigit() and not (len(identity) > 1 and identity[0] == "0"):
        return int(identity)
    return identity


def _run(arguments, store=None, binary=None):
    command = [find_binary(binary)] + arguments
    if store:
        command += ["--store", os.fspath(store)]
    done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
    if done.returncode != 0:
        raise ThorLiteError(f"{' '.join(arguments)}: " + (done.stderr.strip() or f"exit status {done.returncode}"))
    return done.stdout


def list_tasks(store=None, *, tasktype=None, category=None, scene=None, tasks=None, binary=None):
    """The store's tasks in task-file order, filtered by task type, category (search,
    manipulation, transport, composite), scene (`FloorPlan1` or 1) and/or explicit identities."""
    rows = json.loads(_run(["tasks", "--json"], store, binary))
    if category is not None and category not in CATEGORIES:
        raise ThorLiteError(f"unknown category {category!r}; known: {', '.join(CATEGORIES)}")
    if scene is not None and not str(scene).startswith("FloorPlan"):
        scene = f"FloorPlan{scene}"
    wanted = None if tasks is None else {str(t) for t in tasks}
    selected = []
    for row in rows:
        task = Task(row, identity=_typed(row["identity"]))
        if tasktype is not None and task["tasktype"] != tasktype:
            continue
        if category is not None and task["tasktype"] not in CATEGORIES[category]:
            continue
        if scene is not None and task["scene"] != scene:
            continue
        if wanted is not None and str(task.identity) not in wanted:
            continue
        selected.append(task)
    if wanted is not None:
        missing = wanted - {str(t.identity) for t in selected}
        if missing:
            raise ThorLiteError("no such task in the store: " + ", ".join(sorted(missing)))
    return selected


def expert_plans(store=None, *, binary=None):
    """Every task's key actions as a plan: {identity: ["navigate to Fridge", ..., "end"]}."""
    plans = {}
    for line in _run(["tasks", "--plans"], store, binary).splitlines():
        if line.strip():
            record = json.loads(line)
            plans[_typed(record["identity"])] = record["actions"]
    return plans
