#!/usr/bin/env python3
"""thor-lite serve through the Python client, side by side with the transport's floor.

Usage (bench/serve_bench.sh builds the release binary and a store, then runs this):
    python3 bench/serve_bench.py BINARY STORE [--seconds S] [--envs N] [--cpu-steps N] [--peer OTHER_BINARY]

What is measured, each in one run, one after the other on the same machine:
  cpu      the server alone: `serve < file` over a file of single-env requests and one of batched
           requests (all cores and one thread), CPU seconds per step, best of three.
  single   one environment through `ServeClient.step`: every task's expert plan in turn (a reset
           when an episode ends); steps/s over the whole time (resets included) and the p50/p99
           latency of a step request; with the standard library's json and, when installed, orjson.
  env      the same through `ThorLiteEnv.step` (Gymnasium env: text observation, info, reward).
  batched  N environments in one server through `ServeClient.step_batch`: each follows its own
           task's expert plan and, when its episode ends, is reset to the next task in the same
           request; environment-steps/s, on all cores and with `serve --threads 1` (whether
           spreading a batch over the cores pays), with the row reply and with the column reply
           (`layout="columns"`, protocol version 3, its lists by id since version 4). Also
           through `ThorLiteVectorEnv` (which asks for columns) and, for comparison, with rows.
  peer     with --peer, the server-CPU, single-env and batched (all cores) measurements against
           another thor-lite binary (main's release build, to see the change); with --runs N
           also the single-env and batched runs alternated with the peer N times (the last JSON
           library), medians: the figure the load distorts least.
  floor    the same client against a Python echo server that answers every request with a
           real reply of this binary's, the median-sized of 200 (the compact `delta` replies the
           client asks for, rows or columns as the run asks; a pipe round trip plus the client's
           JSON work, no simulation): the best any server could do for this client. The ratios
           printed are thor-lite / floor.
The targets (issue 10): >= 15,000 single-env steps/s, >= 200,000 batched env-steps/s at 64 envs.
The machine may be shared: the load average before each part is printed; read the ratios.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import thor_lite  # noqa: E402
from thor_lite import _client  # noqa: E402

ECHO_SERVER = r'''
import os, sys
reply = open(sys.argv[1], "rb").read()
close = open(sys.argv[2], "rb").read()
read = sys.stdin.buffer.readline
out = sys.stdout.fileno()
for line in iter(read, b""):
    os.write(out, close if b'"close"' in line else reply)
'''


def json_libraries():
    encode = json.JSONEncoder(separators=(",", ":")).encode
    libraries = [("json", lambda v: encode(v).encode("utf-8"), json.loads)]
    try:
        import orjson
        libraries.append(("orjson", orjson.dumps, orjson.loads))
    except ImportError:
        pass
    return libraries


def use_json(library):
    _client.JSON_LIBRARY, _client._dumps, _client._loads = library


def expert_plans(binary, store):
    out = subprocess.run([binary, "tasks", "--plans", "--store", store], check=True, capture_output=True, text=True).stdout
    plans = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [(plan["identity"], plan["actions"]) for plan in plans]


class EchoBinary:
    """An executable that stands in for `thor-lite serve`: answers with canned replies."""

    def __init__(self, reply, work):
        self.path = os.path.join(work, "echo-serve")
        reply_path, close_path = self.path + ".reply", self.path + ".close"
        with open(reply_path, "wb") as f:
            f.write(reply if reply.endswith(b"\n") else reply + b"\n")
        with open(close_path, "wb") as f:
            f.write(b'{"ok": true}\n')
        with open(self.path + ".py", "w") as f:
            f.write(ECHO_SERVER)
        with open(self.path, "w") as f:
            f.write(f"#!/bin/sh\nexec {sys.executable} {self.path}.py {reply_path} {close_path}\n")
        os.chmod(self.path, 0o755)


def warm(client, plans):
    """Starts every task once (untimed), so each scene is compiled before the clock starts: the
    server compiles a scene on its first episode and keeps it (one at a time for a server
    without the batch ops)."""
    try:
        client.reset_batch([identity for identity, _ in plans])
    except thor_lite.ThorLiteError:
        for identity, _ in plans:
            client.reset(identity)


def single(binary, store, plans, seconds):
    """steps/s, p50 and p99 step latency (µs) through ServeClient."""
    client = thor_lite.ServeClient(store, binary)
    warm(client, plans)
    latencies, steps = [], 0
    try:
        start = time.perf_counter()
        deadline = start + seconds
        index = 0
        while time.perf_counter() < deadline:
            identity, actions = plans[index % len(plans)]
            index += 1
            client.reset(identity)
            for action in actions:
                t = time.perf_counter_ns()
                reply = client.step(action)
                latencies.append(time.perf_counter_ns() - t)
                steps += 1
                if reply.get("terminated") or reply.get("truncated"):
                    break
        elapsed = time.perf_counter() - start
    finally:
        client.close()
    latencies.sort()
    return steps / elapsed, latencies[len(latencies) // 2] / 1000, latencies[int(len(latencies) * 0.99)] / 1000


def single_env(binary, store, plans, seconds):
    """steps/s through ThorLiteEnv (Gymnasium env)."""
    env = thor_lite.ThorLiteEnv(store=store, binary=binary)
    warm(env._client, plans)
    steps = 0
    try:
        start = time.perf_counter()
        deadline = start + seconds
        index = 0
        while time.perf_counter() < deadline:
            identity, actions = plans[index % len(plans)]
            index += 1
            env.reset(options={"task": identity})
            for action in actions:
                _, _, terminated, truncated, _ = env.step(action)
                steps += 1
                if terminated or truncated:
                    break
        elapsed = time.perf_counter() - start
    finally:
        env.close()
    return steps / elapsed


class PlanFollower:
    """The batched runs' policy: environment i follows its task's expert plan and, when its
    episode ends or its plan runs out, is reset to the next plan in the same request."""

    def __init__(self, plans, envs):
        self.plans, self.envs = plans, envs
        self.next_plan = envs
        self.current = [plans[i % len(plans)] for i in range(envs)]
        self.position = [0] * envs
        self.ended = [False] * envs

    def tasks(self):
        return [identity for identity, _ in self.current]

    def slots(self):
        slots = []
        for i in range(self.envs):
            if self.ended[i] or self.position[i] >= len(self.current[i][1]):
                self.current[i] = self.plans[self.next_plan % len(self.plans)]
                self.next_plan += 1
                self.position[i] = 0
                slots.append({"reset": self.current[i][0]})
            else:
                slots.append(self.current[i][1][self.position[i]])
                self.position[i] += 1
        return slots

    def saw(self, reply):
        self.ended = [a or b for a, b in zip(reply["terminated"], reply["truncated"])]


def batched(binary, store, plans, seconds, envs, threads=None, layout="rows", lists=None):
    """environment-steps/s through ServeClient.step_batch; every env follows its task's plan.
    `lists`: the lists by id the client knows already (for the echo server's canned reply)."""
    client = thor_lite.ServeClient(store, binary, threads)
    client._lists.update(lists or {})
    warm(client, plans)
    try:
        policy = PlanFollower(plans, envs)
        client.reset_batch(policy.tasks())
        steps = batches = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            policy.saw(client.step_batch(policy.slots(), layout))
            steps += envs
            batches += 1
        elapsed = time.perf_counter() - start
    finally:
        client.close()
    return steps / elapsed, batches


def vector_env(binary, store, plans, seconds, envs, layout="columns"):
    """environment-steps/s through ThorLiteVectorEnv (a plain-action policy), asking for the
    batched replies in `layout`."""
    vector = thor_lite.ThorLiteVectorEnv(envs, store=store, binary=binary)
    vector._layout = layout
    warm(vector._client, plans)
    try:
        vector.reset(seed=0)
        actions = ["observe", "move forward", "navigate to CounterTop", "end"]
        steps = 0
        start = time.perf_counter()
        deadline = start + seconds
        turn = 0
        while time.perf_counter() < deadline:
            vector.step([actions[(turn + i) % len(actions)] for i in range(envs)])
            steps += envs
            turn += 1
        elapsed = time.perf_counter() - start
    finally:
        vector.close()
    return steps / elapsed


def request_files(plans, envs, work, steps):
    """Two request files for `serve < file`: about `steps` single-env steps over the expert plans
    (a reset before each plan), and `steps // envs` batched steps of `envs` environments following
    their plans (a reset slot when a plan is done), the latter also with the column reply
    (`"layout": "columns"`, with the lists by id, `"lists": "ids"`). All start with a reset of
    every task. Steps ask for the compact reply (`"delta": true`) as the Python client does; a
    server without an option ignores it."""
    batches = max(1, steps // envs)
    warm = json.dumps({"op": "reset", "tasks": [identity for identity, _ in plans]}) + "\n"
    single = os.path.join(work, "single.jsonl")
    with open(single, "w") as out:
        out.write(warm)
        count = 0
        while count < steps:
            for identity, actions in plans:
                out.write(json.dumps({"op": "reset", "task": identity}) + "\n")
                for action in actions:
                    out.write(json.dumps({"op": "step", "action": action, "delta": True}) + "\n")
                    count += 1
    batch = os.path.join(work, "batch.jsonl")
    columns = os.path.join(work, "columns.jsonl")
    with open(batch, "w") as out, open(columns, "w") as column_out:
        current = [plans[i % len(plans)] for i in range(envs)]
        position, following = [0] * envs, envs
        for stream in (out, column_out):
            stream.write(warm)
            stream.write(json.dumps({"op": "reset", "tasks": [identity for identity, _ in current]}) + "\n")
        for _ in range(batches):
            slots = []
            for i in range(envs):
                if position[i] >= len(current[i][1]):
                    current[i], position[i] = plans[following % len(plans)], 0
                    following += 1
                    slots.append({"reset": current[i][0]})
                else:
                    slots.append(current[i][1][position[i]])
                    position[i] += 1
            out.write(json.dumps({"op": "step", "actions": slots, "delta": True}) + "\n")
            column_out.write(json.dumps({"op": "step", "actions": slots, "delta": True, "layout": "columns", "lists": "ids"}) + "\n")
    return (single, count), (batch, batches * envs), columns


def server_cpu(binary, store, path, threads=None, runs=3):
    """Best-of-`runs` CPU seconds (user + system) of `serve < path`, replies to /dev/null: the
    server's own cost, no client, and less sensitive to other load than wall time."""
    best = None
    command = [binary, "serve", "--store", store] + (["--threads", str(threads)] if threads else [])
    for _ in range(runs):
        with open(path, "rb") as requests:
            process = subprocess.Popen(command, stdin=requests, stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"serve < {path} exited {process.returncode}")
        cpu = usage.ru_utime + usage.ru_stime
        best = cpu if best is None else min(best, cpu)
    return best


def sample_replies(binary, store, plans, envs, count=200):
    """Real replies for the echo server, the bytes this client receives from `binary` (the
    compact `delta` replies it asks for: a list unchanged since the environment's previous
    observation is null): the median-sized of the single step replies over the first plans,
    and of `count` batched step replies of the batched run, in rows and in columns (the same
    batches: a second client asks for columns), with the lists the column replies defined by id
    before (the client's table, which the echo floor's client starts with: the median reply
    names lists defined by earlier ones)."""
    client = thor_lite.ServeClient(store, binary)
    lines = []
    readline = client._readline

    def keep():
        line = readline()
        lines.append(line)
        return line

    client._readline = keep
    try:
        single_replies = []
        for identity, actions in plans:
            client.reset(identity)
            for action in actions:
                lines.clear()
                reply = client.step(action)
                single_replies.append(lines[-1])
                if reply["terminated"] or reply["truncated"]:
                    break
            if len(single_replies) >= count:
                break
        replies = {}
        for layout in ("rows", "columns"):
            policy = PlanFollower(plans, envs)
            client.reset_batch(policy.tasks())
            replies[layout] = []
            for _ in range(count):
                lines.clear()
                policy.saw(client.step_batch(policy.slots(), layout))
                replies[layout].append(lines[-1])
    finally:
        client._readline = readline
        client.close()
    median = lambda replies: sorted(replies, key=len)[len(replies) // 2].rstrip(b"\n")
    return median(single_replies), median(replies["rows"]), median(replies["columns"]), dict(client._lists)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("store")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--envs", type=int, default=64)
    parser.add_argument("--cpu-steps", type=int, default=100_000, help="steps in the server-CPU request files")
    parser.add_argument("--peer", help="another thor-lite binary (e.g. main's) to measure against")
    parser.add_argument("--runs", type=int, default=0, help="with --peer: alternated runs with the peer, medians")
    args = parser.parse_args()
    plans = expert_plans(args.binary, args.store)
    single_reply, batch_reply, column_reply, column_lists = sample_replies(args.binary, args.store, plans, args.envs)
    print(f"{len(plans)} expert plans; {os.cpu_count()} cores; {args.seconds:g} s per measurement; "
          f"a single step reply is {len(single_reply)} bytes, a batched one at {args.envs} envs {len(batch_reply)} bytes "
          f"in rows, {len(column_reply)} in columns")
    with tempfile.TemporaryDirectory() as work:
        os.makedirs(work + "/single")
        os.makedirs(work + "/batch")
        os.makedirs(work + "/columns")
        echo_single = EchoBinary(single_reply, work + "/single")
        echo_batch = EchoBinary(batch_reply, work + "/batch")
        echo_columns = EchoBinary(column_reply, work + "/columns")
        (single_file, steps), (batch_file, env_steps), column_file = request_files(plans, args.envs, work, args.cpu_steps)
        print(f"\n-- server CPU alone, serve < file (best of 3; load average before: {os.getloadavg()[0]:.2f})")
        for binary in [args.binary] + ([args.peer] if args.peer else []):
            name = "" if binary == args.binary else f"peer {binary}: "
            cpu = server_cpu(binary, args.store, single_file)
            print(f"{name}single env: {steps:,} steps (and a reset per plan) in {cpu:.2f} s = {cpu / steps * 1e6:.1f} µs a step")
            for path, layout in ((batch_file, "rows"), (column_file, "columns")):
                if layout == "columns" and binary != args.binary:
                    continue  # a server before version 3 refuses nothing but sends rows
                for threads in (None, 1):
                    cpu = server_cpu(binary, args.store, path, threads)
                    label = "one thread" if threads else "all cores"
                    print(f"{name}{args.envs} envs, {layout} ({label}): {env_steps:,} env-steps in {cpu:.2f} s = {cpu / env_steps * 1e6:.2f} µs an env-step")
        for library in json_libraries():
            use_json(library)
            print(f"\n-- client JSON: {library[0]} (load average before: {os.getloadavg()[0]:.2f})")
            rate, p50, p99 = single(args.binary, args.store, plans, args.seconds)
            floor, floor50, floor99 = single(echo_single.path, args.store, plans, args.seconds)
            print(f"single env, ServeClient.step:   {rate:>10,.0f} steps/s  p50 {p50:6.1f} µs  p99 {p99:6.1f} µs")
            print(f"  floor (Python echo server):   {floor:>10,.0f} steps/s  p50 {floor50:6.1f} µs  p99 {floor99:6.1f} µs"
                  f"   thor-lite/floor {rate / floor:.2f}   target 15,000: {rate / 15000:.2f}x")
            if args.peer:
                peer, peer50, peer99 = single(args.peer, args.store, plans, args.seconds)
                print(f"  peer {args.peer}: {peer:>10,.0f} steps/s  p50 {peer50:6.1f} µs  p99 {peer99:6.1f} µs"
                      f"   thor-lite/peer {rate / peer:.2f}")
            rate = single_env(args.binary, args.store, plans, args.seconds)
            print(f"single env, ThorLiteEnv.step:   {rate:>10,.0f} steps/s")
            for layout, echo in (("rows", echo_batch), ("columns", echo_columns)):
                rate, batches = batched(args.binary, args.store, plans, args.seconds, args.envs, layout=layout)
                one, _ = batched(args.binary, args.store, plans, args.seconds, args.envs, threads=1, layout=layout)
                floor, _ = batched(echo.path, args.store, plans, args.seconds, args.envs, layout=layout,
                                   lists=column_lists if layout == "columns" else None)
                print(f"{args.envs} envs, ServeClient.step_batch, {layout}: {rate:>10,.0f} env-steps/s ({batches} batches)")
                print(f"  the same, serve --threads 1:  {one:>10,.0f} env-steps/s   all cores/one thread {rate / one:.2f}")
                print(f"  floor (Python echo server):   {floor:>10,.0f} env-steps/s"
                      f"   thor-lite/floor {rate / floor:.2f}   target 200,000: {rate / 200000:.2f}x")
            if args.peer:
                peer, _ = batched(args.peer, args.store, plans, args.seconds, args.envs)
                print(f"  peer {args.peer} (rows): {peer:>10,.0f} env-steps/s   thor-lite columns/peer {rate / peer:.2f}")
            rate = vector_env(args.binary, args.store, plans, args.seconds, args.envs)
            rows = vector_env(args.binary, args.store, plans, args.seconds, args.envs, layout="rows")
            print(f"{args.envs} envs, ThorLiteVectorEnv.step: {rate:>10,.0f} env-steps/s (columns), {rows:,.0f} (rows)")
        if args.peer and args.runs:
            alternated(args, plans)


def alternated(args, plans):
    """The single-env and batched runs, this binary and the peer alternated `--runs` times
    (the order flipped every run), medians and their ratio."""
    import statistics
    print(f"\n-- alternated with the peer, {args.runs} runs each, medians (load average before: {os.getloadavg()[0]:.2f})")
    runs = (("single env, ServeClient.step", lambda b, layout: single(b, args.store, plans, args.seconds)[0], ("rows",)),
            (f"{args.envs} envs, ServeClient.step_batch",
             lambda b, layout: batched(b, args.store, plans, args.seconds, args.envs, layout=layout)[0], ("rows", "columns")))
    for name, run, layouts in runs:
        # This binary in each layout, and the peer (rows: the only layout before version 3).
        contenders = [(args.binary, layout) for layout in layouts] + [(args.peer, "rows")]
        rates = {contender: [] for contender in contenders}
        for index in range(args.runs):
            for contender in contenders if index % 2 == 0 else contenders[::-1]:
                rates[contender].append(run(*contender))
        peer = statistics.median(rates[(args.peer, "rows")])
        for layout in layouts:
            mine = statistics.median(rates[(args.binary, layout)])
            print(f"{name}, {layout}: {mine:>10,.0f} /s, peer {peer:>10,.0f} /s   thor-lite/peer {mine / peer:.2f}"
                  f"   (load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
