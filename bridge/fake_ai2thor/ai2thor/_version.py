# The version the benchmark used (bridge/requirements.txt), so `--check` passes under the fake.
__version__ = "5.0.0"
