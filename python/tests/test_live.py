"""`ThorLiteEnv(backend="live")`: the same episodes through `serve --backend live`, against the
bridge with the fake `ai2thor` package (bridge/fake_ai2thor) on PYTHONPATH: no Unity needed."""
import json
import os
import sys

import pytest

from thor_lite import ThorLiteEnv, ThorLiteError, ThorLiteVectorEnv, expert_plans

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKE = os.path.join(ROOT, "bridge", "fake_ai2thor")
BRIDGE = os.path.join(ROOT, "bridge", "thor_lite_bridge.py")

pytestmark = pytest.mark.skipif(
    not os.path.isdir(os.path.join(FAKE, "ai2thor")) or not os.path.isfile(BRIDGE),
    reason=f"the bridge and its fake ai2thor are not in this checkout ({FAKE})")


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """The fake on PYTHONPATH for the sidecar `serve` starts, in `mode` (confirm by default)."""
    def use(mode="confirm"):
        monkeypatch.setenv("PYTHONPATH", FAKE)
        monkeypatch.setenv("THOR_LITE_FAKE_SCENES", os.path.join(ROOT, "fixtures", "upstream"))
        monkeypatch.setenv("THOR_LITE_FAKE_STATE", str(tmp_path / "fake-state"))
        monkeypatch.setenv("THOR_LITE_FAKE_MODE", mode)
        monkeypatch.delenv("DISPLAY", raising=False)
    return use


def live_env(store, binary, **options):
    return ThorLiteEnv(store=store, binary=binary, backend="live", bridge=BRIDGE, python=sys.executable,
                       action_timeout=10, start_timeout=30, **options)


# What both backends agree on; the visible sets (and the text describing them) are where Unity's
# visibility and the simulator's differ, which the divergence report measures.
SAME = ("action", "object", "success", "error", "feedback", "held", "step")


def play(env, task, actions):
    """Observations (the SAME fields), rewards and final info of one episode, and its frames."""
    observation, info = env.reset(options={"task": task})
    outcomes = [{key: observation[key] for key in SAME}]
    frames = [observation["frame"]]
    for action in actions:
        observation, reward, terminated, truncated, info = env.step(action)
        outcomes.append(({key: observation[key] for key in SAME}, reward, terminated, truncated))
        frames.append(observation["frame"])
    return outcomes, frames, info


def test_live_episodes_match_simulate_mode_and_are_recorded(store, binary, fake, tmp_path):
    fake()
    plans = expert_plans(store, binary=binary)
    record = tmp_path / "runs"
    with ThorLiteEnv(store=store, binary=binary) as simulated, live_env(store, binary, record=record) as live:
        for task in (3, 4):
            expected, _, expected_info = play(simulated, task, plans[task])
            outcomes, frames, info = play(live, task, plans[task])
            assert outcomes == expected
            assert info["metrics"] == expected_info["metrics"] and info["metrics"]["success"] == 1
            assert info["goal_success"] is True
            assert all(frame.startswith(str(record)) and os.path.isfile(frame) for frame in frames), frames
            assert info["observation"]["frame_match"] == "live"
            assert simulated.divergence() is None
            assert live.divergence()["report"]["steps"]["success_agreement"] == 1
    results = sorted(record.glob("unknown/*/result.json"))
    assert [path.parent.name.split("_")[0] for path in results] == ["3", "4"]
    document = json.loads(results[1].read_text())
    assert [entry["action"] for entry in document["trajectory"]] == ["init", "navigate to", "open", "pickup", "end"]


def test_a_pickup_unity_refuses_is_unity_rejected(store, binary, fake):
    fake("fail_pickup")
    with live_env(store, binary) as env:
        env.reset(options={"task": 4})
        for action in ("navigate to Cabinet", "open Cabinet"):
            assert env.step(action)[0]["success"] == 1
        observation, reward, terminated, truncated, info = env.step("pickup Plate")
        assert observation["success"] == 0
        assert observation["error"] == "unity_rejected"
        assert observation["held"] == ""
        assert reward == 0
        divergence = env.divergence()
        assert [(step["action"], step["unity_success"], step["simulated_success"]) for step in divergence["steps"]] == [
            ("init", True, True), ("navigate to", True, True), ("open", True, True), ("pickup", False, True)]
        assert divergence["report"]["steps"]["unity_failed_simulator_succeeded"] == 1


def test_a_crashed_sidecar_ends_the_episode_and_the_next_reset_works(store, binary, fake):
    fake("crash_at:5")  # the fake's 5th step call is task 4's OpenObject (init takes three)
    plans = expert_plans(store, binary=binary)
    with live_env(store, binary) as env:
        env.reset(options={"task": 4})
        env.step(plans[4][0])
        with pytest.raises(ThorLiteError, match=r"^live: task 4 on FloorPlan30 ended at step 3: the bridge exited"):
            env.step(plans[4][1])
        with pytest.raises(ThorLiteError, match="the episode has ended"):
            env.step(plans[4][2])
        _, _, info = play(env, 4, plans[4])
        assert info["metrics"]["success"] == 1


def test_live_options_need_the_live_backend_and_batches_stay_simulated(store, binary):
    with pytest.raises(ThorLiteError, match="--record belong to backend=\"live\""):
        ThorLiteEnv(store=store, binary=binary, record="runs")
    with pytest.raises(ThorLiteError, match="unknown backend 'unity'"):
        ThorLiteEnv(store=store, binary=binary, backend="unity")
    with pytest.raises(ThorLiteError, match="runs the simulator only"):
        ThorLiteVectorEnv(2, store=store, binary=binary, backend="live")


def test_several_live_environments_each_with_its_own_sidecar(store, binary, fake):
    gymnasium = pytest.importorskip("gymnasium", reason="Gymnasium is optional; its vector environments need it")
    fake()
    envs = gymnasium.vector.SyncVectorEnv([lambda: live_env(store, binary, tasks=[4], order="cycle")] * 2)
    try:
        observations, infos = envs.reset(seed=0)
        for action in ("navigate to Cabinet", "open Cabinet", "pickup Plate"):
            observations, rewards, terminated, truncated, infos = envs.step([action, action])
            assert list(observations["success"]) == [1, 1]
        assert list(observations["held"]) == ["Plate", "Plate"]
        # Each environment's frames in its own scratch directory.
        frames = list(observations["frame"])
        assert all(frame.endswith("FloorPlan30_4_pick_up_Plate.png") and os.path.isfile(frame) for frame in frames)
        assert frames[0] != frames[1]
    finally:
        envs.close()
