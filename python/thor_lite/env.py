"""`ThorLiteEnv`: Embodied-Reasoner episodes in thor-lite's simulator as a Gymnasium environment.

Gymnasium is optional: with it installed, `ThorLiteEnv` is a `gymnasium.Env` (spaces, seeding,
registration, vector environments, wrappers); without it, the same class works with the same
`reset`/`step` calls and plain Python seeding.
"""
import base64
import os
import random
import re
import string

from ._client import ClosesServer, ServeClient, ThorLiteError
from .catalog import CATEGORIES, expert_plans, list_tasks
from .prompts import SYSTEM_PROMPT, step_message, step_message_of, task_message, view_description, view_text

try:
    import gymnasium
    from gymnasium import spaces
except ImportError:  # the client works without Gymnasium
    gymnasium = None
    spaces = None

__all__ = ["ThorLiteEnv", "BACKENDS", "REWARD_MODES", "ACTION_VERBS", "admissible_commands", "observation_space", "action_space"]

# Where a reward comes from: the reference's completeness gain per step (its key-action reward,
# `end` included), 1 at the end of a successful episode only, or 1 at the end when the goal state
# holds (thor-lite's goal check).
REWARD_MODES = ("completeness", "success", "goal")

# Actions that take an object, and those that do not (docs/metric.md, "From a response to an action").
ACTION_VERBS = ("navigate to", "pickup", "put", "open", "close", "toggle")
PLAIN_ACTIONS = ("observe", "move forward", "end")

# Text spaces need an alphabet: printable ASCII. Characters outside it (a model's non-ASCII text
# echoed in feedback) are shown as "?" in the observation; `info["observation"]` keeps them.
CHARSET = frozenset(string.printable)
MAX_TEXT = 16384
MAX_NAME = 256
MAX_STEPS = 256

_Base = gymnasium.Env if gymnasium else object


# Any character outside CHARSET (a regular expression runs in C; most text has none).
_OUTSIDE = re.compile("[^" + re.escape("".join(sorted(CHARSET))) + "]")
# Type names repeat in every observation: their cleaned form is kept (a scene has a few dozen).
_NAMES = {}


def _ascii(text, limit):
    if not text:
        return ""
    if _OUTSIDE.search(text) is None:
        return text if len(text) <= limit else text[:limit]
    return _OUTSIDE.sub("?", text)[:limit]


def _name(text):
    cleaned = _NAMES.get(text)
    if cleaned is None:
        cleaned = _ascii(text, MAX_NAME)
        if len(_NAMES) < 4096:
            _NAMES[text] = cleaned
    return cleaned


def observation_space():
    """The observation space of one environment (a Dict; see ThorLiteEnv), None without Gymnasium."""
    if spaces is None:
        return None
    name = spaces.Text(max_length=MAX_NAME, min_length=0, charset=CHARSET)
    return spaces.Dict({
        "text": spaces.Text(max_length=MAX_TEXT, min_length=0, charset=CHARSET),
        "action": name,
        "object": name,
        "success": spaces.Discrete(2),
        "error": name,
        "feedback": spaces.Text(max_length=MAX_TEXT, min_length=0, charset=CHARSET),
        "navigable": spaces.Sequence(name),
        "interactable": spaces.Sequence(name),
        "held": name,
        "step": spaces.Discrete(MAX_STEPS),
        "frame": spaces.Text(max_length=MAX_TEXT, min_length=0, charset=CHARSET),
        "frame_match": name,
    })


def action_space():
    """The action space of one environment: text (a plain action or a raw model response)."""
    return None if spaces is None else spaces.Text(max_length=MAX_TEXT, min_length=0, charset=CHARSET)


class ViewParts:
    """What an environment's type lists give, kept per list while it stays the same: its cleaned
    names, its text for the view in words and its admissible commands. A vector environment keeps
    one per environment: about half the steps keep each list, and a compact reply hands an
    unchanged list back as the same object, so most lists are made into these only once."""

    __slots__ = ("navigable", "interactable")

    def __init__(self):
        self.navigable = self.interactable = None

    def read(self, raw):
        """The parts of `raw`'s lists (`_ListParts`), made again only for a list that changed."""
        return self.read_lists(raw.get("navigable"), raw.get("interactable"))

    def read_lists(self, navigable, interactable):
        """`read` from the two lists (a column-wise reply's entries)."""
        self.navigable = _ListParts.current(self.navigable, navigable, _navigate_commands)
        self.interactable = _ListParts.current(self.interactable, interactable, _object_commands)
        return self


