"""thor-lite's Python side: Embodied-Reasoner episodes in thor-lite's symbolic simulator.

    import gymnasium, thor_lite
    env = gymnasium.make("ThorLite-v0", store="thor-lite.sqlite")
    observation, info = env.reset(seed=0)
    observation, reward, terminated, truncated, info = env.step("navigate to Fridge")

`ThorLiteEnv` is a `gymnasium.Env` when Gymnasium is installed (`pip install thor-lite[gym]`) and a
plain class with the same methods otherwise. `ThorLiteVectorEnv` (Gymnasium only) runs N episodes
in one server, stepped by one batched request: `gymnasium.make_vec("ThorLite-v0", num_envs=64)`.
`list_tasks` and `expert_plans` read the store's tasks; `ServeClient` speaks the `thor-lite serve`
protocol directly, one episode or a batch. `ThorLiteEnv(backend="live")` runs the same episodes on
real AI2-THOR through thor-lite's bridge (docs/live-mode.md).
"""
from ._client import ServeClient, ThorLiteError, find_binary, rows_from_columns
from .catalog import CATEGORIES, Task, expert_plans, list_tasks
from .env import REWARD_MODES, ThorLiteEnv, register_envs
from .vector import ThorLiteVectorEnv

__all__ = ["ThorLiteEnv", "ThorLiteVectorEnv", "ThorLiteError", "ServeClient", "Task", "list_tasks", "expert_plans", "CATEGORIES",
           "REWARD_MODES", "register_envs", "find_binary", "rows_from_columns"]

register_envs()
