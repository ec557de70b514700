"""The `thor-lite serve` process itself (line handling, options) and its batch ops through
ServeClient; no Gymnasium needed."""
import json
import subprocess

import pytest

from thor_lite import ServeClient, ThorLiteError, expert_plans


def serve(binary, store, text, *arguments):
    done = subprocess.run([binary, "serve", "--store", store, *arguments], input=text, capture_output=True, text=True)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_pipelined_requests_get_their_replies_in_order(store, binary):
    requests = [{"op": "reset", "task": 4, "id": 0}]
    requests += [{"op": "step", "action": "observe" if i % 2 else "move forward", "id": i} for i in range(1, 200)]
    requests += [{"op": "close", "id": "end"}]
    status, replies, _ = serve(binary, store, "".join(json.dumps(r) + "\n" for r in requests))
    assert status == 0
    assert [r["id"] for r in replies] == [r["id"] for r in requests]
    # Alternating actions never reach the repeat cut-off: task 4's budget of 24 steps ends the
    # episode at request 24 (truncated), and later steps are refused.
    assert [r["observation"]["step"] for r in replies[1:25]] == list(range(2, 26))
    assert [r["truncated"] for r in replies[1:25]] == [False] * 23 + [True]
    assert {r["error"] for r in replies[25:-1]} == {"the episode has ended; call reset to start another"}
    assert replies[-1] == {"id": "end", "ok": True}


def test_an_overlong_request_is_refused_whole_and_the_next_is_served(store, binary):
    overlong = '{"op": "state", "pad": "' + "x" * (64 << 20) + '", "id": 1}\n'
    status, replies, _ = serve(binary, store, overlong + '{"op": "close", "id": 2}\n')
    assert status == 0
    assert replies == [{"error": "request longer than 67108864 bytes; skipped", "ok": False},
                       {"id": 2, "ok": True}]


def test_blank_lines_crlf_and_a_last_line_without_newline_are_handled(store, binary):
    status, replies, _ = serve(binary, store, '\n  \n{"op": "state", "id": 1}\r\n\n{"op": "close", "id": 2}')
    assert status == 0
    assert [r["id"] for r in replies] == [1, 2] and all(r["ok"] for r in replies)


def test_serve_threads_must_be_positive_and_one_thread_serves_a_batch(store, binary):
    refused = subprocess.run([binary, "serve", "--store", store, "--threads", "0"], input="", capture_output=True,
                             text=True)
    assert refused.returncode == 2 and "--threads must be at least 1" in refused.stderr
    client = ServeClient(store, binary, threads=1)
    try:
        reply = client.reset_batch([4] * 20)
        assert len(reply["observations"]) == 20
        assert client.step_batch(["end"] * 20)["terminated"] == [True] * 20
    finally:
        client.close()


def test_serve_client_steps_a_batch_with_reset_slots(store, binary):
    client = ServeClient(store, binary)
    try:
        reply = client.reset_batch([4, 7])
        assert [o["action"] for o in reply["observations"]] == ["init", "init"]
        assert [i["task"] for i in reply["infos"]] == [4, 7]
        reply = client.step_batch(["end", "navigate to CounterTop"])
        assert reply["terminated"] == [True, False]
        assert "metrics" in reply["infos"][0] and reply["infos"][1] == {"task": 7}
        reply = client.step_batch(["observe", {"reset": 13}])
        assert [o["action"] for o in reply["observations"]] == ["init", "init"]
        assert [i["task"] for i in reply["infos"]] == [4, 13]
        assert [i.get("reset") for i in reply["infos"]] == [True, True]
        assert reply["rewards"] == [0.0, 0.0]
        with pytest.raises(ThorLiteError, match="1 actions for 2 environments"):
            client.step_batch(["observe"])
    finally:
        client.close()


