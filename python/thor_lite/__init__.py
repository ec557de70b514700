"""A thin client for `thor-lite serve`: Embodied-Reasoner episodes in thor-lite's symbolic
simulator, behind a Gymnasium-style interface.

    from thor_lite import ThorLiteEnv
    with ThorLiteEnv(store="thor-lite.sqlite") as env:
        observation, info = env.reset(options={"task": 7})
        observation, reward, terminated, truncated, info = env.step("navigate to Fridge")

`step` takes a plain action (`navigate to Fridge`) or a raw model response containing
`<DecisionMaking>...</DecisionMaking>`. The observation is a dict: action, object, object_id,
success, error (thor-lite's error kind), feedback (the reference's text), navigable, interactable,
held, held_id, step, done, frame (the best recorded frame of this state, indexed by `thor-lite
frames import`), frame_match (`exact`, `same pose` or None). When the episode ends, `info` holds
the reference metrics and `goal_success`. With `render_mode="rgb_array"`, `render()` returns the
episode map (thor-lite's top-down picture) as an RGB array.
"""
import base64
import json
import os
import shutil
import subprocess

__all__ = ["ThorLiteEnv", "ThorLiteError"]


class ThorLiteError(RuntimeError):
    """The server refused a request (the message says why) or stopped."""


class ThorLiteEnv:
    """One `thor-lite serve` process running Embodied-Reasoner episodes.

    store:  the SQLite store (default: $THOR_LITE_STORE, else ./thor-lite.sqlite, as the CLI).
    binary: the thor-lite executable (default: $THOR_LITE_BIN, else `thor-lite` on PATH).
    Use it as a context manager, or call close() to stop the server.
    """

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, store=None, binary=None, render_mode=None):
        if render_mode not in (None, "rgb_array"):
            raise ThorLiteError(f"render_mode {render_mode!r} is not supported; use 'rgb_array'")
        self.render_mode = render_mode
        binary = binary or os.environ.get("THOR_LITE_BIN") or shutil.which("thor-lite")
        if not binary:
            raise ThorLiteError("thor-lite binary not found: pass binary=, set THOR_LITE_BIN or put it on PATH")
        command = [binary, "serve"]
        if store:
            command += ["--store", store]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True, bufsize=1)
        self.task = None

    def _request(self, **request):
        if self._process.poll() is not None:
            raise ThorLiteError("thor-lite serve has stopped: " + self._process.stderr.read().strip())
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise ThorLiteError("thor-lite serve has stopped: " + self._process.stderr.read().strip())
        reply = json.loads(line)
        if not reply.get("ok"):
            raise ThorLiteError(reply.get("error", "request failed"))
        return reply

    def reset(self, *, seed=None, options=None, task=None):
        """Starts an episode: `reset(options={"task": 7})` (or `reset(task=7)`). Returns (observation, info)."""
        task = task if task is not None else (options or {}).get("task")
        if task is None:
            raise ThorLiteError("reset needs a task identity: reset(options={'task': 7})")
        reply = self._request(op="reset", task=task)
        self.task = task
        return reply["observation"], reply["info"]

    def step(self, action):
        """One model call. Returns (observation, reward, terminated, truncated, info)."""
        key = "response" if "<DecisionMaking>" in action else "action"
        reply = self._request(op="step", **{key: action})
        return reply["observation"], reply["reward"], reply["terminated"], reply["truncated"], reply["info"]

    def state(self):
        """The trajectory so far and, once an episode ran, its metrics."""
        return self._request(op="state")

    def render(self, path=None):
        """The episode map as an RGB array of shape (height, width, 3) (a numpy uint8 array where
        numpy is installed, else nested lists of [r, g, b]); with `path`, also written as a PNG."""
        if self.render_mode != "rgb_array" and path is None:
            return None
        request = {"op": "render"}
        if path is not None:
            request["path"] = path
        reply = self._request(**request)
        width, height, pixels = reply["width"], reply["height"], base64.b64decode(reply["rgb"])
        try:
            import numpy
        except ImportError:
            return [[list(pixels[(y * width + x) * 3:(y * width + x) * 3 + 3]) for x in range(width)] for y in range(height)]
        return numpy.frombuffer(pixels, dtype=numpy.uint8).reshape(height, width, 3)

    def close(self):
        if self._process.poll() is None:
            try:
                self._request(op="close")
            except ThorLiteError:
                pass
            self._process.stdin.close()
            self._process.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
