#!/usr/bin/env python3
"""thor-lite's live bridge: runs benchmark episodes on real AI2-THOR for thor-lite.

    python3 bridge/thor_lite_bridge.py            serve the JSON-lines protocol on stdin/stdout
    python3 bridge/thor_lite_bridge.py --check    say what this machine lacks; exit 0 or 1
    options: --unity-build PATH (a local Unity build; also $THOR_LITE_UNITY_BUILD)

One request per line on stdin, one reply per line on stdout, diagnostics on stderr. The protocol
is described in docs/live-bridge.md. Standard library plus `ai2thor` (bridge/requirements.txt).
"""
import glob
import json
import os
import platform as host
import shutil
import signal
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from frame_png import side_by_side, write_png  # noqa: E402
from roc_episode import (ACTION_NAMES, REFERENCE_CONTROLLER, ControllerError, Episode,  # noqa: E402
                         MalformedEvent, WrapperError)

PROTOCOL = 1
BRIDGE_VERSION = "1.0.0"
MIN_PYTHON = (3, 8)
HERE = os.path.dirname(os.path.abspath(__file__))
STEP_ACTIONS = list(ACTION_NAMES)  # "put in" is the wrapper's alias of "put"


def pinned_ai2thor():
    """The version requirements.txt pins (`ai2thor==X`)."""
    with open(os.path.join(HERE, "requirements.txt")) as handle:
        for line in handle:
            line = line.split("#")[0].strip()
            if line.startswith("ai2thor=="):
                return line.split("==", 1)[1]
    raise RuntimeError("bridge/requirements.txt pins no ai2thor version")


def ai2thor_version(module):
    """The imported package's own version: released ai2thor writes it to ai2thor/_version.py (its
    setup.py reads it from there), which is also right when another copy is on PYTHONPATH."""
    import importlib
    try:
        return str(importlib.import_module(module.__name__ + "._version").__version__)
    except (ImportError, AttributeError):
        pass
    if hasattr(module, "__version__"):
        return str(module.__version__)
    try:
        from importlib import metadata
        return metadata.version("ai2thor")
    except Exception:  # noqa: BLE001 - any failure means "unknown"
        return "unknown"