class _ListParts:
    __slots__ = ("raw", "names", "joined", "commands")

    def __init__(self, raw, commands):
        self.raw = raw
        self.names = tuple(map(_name, raw or ()))
        self.joined = ", ".join(raw or [])
        self.commands = commands(raw or [])

    @classmethod
    def current(cls, parts, raw, commands):
        if parts is not None and (parts.raw is raw or parts.raw == raw):
            return parts
        return cls(raw, commands)


def make_observation(raw, text, describe_view, parts=None):
    """The observation dict from a serve observation and the reference's user message (`parts`:
    the observation's `ViewParts`, when kept)."""
    if parts is None:
        if describe_view:
            text = text + view_description(raw)
        navigable, interactable = tuple(map(_name, raw.get("navigable") or ())), tuple(map(_name, raw.get("interactable") or ()))
    else:
        if describe_view:
            text = text + view_text(parts.navigable.joined, parts.interactable.joined, raw.get("held"))
        navigable, interactable = parts.navigable.names, parts.interactable.names
    return {
        "text": _ascii(text, MAX_TEXT),
        "action": _ascii(raw.get("action"), MAX_NAME),
        "object": _ascii(raw.get("object"), MAX_NAME),
        "success": int(bool(raw.get("success"))),
        "error": _ascii(raw.get("error"), MAX_NAME),
        "feedback": _ascii(raw.get("feedback"), MAX_TEXT),
        "navigable": navigable,
        "interactable": interactable,
        "held": _ascii(raw.get("held"), MAX_NAME),
        "step": min(int(raw.get("step", 0)), MAX_STEPS - 1),
        "frame": _ascii(raw.get("frame"), MAX_TEXT),
        "frame_match": _ascii(raw.get("frame_match"), MAX_NAME),
    }


def step_text(raw):
    """The reference's user message after a step (none after a successful `end`)."""
    return "" if raw["action"] == "end" and raw["success"] else step_message(raw)


def step_text_of(action, success, feedback, object_type):
    """`step_text` from a column-wise reply's values."""
    return "" if action == "end" and success else step_message_of(action, success, feedback, object_type)


def observation_columns(raw, texts, parts):
    """`make_observation` for a whole batch from a column-wise reply's observation columns
    (`raw`), the environments' user messages (`texts`, before the view in words) and their
    `ViewParts`: each key's values over the environments, as `make_observation` makes each one
    (tests compare the two)."""
    return {
        "text": [_ascii(text, MAX_TEXT) for text in texts],
        "action": [_ascii(value, MAX_NAME) for value in raw["action"]],
        "object": [_ascii(value, MAX_NAME) for value in raw["object"]],
        "success": [int(bool(value)) for value in raw["success"]],
        "error": [_ascii(value, MAX_NAME) for value in raw["error"]],
        "feedback": [_ascii(value, MAX_TEXT) for value in raw["feedback"]],
        "navigable": [view.navigable.names for view in parts],
        "interactable": [view.interactable.names for view in parts],
        "held": [_ascii(value, MAX_NAME) for value in raw["held"]],
        "step": [min(int(value), MAX_STEPS - 1) for value in raw["step"]],
        "frame": [_ascii(value, MAX_TEXT) for value in raw["frame"]],
        "frame_match": [_ascii(value, MAX_NAME) for value in raw["frame_match"]],
    }


def admissible_commands(observation):
    """The commands the reference's legality check lets through from a serve observation:
    `navigate to` a navigable type, an object action on an interactable type, and the plain
    actions. AI2-THOR's own rules may still refuse some (a pickup of a table)."""
    return (_navigate_commands(observation.get("navigable") or [])
            + _object_commands(observation.get("interactable") or []) + list(PLAIN_ACTIONS))


def _navigate_commands(navigable):
    return [f"navigate to {t}" for t in navigable]


def _object_commands(interactable):
    commands = []
    for verb in ACTION_VERBS[1:]:
        commands += [f"{verb} {t}" for t in interactable]
    return commands


def make_info(raw, server_info, parts=None):
    """`info`: the server's (task fields, metrics and goal success at the end), the raw
    observation and the admissible commands (a fresh list; from `parts` when kept)."""
    info = dict(server_info)
    info["observation"] = raw
    info["admissible_commands"] = (admissible_commands(raw) if parts is None else
                                   parts.navigable.commands + parts.interactable.commands + list(PLAIN_ACTIONS))
    return info


def reward_for(mode, completeness_gain, done, info):
    """The reward of a step under `mode` (see REWARD_MODES)."""
    if mode == "completeness":
        return float(completeness_gain)
    if not done:
        return 0.0
    if mode == "success":
        return float(info.get("metrics", {}).get("success", 0) == 1)
    return float(bool(info.get("goal_success")))


BACKENDS = ("simulate", "live")


