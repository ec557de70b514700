"""The `thor-lite serve` process itself (line handling, options) and its batch ops through
ServeClient; no Gymnasium needed."""
import json
import subprocess

import pytest

from thor_lite import ServeClient, ThorLiteError


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