class BridgeFailure(Exception):
    """A request that gets {"ok": false, "kind": kind, "error": message}."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


# -- check -------------------------------------------------------------------------------------

def display_available():
    display = os.environ.get("DISPLAY", "")
    if not display:
        return False, "DISPLAY is not set"
    number = display.split(":")[-1].split(".")[0]
    socket = f"/tmp/.X11-unix/X{number}"
    if display.startswith(":") and not os.path.exists(socket):
        return False, f"DISPLAY={display} but {socket} does not exist (no X server)"
    return True, f"X display {display}"


def chosen_platform():
    """'CloudRendering' (headless, Vulkan) or 'Linux64' (an X display): $THOR_LITE_PLATFORM, else
    Linux64 when an X display is reachable, else CloudRendering as evaluate.py uses."""
    forced = os.environ.get("THOR_LITE_PLATFORM", "")
    if forced:
        if forced not in ("CloudRendering", "Linux64"):
            raise BridgeFailure("environment", f"THOR_LITE_PLATFORM={forced}: expected CloudRendering or Linux64")
        return forced
    return "Linux64" if display_available()[0] else "CloudRendering"


def unity_build_path(explicit=None):
    return explicit or os.environ.get("THOR_LITE_UNITY_BUILD") or None


def check_python():
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    return {"name": "python", "ok": ok, "detail": f"Python {version} at {sys.executable}",
            "fix": "" if ok else f"install Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer and run the bridge with it"}


def check_ai2thor():
    pin = pinned_ai2thor()
    fix = f"pip install -r {os.path.join(HERE, 'requirements.txt')}   (installs ai2thor=={pin})"
    try:
        import ai2thor  # noqa: F401
        import ai2thor.controller  # noqa: F401
    except Exception as error:  # noqa: BLE001 - an import failure of any kind is the finding
        return {"name": "ai2thor", "ok": False, "detail": f"cannot import ai2thor: {error}", "fix": fix}
    version = ai2thor_version(sys.modules["ai2thor"])
    where = os.path.dirname(getattr(sys.modules["ai2thor"], "__file__", "") or "?")
    if version != pin:
        return {"name": "ai2thor", "ok": False,
                "detail": f"ai2thor {version} at {where}; the benchmark used {pin}", "fix": fix}
    return {"name": "ai2thor", "ok": True, "detail": f"ai2thor {version} at {where}", "fix": ""}


def check_unity_build(explicit=None):
    platform_name = chosen_platform()
    path = unity_build_path(explicit)
    fix = ("let ai2thor download its build once on a machine with network access (about 0.5 GB into "
           "~/.ai2thor/releases): python3 -c 'from ai2thor.controller import Controller; "
           "from ai2thor.platform import CloudRendering; Controller(platform=CloudRendering).stop()'; "
           "or, offline, unpack a downloaded thor-" + platform_name + "-<commit> build and point at its "
           "executable with --unity-build PATH or THOR_LITE_UNITY_BUILD=PATH")
    if path:
        if not os.path.isfile(path):
            return {"name": "unity_build", "ok": False, "detail": f"{path}: no such file", "fix": fix}
        if not os.access(path, os.X_OK):
            return {"name": "unity_build", "ok": False, "detail": f"{path}: not executable",
                    "fix": f"chmod +x {path}"}
        return {"name": "unity_build", "ok": True, "detail": f"local build {path}", "fix": ""}
    releases = os.path.join(os.path.expanduser("~"), ".ai2thor", "releases")
    found = sorted(glob.glob(os.path.join(releases, f"thor-{platform_name}-*")))
    found = [d for d in found if os.path.isdir(d)]
    if found:
        return {"name": "unity_build", "ok": True,
                "detail": f"{len(found)} cached {platform_name} build(s) in {releases}, e.g. {os.path.basename(found[-1])}",
                "fix": ""}
    return {"name": "unity_build", "ok": False,
            "detail": f"no {platform_name} build in {releases} and no THOR_LITE_UNITY_BUILD", "fix": fix}


def check_rendering():
    platform_name = chosen_platform()
    if platform_name == "Linux64":
        ok, detail = display_available()
        return {"name": "rendering", "ok": ok, "detail": detail,
                "fix": "" if ok else "start an X server (e.g. Xvfb :0 &) and export DISPLAY=:0, or unset DISPLAY to use CloudRendering (Vulkan)"}
    fix = ("CloudRendering needs a GPU with Vulkan: install the NVIDIA driver and "
           "`apt-get install -y libvulkan1 vulkan-tools`; or give an X display (export DISPLAY=:0)")
    tool = shutil.which("vulkaninfo")
    if tool is None:
        return {"name": "rendering", "ok": False,
                "detail": "no X display (DISPLAY unset) and no vulkaninfo on PATH (ai2thor's CloudRendering runs it)",
                "fix": fix}
    try:
        probe = subprocess.run([tool, "--summary"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return {"name": "rendering", "ok": False, "detail": f"vulkaninfo failed: {error}", "fix": fix}
    devices = [line.split("=", 1)[1].strip() for line in probe.stdout.splitlines() if "deviceName" in line]
    if probe.returncode != 0 or not devices:
        return {"name": "rendering", "ok": False,
                "detail": f"vulkaninfo exit {probe.returncode}, no Vulkan device", "fix": fix}
    return {"name": "rendering", "ok": True, "detail": "Vulkan: " + ", ".join(devices), "fix": ""}


def run_checks(unity_build=None):
    checks = []
    for probe in (check_python, check_ai2thor, lambda: check_unity_build(unity_build), check_rendering):
        try:
            checks.append(probe())
        except BridgeFailure as failure:
            checks.append({"name": "environment", "ok": False, "detail": str(failure), "fix": ""})
    return {"ok": all(c["ok"] for c in checks), "checks": checks}


# -- replies -----------------------------------------------------------------------------------

def describe_objects(metadata):
    """The object states thor-lite's simulator tracks, in metadata order."""
    rows = []
    for obj in metadata["objects"]:
        rows.append({"objectId": obj["objectId"], "objectType": obj["objectType"],
                     "isOpen": bool(obj.get("isOpen")), "isToggled": bool(obj.get("isToggled")),
                     "isPickedUp": bool(obj.get("isPickedUp")), "visible": bool(obj.get("visible")),
                     "parentReceptacles": list(obj.get("parentReceptacles") or []),
                     "position": obj.get("position")})
    return rows


def agent_pose(metadata):
    agent = metadata["agent"]
    return {"x": agent["position"]["x"], "y": agent["position"]["y"], "z": agent["position"]["z"],
            "rotation": agent["rotation"]["y"], "horizon": agent["cameraHorizon"],
            "standing": bool(agent.get("isStanding", True))}


def held_object(metadata):
    inventory = metadata.get("inventoryObjects") or []
    return inventory[0]["objectId"] if inventory else None


# -- the session -------------------------------------------------------------------------------