def test_serve_spin_is_bounded_and_the_replies_do_not_depend_on_it(store, binary):
    for spin in ("-1", "10001"):
        refused = subprocess.run([binary, "serve", "--store", store, "--spin=" + spin], input="", capture_output=True,
                                 text=True)
        assert refused.returncode == 2 and "--spin must be 0 to 10000 µs" in refused.stderr, refused.stderr
    replies = []
    for spin in (None, 0, 10000):
        client = ServeClient(store, binary, spin=spin)
        try:
            got = [client.reset(4), client.step("navigate to CounterTop"), client.call({"op": "render"}),
                   client.reset_batch([4, 7] * 10), client.step_batch(["end"] * 20), client.call({"op": "state"})]
        finally:
            client.close()
        replies.append(got)
    assert len(json.dumps(replies[0][2])) > 1 << 16  # a render reply comes in several reads
    assert replies[0] == replies[1] == replies[2]


def test_an_idle_server_and_client_block_instead_of_spinning(store, binary):
    import os
    import resource
    import time
    client = ServeClient(store, binary)
    try:
        client.reset(4)
        for _ in range(50):  # quick replies: both sides spin between them
            client.request(op="state")
        server = client._process.pid
        with open(f"/proc/{server}/stat") as f:
            before = sum(int(x) for x in f.read().rsplit(")", 1)[1].split()[11:13])
        mine = resource.getrusage(resource.RUSAGE_SELF)
        time.sleep(0.5)
        with open(f"/proc/{server}/stat") as f:
            after = sum(int(x) for x in f.read().rsplit(")", 1)[1].split()[11:13])
        # Clock ticks (1/100 s): an idle server spins at most one bound (10 ms at most) and blocks.
        assert after - before <= 2
        assert client.request(op="state")["ok"]
        spent = resource.getrusage(resource.RUSAGE_SELF)
        assert (spent.ru_utime + spent.ru_stime) - (mine.ru_utime + mine.ru_stime) < 0.05
    finally:
        client.close()


def test_reply_lines_are_split_across_and_within_reads():
    import os
    import threading
    from thor_lite._client import _Replies
    for spin in (0, 100):
        read, write = os.pipe()
        replies = _Replies(read, spin)
        os.write(write, b'{"a": 1}\n{"b"')
        assert replies.readline() == b'{"a": 1}\n'
        os.write(write, b': 2}\n{"c": 3}\n{"d"')
        assert replies.readline() == b'{"b": 2}\n'
        assert replies.readline() == b'{"c": 3}\n'
        writer = threading.Thread(target=os.write, args=(write, b"x" * (1 << 17) + b": 4}\n"))
        writer.start()  # larger than the pipe: written while read
        assert replies.readline() == b'{"d"' + b"x" * (1 << 17) + b": 4}\n"
        writer.join()
        os.write(write, b"last")
        os.close(write)
        assert replies.readline() == b"last"
        assert replies.readline() == b""
        os.close(read)


def recording_replies(client):
    """The raw reply lines `client` reads from now on, in a list that grows as it reads them."""
    lines = []
    readline = client._readline

    def keep():
        lines.append(readline())
        return lines[-1]

    client._readline = keep
    return lines


def test_compact_replies_hand_back_what_full_replies_give(store, binary):
    """`step_batch` and `step` ask for `"delta": true` (an unchanged list comes as null); the
    client fills the lists back in, so a policy sees what full replies give, an unchanged list
    being the previous observation's object. Also across a refused batch, a full batched step
    sent with `call`, autoresets, reset slots and a new batch of another size."""
    import random
    compact, full = ServeClient(store, binary), ServeClient(store, binary)
    raw_lines = recording_replies(compact)
    plans = expert_plans(store, binary=binary)
    tasks = sorted(plans)
    draw = random.Random(7)
    try:
        for count in (5, 3):
            chosen = [draw.choice(tasks) for _ in range(count)]
            assert compact.reset_batch(chosen) == full.reset_batch(chosen)
            previous = None
            for turn in range(40):
                slots = [{"reset": draw.choice(tasks)} if draw.random() < 0.05 else
                         draw.choice(plans[chosen[i]] + ["observe", "move forward", "navigate to Fridge", "end"])
                         for i in range(count)]
                if turn == 7:
                    with pytest.raises(ThorLiteError):
                        compact.step_batch(slots[:-1])
                if turn == 11:
                    reply = compact.call({"op": "step", "actions": slots})  # no delta: every list
                else:
                    reply = compact.step_batch(slots)
                assert reply == full.call({"op": "step", "actions": slots})
                if previous is not None and turn != 11:
                    for now, before in zip(reply["observations"], previous["observations"]):
                        for key in ("navigable", "interactable"):
                            if now[key] == before[key]:
                                assert now[key] is before[key]
                previous = reply
            task = draw.choice(tasks)
            assert compact.reset(task) == full.reset(task)
            for action in plans[task]:
                assert compact.step(action) == full.call({"op": "step", "action": action})
        assert sum(b'"navigable": null' in line for line in raw_lines) > 10
    finally:
        compact.close()
        full.close()


