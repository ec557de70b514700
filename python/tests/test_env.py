"""The environment against a real `thor-lite serve` on the project's fixtures."""
import json
import subprocess

import pytest

from thor_lite import ServeClient, ThorLiteEnv, ThorLiteError, expert_plans, list_tasks


def test_expert_plan_reaches_success_and_goal(store, binary):
    with ThorLiteEnv(store=store, binary=binary) as env:
        observation, info = env.reset(options={"task": 4})
        assert observation["action"] == "init"
        assert info["tasktype"] == "single_pickup_from_closerep"
        assert "Plate" not in observation["interactable"]
        rewards = []
        for action in ["navigate to Cabinet", "open Cabinet", "<DecisionMaking>pickup plate</DecisionMaking>"]:
            observation, reward, terminated, truncated, info = env.step(action)
            assert observation["success"] == 1, observation
            assert not terminated and not truncated
            rewards.append(reward)
        assert observation["held"] == "Plate"
        observation, reward, terminated, truncated, info = env.step("end")
        assert terminated and not truncated
        assert info["metrics"]["success"] == 1
        assert info["goal_success"] is True
        assert sum(rewards) + reward == pytest.approx(info["metrics"]["completeness"])


def test_failed_step_reports_error_kind_and_feedback_in_the_text(store, binary):
    with ThorLiteEnv(store=store, binary=binary) as env:
        env.reset(options={"task": 4})
        observation, reward, terminated, truncated, info = env.step("pickup Plate")
        assert observation["success"] == 0
        assert observation["error"] == "not_interactable"
        assert "unavailable for interaction" in observation["feedback"]
        assert observation["text"].startswith(observation["feedback"])
        assert "<DecisionMaking>Your Action</DecisionMaking>" in observation["text"]
        assert reward == 0


def test_text_observation_follows_the_reference_messages(store, binary):
    with ThorLiteEnv(store=store, binary=binary, describe_view=False) as env:
        observation, info = env.reset(options={"task": 4})
        assert observation["text"].startswith("<image>This is an image from your frontal perspective.")
        assert f'Task: "{info["taskquery"]}"' in observation["text"]
        observation, *_ = env.step("navigate to Cabinet")
        assert observation["text"].startswith('<image>After executing your previous "navigate to Cabinet"')
        observation, *_ = env.step("move forward")
        assert 'reach nearby, larger objects' in observation["text"]


def test_admissible_commands_follow_the_observation(store, binary):
    with ThorLiteEnv(store=store, binary=binary) as env:
        observation, info = env.reset(options={"task": 4})
        commands = info["admissible_commands"]
        assert commands[-3:] == ["observe", "move forward", "end"]
        assert [c for c in commands if c.startswith("navigate to ")] == \
            [f"navigate to {t}" for t in observation["navigable"]]
        assert [c for c in commands if c.startswith("open ")] == [f"open {t}" for t in observation["interactable"]]


def test_expert_plan_in_info_and_from_the_catalog(store, binary):
    plans = expert_plans(store, binary=binary)
    with ThorLiteEnv(store=store, binary=binary, expert_plan=True) as env:
        _, info = env.reset(options={"task": 4})
        assert info["expert_plan"] == plans[4]
        assert info["expert_plan"][-1] == "end"
        for action in info["expert_plan"]:
            observation, reward, terminated, truncated, info = env.step(action)
        assert terminated and info["metrics"]["success"] == 1


def test_task_listing_filters(store, binary):
    everything = list_tasks(store, binary=binary)
    assert everything and all(isinstance(t.identity, int) for t in everything)
    search = list_tasks(store, category="search", binary=binary)
    assert search and all(t["tasktype"].startswith("single_search") for t in search)
    one_scene = list_tasks(store, scene=everything[0]["scene"], binary=binary)
    assert one_scene and all(t["scene"] == everything[0]["scene"] for t in one_scene)
    assert [t.identity for t in list_tasks(store, tasks=[4], binary=binary)] == [4]
    with pytest.raises(ThorLiteError, match="no such task"):
        list_tasks(store, tasks=[999], binary=binary)


def test_seeded_resets_draw_the_same_tasks(store, binary):
    with ThorLiteEnv(store=store, binary=binary) as a, ThorLiteEnv(store=store, binary=binary) as b:
        first = [a.reset(seed=7)[1]["task"]] + [a.reset()[1]["task"] for _ in range(5)]
        second = [b.reset(seed=7)[1]["task"]] + [b.reset()[1]["task"] for _ in range(5)]
        assert first == second


def test_cycle_order_visits_the_split_in_order(store, binary):
    tasks = [t.identity for t in list_tasks(store, binary=binary)]
    with ThorLiteEnv(store=store, binary=binary, order="cycle") as env:
        seen = [env.reset()[1]["task"] for _ in range(len(tasks) + 1)]
    assert [str(t) for t in seen] == [str(t) for t in tasks + tasks[:1]]


@pytest.mark.parametrize("mode", ["success", "goal"])
def test_terminal_reward_modes_pay_only_at_the_end(store, binary, mode):
    with ThorLiteEnv(store=store, binary=binary, reward=mode, expert_plan=True) as env:
        _, info = env.reset(options={"task": 4})
        rewards = [env.step(action)[1] for action in info["expert_plan"]]
    assert rewards[:-1] == [0.0] * (len(rewards) - 1)
    assert rewards[-1] == 1.0


def test_step_after_the_end_asks_for_reset(store, binary):
    with ThorLiteEnv(store=store, binary=binary) as env:
        env.reset(options={"task": 4})
        env.step("end")
        with pytest.raises(ThorLiteError, match="reset"):
            env.step("observe")


def test_unknown_task_is_a_clear_error(store, binary):
    with ThorLiteEnv(store=store, binary=binary) as env:
        with pytest.raises(ThorLiteError, match="no task 999"):
            env.reset(options={"task": 999})


def test_serve_client_speaks_the_protocol(store, binary):
    client = ServeClient(store, binary)
    try:
        reply = client.request(op="reset", task=4)
        assert reply["observation"]["action"] == "init"
        assert client.request(op="state")["trajectory"][0]["action"] == "init"
    finally:
        client.close()
    assert not client.running


def test_request_ids_are_echoed_with_their_json_type(store, binary):
    process = subprocess.run([binary, "serve", "--store", store],
                             input='{"op": "state", "id": 5}\n{"op": "close", "id": "b"}\n',
                             capture_output=True, text=True, check=True)
    replies = [json.loads(line) for line in process.stdout.splitlines()]
    assert [r["id"] for r in replies] == [5, "b"]


def test_render_returns_the_episode_map_as_an_rgb_array(store, binary, tmp_path):
    numpy = pytest.importorskip("numpy", reason="numpy is not installed; render() then returns nested lists")
    with ThorLiteEnv(store=store, binary=binary, render_mode="rgb_array") as env:
        env.reset(options={"task": 4})
        env.step("navigate to Cabinet")
        path = tmp_path / "map.png"
        picture = env.render(path=path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.dtype == numpy.uint8 and picture.ndim == 3 and picture.shape[2] == 3
    # The agent is drawn in its blue (SceneMap.Palette.agent) somewhere on the map.
    assert ((picture == numpy.array([24, 84, 220], dtype=numpy.uint8)).all(axis=2)).any()


def test_ansi_render_is_the_conversation(store, binary):
    with ThorLiteEnv(store=store, binary=binary, render_mode="ansi") as env:
        observation, _ = env.reset(options={"task": 4})
        env.step("navigate to Cabinet")
        text = env.render()
    assert "navigate to Cabinet" in text and observation["text"].split("\n")[0] in text
