"""The `thor-lite serve` process and its JSON-lines protocol (one request, one reply).

The round trip is kept cheap: requests go out with one `os.write` on the pipe (no text layer, no
flush), replies come back through `os.read` in 64 KiB pieces (a 64-environment batch's reply in
one or two reads; the buffered reader's 8 KiB took five), after a bounded spin (`_Replies`), and
JSON is the standard library's unless `orjson` is installed (an optional speedup;
`THOR_LITE_JSON=stdlib` turns it off).
"""
import json
import os
import select
import shutil
import subprocess
import time

__all__ = ["ThorLiteError", "ServeClient", "find_binary", "rows_from_columns", "JSON_LIBRARY"]


class ThorLiteError(RuntimeError):
    """The server refused a request (the message says why) or stopped."""


def _json_functions():
    if os.environ.get("THOR_LITE_JSON", "").lower() != "stdlib":
        try:
            import orjson
        except ImportError:
            pass
        else:
            return "orjson", orjson.dumps, orjson.loads
    encode = json.JSONEncoder(separators=(",", ":")).encode
    return "json", (lambda value: encode(value).encode("utf-8")), json.loads


# Which JSON library the client uses: "orjson" or "json".
JSON_LIBRARY, _dumps, _loads = _json_functions()


def find_binary(binary=None):
    """`binary`, else $THOR_LITE_BIN, else the copy bundled in a wheel, else `thor-lite` on PATH."""
    if binary:
        return binary
    if os.environ.get("THOR_LITE_BIN"):
        return os.environ["THOR_LITE_BIN"]
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "thor-lite")
    if os.path.isfile(bundled) and os.access(bundled, os.X_OK):
        return bundled
    found = shutil.which("thor-lite")
    if not found:
        raise ThorLiteError("thor-lite binary not found: pass binary=, set THOR_LITE_BIN or put it on PATH")
    return found


# How long a client polls for a reply before it blocks, and the server for the next request
# (`serve --spin`), in microseconds: a process woken from a blocking read on an idle core takes
# tens of microseconds to run, as long as a whole step.
SPIN_MICROSECONDS = 100


_CORES = os.cpu_count() or 1


def _spare_core():
    """Whether the machine has a core to spare for spinning: its runnable threads (the `r` of
    `r/t` in /proc/loadavg, this one included) no more than its cores, so the server, running or
    about to run, has a core of its own; spinning on a busy machine holds a core the server is
    queued for. Asked at most every 5 ms; true where /proc/loadavg cannot be read."""
    try:
        with open("/proc/loadavg", "rb") as f:
            return int(f.read().split()[3].split(b"/")[0]) <= _CORES
    except (OSError, ValueError, IndexError):
        return True


class _Replies:
    """Reply lines read from the server's standard output, waiting adaptively as `serve --spin`
    waits for requests: poll without blocking for up to `spin` µs, then block. A spin that runs
    out of time, or is preempted (a gap between two polls: more runnable threads than cores,
    where spinning takes the CPU from the server it waits for), makes the next 1, 2, 4, ... 64
    waits block at once; one that succeeds resets the back-off. So single steps find the client
    awake, while large batches and renders cost one bound every 64 replies. Idle, it blocks. Nor
    does it spin while the machine has no core to spare (`_spare_core`)."""

    PREEMPTED_NS = 30_000
    MAX_BACK_OFF = 64

    def __init__(self, descriptor, spin):
        self._descriptor = descriptor
        self._poll = select.poll()
        self._poll.register(descriptor, select.POLLIN)
        self._spin = int(spin * 1000)
        self._skip = 0 if self._spin > 0 else -1  # -1: never spin
        self._back_off = 1
        self._pending = b""  # bytes read past the last line
        self._spare, self._spare_at = True, None

    def _wait(self):
        if self._skip < 0:
            return
        if self._skip > 0:
            self._skip -= 1
            return  # the read blocks
        now = time.perf_counter_ns()
        if self._spare_at is None or now - self._spare_at >= 5_000_000:
            self._spare, self._spare_at = _spare_core(), now
        if not self._spare:
            return  # a busy machine: the read blocks
        if self._spun():
            self._back_off = 1
            return
        self._skip = self._back_off
        self._back_off = min(self._back_off * 2, self.MAX_BACK_OFF)

    def _spun(self):
        poll, now = self._poll.poll, time.perf_counter_ns
        start = last = now()
        while True:
            if poll(0):
                return True
            current = now()
            if current - start >= self._spin or current - last >= self.PREEMPTED_NS:
                return False
            last = current

    def readline(self):
        """One line with its newline; what is left at the end of output (b"" when nothing)."""
        pending = self._pending
        end = pending.find(b"\n")
        if end >= 0:
            self._pending = pending[end + 1:]
            return pending[:end + 1]
        parts = [pending] if pending else []
        while True:
            self._wait()
            chunk = os.read(self._descriptor, 1 << 16)
            if not chunk:
                self._pending = b""
                return b"".join(parts)
            end = chunk.find(b"\n")
            if end < 0:
                parts.append(chunk)
                continue
            self._pending = chunk[end + 1:]
            if not parts and end == len(chunk) - 1:
                return chunk  # the usual case: one reply, one read, no copy
            parts.append(chunk[:end + 1])
            return b"".join(parts)


