"""A fake `ai2thor.controller.Controller` that answers from scene metadata dumps.

Environment:
  THOR_LITE_FAKE_SCENES      where the dumps are: a directory of <scene>.json files (one event
                             or a list whose first element is the event), or any directory above
                             the upstream layout .../<scene>/metadata.json (originPos.json beside
                             it gives the start pose, as the benchmark's data engine records it).
  THOR_LITE_FAKE_LOG         a file to which every call is appended as one JSON line:
                             {"call": "Controller"|"reset"|"step"|"stop", "n": step number,
                              "action": ..., "args": {...}}
  THOR_LITE_FAKE_MODE        comma-separated:
      confirm          (default) every action succeeds and has its effect
      rules            actions are checked as AI2-THOR checks them, with its error messages
      fail_pickup      every PickupObject fails (hand and object unchanged)
      fail:<Action>    every <Action> fails
      hang_at:N        the N-th step call never returns (Unity hanging)
      crash_at:N       the process exits with status 1 at the N-th step call (Unity crashing)
      garbage_at:N     the N-th step call writes a line that is not JSON into the bridge's reply
                       stream ($THOR_LITE_BRIDGE_REPLY_FD, else stdout), then answers normally
      malformed_at:N   the N-th step call returns an event whose metadata lacks "agent"
      raise_at:N       the N-th step call raises, as ai2thor does when Unity has gone away
      no_display       the constructor raises, as ai2thor does without a display or Vulkan
  THOR_LITE_FAKE_STATE       a file holding the step count across processes, so that a fault at
                             N fires once in a run even when the bridge is restarted
  THOR_LITE_FAKE_VISIBILITY  "all" (default): every object within visibilityDistance that is not
                             shut in a closed Fridge, Cabinet, Drawer, Microwave, Box, LaundryHamper or Safe
                             is visible; "view": also only
                             what lies in the camera's view (a point test on the box centre and
                             corners, no occlusion)

The fake keeps what the benchmark's actions change: the agent's pose and posture, the held
object, open/closed, on/off (with controlled objects), where picked and put objects are, and the
receptacles' contents. Its reachable grid: points gridSize apart through the start pose, inside
the scene bounds by the agent radius, outside the footprints (grown by the radius) of
non-pickupable objects standing on the floor.
"""
import glob
import json
import math
import os
import pickle
import sys
import time

from ai2thor.server import Event

AGENT_RADIUS = 0.2
CAMERA_HEIGHT = 0.675   # standing camera above the agent's centre; 0 crouched
MUST_BE_OPEN = {"Drawer", "Cabinet", "LaundryHamper", "Microwave", "Fridge", "Box"}
# Closed, these hide what is inside (a closed Toilet lid or Laptop does not).
HIDE_CONTENTS = MUST_BE_OPEN | {"Safe"}
LOOK_UP_LIMIT, LOOK_DOWN_LIMIT = -30, 60


def _mode():
    parts = [p.strip() for p in os.environ.get("THOR_LITE_FAKE_MODE", "confirm").split(",") if p.strip()]
    mode = {"rules": False, "fail": set(), "at": {}, "no_display": False}
    for part in parts:
        if part == "confirm":
            continue
        if part == "rules":
            mode["rules"] = True
        elif part == "fail_pickup":
            mode["fail"].add("PickupObject")
        elif part.startswith("fail:"):
            mode["fail"].add(part[5:])
        elif part == "no_display":
            mode["no_display"] = True
        elif ":" in part and part.split(":")[0] in ("hang_at", "crash_at", "garbage_at", "malformed_at", "raise_at"):
            name, number = part.split(":", 1)
            mode["at"][int(number)] = name
        else:
            raise ValueError(f"THOR_LITE_FAKE_MODE: unknown mode {part!r}")
    return mode


def _find_dump(scene):
    root = os.environ.get("THOR_LITE_FAKE_SCENES")
    if not root:
        raise ValueError("THOR_LITE_FAKE_SCENES is not set: the fake ai2thor has no scene dumps")
    direct = os.path.join(root, f"{scene}.json")
    if os.path.isfile(direct):
        return direct, None
    for depth in ("*", "*/*", "*/*/*", "*/*/*/*"):
        found = sorted(glob.glob(os.path.join(root, depth, scene, "metadata.json")))
        if found:
            origin = os.path.join(os.path.dirname(found[0]), "originPos.json")
            return found[0], origin if os.path.isfile(origin) else None
    raise ValueError(f"Invalid scene name {scene!r}: no dump under {root}")