def live_arguments(backend, bridge=None, python=None, record=None, action_timeout=None, start_timeout=None,
                   unity_build=None):
    """The `serve` flags of a backend: none for "simulate"; for "live" (real AI2-THOR through the
    bridge, one sidecar per server) the bridge script, its Python, the record directory, the
    per-action and start timeouts and a local Unity build, each when given."""
    if backend not in BACKENDS:
        raise ThorLiteError(f"unknown backend {backend!r}; choose simulate or live")
    live = {"--bridge": bridge, "--python": python, "--record": record, "--action-timeout": action_timeout,
            "--start-timeout": start_timeout, "--unity-build": unity_build}
    if backend == "simulate":
        given = [flag for flag, value in live.items() if value is not None]
        if given:
            raise ThorLiteError(f"{', '.join(given)} belong to backend=\"live\"")
        return []
    arguments = ["--backend", "live"]
    for flag, value in live.items():
        if value is not None:
            arguments += [flag, os.fspath(value) if not isinstance(value, (int, float)) else str(value)]
    return arguments


def check_options(reward, order):
    if reward not in REWARD_MODES:
        raise ThorLiteError(f"unknown reward {reward!r}; choose one of {', '.join(REWARD_MODES)}")
    if order not in ("random", "cycle"):
        raise ThorLiteError(f"unknown order {order!r}; choose random or cycle")


