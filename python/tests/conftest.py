"""Shared fixtures: the thor-lite binary and a store imported from the project's fixtures."""
import os
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def thor_lite_binary():
    """$THOR_LITE_BIN, else the binary an installed wheel bundles or `thor-lite` on PATH, else
    this checkout's debug build."""
    if os.environ.get("THOR_LITE_BIN"):
        return os.environ["THOR_LITE_BIN"]
    from thor_lite import ThorLiteError, find_binary
    try:
        return find_binary()
    except ThorLiteError:
        pass
    path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    return os.path.join(path, "thor-lite")


@pytest.fixture(scope="session")
def binary():
    return thor_lite_binary()


@pytest.fixture(scope="session")
def store(binary):
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "fixtures.sqlite")
        subprocess.run([binary, "import", os.path.join(ROOT, "fixtures", "upstream"), "--store", path, "-q"],
                       check=True)
        yield path
