"""One benchmark episode on an AI2-THOR controller, with the reference evaluation wrapper's
semantics (Embodied-Reasoner `evaluate/ai2thor_engine/RocAgent.py` and `baseAgent.py`, read for
behaviour; this is our own code).

What the wrapper does and this module reproduces, call for call:
- `start`: `controller.reset(...)` with the evaluation's settings, then `init`.
- `init`: `GetReachablePositions`, the reachable position nearest one of the scene bounds' floor
  corners (cornerPoints 2, 3, 6, 7) with yaw 225/315/135/45 and horizon 0, teleported to (retrying
  the next nearest while Teleport fails), then teleported there once more.
- `navigate to T`: the object T means (see `_object_for`), redirected to a related object lying
  on it when T is an open-topped receptacle; a hand-set pose when one exists for that object
  (Teleport with its position, yaw and horizon), else `compute_position_8` over
  `GetInteractablePoses` with horizon 60, then `adjust_height` and `adjust_view`.
- `pickup/put/open/close/toggle T`: one AI2-THOR call on the object T means, with the wrapper's
  arguments (`forceAction=False` etc.).
- `observe`: three `RotateLeft` 90 views (the picture is the three side by side), a fourth
  `RotateLeft` 90 back to the starting yaw.
- `move forward`: `MoveAhead` 0.5 and the wrapper's chain of fallbacks.
- The legal sets: `get_navigate_location`'s size/distance rule over the objects AI2-THOR reports
  visible, accumulated into the navigable types; the interactable types at the current pose.
- Success as `evaluate.py` records it: the wrapper accepted the action (type navigable or
  interactable), the last AI2-THOR call left an empty `errorMessage`, and a frame was taken.

Where the wrapper would crash or loop forever, the step fails instead and says why
(`refusal`): see `docs/live-bridge.md`.
"""
import math

# evaluate.py / baseAgent.py: the controller the reference evaluation builds and resets to.
REFERENCE_CONTROLLER = {
    "snapToGrid": False,
    "quality": "Medium",
    "agentMode": "default",
    "massThreshold": None,
    "visibilityDistance": 20,
    "gridSize": 0.1,
    "renderDepthImage": False,
    "renderInstanceSegmentation": False,
    "width": 800,
    "height": 450,
    "fieldOfView": 90,
}

# RocAgent.action_space, in its order: `exec` takes the first name contained in the action text.
ACTION_NAMES = ["init", "navigate to", "pickup", "put", "put in", "toggle", "open", "close",
                "observe", "move forward", "end"]
INTERACTIONS = ["pickup", "put", "put in", "toggle", "open", "close"]
MOVE_DISTANCE = 0.5          # RocAgent.exec: move_forward(distance=0.5)
APPROACH_RADIUS = 1.5        # baseAgent.compute_position_8
NAVIGATE_HORIZON = 60        # RocAgent.navigate; also BaseAction.teleport's default
CROUCH_MARGIN = 0.44         # baseAgent.adjust_height
LOOK_UP_LIMIT, LOOK_DOWN_LIMIT = 30, -60   # baseAgent.adjust_view
EIGHT_ANGLES = [0, 45, 90, 135, 180, 225, 270, 315, 360]


class WrapperError(Exception):
    """The reference wrapper would have raised here (and the evaluation dropped the task)."""


class ControllerError(Exception):
    """ai2thor raised during a call (Unity gone, an invalid scene, ...)."""


