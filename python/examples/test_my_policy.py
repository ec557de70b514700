"""A policy unit test, the way a lab would write one for its own agent: run the policy on a few
tasks in thor-lite's simulator and assert on the reference metrics and the goal check.

    THOR_LITE_STORE=thor-lite.sqlite python -m pytest examples/test_my_policy.py
"""
import os

import pytest

from thor_lite import ThorLiteEnv, expert_plans

STORE = os.environ.get("THOR_LITE_STORE", "thor-lite.sqlite")


class PlanFollower:
    """A stand-in for your policy: replays the expert plan it was given."""

    def __init__(self, plan):
        self.plan = list(plan)

    def __call__(self, observation, info):
        return f"<DecisionMaking>{self.plan.pop(0)}</DecisionMaking>"


@pytest.fixture(scope="module")
def plans():
    if not os.path.exists(STORE):
        pytest.skip(f"no store at {STORE}: run `thor-lite import` first or set THOR_LITE_STORE")
    return expert_plans(STORE)


def test_policy_solves_the_first_tasks(plans):
    with ThorLiteEnv(store=STORE) as env:
        for task in list(plans)[:3]:
            observation, info = env.reset(options={"task": task})
            policy = PlanFollower(plans[task])
            terminated = truncated = False
            while not (terminated or truncated):
                observation, reward, terminated, truncated, info = env.step(policy(observation, info))
            assert info["metrics"]["success"] == 1, (task, env.render())
            assert info["goal_success"], task
