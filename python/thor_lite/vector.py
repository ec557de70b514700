"""`ThorLiteVectorEnv`: N Embodied-Reasoner episodes in one `thor-lite serve` process.

One batched request steps every episode (the server spreads them over its cores), so a vectorised
policy pays one round trip per batch instead of one process and one round trip per environment
(`SyncVectorEnv`/`AsyncVectorEnv` over `ThorLiteEnv`). Needs the Gymnasium extra
(`pip install thor-lite[gym]`); without it, `ServeClient.reset_batch`/`step_batch` speak the same
protocol directly.

    import gymnasium, thor_lite
    envs = gymnasium.make_vec("ThorLite-v0", num_envs=64, store="thor-lite.sqlite")
    observations, infos = envs.reset(seed=0)
    observations, rewards, terminated, truncated, infos = envs.step(["observe"] * 64)
"""

from itertools import chain

from ._client import ClosesServer, ServeClient, ThorLiteError, sparse_infos
from .catalog import list_tasks
from .env import (PLAIN_ACTIONS, ViewParts, action_space, check_options, make_info, make_observation,
                  observation_columns, observation_space, reward_for, step_text, step_text_of)
from .prompts import task_message, view_text

try:
    import gymnasium
    import numpy
    from gymnasium.vector import AutoresetMode, VectorEnv
    from gymnasium.spaces import Discrete, Sequence, Text
    from gymnasium.vector.utils import batch_space, concatenate, create_empty_array
except ImportError:  # the client works without Gymnasium
    gymnasium = None

__all__ = ["ThorLiteVectorEnv"]

_Base = VectorEnv if gymnasium else object


def batch_infos(infos, count):
    """One info dict per environment as Gymnasium batches them (`VectorEnv._add_info`): each key
    an array over the environments (typed for bool, int and float values, else objects), with a
    `_key` mask of the environments that have it; nested dicts batched the same way. Built key by
    key (the keys in the order they first appear), not environment by environment: `_add_info`
    took two thirds of a 64-environment step; and a key every environment has (most of them) is
    one array made from the list of its values, not one element assignment per environment."""
    batched = {}
    for key in dict.fromkeys(chain.from_iterable(infos)):
        _batch_key(batched, infos, key, count)
    return batched


def _batch_key(batched, infos, key, count):
    """`batch_infos` of one key: its `_key` mask and its array into `batched`."""
    present = [info[key] for info in infos if key in info]
    full = len(present) == count
    where = None if full else [index for index, info in enumerate(infos) if key in info]
    _batch_values(batched, key, present, where, count)


def _batch_values(batched, key, present, where, count):
    """A key's values as `batch_infos` batches them: `present` for the environments `where`
    (None: every environment)."""
    if where is None:
        mask = numpy.ones(count, dtype=numpy.bool_)
    else:
        mask = numpy.zeros(count, dtype=numpy.bool_)
        mask[where] = True
    batched["_" + key] = mask
    kinds = set(map(type, present))
    if all(issubclass(kind, dict) for kind in kinds):
        nested = present if where is None else [{}] * count
        if where is not None:
            for index, value in zip(where, present):
                nested[index] = value
        batched[key] = batch_infos(nested, count)
        return
    kind = kinds.pop() if len(kinds) == 1 else object
    if kind in (bool, int, float):
        if where is None:
            array = numpy.array(present, dtype=kind)
        else:
            array = numpy.zeros(count, dtype=kind)
            array[where] = present
    elif where is None:
        # fromiter keeps each value an element (a list stays one object, not a dimension).
        array = numpy.fromiter(present, dtype=object, count=count)
    else:
        array = numpy.full(count, None, dtype=object)
        for index, value in zip(where, present):
            array[index] = value
    batched[key] = array


def batch_column_infos(infos, observations, commands, count):
    """`batch_infos` of the infos a vector environment gives (each environment's server info,
    then "observation": its raw observation, and "admissible_commands"), with the raw
    observations given as columns (a column-wise reply's, every environment having every key):
    each column becomes its array as `batch_infos` would make it from the per-environment
    dicts, without making them. The keys in the order they first appear, as `batch_infos`."""
    extra = ("observation", "admissible_commands")
    batched = {}
    for key in dict.fromkeys(chain.from_iterable(chain(info, extra) for info in infos)):
        if key == "observation":
            nested = {}
            for name, column in observations.items():
                _batch_values(nested, name, column, None, count)
            batched["_observation"] = numpy.ones(count, dtype=numpy.bool_)
            batched["observation"] = nested
        elif key == "admissible_commands":
            _batch_values(batched, key, commands, None, count)
        else:
            _batch_key(batched, infos, key, count)
    return batched