def _call(method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - ai2thor raises plain Exceptions
        raise ControllerError(f"{type(error).__name__}: {error}") from error


def _dist_xz(a, b):
    return math.sqrt((a["x"] - b["x"]) ** 2 + (a["z"] - b["z"]) ** 2)


def _size(obj):
    return obj["axisAlignedBoundingBox"]["size"]


def item_volume(metadata, name):
    """EventObject.get_item_volume: the current box volume of the object of that name, rounded to
    4 places; 0.0 when no object has the name."""
    for obj in metadata["objects"]:
        if obj["name"] == name:
            s = _size(obj)
            return round(s["x"] * s["y"] * s["z"], 4)
    return 0.0


def item_surface(metadata, name):
    """EventObject.get_item_surface_area: the current box's largest face, rounded to 4 places."""
    for obj in metadata["objects"]:
        if obj["name"] == name:
            s = _size(obj)
            return round(max(s["x"] * s["y"], s["x"] * s["z"], s["y"] * s["z"]), 4)
    return 0.0


def _nearest_angle(degrees):
    angle = min(EIGHT_ANGLES, key=lambda a: abs(a - round(degrees)))
    return 0 if angle == 360 else angle


def _small_but_close(v, s, d):
    """get_navigate_location's second chance for small or far objects (strict comparisons)."""
    return ((s > 0.5 and d < 10) or (s > 0.15 and d < 4) or (s > 0.08 and d < 2.5)
            or (v > 0.005 and d < 2) or (v > 0.001 and d < 1.5) or d < 1)


def navigate_locations(metadata):
    """RocAgent.get_navigate_location: every object but the Floor with its volume, largest face,
    horizontal distance from the agent to its box centre, volume/distance rate and whether it is
    navigable; in ascending rate order (a stable sort of metadata order), which is the order the
    wrapper adds types to its lists."""
    agent = metadata["agent"]["position"]
    rows = []
    for obj in metadata["objects"]:
        if obj["objectType"] == "Floor":
            continue
        size = _size(obj)
        v = size["x"] * size["y"] * size["z"]
        s = max(size["x"] * size["z"], size["x"] * size["y"], size["y"] * size["z"])
        d = _dist_xz(obj["axisAlignedBoundingBox"]["center"], agent)
        # The wrapper divides by d unguarded (ZeroDivisionError when the agent stands on the box
        # centre); its own guard just above meant rate 0, which is what we use.
        rate = v / d if d != 0 else 0.0
        navigable = False
        if obj["visible"]:
            if v < 0.01:
                navigable = _small_but_close(v, s, d)
            else:
                navigable = rate > 0.02 or _small_but_close(v, s, d)
        rows.append({"objectId": obj["objectId"], "objectType": obj["objectType"],
                     "visible": obj["visible"], "isnavigable": navigable, "rate": rate})
    rows.sort(key=lambda r: r["rate"])
    return rows


# What every event must carry for the wrapper's reading of it.
EVENT_FIELDS = {"objects": list, "agent": dict, "lastActionSuccess": bool, "errorMessage": str}
AGENT_FIELDS = ("position", "rotation", "cameraHorizon")


class MalformedEvent(Exception):
    """An event without the fields every AI2-THOR event has."""


def checked_event(event, action):
    metadata = getattr(event, "metadata", None)
    if not isinstance(metadata, dict):
        raise MalformedEvent(f"{action}: the event has no metadata dictionary")
    for name, kind in EVENT_FIELDS.items():
        if not isinstance(metadata.get(name), kind):
            raise MalformedEvent(f"{action}: metadata field '{name}' is missing or not a {kind.__name__}")
    for name in AGENT_FIELDS:
        if name not in metadata["agent"]:
            raise MalformedEvent(f"{action}: metadata field 'agent.{name}' is missing")
    return event


class Episode:
    """The wrapper's state for one task on one controller."""

    def __init__(self, controller, scene, task=None, agent_positions=None, controller_settings=None):
        task = task or {}
        self.controller = controller
        self.scene = scene
        self.settings = dict(controller_settings or REFERENCE_CONTROLLER)
        self.taskid = str(task.get("identity", ""))
        self.related_objects = list(task.get("related_objects") or [])
        self.step_count = 0
        self.current_container = None
        self.last_lists = (None, None)
        self.frames_taken = []
        # agent_positions.json merged per object id, later tasks winning (RocAgent.__init__).
        self.hand_set = dict(agent_positions or {})
        self.targets = {}
        for object_id in task.get("target_objects") or []:
            self.targets.setdefault(object_id.split("|")[0], []).append(object_id)
        # BaseAgent.__init__: reset to the evaluation's settings (gridSize is not passed again).
        reset_args = {k: v for k, v in self.settings.items() if k != "gridSize"}
        _call(controller.reset, scene=scene, **reset_args)
        # The objects by type as the wrapper read them once, right after the reset: actions on a
        # non-target object see its starting state (and position) for the whole episode.
        self.start_objects = {}
        for obj in self.metadata()["objects"]:
            self.start_objects.setdefault(obj["objectType"], []).append(obj)
        # The wrapper counts sightings per type; only the keys and their order matter.
        self.navigable = dict.fromkeys(task.get("navigable_objects") or [])
        self.interactable = {}

    # -- reading AI2-THOR ------------------------------------------------------------------

    def metadata(self):
        event = self.controller.last_event
        metadata = getattr(event, "metadata", None)
        if not isinstance(metadata, dict):
            raise MalformedEvent("the controller's last event has no metadata dictionary")
        return metadata

    def error_message(self):
        return self.metadata().get("errorMessage") or ""

    def object_by_id(self, object_id):
        for obj in self.metadata()["objects"]:
            if obj["objectId"] == object_id:
                return obj
        return None

    def step(self, **kwargs):
        return checked_event(_call(self.controller.step, dict(kwargs)), kwargs.get("action"))

    def teleport(self, position, rotation, horizon=NAVIGATE_HORIZON):
        return self.step(action="Teleport", position=position, rotation=rotation, horizon=horizon)

    def frame(self, label):
        """save_frame: the frame as it is now, with the name parts the wrapper gives it."""
        self.frames_taken.append((label, self.controller.last_event.frame))

    # -- the legal sets --------------------------------------------------------------------

    def _container_types(self):
        if self.current_container is None:
            return []
        # The wrapper iterates receptacleObjectIds as read when it navigated there; a receptacle
        # whose list is null would raise a TypeError there; we treat it as empty.
        return [i.split("|")[0] for i in (self.current_container.get("receptacleObjectIds") or [])]

    def legal_navigations(self):
        for row in navigate_locations(self.metadata()):
            if row["isnavigable"]:
                self.navigable.setdefault(row["objectType"])
        return list(self.navigable)

    def legal_interactions(self):
        inside = self._container_types()
        found = {}
        for row in navigate_locations(self.metadata()):
            if (row["visible"] and row["objectType"] in inside) or row["isnavigable"]:
                found.setdefault(row["objectType"])
        self.interactable = found
        return list(found)

    # -- which object a type means -----------------------------------------------------------

    def _object_for(self, object_type, navigating=False):
        if object_type in self.targets:
            ids = self.targets[object_type]
            object_id = ids[0]
            if navigating and self.taskid in ("84", "85") and self.metadata().get("inventoryObjects"):
                if len(ids) < 2:
                    raise WrapperError(f"task {self.taskid} lists one {object_type} target, the wrapper reads a second")
                object_id = ids[1]
            obj = self.object_by_id(object_id)
            if obj is None:
                raise WrapperError(f"target {object_id} is not an object of {self.scene}")
            return obj
        if object_type not in self.start_objects:
            raise WrapperError(f"no {object_type} in {self.scene}")
        return self.start_objects[object_type][0]

    # -- actions ---------------------------------------------------------------------------

    def init(self):
        metadata = self.metadata()
        corners = [metadata["sceneBounds"]["cornerPoints"][i] for i in (2, 3, 6, 7)]
        yaws = [225, 315, 135, 45]
        tried = []
        while True:
            reachable = self.step(action="GetReachablePositions").metadata.get("actionReturn") or []
            best, index, best_d = None, None, float("inf")
            for i, corner in enumerate(corners):
                for p in reachable:
                    if p in tried:
                        continue
                    d = math.sqrt((p["x"] - corner[0]) ** 2 + (p["z"] - corner[2]) ** 2)
                    if d < best_d:
                        best, index, best_d = p, i, d
            if best is None:
                # The wrapper would loop for ever here (or fail on an empty list).
                raise WrapperError("no reachable position takes the corner teleport")
            rotation = dict(x=0, y=yaws[index], z=0)
            event = self.teleport(best, rotation, horizon=0)
            if event.metadata.get("lastActionSuccess"):
                break
            tried.append(best)
        self.teleport(best, rotation, horizon=0)
        self.frame({"action": "init"})
        return self.legal_navigations(), self.legal_interactions()

    def navigate(self, object_type):
        item = self._object_for(object_type, navigating=True)
        label = {"action": "navigate", "item": item["objectType"]}
        if item.get("receptacle", False) and not item.get("openable"):
            for related in self.related_objects:
                if related in (item.get("receptacleObjectIds") or []):
                    redirected = self.object_by_id(related)
                    if redirected is None:
                        raise WrapperError(f"related object {related} is not in {self.scene}")
                    item = redirected
                    break
        pose = self.hand_set.get(item["objectId"])
        if pose is not None:
            position = pose["agent_teleport_position"]
            rotation = pose["agent_rotation"]
            horizon = pose["agent_cameraHorizon"]
        else:
            position, rotation = self.compute_position_8(item, [])
            horizon = NAVIGATE_HORIZON
        if position is None:
            return False, None, None, "no_pose"
        event = self.teleport(position, rotation, horizon)
        tried = []
        while not event.metadata.get("lastActionSuccess"):
            tried.append(position)
            position, rotation = self.compute_position_8(item, tried)
            if position is None:
                # The wrapper would teleport to None for ever here.
                return False, None, None, "no_pose"
            event = self.teleport(position, rotation)
        if pose is None:
            self.adjust_height(item)
            self.adjust_view(item)
        self.frame(label)
        # The wrapper's test is always true for a receptacle (`!= [] or is not None`).
        if item.get("receptacle", False) and "receptacleObjectIds" in item:
            self.current_container = item
        return True, self.legal_navigations(), self.legal_interactions(), None

    def interact(self, name, object_type):
        item = self._object_for(object_type)
        object_id = item["objectId"]
        if name == "pickup":
            self.step(action="PickupObject", objectId=object_id, forceAction=False, manualInteract=False)
            label = "pick_up"
        elif name in ("put", "put in"):
            self.step(action="PutObject", objectId=object_id, forceAction=False, placeStationary=True)
            label = "put_in"
        elif name == "open":
            self.step(action="OpenObject", objectId=object_id, openness=1, forceAction=False)
            label = "open"
        elif name == "close":
            self.step(action="CloseObject", objectId=object_id, forceAction=False)
            label = "close"
        else:  # toggle: off when the wrapper reads it as on
            action = "ToggleObjectOff" if item.get("isToggled") is True else "ToggleObjectOn"
            self.step(action=action, objectId=object_id, forceAction=False)
            label = "toggle"
        self.frame({"action": label, "item": item["objectType"]})
        return object_id, self.legal_navigations(), self.legal_interactions()

    def observe(self):
        views = []
        navigable = None
        for i in range(3):
            self.step(action="RotateLeft", degrees=90)
            views.append(self.controller.last_event.frame)
            navigable = self.legal_navigations()
        self.frames_taken.append(({"action": "observe", "views": views}, None))
        self.step(action="RotateLeft", degrees=90)
        return navigable, self.legal_interactions()

    def _moved(self):
        """After a fallback move: the frame and lists when it worked, else None."""
        if self.error_message() == "":
            self.frame({"action": "move_forward"})
            return self.legal_navigations(), self.legal_interactions()
        return None

    def _sideways(self, turn, back, distance):
        self.step(action=turn, degrees=90)
        self.step(action="MoveAhead", moveMagnitude=distance)
        self.step(action=back, degrees=90)

    def move_right(self, distance):
        self._sideways("RotateRight", "RotateLeft", distance)

    def move_left(self, distance):
        self._sideways("RotateLeft", "RotateRight", distance)

    def _turn_and_go(self, distance):
        """The last two fallbacks: a right turn and ahead; then a half turn left and ahead."""
        self.step(action="RotateRight", degrees=90)
        rotate_error = self.error_message()
        self.step(action="MoveAhead", moveMagnitude=distance)
        done = self._moved()
        if done:
            return done
        if rotate_error == "":
            self.step(action="RotateLeft", degrees=180)
        self.step(action="MoveAhead", moveMagnitude=distance)
        return self._moved()

    def move_forward(self, distance=MOVE_DISTANCE):
        self.step(action="MoveAhead", moveMagnitude=distance)
        if self.error_message() == "":
            self.frame({"action": "move_forward"})
            return self.legal_navigations(), self.legal_interactions()
        if self.related_objects:
            # Sideways moves end with a rotation, whose (empty) error is what the wrapper reads.
            self.move_right(distance)
            error_right = self.error_message()
            right = dict(self.metadata()["agent"]["position"])
            if error_right == "":
                self.move_left(distance)
            self.move_left(distance)
            error_left = self.error_message()
            left = dict(self.metadata()["agent"]["position"])
            if error_left == "":
                self.move_right(distance)
            to_right, to_left = [], []
            for object_id in self.related_objects:
                item = self.object_by_id(object_id)
                if item is None:
                    raise WrapperError(f"related object {object_id} is not in {self.scene}")
                if item["visible"] is True:
                    to_right.append(_dist_xz(right, item["position"]))
                    to_left.append(_dist_xz(left, item["position"]))
            if error_right == "" and error_left == "" and to_right and to_left:
                if min(to_right) < min(to_left):
                    self.move_right(distance)
                else:
                    self.move_left(distance)
                return self._moved() or (None, None)
            if error_right == "" or error_left == "":
                if error_right == "":
                    self.move_right(distance)
                else:
                    self.move_left(distance)
                return self._moved() or (None, None)
            self.step(action="MoveBack", moveMagnitude=distance)
            return self._moved() or self._turn_and_go(distance) or (None, None)
        self.move_right(distance)
        done = self._moved()
        if done:
            return done
        self.move_left(distance)
        done = self._moved()
        if done:
            return done
        self.step(action="MoveBack", moveMagnitude=distance)
        return self._moved() or self._turn_and_go(distance) or (None, None)

    # -- poses (baseAgent) -------------------------------------------------------------------

    def compute_position_1(self, item, positions):
        """The reachable position nearest the object, with its own yaw (0 when it has none)."""
        best, best_d = None, float("inf")
        for p in positions:
            d = _dist_xz(p, item["position"])
            if d < best_d:
                best, best_d = p, d
        if best is None:
            return None, None
        return best, dict(x=0, y=best.get("rotation", 0), z=0)

    def closest_to_line(self, item, candidates, gap=0.1):
        """compute_closest_positions: the candidates near the object's facing line (its formula
        swaps x and z, kept), then by size the nearest, the middle one within 1 m, or the
        farthest within 1 m."""
        centre = item["position"]
        volume, surface = item_volume(self.metadata(), item["name"]), item_surface(self.metadata(), item["name"])
        b = -math.tan(math.radians(item["rotation"]["y"]))
        c = -centre["x"] - b * centre["z"]
        best_line, near = float("inf"), []
        for p in candidates:
            d = abs(p["z"] + b * p["x"] + c) / math.sqrt(1 + b * b)
            if d <= best_line + gap:
                if d < best_line:
                    best_line = d
                near.append(p)
        if volume <= 0.2 and surface <= 0.5:
            best, best_d = None, float("inf")
            for p in near:
                d = _dist_xz(p, centre)
                if d < best_d:
                    best, best_d = p, d
            return best
        within = [p for p in near if _dist_xz(p, centre) <= 1]
        if volume <= 1 and surface <= 1:
            within.sort(key=lambda p: _dist_xz(p, centre))
            return within[len(within) // 2] if within else None
        best, best_d = None, 0
        for p in within:
            d = _dist_xz(p, centre)
            if d > best_d:
                best, best_d = p, d
        return best

    def compute_position_8(self, item, tried):
        event = self.step(action="GetInteractablePoses", objectId=item["objectId"])
        poses = [p for p in (event.metadata.get("actionReturn") or [])
                 if _dist_xz(p, item["position"]) <= APPROACH_RADIUS]
        if not poses:
            return None, None
        if tried:
            poses = [p for p in poses if p not in tried]
        if item_volume(self.metadata(), item["name"]) <= 0.1 and item_surface(self.metadata(), item["name"]) <= 1:
            return self.compute_position_1(item, poses)
        facing = _nearest_angle(item["rotation"]["y"])
        x, z = item["position"]["x"], item["position"]["z"]
        position, rotation = None, None

        def aligned(axis):
            # Positions within a growing tolerance of the object's x (or z).
            for tolerance in (0.1, 0.2, 0.3, 0.4, 0.5):
                found = [p for p in poses if abs(p[axis] - item["position"][axis]) <= tolerance]
                if found:
                    return found
            return []

        if facing == 180:
            rotation = dict(x=0, y=0, z=0)
            candidates = aligned("x")
            front = [p for p in candidates if p["z"] < z]
            back = [p for p in candidates if p["z"] > z]
            if front:
                position = self.closest_to_line(item, front)
            # The wrapper tests the rotation here, which is never None: the back is not tried.
        elif facing == 270:
            rotation = dict(x=0, y=90, z=0)
            candidates = aligned("z")
            front = [p for p in candidates if p["x"] < x]
            back = [p for p in candidates if p["x"] > x]
            if front:
                position = self.closest_to_line(item, front)
            if position is None and back:
                rotation = dict(x=0, y=270, z=0)
                position = self.closest_to_line(item, back)
        elif facing == 0:
            rotation = dict(x=0, y=180, z=0)
            candidates = aligned("z")  # the wrapper aligns on z here, not x
            front = [p for p in candidates if p["z"] > z]
            back = [p for p in candidates if p["z"] < z]
            from_front = self.closest_to_line(item, front) if front else None
            from_back = None
            if back:
                rotation = dict(x=0, y=0, z=0)
                from_back = self.closest_to_line(item, back)
            if from_front is not None and from_back is not None:
                if _dist_xz(from_front, item["position"]) < _dist_xz(from_back, item["position"]):
                    position = from_front
                else:
                    position = from_back
            else:
                position = from_front if from_front is not None else from_back
        elif facing == 90:
            rotation = dict(x=0, y=270, z=0)
            candidates = aligned("z")
            front = [p for p in candidates if p["x"] > x]
            back = [p for p in candidates if p["x"] < x]
            if front:
                position = self.closest_to_line(item, front)
            elif back:
                rotation = dict(x=0, y=90, z=0)
                position = self.closest_to_line(item, back)
        else:
            # The diagonals: (front test, front yaw, back test, back yaw[, sides]).
            if facing == 45:
                rotation = dict(x=0, y=225, z=0)
                front = [p for p in poses if p["x"] > x and p["z"] > z]
                back = [p for p in poses if p["x"] < x and p["z"] < z]
                back_yaw, sides = 45, []
            elif facing == 135:
                rotation = dict(x=0, y=315, z=0)
                front, back, side_a, side_b = [], [], [], []
                for p in poses:
                    if p["x"] > x and p["z"] < z:
                        front.append(p)
                    elif p["x"] < x and p["z"] > z:
                        back.append(p)
                    elif p["x"] > x and p["z"] > z:
                        side_a.append(p)
                    elif p["x"] < x and p["z"] < z:
                        side_b.append(p)
                back_yaw, sides = 135, [(side_a, 225), (side_b, 45)]
            elif facing == 225:
                rotation = dict(x=0, y=45, z=0)
                front = [p for p in poses if p["x"] < x and p["z"] < z]
                back = [p for p in poses if p["x"] > x and p["z"] > z]
                back_yaw, sides = 225, []
            else:  # 315
                rotation = dict(x=0, y=135, z=0)
                front = [p for p in poses if p["x"] < x and p["z"] > z]
                back = [p for p in poses if p["x"] > x and p["z"] < z]
                back_yaw, sides = 315, []
            if front:
                position = self.closest_to_line(item, front)
            if position is None and back:
                rotation = dict(x=0, y=back_yaw, z=0)
                position = self.closest_to_line(item, back)
            for side, yaw in sides:
                if position is None and side:
                    rotation = dict(x=0, y=yaw, z=0)
                    position = self.closest_to_line(item, side)
        if position is None:
            return self.compute_position_1(item, poses)
        return position, rotation

    def adjust_height(self, item):
        """Crouch when the agent's centre is more than 0.44 m above the box's top (its first
        corner point), else stand; stand again when the object is then not visible."""
        top = item["axisAlignedBoundingBox"]["cornerPoints"][0][1]
        if self.metadata()["agent"]["position"]["y"] > top + CROUCH_MARGIN:
            self.step(action="Crouch")
        else:
            self.step(action="Stand")
        visible_names = [o["name"] for o in self.metadata()["objects"] if o["visible"]]
        if item["name"] not in visible_names:
            self.step(action="Stand")

    def adjust_view(self, item):
        """Pitch toward the box centre (truncated, clamped to 30 up / 60 down), then turn to the
        nearest multiple of 45 degrees of the bearing to it."""
        metadata = self.metadata()
        camera = metadata["cameraPosition"]
        centre = item["axisAlignedBoundingBox"]["center"]
        vx, vy, vz = centre["x"] - camera["x"], centre["y"] - camera["y"], centre["z"] - camera["z"]
        norm = math.sqrt(vx * vx + vy * vy + vz * vz)
        if norm != 0:
            vx, vy, vz = vx / norm, vy / norm, vz / norm
        yaw = math.degrees(math.atan2(vx, vz))
        pitch = math.degrees(math.asin(max(-1.0, min(1.0, vy))))
        # baseAgent reads the pitch from ai2thor's Event.pose_discrete[3], the horizon rounded.
        camera_pitch = -int(round(metadata["agent"]["cameraHorizon"]))
        target = min(LOOK_UP_LIMIT, int(pitch)) if int(pitch) > 0 else max(LOOK_DOWN_LIMIT, int(pitch))
        if target - camera_pitch > 0:
            self.step(action="LookUp", degrees=target - camera_pitch)
        elif target - camera_pitch < 0:
            self.step(action="LookDown", degrees=camera_pitch - target)
        if int(yaw) < 0:
            yaw = 360 + yaw
        heading = _nearest_angle(yaw)
        self.step(action="RotateLeft", degrees=self.metadata()["agent"]["rotation"]["y"] - heading)

    # -- the wrapper's exec -----------------------------------------------------------------

    def execute(self, action, object_type=None):
        """RocAgent.exec plus evaluate.py's success rule. Returns a dict: success, refusal (why
        the wrapper did not act, or None), object_id, navigable, interactable."""
        self.frames_taken = []
        navigable, interactable = list(self.navigable), list(self.interactable)
        self.step_count += 1
        result = {"object_id": None, "refusal": None}
        for name in ACTION_NAMES:
            if name not in action:
                continue
            if name in ("init", "observe", "move forward"):
                navigable, interactable = {"init": self.init, "observe": self.observe,
                                           "move forward": self.move_forward}[name]()
                ok = self.error_message() == ""
            elif name == "end":
                continue
            elif object_type is None:
                result["refusal"] = "no_object"
                ok = False
            elif name == "navigate to" and object_type in self.navigable:
                taken, navigable, interactable, why = self.navigate(object_type)
                result["refusal"] = why
                ok = taken
            elif name in INTERACTIONS and object_type in self.interactable:
                result["object_id"], navigable, interactable = self.interact(name, object_type)
                ok = self.error_message() == ""
            else:
                continue
            taken = bool(self.frames_taken)
            result.update(success=ok and taken, navigable=navigable, interactable=interactable)
            self.last_lists = (navigable, interactable)
            return result
        # The type is not among the legal ones: the wrapper returns its lists unchanged. (Every
        # other action returned above; the bridge only sends the wrapper's action names.)
        if result["refusal"] is None:
            result["refusal"] = "not_navigable" if "navigate to" in action else "not_interactable"
        result.update(success=False, navigable=navigable, interactable=interactable)
        self.last_lists = (navigable, interactable)
        return result