def _load_scene(scene):
    path, origin = _find_dump(scene)
    with open(path) as handle:
        data = json.load(handle)
    event = data[0] if isinstance(data, list) else data
    agent = event["agent"]
    if origin:
        with open(origin) as handle:
            agent = json.load(handle)
    return event, agent


def _clone(value):
    """A deep copy of JSON-like data; each event gets its own (the wrapper keeps old ones)."""
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def _shift_box(obj, dx, dy, dz):
    box = obj.get("axisAlignedBoundingBox")
    if not box:
        return
    box["center"] = {"x": box["center"]["x"] + dx, "y": box["center"]["y"] + dy, "z": box["center"]["z"] + dz}
    box["cornerPoints"] = [[p[0] + dx, p[1] + dy, p[2] + dz] for p in box["cornerPoints"]]


def _move_object(obj, x, y, z):
    dx, dy, dz = x - obj["position"]["x"], y - obj["position"]["y"], z - obj["position"]["z"]
    obj["position"] = {"x": x, "y": y, "z": z}
    _shift_box(obj, dx, dy, dz)


# Reachable grids by (scene, grid size, start position): only furniture, which no benchmark action
# moves, blocks the grid, so a scene's grid is computed once per process.
_GRIDS = {}


class _Counter:
    """The step-call count, kept in $THOR_LITE_FAKE_STATE when set (across processes)."""

    def __init__(self):
        self.path = os.environ.get("THOR_LITE_FAKE_STATE")
        self.local = 0

    def next(self):
        if not self.path:
            self.local += 1
            return self.local
        try:
            with open(self.path) as handle:
                count = int(handle.read().strip() or 0)
        except (OSError, ValueError):
            count = 0
        count += 1
        with open(self.path, "w") as handle:
            handle.write(str(count))
        return count


