"""Differential test: the reference wrapper itself (../shared/embodied_reasoner/evaluate, run in
place, never copied) and the bridge's roc_episode drive two identical fake controllers through the
same actions; they must make the same AI2-THOR calls with the same arguments and record the same
success and legal sets at every step.

The reference code needs OpenCV, Pillow, tqdm and openai only for pictures, progress bars and an
API client; the test stands in small stubs for them (an observe picture is not compared here:
test_episodes covers the bridge's). Its `add_border` has no body in the benchmark checkout, so
the test gives it one that returns the image unchanged.
"""
import importlib
import json
import os
import sys

import pytest

from conftest import BRIDGE, FAKE, load_tasks, shared_benchmark, task_fields

STUBS = {
    "openai/__init__.py": "",
    "tqdm/__init__.py": "def tqdm(iterable, *args, **kwargs):\n    return iterable\n",
    "cv2/__init__.py": (
        "import numpy\n"
        "FONT_HERSHEY_SIMPLEX = 0\n"
        "def imread(path):\n    return numpy.zeros((4, 4, 3), dtype=numpy.uint8)\n"
        "def putText(image, *args, **kwargs):\n    return image\n"
        "def imwrite(path, image):\n    return True\n"),
    "PIL/__init__.py": "",
    "PIL/Image.py": (
        "class _Image:\n"
        "    def save(self, path, format=None):\n"
        "        open(path, 'wb').close()\n"
        "def fromarray(array):\n    return _Image()\n"),
}
CALL_BUDGET = 2000  # the reference loops for ever in some corners; fail instead