def test_column_replies_name_lists_by_id_and_hand_back_whole_lists(store, binary):
    """`step_batch(..., layout="columns")` asks for the lists by id (protocol version 4): the
    raw replies carry ints and each list's definition once, the observations handed back carry
    the lists themselves (as a server without ids sends them), a list named by one id being one
    object wherever it recurs."""
    ids, inline = ServeClient(store, binary), ServeClient(store, binary)
    raw_lines = recording_replies(ids)
    plans = expert_plans(store, binary=binary)
    tasks = sorted(plans)[:8]
    try:
        chosen = tasks * 2
        assert ids.reset_batch(chosen) == inline.reset_batch(chosen)
        for turn in range(12):
            slots = [plans[task][turn % len(plans[task])] for task in chosen]
            reply = ids.step_batch(slots, layout="columns")
            expected = inline.call({"op": "step", "actions": slots, "layout": "columns"})  # every list in full
            assert "lists" not in reply
            assert reply == expected, turn
            raw = json.loads(raw_lines[-1])["observations"]
            for key in ("navigable", "interactable"):
                lists = reply["observations"][key]
                for first in range(len(tasks)):
                    # Environments `first` and `first + 8` follow the same plan: the same id.
                    if isinstance(raw[key][first], int):
                        assert raw[key][first] == raw[key][first + len(tasks)]
                        assert lists[first] is lists[first + len(tasks)]
        defined = [json.loads(line).get("lists") for line in raw_lines[1:]]
        assert all(isinstance(definitions, list) for definitions in defined)
        # Each distinct list defined once: fewer than one per environment and step.
        assert 0 < sum(len(definitions) for definitions in defined) < 12 * len(tasks)
    finally:
        ids.close()
        inline.close()


def test_column_replies_are_the_row_replies_transposed(store, binary):
    """`step_batch(..., layout="columns")` hands back one list per observation key and the infos'
    sparse columns; `rows_from_columns` turns them into exactly the row reply, lists filled back
    in (the client keeps one set of lists for both layouts, so they mix freely), across reset
    slots, autoresets, a refused batch and a new batch of another size."""
    import random
    from thor_lite import rows_from_columns
    columns, rows = ServeClient(store, binary), ServeClient(store, binary)
    plans = expert_plans(store, binary=binary)
    tasks = sorted(plans)
    draw = random.Random(11)
    try:
        for count in (6, 2):
            chosen = [draw.choice(tasks) for _ in range(count)]
            assert columns.reset_batch(chosen) == rows.reset_batch(chosen)
            positions = [0] * count
            for turn in range(60):
                slots = []
                for i in range(count):
                    if draw.random() < 0.05:
                        chosen[i], positions[i] = draw.choice(tasks), 0
                        slots.append({"reset": chosen[i]})
                    else:
                        plan = plans[chosen[i]]
                        slots.append(plan[positions[i] % len(plan)])
                        positions[i] += 1
                if turn == 9:
                    with pytest.raises(ThorLiteError):
                        columns.step_batch(slots[:-1], layout="columns")
                expected = rows.step_batch(slots)
                layout = "rows" if turn % 7 == 3 else "columns"
                reply = columns.step_batch(slots, layout=layout)
                if layout == "columns":
                    assert set(reply["observations"]) == set(expected["observations"][0])
                    assert all(len(column) == count for column in reply["observations"].values())
                    assert reply["infos"]["task"] == [info["task"] for info in expected["infos"]]
                    reply = rows_from_columns(reply)
                assert reply == expected, turn
                for got, want in zip(reply["infos"], expected["infos"]):
                    assert list(got) == list(want)  # the keys in the row reply's order too
        with pytest.raises(ThorLiteError, match="unknown layout"):
            columns.step_batch(["observe"] * 2, layout="column")
    finally:
        columns.close()
        rows.close()