class ThorLiteEnv(ClosesServer, _Base):
    """One `thor-lite serve` process running Embodied-Reasoner episodes.

    store:     the SQLite store (default: $THOR_LITE_STORE, else ./thor-lite.sqlite).
    binary:    the thor-lite executable (default: $THOR_LITE_BIN, a bundled copy, else PATH).
    tasks, tasktype, category, scene: the split `reset` draws from (default: every task);
               category is one of search, manipulation, transport, composite.
    order:     "random" (drawn with the environment's seeded generator) or "cycle" (in order).
    reward:    "completeness" (default; the reference's per-step gain), "success" or "goal".
    describe_view: append the view in words to the text observation (for text-only agents).
    expert_plan:   put the task's expert plan in `info["expert_plan"]` at reset.
    render_mode:   None, "rgb_array" (the episode's top-down map drawn by thor-lite, as an RGB
                   array) or "ansi" (the conversation so far as text).
    backend:       "simulate" (default: thor-lite's simulator) or "live" (real AI2-THOR through the
                   bridge, `thor-lite serve --backend live`): the same observations, error kinds and
                   metrics; `frame` is the frame Unity rendered (frame_match "live"). A bridge
                   fault ends the episode with ThorLiteError; the next reset starts a new sidecar.
    bridge, python, record, action_timeout, start_timeout, unity_build: the live backend's
                   options (the bridge script, its Python with ai2thor, a directory to record
                   episodes in the reference run layout, seconds per action and for loading a
                   scene, a local Unity build); see docs/live-mode.md.

    Observation (a dict): text (the reference's user message), action, object, success (0/1),
    error (thor-lite's error kind or ""), feedback, navigable and interactable (tuples of types),
    held (type or ""), step, frame (the path of the best recorded frame for this state, indexed by
    `thor-lite frames import`, or ""), frame_match ("exact", "same pose" or ""). The action is text: a plain action (`navigate to Fridge`) or a raw
    model response with `<DecisionMaking>...</DecisionMaking>`.
    """

    metadata = {"render_modes": ["rgb_array", "ansi"], "render_fps": 1}

    def __init__(self, store=None, binary=None, *, tasks=None, tasktype=None, category=None, scene=None,
                 order="random", reward="completeness", describe_view=True, expert_plan=False,
                 render_mode=None, backend="simulate", bridge=None, python=None, record=None,
                 action_timeout=None, start_timeout=None, unity_build=None):
        check_options(reward, order)
        arguments = live_arguments(backend, bridge, python, record, action_timeout, start_timeout, unity_build)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ThorLiteError(f"unknown render_mode {render_mode!r}; supported: {self.metadata['render_modes']}")
        self.store = os.fspath(store) if store else None
        self.binary = binary
        self.render_mode = render_mode
        self.reward_mode = reward
        self.order = order
        self.describe_view = describe_view
        self.want_expert_plan = expert_plan
        self.split = list_tasks(self.store, tasktype=tasktype, category=category, scene=scene, tasks=tasks,
                                binary=binary)
        if not self.split:
            raise ThorLiteError("the split is empty: no task matches the filters")
        self._plans = None
        self._next = 0
        self._python_random = random.Random()
        self.backend = backend
        self._client = ServeClient(self.store, binary, arguments=arguments)
        self.task = None
        self._transcript = []
        self._done = False
        if spaces is not None:
            self.action_space = action_space()
            self.observation_space = observation_space()

    # -- the task split -------------------------------------------------------------------------

    def _draw_task(self, options):
        if options and options.get("task") is not None:
            return options["task"]
        if self.order == "cycle":
            task = self.split[self._next % len(self.split)]
            self._next += 1
            return task.identity
        if gymnasium is not None:
            index = int(self.np_random.integers(len(self.split)))
        else:
            index = self._python_random.randrange(len(self.split))
        return self.split[index].identity

    def expert_plan(self, task=None):
        """The expert plan (key actions, ending in `end`) of `task`, or of the current task."""
        if self._plans is None:
            self._plans = expert_plans(self.store, binary=self.binary)
        identity = task if task is not None else (self.task["task"] if self.task else None)
        for key in (identity, str(identity)):
            if key in self._plans:
                return list(self._plans[key])
        if isinstance(identity, str) and identity.isdigit() and int(identity) in self._plans:
            return list(self._plans[int(identity)])
        raise ThorLiteError(f"no expert plan for task {identity!r}")

    # -- the Gymnasium API ----------------------------------------------------------------------

    def reset(self, *, seed=None, options=None):
        """Starts an episode on a task drawn from the split (seeded), or `options={"task": 7}`.
        Other options: "expert_plan" (bool). Returns (observation, info)."""
        if gymnasium is not None:
            super().reset(seed=seed)
        elif seed is not None:
            self._python_random.seed(seed)
        if seed is not None:
            self._next = 0
        identity = self._draw_task(options)
        reply = self._client.reset(identity)
        self.task = dict(reply["info"])
        self._done = False
        raw = reply["observation"]
        text = task_message(self.task.get("taskquery", ""))
        self._transcript = [SYSTEM_PROMPT, text]
        info = self._info(raw, reply["info"])
        if self.want_expert_plan or (options or {}).get("expert_plan"):
            info["expert_plan"] = self.expert_plan(self.task["task"])
        return self._observation(raw, text), info

    def step(self, action):
        """One model call. Returns (observation, reward, terminated, truncated, info)."""
        if self._done:
            raise ThorLiteError("the episode has ended: call reset()")
        action = str(action)
        reply = self._client.step(action)
        raw = reply["observation"]
        terminated, truncated = bool(reply["terminated"]), bool(reply["truncated"])
        self._done = terminated or truncated
        info = self._info(raw, reply["info"])
        text = step_text(raw)
        self._transcript += [action, text]
        reward = reward_for(self.reward_mode, reply["reward"], self._done, info)
        return self._observation(raw, text), reward, terminated, truncated, info

    def render(self, path=None):
        """With render_mode "rgb_array": the episode map as a (height, width, 3) uint8 array (nested
        lists of [r, g, b] without numpy); with `path`, the map is also written there as a PNG.
        With "ansi": the conversation so far."""
        if self.render_mode == "ansi" and path is None:
            return "\n\n".join(self._transcript) + "\n"
        if self.render_mode != "rgb_array" and path is None:
            return None
        request = {"op": "render"}
        if path is not None:
            request["path"] = os.fspath(path)
        reply = self._client.request(**request)
        width, height, pixels = reply["width"], reply["height"], base64.b64decode(reply["rgb"])
        try:
            import numpy
        except ImportError:
            return [[list(pixels[(y * width + x) * 3:(y * width + x) * 3 + 3]) for x in range(width)]
                    for y in range(height)]
        return numpy.frombuffer(pixels, dtype=numpy.uint8).reshape(height, width, 3)

    def divergence(self):
        """Live backend: where Unity and the simulator disagreed in this episode so far, as
        `thor-lite diverge` reports it: {"report": the `diverge --json` document, "steps": one
        dict per executed step (unity_success, simulated_success, agrees, navigable and
        interactable set differences)}. None with the simulate backend."""
        reply = self._client.request(op="state")
        if "divergence" not in reply:
            return None
        return {"report": reply["divergence"], "steps": reply["divergence_steps"]}

    def close(self):
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
        if gymnasium is not None:
            super().close()

    # -- helpers --------------------------------------------------------------------------------

    def _info(self, raw, server_info):
        return make_info(raw, server_info)

    admissible_commands = staticmethod(admissible_commands)

    def _observation(self, raw, text):
        return make_observation(raw, text, self.describe_view)


def register_envs():
    """Registers `ThorLite-v0` (every task) and one id per category with Gymnasium; `make_vec` on
    them gives a ThorLiteVectorEnv (one server, batched steps)."""
    if gymnasium is None:
        return
    ids = {"ThorLite-v0": {}}
    for category in CATEGORIES:
        ids[f"ThorLite-{category.capitalize()}-v0"] = {"category": category}
    for env_id, kwargs in ids.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, entry_point="thor_lite.env:ThorLiteEnv", kwargs=kwargs,
                               vector_entry_point="thor_lite.vector:ThorLiteVectorEnv", disable_env_checker=False)