class ThorLiteVectorEnv(ClosesServer, _Base):
    """`num_envs` episodes served by one `thor-lite serve` process, stepped by one request.

    The arguments are ThorLiteEnv's (store, binary, tasks, tasktype, category, scene, order,
    reward, describe_view), and `threads`, the server threads a batch is stepped on (default:
    every core); each environment's observation, reward and info are what a
    ThorLiteEnv would give, batched as Gymnasium batches them (`batch_space`, infos as arrays with
    `_key` masks).

    Autoreset is Gymnasium's default, next-step (`metadata["autoreset_mode"]`): after an episode
    terminates or truncates, the next `step` resets that environment to a task drawn from the
    split (its action is ignored) and reports the reset's observation with reward 0, and
    `info["reset"]` true. `reset(seed=...)` seeds the task draws; `reset(options={"tasks": [...]})`
    names one task per environment.
    """

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP if gymnasium else "next_step"}

    def __init__(self, num_envs, store=None, binary=None, *, tasks=None, tasktype=None, category=None,
                 scene=None, order="random", reward="completeness", describe_view=True, render_mode=None,
                 threads=None, backend="simulate"):
        if backend != "simulate":
            # One server steps the whole batch in the simulator; live episodes need a sidecar and
            # a Unity each, which one ThorLiteEnv per slot has.
            raise ThorLiteError(f"ThorLiteVectorEnv runs the simulator only (backend {backend!r}); for live episodes "
                                "use gymnasium.vector.SyncVectorEnv/AsyncVectorEnv over ThorLiteEnv(backend=\"live\"), "
                                "one serve process and sidecar per environment")
        if gymnasium is None:
            raise ThorLiteError("ThorLiteVectorEnv needs Gymnasium: pip install 'thor-lite[gym]'; "
                                "ServeClient.reset_batch/step_batch work without it")
        check_options(reward, order)
        if int(num_envs) < 1:
            raise ThorLiteError(f"num_envs must be at least 1, not {num_envs!r}")
        if render_mode is not None:
            raise ThorLiteError(f"ThorLiteVectorEnv renders nothing (render_mode {render_mode!r}); "
                                "use ThorLiteEnv or the serve op render with \"env\"")
        self.num_envs = int(num_envs)
        self.render_mode = None
        self.reward_mode = reward
        self.order = order
        self.describe_view = describe_view
        self.split = list_tasks(store, tasktype=tasktype, category=category, scene=scene, tasks=tasks, binary=binary)
        if not self.split:
            raise ThorLiteError("the split is empty: no task matches the filters")
        self._next = 0
        self._client = ServeClient(store, binary, threads)
        self.single_observation_space = observation_space()
        self.single_action_space = action_space()
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._observations = create_empty_array(self.single_observation_space, n=self.num_envs, fn=numpy.zeros)
        self._autoreset = numpy.zeros(self.num_envs, dtype=numpy.bool_)
        # Each environment's task fields (type, scene, name, query), merged into every info.
        self._tasks = [{} for _ in range(self.num_envs)]
        # Each environment's `ViewParts` (its lists' names, text and admissible commands).
        self._views = [ViewParts() for _ in range(self.num_envs)]
        # The batched step's reply layout: "columns" (protocol version 3: no key repeated per
        # environment, 22 KB against 33 KB at 64 environments, and the batch made key by key from
        # it) or "rows"; the tests compare the two.
        self._layout = "columns"

    def _draw_task(self):
        if self.order == "cycle":
            task = self.split[self._next % len(self.split)]
            self._next += 1
            return task.identity
        return self.split[int(self.np_random.integers(len(self.split)))].identity

    def reset(self, *, seed=None, options=None):
        """Starts one episode per environment. Returns (observations, infos)."""
        super().reset(seed=seed)
        if seed is not None:
            self._next = 0
        tasks = (options or {}).get("tasks")
        if tasks is None:
            tasks = [self._draw_task() for _ in range(self.num_envs)]
        elif len(tasks) != self.num_envs:
            raise ThorLiteError(f"options['tasks'] names {len(tasks)} tasks for {self.num_envs} environments")
        reply = self._client.reset_batch(tasks)
        self._autoreset[:] = False
        observations, infos = [], []
        views = self._views
        for index, (raw, server_info) in enumerate(zip(reply["observations"], reply["infos"])):
            self._tasks[index] = server_info
            parts = views[index].read(raw)
            observations.append(make_observation(raw, task_message(server_info.get("taskquery", "")),
                                                 self.describe_view, parts))
            infos.append(make_info(raw, server_info, parts))
        return self._batch(observations), batch_infos(infos, self.num_envs)

    def step(self, actions):
        """One model call per environment (text actions). Returns (observations, rewards,
        terminated, truncated, infos) as arrays over the environments."""
        actions = list(actions)
        if len(actions) != self.num_envs:
            raise ThorLiteError(f"{len(actions)} actions for {self.num_envs} environments")
        slots = [{"reset": self._draw_task()} if self._autoreset[index] else str(action)
                 for index, action in enumerate(actions)]
        reply = self._client.step_batch(slots, layout=self._layout)
        if isinstance(reply["observations"], dict):
            return self._step_columns(reply)
        # Rows: asked for, or a server before protocol version 3 (which ignores "layout").
        terminated = numpy.array(reply["terminated"], dtype=numpy.bool_)
        truncated = numpy.array(reply["truncated"], dtype=numpy.bool_)
        rewards = numpy.zeros(self.num_envs, dtype=numpy.float64)
        observations, infos = [], []
        views, tasks = self._views, self._tasks
        for index, (raw, server_info) in enumerate(zip(reply["observations"], reply["infos"])):
            parts = views[index].read(raw)
            if server_info.get("reset"):
                self._tasks[index] = {key: value for key, value in server_info.items() if key != "reset"}
                text = task_message(server_info.get("taskquery", ""))
            else:
                text = step_text(raw)
                done = terminated[index] or truncated[index]
                rewards[index] = reward_for(self.reward_mode, reply["rewards"][index], done, server_info)
            observations.append(make_observation(raw, text, self.describe_view, parts))
            infos.append(make_info(raw, {**tasks[index], **server_info}, parts))
        self._autoreset = terminated | truncated
        return self._batch(observations), rewards, terminated, truncated, batch_infos(infos, self.num_envs)

    def _step_columns(self, reply):
        """`step` from a column-wise reply: the batch made key by key from the columns; per
        environment only what is its own (its user message, its kept `ViewParts`, its merged
        info's server fields). Gives what the row reply gives (a test compares them)."""
        count = self.num_envs
        columns, info_columns = reply["observations"], reply["infos"]
        terminated = numpy.array(reply["terminated"], dtype=numpy.bool_)
        truncated = numpy.array(reply["truncated"], dtype=numpy.bool_)
        rewards = numpy.zeros(count, dtype=numpy.float64)
        sparse = sparse_infos(info_columns)
        views, tasks, describe_view = self._views, self._tasks, self.describe_view
        texts, infos, commands = [], [], []
        steps = zip(columns["action"], columns["success"], columns["feedback"], columns["object"], columns["held"],
                    columns["navigable"], columns["interactable"], info_columns["task"], reply["rewards"])
        for index, (action, success, feedback, object_type, held, navigable, interactable, task, gain) in enumerate(steps):
            parts = views[index].read_lists(navigable, interactable)
            server_info = sparse.get(index)
            if server_info is None:
                server_info = {"task": task}
            if server_info.get("reset"):
                tasks[index] = {key: value for key, value in server_info.items() if key != "reset"}
                text = task_message(server_info.get("taskquery", ""))
            else:
                text = step_text_of(action, success, feedback, object_type)
                done = terminated[index] or truncated[index]
                rewards[index] = reward_for(self.reward_mode, gain, done, server_info)
            if describe_view:
                text = text + view_text(parts.navigable.joined, parts.interactable.joined, held)
            texts.append(text)
            infos.append({**tasks[index], **server_info})
            commands.append(parts.navigable.commands + parts.interactable.commands + list(PLAIN_ACTIONS))
        self._autoreset = terminated | truncated
        observations = self._batch_columns(observation_columns(columns, texts, views))
        return observations, rewards, terminated, truncated, batch_column_infos(infos, columns, commands, count)

    def _batch(self, observations):
        """`gymnasium.vector.utils.concatenate` for this environment's Dict space, key by key as
        it does: a tuple of the values for a Text or Sequence key, the numbers written into the
        key's array (`out`, reused from step to step) for a Discrete key. Assigning the list is
        what `numpy.stack` gives, without converting each number to an array first (`stack` was
        a tenth of a 64-environment step). Another kind of space goes through `concatenate`."""
        return self._batch_columns({key: [observation[key] for observation in observations]
                                    for key in self.single_observation_space})

    def _batch_columns(self, columns):
        """`_batch` from each key's values over the environments."""
        out = self._observations
        batched = {}
        for key, space in self.single_observation_space.items():
            values = columns[key]
            if isinstance(space, Discrete):
                out[key][:] = values
                batched[key] = out[key]
            elif isinstance(space, (Text, Sequence)):
                batched[key] = tuple(values)
            else:
                batched[key] = concatenate(space, values, out[key])
        self._observations = batched
        return batched

    def close_extras(self, **kwargs):
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
