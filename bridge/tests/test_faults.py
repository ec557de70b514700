"""Faults as the Swift side sees them: a hanging step, a crash, garbage on the reply stream,
malformed events, ai2thor raising, no display. The sidecar never turns a fault into a wrong
success."""
import os
import queue
import signal

import pytest

from conftest import Sidecar, read_log

START = {"op": "start", "scene": "FloorPlan30", "controller": {"width": 16, "height": 9}}
NAVIGATE = {"op": "step", "action": "navigate to", "object": "CounterTop"}
# init makes three step calls (GetReachablePositions, Teleport, Teleport); call 4 is the first
# call of the next action.


def test_a_hanging_unity_step_gets_no_reply_and_the_caller_must_kill_the_sidecar():
    with Sidecar(mode="hang_at:4") as sidecar:
        assert sidecar.ask(START)["success"] is True
        sidecar.send(NAVIGATE)
        with pytest.raises(queue.Empty):
            sidecar.line(timeout=2)
        assert sidecar.process.poll() is None  # still running, stuck


def test_a_crash_ends_the_reply_stream_with_exit_status_one():
    with Sidecar(mode="crash_at:4") as sidecar:
        assert sidecar.ask(START)["success"] is True
        sidecar.send(NAVIGATE)
        assert sidecar.line() is None
        assert sidecar.process.wait(timeout=30) == 1


def test_garbage_in_the_reply_stream_comes_before_the_real_reply():
    with Sidecar(mode="garbage_at:2") as sidecar:
        sidecar.send(START)
        assert sidecar.line() == "Unity: this line is not JSON\n"
        reply = sidecar.ask({"op": "step", "action": "observe"})
        assert reply["ok"] is True  # the start reply is still queued: read it next
        assert "success" in reply


@pytest.mark.parametrize("mode, fragment", [
    ("malformed_at:4", "malformed event from ai2thor: GetInteractablePoses: metadata field 'agent' is missing or not a dict"),
    ("raise_at:4", "ai2thor failed: Exception: Unity process has exited"),
])
def test_a_bad_event_or_a_raising_controller_ends_the_step_with_kind_controller(mode, fragment):
    with Sidecar(mode=mode) as sidecar:
        assert sidecar.ask(START)["success"] is True
        reply = sidecar.ask(NAVIGATE)
        assert (reply["ok"], reply["kind"]) == (False, "controller")
        assert fragment in reply["error"]
        # the sidecar keeps serving: a new episode starts
        again = sidecar.ask(START)
        assert again["ok"] is True and again["success"] is True


def test_no_display_fails_start_with_kind_environment_and_hello_still_answers():
    with Sidecar(mode="no_display") as sidecar:
        reply = sidecar.ask(START)
        assert (reply["ok"], reply["kind"]) == (False, "environment")
        assert "vulkaninfo failed to run" in reply["error"] and "run --check" in reply["error"]
        assert sidecar.ask({"op": "hello", "protocol": 1})["ok"] is True
        assert sidecar.ask({"op": "step", "action": "observe"})["kind"] == "state"


def test_a_fault_counted_across_processes_fires_once_per_run(tmp_path):
    env = {"THOR_LITE_FAKE_STATE": str(tmp_path / "count")}
    with Sidecar(mode="crash_at:5", env=env) as first:
        assert first.ask(START)["success"] is True
        first.send(NAVIGATE)
        assert first.line() is None
        assert first.process.wait(timeout=30) == 1
    with Sidecar(mode="crash_at:5", env=env) as second:  # the restarted sidecar
        assert second.ask(START)["success"] is True
        assert second.ask(NAVIGATE)["success"] is True
    assert int((tmp_path / "count").read_text()) > 5


def test_sigterm_stops_the_controller_and_the_sidecar_leads_its_process_group(tmp_path):
    log = tmp_path / "calls.jsonl"
    with Sidecar(log=log) as sidecar:
        assert sidecar.ask(START)["success"] is True
        assert os.getpgid(sidecar.process.pid) == sidecar.process.pid
        sidecar.process.send_signal(signal.SIGTERM)
        assert sidecar.process.wait(timeout=30) == 128 + signal.SIGTERM
    assert read_log(log)[-1]["call"] == "stop"
