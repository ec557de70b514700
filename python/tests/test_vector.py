"""ThorLiteVectorEnv: batched episodes as a Gymnasium vector environment."""
import pytest

from thor_lite import ThorLiteEnv, ThorLiteError, expert_plans


gymnasium = pytest.importorskip("gymnasium", reason="Gymnasium is an optional extra: pip install './python[gym]'")
import numpy  # noqa: E402

from thor_lite import ThorLiteVectorEnv  # noqa: E402


def test_make_vec_gives_the_batched_environment(store, binary):
    envs = gymnasium.make_vec("ThorLite-v0", num_envs=3, store=store, binary=binary)
    try:
        assert isinstance(envs, ThorLiteVectorEnv)
        assert envs.metadata["autoreset_mode"] == gymnasium.vector.AutoresetMode.NEXT_STEP
        observations, infos = envs.reset(seed=5)
        assert envs.observation_space.contains(observations)
        assert observations["action"] == ("init", "init", "init")
        assert infos["_task"].all()
    finally:
        envs.close()


def test_vector_env_gives_what_single_envs_give(store, binary):
    tasks = [4, 7, 13]
    plans = expert_plans(store, binary=binary)
    with ThorLiteVectorEnv(3, store=store, binary=binary) as envs:
        observations, _ = envs.reset(options={"tasks": tasks})
        longest = max(len(plans[t]) for t in tasks)
        batched = [[] for _ in tasks]
        for turn in range(longest):
            actions = [plans[t][turn] if turn < len(plans[t]) else "observe" for t in tasks]
            observations, rewards, terminated, truncated, infos = envs.step(actions)
            for i, task in enumerate(tasks):
                if turn < len(plans[task]):
                    batched[i].append((observations["text"][i], float(rewards[i]), bool(terminated[i])))
    for i, task in enumerate(tasks):
        with ThorLiteEnv(store=store, binary=binary) as env:
            env.reset(options={"task": task})
            single = []
            for action in plans[task]:
                observation, reward, terminated, _, _ = env.step(action)
                single.append((observation["text"], reward, terminated))
        assert batched[i] == single, task
        assert single[-1][2] is True


def test_vector_env_autoresets_on_the_next_step(store, binary):
    with ThorLiteVectorEnv(2, store=store, binary=binary, tasks=[4, 13], order="cycle") as envs:
        envs.reset(seed=0)
        _, rewards, terminated, truncated, infos = envs.step(["end", "observe"])
        assert terminated.tolist() == [True, False] and truncated.tolist() == [False, False]
        assert infos["_metrics"].tolist() == [True, False]
        observations, rewards, terminated, _, infos = envs.step(["observe", "observe"])
        assert observations["action"] == ("init", "observe")
        assert rewards[0] == 0.0 and not terminated.any()
        assert infos["_reset"].tolist() == [True, False]
        assert observations["text"][0].startswith("<image>This is an image from your frontal perspective.")


def test_seeded_vector_resets_draw_the_same_tasks(store, binary):
    def draws(seed):
        with ThorLiteVectorEnv(4, store=store, binary=binary) as envs:
            _, infos = envs.reset(seed=seed)
            first = infos["task"].tolist()
            _, infos = envs.reset()
            return first + infos["task"].tolist()
    assert draws(3) == draws(3)


