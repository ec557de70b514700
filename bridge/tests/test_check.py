"""`--check` and the check op: what is missing, and how to get it."""
import json
import os
import stat
import subprocess
import sys

from conftest import FAKE, SIDECAR, Sidecar


def run_check(tmp_path, pythonpath, extra=None, args=()):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    path_dir = tmp_path / "bin"
    path_dir.mkdir(exist_ok=True)
    env = {"HOME": str(home), "PATH": str(path_dir), "PYTHONPATH": pythonpath}
    env.update(extra or {})
    done = subprocess.run([sys.executable, SIDECAR, "--check", *args], capture_output=True, text=True, env=env,
                          timeout=60)
    return done.returncode, json.loads(done.stdout), done.stderr


def by_name(report):
    return {c["name"]: c for c in report["checks"]}


def shadow_ai2thor(tmp_path, body):
    package = tmp_path / "shadow" / "ai2thor"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(body)
    return str(tmp_path / "shadow")


def executable(path):
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_check_without_ai2thor_unity_or_rendering_exits_one_with_the_list_and_fixes(tmp_path):
    missing = shadow_ai2thor(tmp_path, "raise ImportError(\"No module named 'ai2thor'\")\n")
    code, report, stderr = run_check(tmp_path, missing)
    assert code == 1 and report["ok"] is False
    checks = by_name(report)
    assert list(checks) == ["python", "ai2thor", "unity_build", "rendering"]
    assert checks["python"]["ok"] is True
    assert checks["ai2thor"] == {"name": "ai2thor", "ok": False,
                                 "detail": "cannot import ai2thor: No module named 'ai2thor'",
                                 "fix": f"pip install -r {os.path.join(os.path.dirname(SIDECAR), 'requirements.txt')}   (installs ai2thor==5.0.0)"}
    assert checks["unity_build"]["ok"] is False
    assert "THOR_LITE_UNITY_BUILD" in checks["unity_build"]["fix"] and "--unity-build" in checks["unity_build"]["fix"]
    assert checks["rendering"]["ok"] is False
    assert "vulkan-tools" in checks["rendering"]["fix"] and "DISPLAY" in checks["rendering"]["fix"]
    for name in ("ai2thor", "unity_build", "rendering"):
        assert f"MISSING {name}: " in stderr
    assert "ok      python: " in stderr


def test_check_passes_with_ai2thor_a_cached_build_and_vulkan(tmp_path):
    releases = tmp_path / "home" / ".ai2thor" / "releases" / "thor-CloudRendering-f0825767cd50d69f666c7f282e54abfe58f1e917"
    releases.mkdir(parents=True)
    (tmp_path / "bin").mkdir()
    vulkaninfo = executable(tmp_path / "bin" / "vulkaninfo")
    vulkaninfo.write_text("#!/bin/sh\necho 'GPU0:'\necho '    deviceName = NVIDIA Fake GPU'\n")
    code, report, _ = run_check(tmp_path, FAKE)
    checks = by_name(report)
    assert code == 0 and report["ok"] is True, report
    assert checks["ai2thor"]["detail"].startswith("ai2thor 5.0.0 at ")
    assert "thor-CloudRendering-f0825767" in checks["unity_build"]["detail"]
    assert checks["rendering"]["detail"] == "Vulkan: NVIDIA Fake GPU"


def test_check_accepts_a_local_build_given_by_flag_or_environment(tmp_path):
    build = executable(tmp_path / "thor-local")
    (tmp_path / "bin").mkdir()
    executable(tmp_path / "bin" / "vulkaninfo").write_text("#!/bin/sh\necho 'deviceName = GPU'\n")
    code, report, _ = run_check(tmp_path, FAKE, args=("--unity-build", str(build)))
    assert code == 0 and by_name(report)["unity_build"]["detail"] == f"local build {build}"
    code, report, _ = run_check(tmp_path, FAKE, extra={"THOR_LITE_UNITY_BUILD": str(build)})
    assert code == 0 and by_name(report)["unity_build"]["ok"] is True


def test_check_says_what_is_wrong_with_a_local_build(tmp_path):
    plain = tmp_path / "thor-local"
    plain.write_text("")
    code, report, _ = run_check(tmp_path, FAKE, extra={"THOR_LITE_UNITY_BUILD": str(plain)})
    assert code == 1
    assert by_name(report)["unity_build"] == {"name": "unity_build", "ok": False,
                                              "detail": f"{plain}: not executable", "fix": f"chmod +x {plain}"}
    code, report, _ = run_check(tmp_path, FAKE, extra={"THOR_LITE_UNITY_BUILD": str(tmp_path / "nowhere")})
    assert by_name(report)["unity_build"]["detail"] == f"{tmp_path / 'nowhere'}: no such file"


def test_check_refuses_another_ai2thor_version(tmp_path):
    other = shadow_ai2thor(tmp_path, "__version__ = '4.3.0'\n")
    (tmp_path / "shadow" / "ai2thor" / "controller.py").write_text("")
    code, report, _ = run_check(tmp_path, other)
    check = by_name(report)["ai2thor"]
    assert code == 1 and check["ok"] is False
    assert check["detail"].startswith("ai2thor 4.3.0 at ") and check["detail"].endswith("the benchmark used 5.0.0")


def test_an_x_display_without_a_server_is_not_taken_for_rendering(tmp_path):
    code, report, _ = run_check(tmp_path, FAKE, extra={"DISPLAY": ":87", "THOR_LITE_PLATFORM": "Linux64"})
    assert code == 1
    assert by_name(report)["rendering"]["detail"] == "DISPLAY=:87 but /tmp/.X11-unix/X87 does not exist (no X server)"


def test_the_check_op_answers_what_check_prints(tmp_path):
    build = executable(tmp_path / "thor-local")
    with Sidecar(env={"HOME": str(tmp_path), "PATH": str(tmp_path)}) as sidecar:
        reply = sidecar.ask({"op": "check", "unity_build": str(build)})
    checks = by_name(reply)
    assert reply["ok"] is False  # no Vulkan, no display
    assert checks["unity_build"]["ok"] is True and checks["rendering"]["ok"] is False


def test_usage_errors_exit_two_with_a_message():
    for args, message in [(["--bogus"], "unknown argument '--bogus'"),
                          (["--unity-build"], "--unity-build needs the path")]:
        done = subprocess.run([sys.executable, SIDECAR, *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and message in done.stderr and done.stdout == ""
