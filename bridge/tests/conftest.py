"""Shared helpers: the sidecar as a subprocess with the fake ai2thor, and the benchmark data."""
import json
import os
import queue
import subprocess
import sys
import threading

import pytest

BRIDGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BRIDGE)
SIDECAR = os.path.join(BRIDGE, "thor_lite_bridge.py")
FAKE = os.path.join(BRIDGE, "fake_ai2thor")
FIXTURES = os.path.join(ROOT, "fixtures", "upstream")
REPLY_TIMEOUT = 60.0


def shared_benchmark():
    """The real benchmark checkout ($THOR_LITE_ER_DATA, else ../shared/embodied_reasoner): skips
    when absent, fails when present but lacking a file the tests read."""
    path = os.environ.get("THOR_LITE_ER_DATA") or os.path.join(os.path.dirname(ROOT), "shared", "embodied_reasoner")
    if not os.path.isdir(path):
        pytest.skip(f"the Embodied-Reasoner benchmark is not at {path} (set THOR_LITE_ER_DATA)")
    for needed in ("data/test_809.json", "data/agent_positions.json", "data_engine/taskgenerate"):
        if not os.path.exists(os.path.join(path, needed)):
            pytest.fail(f"{path} is present but lacks {needed}")
    return path


def load_tasks(root):
    with open(os.path.join(root, "data", "test_809.json")) as handle:
        return {str(t["identity"]): t for t in json.load(handle)}


def task_fields(task):
    return {k: task[k] for k in ("identity", "target_objects", "related_objects", "navigable_objects")}


def expert_plan(task):
    """The task's key actions as (action, type or None) steps, `end` included."""
    return [(a["action"], a["objectType"] or None) for a in task["task_metadata"]["actions"]]


class Sidecar:
    """One sidecar process; `ask` sends a request and waits for one reply line."""

    def __init__(self, env=None, scenes=FIXTURES, log=None, mode=None, args=()):
        full = dict(os.environ)
        full.pop("DISPLAY", None)
        full["PYTHONPATH"] = FAKE
        full["THOR_LITE_FAKE_SCENES"] = scenes
        if log:
            full["THOR_LITE_FAKE_LOG"] = str(log)
        if mode:
            full["THOR_LITE_FAKE_MODE"] = mode
        full.update(env or {})
        self.process = subprocess.Popen([sys.executable, SIDECAR, *args], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full)
        self.lines = queue.Queue()
        self.stderr = []
        self.threads = [threading.Thread(target=self._pump, args=(self.process.stdout, self.lines), daemon=True),
                        threading.Thread(target=self._drain, daemon=True)]
        for thread in self.threads:
            thread.start()

    @staticmethod
    def _pump(stream, lines):
        for line in stream:
            lines.put(line)
        lines.put(None)

    def _drain(self):
        for line in self.process.stderr:
            self.stderr.append(line)

    def send(self, request):
        text = request if isinstance(request, str) else json.dumps(request)
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def line(self, timeout=REPLY_TIMEOUT):
        """The next stdout line, None at end of output; raises queue.Empty on timeout."""
        return self.lines.get(timeout=timeout)

    def ask(self, request, timeout=REPLY_TIMEOUT):
        self.send(request)
        line = self.line(timeout)
        assert line is not None, "the sidecar closed its output:\n" + "".join(self.stderr)
        return json.loads(line)

    def finish(self, timeout=30):
        """Closes stdin, waits for the exit and returns everything written on stderr."""
        self.process.stdin.close()
        self.process.wait(timeout=timeout)
        for thread in self.threads:
            thread.join(timeout)
        return "".join(self.stderr)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_log(path):
    with open(path) as handle:
        return [json.loads(line) for line in handle]


def steps_of(log):
    return [(row["action"], row["args"]) for row in read_log(log) if row["call"] == "step"]


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from a PNG's IHDR; fails the test when the file is not a PNG."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path} has no IHDR first"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
