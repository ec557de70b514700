"""ThorLiteEnv as a Gymnasium environment: the checker, registration, vector envs, wrappers."""
import pytest

gymnasium = pytest.importorskip("gymnasium", reason="Gymnasium is an optional extra: pip install './python[gym]'")

import thor_lite  # noqa: E402  (registers the ids)
from thor_lite import ThorLiteEnv  # noqa: E402


def test_env_checker_passes(store, binary):
    from gymnasium.utils.env_checker import check_env
    env = ThorLiteEnv(store=store, binary=binary)
    try:
        check_env(env, skip_render_check=True)
    finally:
        env.close()


def test_observations_lie_in_the_observation_space(store, binary):
    with ThorLiteEnv(store=store, binary=binary, expert_plan=True) as env:
        observation, info = env.reset(seed=1)
        assert env.observation_space.contains(observation)
        for action in info["expert_plan"]:
            assert env.action_space.contains(action)
            observation, *_ = env.step(action)
            assert env.observation_space.contains(observation)


def test_registered_ids_make_environments(store, binary):
    assert {"ThorLite-v0", "ThorLite-Search-v0", "ThorLite-Manipulation-v0", "ThorLite-Transport-v0",
            "ThorLite-Composite-v0"} <= set(gymnasium.registry)
    env = gymnasium.make("ThorLite-v0", store=store, binary=binary)
    try:
        observation, info = env.reset(seed=3)
        assert observation["action"] == "init"
    finally:
        env.close()
    search = gymnasium.make("ThorLite-Search-v0", store=store, binary=binary)
    try:
        for seed in range(5):
            _, info = search.reset(seed=seed)
            assert info["tasktype"].startswith("single_search")
    finally:
        search.close()


def test_standard_wrappers_accept_it(store, binary):
    from gymnasium.wrappers import RecordEpisodeStatistics, TimeLimit
    env = RecordEpisodeStatistics(TimeLimit(ThorLiteEnv(store=store, binary=binary), max_episode_steps=5))
    try:
        env.reset(seed=0)
        done, steps = False, 0
        while not done:
            _, _, terminated, truncated, info = env.step("observe" if steps % 2 else "move forward")
            done, steps = terminated or truncated, steps + 1
        assert steps <= 5 and "episode" in info
    finally:
        env.close()


def _policy_step(observations, index):
    """A simple scripted policy over a batch: walk the plain actions, end every 6th step."""
    return ["end" if (index + i) % 6 == 5 else ("observe", "move forward")[(index + i) % 2]
            for i in range(len(observations["step"]))]


@pytest.mark.parametrize("vector", ["sync", "async"])
def test_vector_environments_run_a_thousand_steps(store, binary, vector):
    make = [lambda: ThorLiteEnv(store=store, binary=binary) for _ in range(8)]
    if vector == "async":
        envs = gymnasium.vector.AsyncVectorEnv(make, shared_memory=False)
    else:
        envs = gymnasium.vector.SyncVectorEnv(make)
    try:
        observations, infos = envs.reset(seed=11)
        finished = 0
        for index in range(1000 // 8):
            observations, rewards, terminated, truncated, infos = envs.step(_policy_step(observations, index))
            finished += int(terminated.sum() + truncated.sum())
        assert finished > 0
    finally:
        envs.close()