@pytest.fixture
def harness(tmp_path, monkeypatch):
    root = shared_benchmark()
    stubs = tmp_path / "stubs"
    for name, text in STUBS.items():
        (stubs / name).parent.mkdir(parents=True, exist_ok=True)
        (stubs / name).write_text(text)
    for path in (BRIDGE, str(stubs), FAKE, os.path.join(root, "evaluate")):
        monkeypatch.syspath_prepend(path)
    for name in [n for n in sys.modules if n.split(".")[0] in ("ai2thor", "ai2thor_engine", "cv2", "PIL", "tqdm", "openai")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setenv("THOR_LITE_FAKE_SCENES", os.path.join(root, "data_engine"))
    # RocAgent reads ./data/agent_positions.json: run it from a directory whose data/ is the benchmark's.
    work = tmp_path / "work"
    work.mkdir()
    (work / "data").symlink_to(os.path.join(root, "data"), target_is_directory=True)
    monkeypatch.chdir(work)
    rocagent = importlib.import_module("ai2thor_engine.RocAgent")
    monkeypatch.setattr(rocagent, "add_border", lambda image, size, colour: image)
    controller_module = importlib.import_module("ai2thor.controller")
    episode_module = importlib.import_module("roc_episode")
    bridge = importlib.import_module("thor_lite_bridge")
    poses = bridge.merged_agent_positions(os.path.join(root, "data", "agent_positions.json"))
    return root, rocagent, controller_module.Controller, episode_module.Episode, poses, tmp_path, monkeypatch


class Budgeted:
    """A fake controller that fails the test instead of letting the reference loop for ever."""

    def __init__(self, controller_class):
        self.inner = controller_class(scene="FloorPlan1", visibilityDistance=20, gridSize=0.1, width=8, height=8,
                                      fieldOfView=90)
        self.calls = 0

    def step(self, *args, **kwargs):
        self.calls += 1
        if self.calls > CALL_BUDGET:
            raise AssertionError("more than %d controller calls: a retry loop that never ends" % CALL_BUDGET)
        return self.inner.step(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def logged_calls(path):
    with open(path) as handle:
        rows = [json.loads(line) for line in handle]
    return [(r["call"], r.get("action"), r["args"]) for r in rows if r["call"] in ("reset", "step")]


def run_reference(harness, task, actions, log):
    root, rocagent, controller_class, _, _, tmp_path, monkeypatch = harness
    monkeypatch.setenv("THOR_LITE_FAKE_LOG", str(log))
    controller = Budgeted(controller_class)
    open(log, "w").close()  # the construction is not compared
    agent = rocagent.RocAgent(controller, str(tmp_path / "reference_frames"), task["scene"], visibilityDistance=20,
                              gridSize=0.1, fieldOfView=90, target_objects=task["target_objects"],
                              related_objects=task["related_objects"], navigable_objects=task["navigable_objects"],
                              taskid=task["identity"], platform_type="GPU")
    steps = []
    for action, item in actions:
        success, image, locations, objects = agent.exec(action, item)
        recorded = bool(success) and image is not None and image != []
        steps.append((action, item, recorded, locations, objects))
    return steps, logged_calls(log)


def run_bridge(harness, task, actions, log):
    _, _, controller_class, episode_class, poses, _, monkeypatch = harness
    monkeypatch.setenv("THOR_LITE_FAKE_LOG", str(log))
    controller = Budgeted(controller_class)
    open(log, "w").close()
    episode = episode_class(controller, task["scene"], task_fields(task), poses)
    steps = []
    for action, item in actions:
        result = episode.execute(action, item)
        steps.append((action, item, result["success"], result["navigable"], result["interactable"]))
    return steps, logged_calls(log)


def compare(harness, task, actions):
    tmp_path = harness[5]
    reference, reference_calls = run_reference(harness, task, actions, tmp_path / "reference.jsonl")
    ours, our_calls = run_bridge(harness, task, actions, tmp_path / "bridge.jsonl")
    assert our_calls == reference_calls, task["identity"]
    assert ours == reference, task["identity"]
    return ours


def plan_with_detours(task):
    """init, the expert plan without its end, then actions that reach the wrapper's other paths."""
    plan = [("init", None)] + [(a, o) for a, o in
                               ((k["action"], k["objectType"] or None) for k in task["task_metadata"]["actions"])
                               if a != "end"]
    return plan + [("observe", None), ("move forward", None), ("navigate to", "Spaceship"),
                   ("pickup", "Spaceship"), ("pickup", None), ("init", None), ("move forward", None)]


def sample_tasks(root, every):
    tasks = load_tasks(root)
    return [tasks[k] for k in sorted(tasks, key=int)[::every]]


def test_the_bridge_matches_the_reference_wrapper_call_for_call_on_sampled_tasks(harness, monkeypatch):
    # Every 12th task by default; THOR_LITE_PARITY_EVERY=1 compares all 809 (minutes).
    every = int(os.environ.get("THOR_LITE_PARITY_EVERY", "12"))
    monkeypatch.setenv("THOR_LITE_FAKE_MODE", "confirm")
    tasks = sample_tasks(harness[0], every)
    for task in tasks:
        compare(harness, task, plan_with_detours(task))
    assert len(tasks) == len(range(0, 809, every))


def test_the_bridge_matches_the_reference_wrapper_under_ai2thor_rules(harness, monkeypatch):
    monkeypatch.setenv("THOR_LITE_FAKE_MODE", "rules")
    for task in sample_tasks(harness[0], 30):
        toggles = [("toggle", o) for a, o in plan_with_detours(task) if a == "navigate to" and o][:1]
        compare(harness, task, plan_with_detours(task) + toggles * 2)


def test_the_bridge_matches_the_reference_wrapper_when_every_move_is_blocked(harness, monkeypatch):
    # MoveAhead always fails: the move-forward fallbacks, with and without related objects.
    monkeypatch.setenv("THOR_LITE_FAKE_MODE", "fail:MoveAhead")
    tasks = load_tasks(harness[0])
    for identity in ("1", "100", "300", "631"):
        task = tasks[identity]
        steps = compare(harness, task, [("init", None), ("move forward", None), ("observe", None),
                                        ("move forward", None)])
        assert steps[1][2] is True  # the sideways fallback ends with a rotation: a success
    bare = dict(tasks["1"], related_objects=[], identity="bare")
    compare(harness, bare, [("init", None), ("move forward", None)])