def rows_from_columns(reply):
    """A column-wise batched step reply (`step_batch(..., layout="columns")`) as the row reply
    would be: "observations" and "infos" lists of one dict per environment, keys in the order the
    row reply has them. The other members are the same in both layouts."""
    columns = reply["observations"]
    keys = tuple(columns)
    observations = [dict(zip(keys, values)) for values in zip(*columns.values())]
    infos = [{"task": task} for task in reply["infos"]["task"]]
    for slot, info in sparse_infos(reply["infos"]).items():
        infos[slot] = info
    rows = dict(reply)
    rows["observations"], rows["infos"] = observations, infos
    return rows


def sparse_infos(columns):
    """The row infos of the environments a column-wise reply's infos list (`columns`: reset or
    ended in this step), by slot, keys in the row reply's order; every other environment's info
    is {"task": its task}."""
    tasks = columns["task"]
    ended = dict(zip(columns["ended"], zip(columns["goal_success"], columns["metrics"])))
    reset = dict(zip(columns["reset"], zip(*(columns[key] for key in ("scene", "taskname", "taskquery", "tasktype")))))
    infos = {}
    for slot in sorted(ended.keys() | reset.keys()):
        info = {}
        if slot in ended:
            goal_success, metrics = ended[slot]
            info["goal_success"] = goal_success
            if metrics is not None:
                info["metrics"] = metrics
        if slot in reset:
            scene, taskname, taskquery, tasktype = reset[slot]
            info.update(reset=True, scene=scene, task=tasks[slot], taskname=taskname, taskquery=taskquery,
                        tasktype=tasktype)
        else:
            info["task"] = tasks[slot]
        infos[slot] = info
    return infos