class Bridge:
    def __init__(self, unity_build=None):
        self.unity_build = unity_build
        self.controller = None
        self.controller_settings = None
        self.episode = None
        self.frames_dir = None

    # Building the controller is the slow part (Unity starts); a new episode resets it.
    def controller_for(self, scene, settings):
        if self.controller is not None and settings == self.controller_settings:
            return self.controller
        self.stop_controller()
        try:
            from ai2thor.controller import Controller
        except Exception as error:  # noqa: BLE001
            raise BridgeFailure("environment", f"cannot import ai2thor: {error}; run --check") from error
        kwargs = dict(settings)
        if chosen_platform() == "CloudRendering":
            from ai2thor.platform import CloudRendering
            kwargs["platform"] = CloudRendering
        build = unity_build_path(self.unity_build)
        if build:
            kwargs["local_executable_path"] = build
        try:
            self.controller = Controller(scene=scene, **kwargs)
        except Exception as error:  # noqa: BLE001 - ai2thor raises bare Exceptions here
            raise BridgeFailure("environment", f"AI2-THOR did not start: {type(error).__name__}: {error}; run --check") from error
        self.controller_settings = settings
        return self.controller

    def stop_controller(self):
        if self.controller is not None:
            try:
                self.controller.stop()
            except Exception as error:  # noqa: BLE001 - stopping a broken controller is best effort
                print(f"thor_lite_bridge: controller.stop: {error}", file=sys.stderr)
        self.controller = None
        self.episode = None

    def handle(self, request):
        op = request.get("op")
        if op == "hello":
            if request.get("protocol") != PROTOCOL:
                raise BridgeFailure("protocol", f"this bridge speaks protocol {PROTOCOL}, the request asked for {request.get('protocol')!r}")
            version = "none"
            try:
                import ai2thor
                version = ai2thor_version(ai2thor)
            except Exception:  # noqa: BLE001 - hello must answer without ai2thor
                pass
            return {"ok": True, "protocol": PROTOCOL, "bridge": BRIDGE_VERSION, "ai2thor": version,
                    "python": host.python_version(), "platform": chosen_platform(), "actions": STEP_ACTIONS}
        if op == "check":
            return run_checks(request.get("unity_build") or self.unity_build)
        if op == "start":
            return self.start(request)
        if op == "step":
            return self.step(request)
        if op == "close":
            self.stop_controller()
            return {"ok": True}
        raise BridgeFailure("bad_request", f"unknown op {op!r}; expected hello, check, start, step or close")

    def start(self, request):
        check_frame_fields(request)
        scene = request.get("scene")
        if not isinstance(scene, str) or not scene:
            raise BridgeFailure("bad_request", "start: field 'scene' must be a scene name such as \"FloorPlan1\"")
        overrides, task, positions = (request.get(name) if request.get(name) is not None else {}
                                      for name in ("controller", "task", "agent_positions"))
        for name, value, kind in (("controller", overrides, dict), ("task", task, dict), ("agent_positions", positions, dict)):
            if not isinstance(value, kind):
                raise BridgeFailure("bad_request", f"start: field '{name}' must be an object")
        for name in ("target_objects", "related_objects", "navigable_objects"):
            values = task.get(name, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise BridgeFailure("bad_request", f"start: field 'task.{name}' must be a list of strings")
        check_poses(positions, "start: field 'agent_positions'")
        if request.get("agent_positions_file"):
            positions = dict(merged_agent_positions(request["agent_positions_file"]), **positions)
        self.frames_dir = request.get("frames_dir")
        settings = dict(REFERENCE_CONTROLLER)
        settings.update(overrides)
        self.episode = None
        controller = self.controller_for(scene, settings)
        episode = self.guarded(lambda: Episode(controller, scene, task, positions, settings))
        self.episode = episode
        return self.run_step(episode, "init", None, request)

    def step(self, request):
        if self.episode is None:
            raise BridgeFailure("state", "step before a successful start")
        action = request.get("action")
        if action not in STEP_ACTIONS:
            raise BridgeFailure("bad_request", f"step: field 'action' must be one of {', '.join(STEP_ACTIONS)} (got {action!r})")
        item = request.get("object")
        if item is not None and not isinstance(item, str):
            raise BridgeFailure("bad_request", "step: field 'object' must be a type name string or absent")
        if action == "init" and item is not None:
            raise BridgeFailure("bad_request", "step: 'init' takes no object")
        check_frame_fields(request)
        if action == "end":
            # evaluate.py ends without asking the wrapper: success, the last lists, no frame.
            navigable, interactable = self.episode.last_lists
            return self.reply(self.episode, {"success": True, "refusal": None, "object_id": None,
                                             "navigable": navigable, "interactable": interactable}, None, [])
        return self.run_step(self.episode, action, item, request)

    def guarded(self, work):
        try:
            return work()
        except BridgeFailure:
            raise
        except WrapperError as error:
            raise BridgeFailure("wrapper", f"the reference wrapper would fail here: {error}") from error
        except ControllerError as error:
            print(traceback.format_exc(), file=sys.stderr)
            raise BridgeFailure("controller", f"ai2thor failed: {error}") from error
        except MalformedEvent as error:
            raise BridgeFailure("controller", f"malformed event from ai2thor: {error}") from error
        except (KeyError, TypeError, IndexError, AttributeError, ValueError) as error:
            # Our reading of an event failed: a field missing or of the wrong type.
            print(traceback.format_exc(), file=sys.stderr)
            raise BridgeFailure("controller", f"malformed event from ai2thor: {type(error).__name__}: {error}") from error

    def run_step(self, episode, action, item, request):
        result = self.guarded(lambda: episode.execute(action, item))
        try:
            frame_path, view_paths = self.write_frames(episode, request)
            frame_error = None
        except OSError as error:
            # The step happened: its result is kept, the missing frame is reported.
            frame_path, view_paths, frame_error = None, [], f"cannot write the frame: {error}"
        reply = self.reply(episode, result, frame_path, view_paths)
        if frame_error:
            reply["frame_error"] = frame_error
        return reply

    def frame_name(self, episode, label, index=None):
        parts = [str(episode.step_count)]
        if index is not None:
            parts.append(str(index))
        parts.append(label["action"])
        if "item" in label:
            parts.append(label["item"])
        return os.path.join(self.frames_dir, f"{episode.scene}_{'_'.join(parts)}.png")

    def write_frames(self, episode, request):
        """Writes the step's frame where the request says (or, with a start 'frames_dir', under
        the name the wrapper gives it). Returns (frame path or None, observe view paths)."""
        if not episode.frames_taken:
            return None, []
        label, frame = episode.frames_taken[-1]
        path = request.get("frame")
        views = request.get("view_frames")
        if path is None and self.frames_dir:
            path = self.frame_name(episode, label)
            if "views" in label:
                views = [self.frame_name(episode, label, i) for i in range(3)]
        written = []
        if "views" in label:
            if views is not None:
                for view, view_path in zip(label["views"], views):
                    written.append(write_png(view, view_path))
            frame = observe_picture(label["views"])
        if path is not None:
            write_png(frame, path)
        return path, written

    def reply(self, episode, result, frame_path, view_paths):
        metadata = episode.metadata()
        return {"ok": True, "success": result["success"], "refusal": result["refusal"],
                "message": metadata.get("errorMessage") or "",
                "object_id": result["object_id"], "step": episode.step_count,
                "agent": agent_pose(metadata), "held": held_object(metadata),
                "objects": describe_objects(metadata),
                "navigable": result["navigable"], "interactable": result["interactable"],
                "frame": frame_path, "view_frames": view_paths}


def check_frame_fields(request):
    frame, views = request.get("frame"), request.get("view_frames")
    if frame is not None and not isinstance(frame, str):
        raise BridgeFailure("bad_request", "field 'frame' must be a path string")
    if views is not None and not (isinstance(views, list) and len(views) == 3 and all(isinstance(v, str) for v in views)):
        raise BridgeFailure("bad_request", "field 'view_frames' must be a list of three path strings")
    if request.get("frames_dir") is not None and not isinstance(request.get("frames_dir"), str):
        raise BridgeFailure("bad_request", "field 'frames_dir' must be a directory path string")


def observe_picture(views):
    """The wrapper's observe picture: left, back and right views side by side, labelled as it
    labels them when OpenCV is present (ai2thor installs it)."""
    try:
        import cv2
        import numpy
        labelled = []
        for view, text, lift in zip(views, ("left view", "back view", "right view"), (20, 20, 25)):
            image = numpy.ascontiguousarray(numpy.asarray(view, dtype=numpy.uint8)[..., ::-1])
            cv2.putText(image, text, (10, image.shape[0] - lift), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 0, 0), 3)
            labelled.append(image[..., ::-1])
        views = labelled
    except ImportError:
        pass
    return side_by_side(views)


