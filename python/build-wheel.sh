#!/usr/bin/env bash
# Builds a Python wheel that bundles a release `thor-lite` binary (Swift runtime and C libraries
# linked statically) with the Python package, so `pip install thor_lite-*.whl` needs no Swift toolchain.
#   python/build-wheel.sh [OUT_DIR]        (default: dist/)
# The source tree is left as it was: the package is staged in a temporary directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist}
python=${PYTHON:-python3}
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH

# The release binary: Swift runtime and C libraries linked in (scripts/build-release.sh says why).
binary=$("$root/scripts/build-release.sh" "$root/.build-wheel")
version=$("$binary" --version)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "$root/python/thor_lite" "$root/python/README.md" "$stage/"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
mkdir -p "$stage/thor_lite/bin"
cp "$binary" "$stage/thor_lite/bin/thor-lite"
strip "$stage/thor_lite/bin/thor-lite" 2>/dev/null || true
# The live bridge's sidecar beside the binary, where `thor-lite grade --mode live` looks for it
# (bridge/thor_lite_bridge.py next to the executable); its tests and the fake ai2thor stay out.
mkdir -p "$stage/thor_lite/bin/bridge"
cp "$root"/bridge/*.py "$root/bridge/requirements.txt" "$stage/thor_lite/bin/bridge/"
# The project file with the binary's version, a console script, and a platform tag: the wheel
# holds a native executable, so it is not pure Python.
sed -e "s/^version = .*/version = \"$version\"/" \
    -e 's/^requires = \["flit_core.*/requires = ["setuptools>=61"]/' \
    -e 's/^build-backend = "flit_core.buildapi"/build-backend = "setuptools.build_meta"/' \
    "$root/python/pyproject.toml" > "$stage/pyproject.toml"
cat >> "$stage/pyproject.toml" <<'TOML'

[project.scripts]
thor-lite = "thor_lite._bundled:main"
TOML
cat > "$stage/thor_lite/_bundled.py" <<'PY'
"""`thor-lite` on PATH from the wheel: runs the bundled binary with the same arguments."""
import os
import sys


def main():
    binary = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "thor-lite")
    os.execv(binary, [binary] + sys.argv[1:])
PY
cat > "$stage/setup.py" <<'PY'
from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel


class NativeWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        return ("py3", "none", super().get_tag()[2])


setup(cmdclass={"bdist_wheel": NativeWheel})
PY
mkdir -p "$out"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$out" "$stage"
ls "$out"/thor_lite-"$version"-*.whl