class ClosesServer:
    """`with` support and closing on garbage collection for the environments that own a server."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class ServeClient:
    """One `thor-lite serve` child process. Requests are dicts; replies are dicts with "ok" true
    (a failed request raises ThorLiteError with the server's reason).

        client = ServeClient("thor-lite.sqlite")
        client.reset(7)["observation"]
        client.step("navigate to Fridge")["reward"]
        client.reset_batch([7, 12])["observations"]          # a batch of episodes
        client.step_batch(["observe", {"reset": 9}])["rewards"]
    """

    def __init__(self, store=None, binary=None, threads=None, arguments=(), spin=None):
        """`threads`: how many threads the server steps a batch on (default: every core).
        `arguments`: further `serve` flags (`--backend live --record DIR`, see `live_arguments`).
        `spin`: µs the client polls for a reply before blocking, and the server for a request
        (`serve --spin`; default `SPIN_MICROSECONDS`, 0 never polls)."""
        command = [find_binary(binary), "serve"]
        if store:
            command += ["--store", os.fspath(store)]
        if threads is not None:
            command += ["--threads", str(int(threads))]
        if spin is not None:
            command += ["--spin", str(int(spin))]
        command += [os.fspath(argument) for argument in arguments]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE)
        self._stdin = self._process.stdin.fileno()
        self._readline = _Replies(self._process.stdout.fileno(), SPIN_MICROSECONDS if spin is None else int(spin)).readline
        # Each batched environment's last navigable and interactable lists, and the single
        # episode's: a `delta` reply sends null for a list unchanged since then (`_fill`).
        self._navigable, self._interactable = [], []
        self._single = [None, None]
        # The lists the server has sent by id (`"lists": "ids"`): id -> list (`_fill_columns`).
        self._lists = {}

    def call(self, request):
        """Sends one request (a dict) and returns the reply; raises ThorLiteError when refused."""
        data = _dumps(request) + b"\n"
        try:
            while data:
                data = data[os.write(self._stdin, data):]
        except (BrokenPipeError, ValueError, OSError):
            raise self._stopped() from None
        line = self._readline()
        if not line:
            raise self._stopped()
        reply = _loads(line)
        if not reply.get("ok"):
            raise ThorLiteError(reply.get("error", "request failed"))
        observations = reply.get("observations")
        if isinstance(observations, dict):
            self._fill_columns(observations, reply.pop("lists", None))
        elif observations is not None:
            self._fill(observations)
        elif "observation" in reply:
            self._fill_single(reply["observation"])
        return reply

    def _fill(self, observations):
        """Puts back the lists a `delta` reply left out (null: unchanged since that environment's
        previous observation) as the very list objects of that observation, and keeps every list
        for the next reply. Every batched reply passes here, whichever way it was asked for, so the
        lists kept are those the server last sent. A batch of another size is a new batch (its
        reset reply has every list)."""
        navigable, interactable = self._navigable, self._interactable
        if len(navigable) != len(observations):
            navigable[:] = interactable[:] = [None] * len(observations)
        for index, observation in enumerate(observations):
            value = observation["navigable"]
            if value is None:
                observation["navigable"] = navigable[index]
            else:
                navigable[index] = value
            value = observation["interactable"]
            if value is None:
                observation["interactable"] = interactable[index]
            else:
                interactable[index] = value

    def _fill_columns(self, observations, definitions=None):
        """`_fill` for a column-wise reply (`"layout": "columns"`): one comprehension per list
        column, not one dict access per environment. The kept lists are updated in place. A
        reply asked for with `"lists": "ids"` (protocol version 4) names each list by an id
        (an int): `definitions` ([id, list] pairs, the reply's "lists") gives the lists new to
        the table, and every id is replaced by the table's list: one list object wherever that
        id recurs."""
        navigable, interactable = self._navigable, self._interactable
        count = len(observations["navigable"])
        if len(navigable) != count:
            navigable[:] = interactable[:] = [None] * count
        table = self._lists
        if definitions:
            table.update(definitions)
        for key, kept in (("navigable", navigable), ("interactable", interactable)):
            kept[:] = observations[key] = [old if new is None else table[new] if new.__class__ is int else new
                                           for new, old in zip(observations[key], kept)]

    def _fill_single(self, observation):
        """`_fill` for the single episode's observation."""
        kept = self._single
        for slot, key in enumerate(("navigable", "interactable")):
            value = observation.get(key)
            if value is None and key in observation:
                observation[key] = kept[slot]
            else:
                kept[slot] = value

    def request(self, **request):
        """`call` with the request's members as keyword arguments."""
        return self.call(request)

    def reset(self, task):
        """Starts the single episode on `task`."""
        return self.call({"op": "reset", "task": task})

    def step(self, action):
        """One model call on the single episode: a plain action or a raw response. Asks for
        the compact reply (`"delta": true`); the observation's lists are filled back in."""
        key = "response" if "<DecisionMaking>" in action else "action"
        return self.call({"op": "step", key: action, "delta": True})

    def reset_batch(self, tasks):
        """Starts one batched episode per task (replies carry lists: "observations", "infos")."""
        return self.call({"op": "reset", "tasks": list(tasks)})

    def step_batch(self, actions, layout="rows"):
        """Steps every batched episode: one slot each, an action/response string or
        {"reset": task}. An episode that ended on the previous step is reset instead (on its task,
        unless its slot names another) and its action ignored. Asks for the compact reply
        (`"delta": true`: a list unchanged since the environment's previous observation comes as
        null); the observations handed back have every list, an unchanged one being the previous
        observation's list object.

        `layout="columns"` (protocol version 3) asks for the reply column by column, the shape of
        a vector environment's batch: "observations" is one dict of lists (a list per key, one
        value per environment) and "infos" one dict: "task" (every environment's), "reset" (the
        slots reset in this step) with "scene", "taskname", "taskquery", "tasktype" (one per reset
        slot), "ended" (the slots whose episode has ended) with "goal_success" and "metrics" (one
        per ended slot). `rows_from_columns` turns it back into the row reply. The lists travel
        by id (`"lists": "ids"`, protocol version 4: each distinct list is sent once per
        session) and are put back, so the observations are those of full replies; a list sent
        by id is then one list object in every environment and step that has it (do not change
        an observation's list in place)."""
        if layout == "rows":
            return self.call({"op": "step", "actions": list(actions), "delta": True})
        if layout != "columns":
            raise ThorLiteError(f"unknown layout {layout!r}; choose rows or columns")
        return self.call({"op": "step", "actions": list(actions), "delta": True, "layout": "columns", "lists": "ids"})

    def _stopped(self):
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        message = ""
        if self._process.poll() is not None and self._process.stderr and not self._process.stderr.closed:
            message = self._process.stderr.read().decode("utf-8", "replace").strip()
        return ThorLiteError("thor-lite serve has stopped: " + message)

    @property
    def running(self):
        return self._process.poll() is None

    def close(self):
        if self._process.poll() is None:
            try:
                self.call({"op": "close"})
            except (ThorLiteError, OSError, ValueError):
                pass
            try:
                self._process.stdin.close()
            except OSError:
                pass
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            if stream and not stream.closed:
                try:
                    stream.close()
                except OSError:
                    pass