class Controller:
    def __init__(self, quality="Ultra", platform=None, local_executable_path=None, scene=None, **kwargs):
        self.mode = _mode()
        self.counter = _Counter()
        self._log("Controller", None, {"quality": quality, "platform": getattr(platform, "name", platform),
                                       "local_executable_path": local_executable_path, "scene": scene, **kwargs})
        if self.mode["no_display"]:
            raise RuntimeError("vulkaninfo failed to run, please ask your administrator to install vulkaninfo "
                               "(e.g. on Ubuntu systems this requires running sudo apt install vulkan-tools).")
        self.settings = {"gridSize": 0.25, "visibilityDistance": 1.5, "width": 300, "height": 300,
                         "fieldOfView": 90}
        self.last_event = None
        self._reset(scene or "FloorPlan1", kwargs)

    # -- calls -------------------------------------------------------------------------------

    def reset(self, scene=None, **kwargs):
        self._log("reset", None, {"scene": scene, **kwargs})
        return self._reset(scene or self.scene, kwargs)

    def step(self, action=None, **kwargs):
        if isinstance(action, dict):
            kwargs = dict(action, **kwargs)
            action = kwargs.pop("action")
        n = self.counter.next()
        self._log("step", n, dict(kwargs), action)
        fault = self.mode["at"].get(n)
        if fault == "hang_at":
            while True:
                time.sleep(3600)
        if fault == "crash_at":
            sys.stderr.write(f"fake ai2thor: crashing at step {n} (THOR_LITE_FAKE_MODE)\n")
            sys.stderr.flush()
            os._exit(1)
        if fault == "raise_at":
            raise Exception(f"Unity process has exited - check Player.log for errors (fake, step {n})")
        if fault == "garbage_at":
            fd = int(os.environ.get("THOR_LITE_BRIDGE_REPLY_FD", "1"))
            os.write(fd, b"Unity: this line is not JSON\n")
        success, error, value = self._act(action, kwargs)
        event = self._event(action, success, error, value)
        if fault == "malformed_at":
            del event.metadata["agent"]
        self.last_event = event
        return event

    def stop(self):
        self._log("stop", None, {})

    # -- state -------------------------------------------------------------------------------

    def _reset(self, scene, kwargs):
        for key in ("gridSize", "visibilityDistance", "width", "height", "fieldOfView"):
            if key in kwargs and kwargs[key] is not None:
                self.settings[key] = kwargs[key]
        self.scene = scene
        dump, agent = _load_scene(scene)
        self.objects = _clone(dump["objects"])
        self.by_id = {o["objectId"]: o for o in self.objects}
        self.bounds = dump["sceneBounds"]
        self.agent = {"position": dict(agent["position"]), "rotation": dict(agent["rotation"]),
                      "cameraHorizon": agent.get("cameraHorizon", 0), "isStanding": agent.get("isStanding", True)}
        self.agent_start = (self.agent["position"]["x"], self.agent["position"]["z"])
        self.held = None
        self.frame_index = 0
        self._grid = None
        self.last_event = self._event("Initialize", True, "", None)
        return self.last_event

    def _log(self, call, n, args, action=None):
        path = os.environ.get("THOR_LITE_FAKE_LOG")
        if not path:
            return
        row = {"call": call, "pid": os.getpid()}
        if n is not None:
            row["n"] = n
        if action is not None:
            row["action"] = action
        row["args"] = args
        with open(path, "a") as handle:
            handle.write(json.dumps(row, default=lambda o: getattr(o, "name", repr(o))) + "\n")

    # -- geometry ----------------------------------------------------------------------------

    def _floor_rect(self):
        xs = [p[0] for p in self.bounds["cornerPoints"]]
        zs = [p[2] for p in self.bounds["cornerPoints"]]
        return min(xs) + AGENT_RADIUS, max(xs) - AGENT_RADIUS, min(zs) + AGENT_RADIUS, max(zs) - AGENT_RADIUS

    def _obstacles(self):
        """Footprints (grown by the agent radius) of non-pickupable objects standing on the floor.
        A box that wholly contains a moveable piece of furniture (an L-shaped desk around its
        chair) is left out, as thor-lite's own grid does: its box is mostly empty floor."""
        floor_y = min(p[1] for p in self.bounds["cornerPoints"])
        standing = []
        for obj in self.objects:
            box = obj.get("axisAlignedBoundingBox")
            if obj.get("objectType") == "Floor" or obj.get("pickupable") or obj.get("isPickedUp") or not box:
                continue
            if min(p[1] for p in box["cornerPoints"]) - floor_y > 0.4:
                continue
            xs = [p[0] for p in box["cornerPoints"]]
            zs = [p[2] for p in box["cornerPoints"]]
            standing.append((obj, (min(xs), max(xs), min(zs), max(zs))))
        for obj, (a, b, c, d) in standing:
            if any(other is not obj and other.get("moveable") and a <= oa and ob <= b and c <= oc and od <= d
                   for other, (oa, ob, oc, od) in standing):
                continue
            yield a - AGENT_RADIUS, b + AGENT_RADIUS, c - AGENT_RADIUS, d + AGENT_RADIUS

    def _free(self, x, z):
        x0, x1, z0, z1 = self._floor_rect()
        if not (x0 <= x <= x1 and z0 <= z <= z1):
            return False
        return not any(a <= x <= b and c <= z <= d for a, b, c, d in self._obstacle_boxes)

    def _reachable(self):
        key = (self.scene, float(self.settings["gridSize"]), self.agent_start)
        if self._grid is None and key in _GRIDS:
            self._obstacle_boxes, self._grid = _GRIDS[key]
        if self._grid is None:
            self._obstacle_boxes = list(self._obstacles())
            step = float(self.settings["gridSize"])
            x0, x1, z0, z1 = self._floor_rect()
            ox, oz = self.agent["position"]["x"], self.agent["position"]["z"]
            y = self.agent["position"]["y"]
            grid = []
            i = math.ceil((x0 - ox) / step)
            while ox + i * step <= x1:
                x = round(ox + i * step, 3)
                j = math.ceil((z0 - oz) / step)
                while oz + j * step <= z1:
                    z = round(oz + j * step, 3)
                    if self._free(x, z):
                        grid.append({"x": x, "y": y, "z": z})
                    j += 1
                i += 1
            self._grid = grid
            _GRIDS[key] = (self._obstacle_boxes, grid)
        return self._grid

    def _camera(self):
        p = self.agent["position"]
        return {"x": p["x"], "y": p["y"] + (CAMERA_HEIGHT if self.agent["isStanding"] else 0.0), "z": p["z"]}

    def _enclosed(self, obj):
        for parent_id in obj.get("parentReceptacles") or []:
            parent = self.by_id.get(parent_id)
            if parent and parent["objectType"] in HIDE_CONTENTS and not parent.get("isOpen"):
                return True
        return False

    def _in_view(self, obj, camera):
        box = obj.get("axisAlignedBoundingBox")
        points = [[box["center"]["x"], box["center"]["y"], box["center"]["z"]]] + box["cornerPoints"]
        yaw = math.radians(self.agent["rotation"]["y"])
        pitch = math.radians(self.agent["cameraHorizon"])
        fov = math.radians(float(self.settings["fieldOfView"]))
        aspect = float(self.settings["width"]) / float(self.settings["height"])
        half_v = math.tan(fov / 2)
        half_h = half_v * aspect
        for px, py, pz in points:
            dx, dy, dz = px - camera["x"], py - camera["y"], pz - camera["z"]
            # camera axes: forward (yaw, pitch down positive), right, up
            fx, fy, fz = math.sin(yaw) * math.cos(pitch), -math.sin(pitch), math.cos(yaw) * math.cos(pitch)
            rx, rz = math.cos(yaw), -math.sin(yaw)
            ux, uy, uz = math.sin(yaw) * math.sin(pitch), math.cos(pitch), math.cos(yaw) * math.sin(pitch)
            depth = dx * fx + dy * fy + dz * fz
            if depth <= 0:
                continue
            if abs((dx * rx + dz * rz) / depth) < half_h and abs((dx * ux + dy * uy + dz * uz) / depth) < half_v:
                return True
        return False

    def _visible(self, obj, camera):
        if obj.get("isPickedUp"):
            return True
        if obj.get("objectType") == "Floor":
            return True
        if self._enclosed(obj):
            return False
        c = obj["axisAlignedBoundingBox"]["center"]
        if math.dist((c["x"], c["y"], c["z"]), (camera["x"], camera["y"], camera["z"])) > float(self.settings["visibilityDistance"]):
            return False
        if os.environ.get("THOR_LITE_FAKE_VISIBILITY", "all") == "view":
            return self._in_view(obj, camera)
        return True

    # -- events ------------------------------------------------------------------------------

    def _frame(self):
        """A plain image whose colour follows the pose, width x height x 3, drawn when used."""
        self.frame_index += 1
        p = self.agent["position"]
        colour = (int(abs(p["x"]) * 40) % 256, int(abs(p["z"]) * 40) % 256,
                  (int(self.agent["rotation"]["y"]) + self.frame_index * 7) % 256)
        width, height = int(self.settings["width"]), int(self.settings["height"])

        def draw():
            try:
                import numpy
                frame = numpy.empty((height, width, 3), dtype=numpy.uint8)
                frame[:, :] = colour
                return frame
            except ImportError:
                return _BytesFrame(width, height, bytes(colour) * (width * height))
        return draw

    def _event(self, action, success, error, value):
        camera = self._camera()
        agent = self.agent["position"]
        for obj in self.objects:
            obj["visible"] = self._visible(obj, camera)
            obj["isInteractable"] = obj["visible"]
            c = obj["position"]
            obj["distance"] = math.dist((c["x"], c["y"], c["z"]), (camera["x"], camera["y"], camera["z"]))
        metadata = {
            "objects": _clone(self.objects),
            "agent": {"name": "agent", "position": dict(agent), "rotation": dict(self.agent["rotation"]),
                      "cameraHorizon": self.agent["cameraHorizon"], "isStanding": self.agent["isStanding"],
                      "inHighFrictionArea": False},
            "cameraPosition": camera,
            "inventoryObjects": ([{"objectId": self.held, "objectType": self.by_id[self.held]["objectType"]}]
                                 if self.held else []),
            "sceneName": self.scene,
            "lastAction": action,
            "lastActionSuccess": success,
            "errorMessage": error,
            "actionReturn": value,
            "sceneBounds": _clone(self.bounds),
            "screenWidth": self.settings["width"],
            "screenHeight": self.settings["height"],
            "fov": self.settings["fieldOfView"],
        }
        return Event(metadata, self._frame())

    # -- actions -----------------------------------------------------------------------------

    def _act(self, action, args):
        if action in self.mode["fail"]:
            return False, f"{action} failed (fake ai2thor: THOR_LITE_FAKE_MODE fails every {action})", None
        handler = getattr(self, "_do_" + str(action), None)
        if handler is None:
            if self.mode["rules"]:
                return False, f"Invalid action: {action}", None
            return True, "", None
        return handler(**args)

    def _target(self, args, need_visible=True):
        """AI2-THOR's id lookup (getInteractableSimObjectFromId): (object, error)."""
        object_id = args.get("objectId")
        obj = self.by_id.get(object_id)
        if obj is None:
            return None, f"ArgumentException: objectId: {object_id} is not the objectId on any object in the scene!"
        if self.mode["rules"] and need_visible and not args.get("forceAction") and not obj["visible"]:
            return None, "NullReferenceException: Target object not found within the specified visibility."
        return obj, ""

    def _do_GetReachablePositions(self, **_):
        return True, "", [dict(p) for p in self._reachable()]

    def _do_GetInteractablePoses(self, objectId=None, **_):
        obj = self.by_id.get(objectId)
        if obj is None:
            return False, f"ArgumentException: objectId: {objectId} is not the objectId on any object in the scene!", None
        if self._enclosed(obj):
            return True, "", []
        c = obj["position"]
        poses = []
        for p in self._reachable():
            d = math.hypot(p["x"] - c["x"], p["z"] - c["z"])
            if d > 1.5 or d < 0.3:
                continue
            facing = math.degrees(math.atan2(c["x"] - p["x"], c["z"] - p["z"])) % 360
            poses.append({"x": p["x"], "y": p["y"], "z": p["z"], "rotation": float(round(facing / 90.0) * 90 % 360),
                          "standing": True, "horizon": 30.0})
        return True, "", poses

    def _do_Teleport(self, position=None, rotation=None, horizon=None, standing=None, **_):
        if not isinstance(position, dict) or "x" not in position or "z" not in position:
            return False, "Teleport: position must be a dictionary with x, y and z", None
        if self.mode["rules"]:
            self._reachable()
            if not self._free(position["x"], position["z"]):
                return False, f"Teleport: ({position['x']}, {position['z']}) is not a reachable position", None
        self.agent["position"] = {"x": position["x"], "y": self.agent["position"]["y"], "z": position["z"]}
        if rotation is not None:
            yaw = rotation["y"] if isinstance(rotation, dict) else rotation
            self.agent["rotation"] = {"x": 0.0, "y": float(yaw) % 360, "z": 0.0}
        if horizon is not None:
            self.agent["cameraHorizon"] = float(horizon)
        if standing is not None:
            self.agent["isStanding"] = bool(standing)
        self._carry()
        return True, "", None

    def _turn(self, degrees):
        self.agent["rotation"]["y"] = float((self.agent["rotation"]["y"] + degrees) % 360)
        self._carry()
        return True, "", None

    def _do_RotateLeft(self, degrees=90, **_):
        return self._turn(-degrees)

    def _do_RotateRight(self, degrees=90, **_):
        return self._turn(degrees)

    def _look(self, delta):
        horizon = self.agent["cameraHorizon"] + delta
        if self.mode["rules"] and not (LOOK_UP_LIMIT - 1e-6 <= horizon <= LOOK_DOWN_LIMIT + 1e-6):
            return False, f"can't look beyond the limits ({-LOOK_UP_LIMIT} up, {LOOK_DOWN_LIMIT} down)", None
        self.agent["cameraHorizon"] = float(horizon)
        return True, "", None

    def _do_LookUp(self, degrees=30, **_):
        return self._look(-degrees)

    def _do_LookDown(self, degrees=30, **_):
        return self._look(degrees)

    def _do_Crouch(self, **_):
        self.agent["isStanding"] = False
        return True, "", None

    def _do_Stand(self, **_):
        self.agent["isStanding"] = True
        return True, "", None

    def _walk(self, distance):
        yaw = math.radians(self.agent["rotation"]["y"])
        x = self.agent["position"]["x"] + math.sin(yaw) * distance
        z = self.agent["position"]["z"] + math.cos(yaw) * distance
        if self.mode["rules"]:
            self._reachable()
            if not self._free(x, z):
                return False, f"Collided with something at ({x:.2f}, {z:.2f})", None
        self.agent["position"] = {"x": x, "y": self.agent["position"]["y"], "z": z}
        self._carry()
        return True, "", None

    def _do_MoveAhead(self, moveMagnitude=None, **_):
        return self._walk(moveMagnitude if moveMagnitude is not None else self.settings["gridSize"])

    def _do_MoveBack(self, moveMagnitude=None, **_):
        return self._walk(-(moveMagnitude if moveMagnitude is not None else self.settings["gridSize"]))

    def _carry(self):
        """The held object stays in front of the camera."""
        if not self.held:
            return
        camera = self._camera()
        yaw = math.radians(self.agent["rotation"]["y"])
        _move_object(self.by_id[self.held], camera["x"] + math.sin(yaw) * 0.4, camera["y"] - 0.3,
                     camera["z"] + math.cos(yaw) * 0.4)

    def _detach(self, obj):
        for parent_id in obj.get("parentReceptacles") or []:
            parent = self.by_id.get(parent_id)
            if parent and parent.get("receptacleObjectIds"):
                parent["receptacleObjectIds"] = [i for i in parent["receptacleObjectIds"] if i != obj["objectId"]]
        obj["parentReceptacles"] = None

    def _do_PickupObject(self, **args):
        obj, error = self._target(args)
        if obj is None:
            return False, error, None
        if self.mode["rules"]:
            if not obj.get("pickupable"):
                return False, f"InvalidOperationException: {obj['objectId']} must have the property CanPickup to be picked up.", None
            if self.held:
                return False, "InvalidOperationException: Agent hand has something in it already! Can't pick up anything else", None
        if self.held and self.held != obj["objectId"]:
            self.by_id[self.held]["isPickedUp"] = False
        self._detach(obj)
        obj["isPickedUp"] = True
        self.held = obj["objectId"]
        self._carry()
        return True, "", obj["objectId"]

    def _do_PutObject(self, **args):
        receptacle, error = self._target(args)
        if receptacle is None:
            return False, error, None
        if self.mode["rules"]:
            if not self.held:
                return False, "Can't place an object if Agent isn't holding anything", None
            if not receptacle.get("receptacle"):
                return False, "This target object is NOT a receptacle!", None
            if receptacle.get("openable") and receptacle["objectType"] in MUST_BE_OPEN and not receptacle.get("isOpen"):
                return False, "Target openable Receptacle is CLOSED, can't place if target is not open!", None
        if not self.held:
            return True, "", None
        obj = self.by_id[self.held]
        box = receptacle["axisAlignedBoundingBox"]
        top = max(p[1] for p in box["cornerPoints"])
        _move_object(obj, box["center"]["x"], top + obj["axisAlignedBoundingBox"]["size"]["y"] / 2, box["center"]["z"])
        obj["isPickedUp"] = False
        obj["parentReceptacles"] = [receptacle["objectId"]]
        receptacle["receptacleObjectIds"] = list(receptacle.get("receptacleObjectIds") or []) + [obj["objectId"]]
        self.held = None
        return True, "", None

    def _open(self, args, openness):
        obj, error = self._target(args)
        if obj is None:
            return False, error, None
        if self.mode["rules"]:
            if not obj.get("openable"):
                return False, f"{obj['objectId']} is not an Openable object", None
            if obj["objectType"] == "Microwave" and obj.get("isToggled"):
                return False, "Target must be OFF to open!", None
        obj["openness"] = float(openness)
        obj["isOpen"] = openness != 0
        return True, "", None

    def _do_OpenObject(self, openness=1, **args):
        return self._open(args, openness)

    def _do_CloseObject(self, **args):
        return self._open(args, 0)

    def _toggle(self, args, on):
        obj, error = self._target(args)
        if obj is None:
            return False, error, None
        if self.mode["rules"]:
            if not obj.get("toggleable"):
                return False, "object is not toggleable.", None
            if bool(obj.get("isToggled")) == on:
                return False, f"can't toggle object {'on' if on else 'off'} if it's already {'on' if on else 'off'}!", None
            if on and obj["objectType"] == "Microwave" and obj.get("isOpen"):
                return False, "Target must be closed to Toggle On!", None
        obj["isToggled"] = on
        for controlled in obj.get("controlledObjects") or []:
            if controlled in self.by_id:
                self.by_id[controlled]["isToggled"] = on
        return True, "", None

    def _do_ToggleObjectOn(self, **args):
        return self._toggle(args, True)

    def _do_ToggleObjectOff(self, **args):
        return self._toggle(args, False)


class _BytesFrame:
    """An RGB frame without numpy: `shape` and `tobytes()`, as the bridge's PNG writer reads."""

    def __init__(self, width, height, data):
        self.shape = (height, width, 3)
        self.dtype = "uint8"
        self._data = data

    def tobytes(self):
        return self._data