def merged_agent_positions(path):
    """agent_positions.json merged per object id in file order, later tasks winning, as
    RocAgent.__init__ reads it."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (OSError, ValueError) as error:
        raise BridgeFailure("bad_request", f"agent_positions_file {path}: {error}") from error
    if not isinstance(data, dict):
        raise BridgeFailure("bad_request", f"agent_positions_file {path}: not an object of tasks")
    merged = {}
    for task_id, entry in data.items():
        if not isinstance(entry, dict):
            raise BridgeFailure("bad_request", f"agent_positions_file {path}: task {task_id} is not an object")
        poses = {key: pose for key, pose in entry.items() if key not in ("scene", "tasktype", "taskname")}
        check_poses(poses, f"agent_positions_file {path}: task {task_id}")
        merged.update(poses)
    return merged


def check_poses(poses, where):
    """A hand-set pose needs what the wrapper's navigate reads: a position with x, y, z, a
    rotation with y, and a camera horizon."""
    for object_id, pose in poses.items():
        problem = None
        if not isinstance(pose, dict):
            problem = "is not an object"
        elif not (isinstance(pose.get("agent_teleport_position"), dict)
                  and all(isinstance(pose["agent_teleport_position"].get(k), (int, float)) for k in "xyz")):
            problem = "needs agent_teleport_position with numbers x, y and z"
        elif not (isinstance(pose.get("agent_rotation"), dict) and isinstance(pose["agent_rotation"].get("y"), (int, float))):
            problem = "needs agent_rotation with a number y"
        elif not isinstance(pose.get("agent_cameraHorizon"), (int, float)):
            problem = "needs a number agent_cameraHorizon"
        if problem:
            raise BridgeFailure("bad_request", f"{where}: pose of {object_id!r} {problem}")


def serve(unity_build=None):
    # Replies go to a private copy of stdout; fd 1 itself is pointed at stderr so that nothing
    # else (ai2thor's prints, Unity's own output) can break a reply line. The copy's number is
    # published for diagnostics (the fake ai2thor's garbage mode writes into it).
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    os.environ["THOR_LITE_BRIDGE_REPLY_FD"] = str(reply_fd)
    out = os.fdopen(reply_fd, "w", buffering=1)
    sys.stdout = sys.stderr
    bridge = Bridge(unity_build)
    # Unity runs as ai2thor's child. The sidecar leads its own process group so that the caller
    # can end both with one kill of the group (-pid) when a step hangs; SIGTERM stops Unity
    # through ai2thor first.
    try:
        os.setpgid(0, 0)
    except OSError as error:
        print(f"thor_lite_bridge: cannot lead a process group: {error}", file=sys.stderr)

    def terminate(signum, _frame):
        bridge.stop_controller()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    for line in sys.stdin:
        if not line.strip():
            continue
        request_id, request = None, None
        try:
            try:
                request = json.loads(line)
            except ValueError as error:
                raise BridgeFailure("bad_request", f"not JSON: {error}") from error
            if not isinstance(request, dict):
                raise BridgeFailure("bad_request", f"a request is a JSON object, got {type(request).__name__}")
            request_id = request.get("id")
            reply = bridge.handle(request)
        except BridgeFailure as failure:
            reply = {"ok": False, "kind": failure.kind, "error": str(failure)}
        except Exception as error:  # noqa: BLE001 - a bug must cost one request, not the session
            print(traceback.format_exc(), file=sys.stderr)
            reply = {"ok": False, "kind": "internal", "error": f"{type(error).__name__}: {error}"}
        if request_id is not None:
            reply["id"] = request_id
        out.write(json.dumps(reply, separators=(",", ":")) + "\n")
        out.flush()
        if reply.get("ok") and isinstance(request, dict) and request.get("op") == "close":
            return 0
    bridge.stop_controller()
    return 0


def main(argv):
    unity_build = None
    args = list(argv)
    check = False
    while args:
        arg = args.pop(0)
        if arg == "--check":
            check = True
        elif arg == "--unity-build":
            if not args:
                print("thor_lite_bridge: --unity-build needs the path of a Unity build's executable", file=sys.stderr)
                return 2
            unity_build = args.pop(0)
        elif arg in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        else:
            print(f"thor_lite_bridge: unknown argument {arg!r} (see --help)", file=sys.stderr)
            return 2
    if check:
        report = run_checks(unity_build)
        print(json.dumps(report, indent=2))
        for item in report["checks"]:
            mark = "ok     " if item["ok"] else "MISSING"
            print(f"{mark} {item['name']}: {item['detail']}", file=sys.stderr)
            if not item["ok"] and item["fix"]:
                print(f"        fix: {item['fix']}", file=sys.stderr)
        return 0 if report["ok"] else 1
    return serve(unity_build)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
