"""A fake of AllenAI's `ai2thor` package for thor-lite's tests: no Unity, no download.

Put `bridge/fake_ai2thor` first on PYTHONPATH. `ai2thor.controller.Controller` answers from
AI2-THOR scene metadata dumps (the benchmark's `metadata.json` files) and records every call; see
`ai2thor/controller.py` for the environment variables that steer it and its fault modes.
"""
from ai2thor._version import __version__  # noqa: F401
