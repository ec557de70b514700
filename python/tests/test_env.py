"""Runs the client against a real `thor-lite serve` on the project's fixtures."""
import json
import os
import subprocess
import tempfile

import pytest

from thor_lite import ThorLiteEnv, ThorLiteError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def binary():
    if os.environ.get("THOR_LITE_BIN"):
        return os.environ["THOR_LITE_BIN"]
    path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(path, "thor-lite")


@pytest.fixture(scope="module")
def store():
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "fixtures.sqlite")
        subprocess.run([binary(), "import", os.path.join(ROOT, "fixtures", "upstream"), "--store", path, "-q"], check=True)
        yield path


def test_expert_plan_reaches_success_and_goal(store):
    with ThorLiteEnv(store=store, binary=binary()) as env:
        observation, info = env.reset(options={"task": 4})
        assert observation["action"] == "init"
        assert info["tasktype"] == "single_pickup_from_closerep"
        assert "Plate" not in observation["interactable"]
        rewards = []
        for action in ["navigate to Cabinet", "open Cabinet", "<DecisionMaking>pickup plate</DecisionMaking>"]:
            observation, reward, terminated, truncated, info = env.step(action)
            assert observation["success"], observation
            assert not terminated and not truncated
            rewards.append(reward)
        assert observation["held"] == "Plate"
        observation, reward, terminated, truncated, info = env.step("end")
        assert terminated and not truncated
        assert info["metrics"]["success"] == 1
        assert info["goal_success"] is True
        assert sum(rewards) + reward == pytest.approx(info["metrics"]["completeness"])
        assert [s["action"] for s in env.state()["trajectory"]] == ["init", "navigate to", "open", "pickup", "end"]


def test_failed_step_reports_error_kind_and_feedback(store):
    with ThorLiteEnv(store=store, binary=binary()) as env:
        env.reset(task=4)
        observation, reward, terminated, truncated, info = env.step("pickup Plate")
        assert not observation["success"]
        assert observation["error"] == "not_interactable"
        assert "unavailable for interaction" in observation["feedback"]
        assert reward == 0


def test_unknown_task_is_a_clear_error(store):
    with ThorLiteEnv(store=store, binary=binary()) as env:
        with pytest.raises(ThorLiteError, match="no task 999"):
            env.reset(task=999)


def test_request_ids_are_echoed_with_their_json_type(store):
    process = subprocess.run([binary(), "serve", "--store", store], input='{"op": "state", "id": 5}\n{"op": "close", "id": "b"}\n',
                             capture_output=True, text=True, check=True)
    replies = [json.loads(line) for line in process.stdout.splitlines()]
    assert [r["id"] for r in replies] == [5, "b"]


def test_render_returns_the_episode_map_as_an_rgb_array(store):
    numpy = pytest.importorskip("numpy", reason="numpy is not installed; render() then returns nested lists")
    with ThorLiteEnv(store=store, binary=binary(), render_mode="rgb_array") as env:
        env.reset(task=4)
        env.step("navigate to Cabinet")
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "map.png")
            picture = env.render(path=path)
            with open(path, "rb") as handle:
                assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
        assert picture.dtype == numpy.uint8 and picture.ndim == 3 and picture.shape[2] == 3
        # The agent is drawn in its blue (SceneMap.Palette.agent) somewhere on the map.
        assert ((picture == numpy.array([24, 84, 220], dtype=numpy.uint8)).all(axis=2)).any()
