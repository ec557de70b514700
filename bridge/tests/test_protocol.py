"""The JSON-lines protocol: handshake, refused requests (the sidecar keeps serving), close."""
import json

from conftest import FAKE, Sidecar


def test_hello_reports_protocol_versions_and_echoes_id():
    with Sidecar() as sidecar:
        reply = sidecar.ask({"op": "hello", "protocol": 1, "id": 7})
    assert reply["ok"] is True
    assert reply["protocol"] == 1
    assert reply["ai2thor"] == "5.0.0"
    assert reply["id"] == 7
    assert reply["platform"] == "CloudRendering"  # the tests run without DISPLAY
    assert reply["actions"] == ["init", "navigate to", "pickup", "put", "put in", "toggle", "open", "close",
                                "observe", "move forward", "end"]


def test_hello_with_another_protocol_is_refused_with_kind_protocol():
    with Sidecar() as sidecar:
        reply = sidecar.ask({"op": "hello", "protocol": 2})
        assert reply == {"ok": False, "kind": "protocol",
                         "error": "this bridge speaks protocol 1, the request asked for 2"}
        assert sidecar.ask({"op": "hello", "protocol": 1})["ok"] is True


def test_bad_requests_get_a_clear_error_and_the_sidecar_keeps_serving():
    cases = [
        ("not json", "bad_request", "not JSON"),
        ("[1, 2]", "bad_request", "a request is a JSON object, got list"),
        ('{"op": "fly"}', "bad_request", "unknown op 'fly'"),
        ('{"nothing": 1}', "bad_request", "unknown op None"),
        ('{"op": "start"}', "bad_request", "start: field 'scene'"),
        ('{"op": "start", "scene": "FloorPlan30", "task": []}', "bad_request", "start: field 'task' must be an object"),
        ('{"op": "start", "scene": "FloorPlan30", "task": {"target_objects": "Fridge"}}', "bad_request",
         "start: field 'task.target_objects' must be a list of strings"),
        ('{"op": "start", "scene": "FloorPlan30", "agent_positions": {"Fridge|1": {"agent_rotation": {"y": 90}}}}',
         "bad_request", "start: field 'agent_positions': pose of 'Fridge|1' needs agent_teleport_position"),
        ('{"op": "start", "scene": "FloorPlan30", "agent_positions_file": "/nonexistent/agent_positions.json"}',
         "bad_request", "agent_positions_file /nonexistent/agent_positions.json: [Errno 2]"),
        ('{"op": "step", "action": "observe"}', "state", "step before a successful start"),
    ]
    with Sidecar() as sidecar:
        for text, kind, fragment in cases:
            reply = sidecar.ask(text)
            assert reply["ok"] is False, text
            assert reply["kind"] == kind, (text, reply)
            assert fragment in reply["error"], (text, reply)
        started = sidecar.ask({"op": "start", "scene": "FloorPlan30", "id": "s"})
        assert started["ok"] is True and started["id"] == "s"
        unknown = sidecar.ask({"op": "start", "scene": "FloorPlan999"})
        assert (unknown["ok"], unknown["kind"]) == (False, "controller")
        assert "Invalid scene name 'FloorPlan999'" in unknown["error"]
        assert sidecar.ask({"op": "step", "action": "observe"})["kind"] == "state"
        assert sidecar.ask({"op": "start", "scene": "FloorPlan30"})["ok"] is True
        for text, fragment in [
            ('{"op": "step"}', "step: field 'action' must be one of"),
            ('{"op": "step", "action": "fly"}', "(got 'fly')"),
            ('{"op": "step", "action": "pickup", "object": 3}', "field 'object' must be a type name"),
            ('{"op": "step", "action": "init", "object": "Fridge"}', "'init' takes no object"),
            ('{"op": "step", "action": "observe", "frame": 5}', "field 'frame' must be a path string"),
            ('{"op": "step", "action": "observe", "view_frames": ["a"]}', "field 'view_frames' must be a list of three"),
        ]:
            reply = sidecar.ask(text)
            assert (reply["ok"], reply["kind"]) == (False, "bad_request"), text
            assert fragment in reply["error"], (text, reply)
        assert sidecar.ask({"op": "step", "action": "observe"})["ok"] is True


def test_close_stops_the_controller_and_exits_zero(tmp_path):
    log = tmp_path / "calls.jsonl"
    with Sidecar(log=log) as sidecar:
        assert sidecar.ask({"op": "start", "scene": "FloorPlan30"})["ok"] is True
        assert sidecar.ask({"op": "close", "id": 1}) == {"ok": True, "id": 1}
        assert sidecar.process.wait(timeout=30) == 0
    calls = [json.loads(line)["call"] for line in log.read_text().splitlines()]
    assert calls[0] == "Controller" and calls[-1] == "stop"


def test_end_of_input_exits_zero_without_a_reply():
    with Sidecar() as sidecar:
        sidecar.process.stdin.close()
        assert sidecar.process.wait(timeout=30) == 0
        assert sidecar.line() is None


def test_prints_from_inside_ai2thor_go_to_stderr_not_into_the_replies(tmp_path):
    # sitecustomize runs at interpreter start: it makes the fake controller print on every step.
    (tmp_path / "sitecustomize.py").write_text(
        "import ai2thor.controller as c\n"
        "_step = c.Controller.step\n"
        "def step(self, *a, **k):\n"
        "    print('ai2thor chatter on stdout')\n"
        "    return _step(self, *a, **k)\n"
        "c.Controller.step = step\n")
    with Sidecar(env={"PYTHONPATH": f"{tmp_path}:{FAKE}"}) as sidecar:
        reply = sidecar.ask({"op": "start", "scene": "FloorPlan30"})
        assert reply["ok"] is True and reply["success"] is True
        assert sidecar.ask({"op": "hello", "protocol": 1})["ok"] is True
        stderr = sidecar.finish()
    assert "ai2thor chatter on stdout" in stderr


def test_a_frame_that_cannot_be_written_keeps_the_step_and_says_why(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with Sidecar() as sidecar:
        reply = sidecar.ask({"op": "start", "scene": "FloorPlan30", "frame": str(blocker / "init.png")})
    assert reply["ok"] is True and reply["success"] is True
    assert reply["frame"] is None
    assert reply["frame_error"].startswith("cannot write the frame: ")


def test_hello_names_the_platform_a_forced_one_included_and_refuses_an_unknown_one():
    with Sidecar(env={"THOR_LITE_PLATFORM": "Linux64"}) as sidecar:
        assert sidecar.ask({"op": "hello", "protocol": 1})["platform"] == "Linux64"
    with Sidecar(env={"THOR_LITE_PLATFORM": "Windows"}) as sidecar:
        reply = sidecar.ask({"op": "hello", "protocol": 1})
    assert reply == {"ok": False, "kind": "environment",
                     "error": "THOR_LITE_PLATFORM=Windows: expected CloudRendering or Linux64"}