def test_vector_env_runs_a_thousand_steps(store, binary):
    with ThorLiteVectorEnv(8, store=store, binary=binary) as envs:
        envs.reset(seed=11)
        finished = 0
        for index in range(1000 // 8):
            actions = ["end" if (index + i) % 6 == 5 else ("observe", "move forward")[(index + i) % 2] for i in range(8)]
            observations, rewards, terminated, truncated, infos = envs.step(actions)
            assert envs.observation_space.contains(observations)
            assert rewards.dtype == numpy.float64 and rewards.shape == (8,)
            finished += int(terminated.sum() + truncated.sum())
        assert finished > 0


def test_vector_env_refuses_bad_arguments(store, binary):
    with pytest.raises(ThorLiteError, match="num_envs"):
        ThorLiteVectorEnv(0, store=store, binary=binary)
    with ThorLiteVectorEnv(2, store=store, binary=binary) as envs:
        with pytest.raises(ThorLiteError, match="3 actions for 2 environments"):
            envs.reset(seed=0)
            envs.step(["observe"] * 3)
        with pytest.raises(ThorLiteError, match="names 1 tasks for 2"):
            envs.reset(options={"tasks": [4]})


def _batch_infos_spec(infos, count):
    """`batch_infos` as first written, element by element: the specification the faster one
    must equal."""
    entries = {}
    for index, info in enumerate(infos):
        for key, value in info.items():
            entries.setdefault(key, []).append((index, value))
    batched = {}
    for key, values in entries.items():
        mask = numpy.zeros(count, dtype=numpy.bool_)
        mask[[index for index, _ in values]] = True
        batched["_" + key] = mask
        if all(isinstance(value, dict) for _, value in values):
            nested = [{} for _ in range(count)]
            for index, value in values:
                nested[index] = value
            batched[key] = _batch_infos_spec(nested, count)
            continue
        kinds = {type(value) for _, value in values}
        kind = kinds.pop() if len(kinds) == 1 else object
        array = numpy.zeros(count, dtype=kind) if kind in (bool, int, float) else numpy.full(count, None, dtype=object)
        for index, value in values:
            array[index] = value
        batched[key] = array
    return batched


def _assert_same_batch(a, b):
    assert list(a) == list(b)
    for key in a:
        if isinstance(a[key], dict):
            _assert_same_batch(a[key], b[key])
            continue
        assert a[key].dtype == b[key].dtype and a[key].shape == b[key].shape, key
        for x, y in zip(a[key], b[key]):
            assert type(x) is type(y) and x == y, (key, x, y)


def test_batch_infos_equals_the_element_by_element_batching():
    import random
    from thor_lite.vector import batch_infos
    draw = random.Random(3)
    pool = [True, False, 0, 3, 2.5, "s", None, [1, 2], [], {"a": 1}, {"a": 2, "b": [3]}, (1, 2), [[1], [2]]]
    for _ in range(2000):
        count = draw.randint(1, 6)
        infos = [{key: draw.choice(pool) for key in draw.sample("abcdef", draw.randint(0, 6))} for _ in range(count)]
        _assert_same_batch(_batch_infos_spec(infos, count), batch_infos(infos, count))


def test_kept_view_parts_equal_parts_made_afresh(store, binary):
    """The vector environment keeps each environment's names, view text and admissible
    commands while its lists and held type stay the same: they equal what the raw observation
    gives made afresh, at every step."""
    from thor_lite.env import _name, admissible_commands, view_description
    with ThorLiteVectorEnv(6, store=store, binary=binary, order="cycle") as envs:
        envs.reset(seed=2)
        verbs = ["observe", "move forward", "navigate to CounterTop", "navigate to Fridge", "open Fridge", "pickup Apple",
                 "put CounterTop", "end"]
        for turn in range(60):
            observations, _, _, _, infos = envs.step([verbs[(turn * 3 + i * 5) % len(verbs)] for i in range(6)])
            for i in range(6):
                batched = infos["observation"]  # the raw observations, batched key by key
                raw = {key: batched[key][i] for key in batched if not key.startswith("_")}
                assert infos["admissible_commands"][i] == admissible_commands(raw)
                assert observations["navigable"][i] == tuple(map(_name, raw["navigable"]))
                assert observations["interactable"][i] == tuple(map(_name, raw["interactable"]))
                assert observations["text"][i].endswith(view_description(raw))


def test_batched_observations_are_what_gymnasium_concatenate_gives(store, binary):
    from gymnasium.vector.utils import concatenate, create_empty_array
    with ThorLiteVectorEnv(5, store=store, binary=binary, order="cycle") as envs:
        # `_batch` batches the row reply's observations; the column reply's batches are compared
        # with it in test_column_replies_give_the_same_batches_as_row_replies.
        envs._layout = "rows"
        envs.reset(seed=4)
        reference = create_empty_array(envs.single_observation_space, n=5, fn=numpy.zeros)
        for turn in range(12):
            actions = [("observe", "navigate to CounterTop", "move forward", "end")[(turn + i) % 4] for i in range(5)]
            singles = []
            original = envs._batch
            envs._batch = lambda observations: singles.extend(observations) or original(observations)
            observations, *_ = envs.step(actions)
            envs._batch = original
            reference = concatenate(envs.single_observation_space, singles, reference)
            assert list(observations) == list(reference)
            for key in reference:
                if isinstance(reference[key], numpy.ndarray):
                    assert observations[key].dtype == reference[key].dtype
                    assert observations[key].tolist() == reference[key].tolist()
                else:
                    assert observations[key] == reference[key]


@pytest.mark.parametrize("reward, describe_view", [("completeness", True), ("success", False), ("goal", True)])
def test_column_replies_give_the_same_batches_as_row_replies(store, binary, reward, describe_view):
    """ThorLiteVectorEnv asks for column-wise replies; over whole expert-plan episodes with
    autoresets (each environment follows its task's plan to `end`, then is reset to the next task
    of the cycle), its observations, rewards, outcomes and infos are those it gives from row
    replies."""
    plans = expert_plans(store, binary=binary)
    envs = {layout: ThorLiteVectorEnv(5, store=store, binary=binary, order="cycle", reward=reward,
                                      describe_view=describe_view) for layout in ("rows", "columns")}
    assert envs["columns"]._layout == "columns"
    envs["rows"]._layout = "rows"
    try:
        results = {layout: env.reset(seed=1) for layout, env in envs.items()}
        _assert_same_results(results["rows"], results["columns"])
        infos = results["columns"][-1]
        task_of, position, resets = list(infos["task"]), [0] * 5, 0
        for turn in range(60):
            actions = [plans[task_of[i]][min(position[i], len(plans[task_of[i]]) - 1)] for i in range(5)]
            results = {layout: env.step(actions) for layout, env in envs.items()}
            _assert_same_results(results["rows"], results["columns"])
            infos = results["columns"][-1]
            for i in range(5):
                if "_reset" in infos and infos["_reset"][i]:
                    task_of[i], position[i] = infos["task"][i], 0
                    resets += 1
                else:
                    position[i] += 1
        assert resets >= 10
    finally:
        for env in envs.values():
            env.close()


def _assert_same_results(a, b):
    """Two results of `reset` (observations, infos) or `step` (observations, rewards,
    terminated, truncated, infos) are equal, arrays in type and value, infos key for key."""
    assert len(a) == len(b)
    observations, infos = (a[0], b[0]), (a[-1], b[-1])
    assert list(observations[0]) == list(observations[1])
    for key, value in observations[0].items():
        other = observations[1][key]
        if isinstance(value, numpy.ndarray):
            assert value.dtype == other.dtype and value.tolist() == other.tolist(), key
        else:
            assert value == other, key
    for x, y in zip(a[1:-1], b[1:-1]):
        assert x.dtype == y.dtype and x.tolist() == y.tolist()
    _assert_same_batch(*infos)
