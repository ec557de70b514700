"""The fake ai2thor itself (the Swift side's tests rely on it too): its rules mode speaks
AI2-THOR's error messages, its world keeps the actions' effects, its view mode narrows sight."""
import importlib
import json
import sys

import pytest

from conftest import FAKE, FIXTURES


@pytest.fixture
def controller_class(monkeypatch):
    monkeypatch.syspath_prepend(FAKE)
    monkeypatch.setenv("THOR_LITE_FAKE_SCENES", FIXTURES)
    for name in [n for n in sys.modules if n == "ai2thor" or n.startswith("ai2thor.")]:
        monkeypatch.delitem(sys.modules, name)
    return importlib.import_module("ai2thor.controller").Controller


def ids(event, object_type):
    return [o["objectId"] for o in event.metadata["objects"] if o["objectType"] == object_type]


def test_rules_mode_answers_with_ai2thor_error_messages(controller_class, monkeypatch):
    monkeypatch.setenv("THOR_LITE_FAKE_MODE", "rules")
    controller = controller_class(scene="FloorPlan30", width=8, height=8, visibilityDistance=20)
    event = controller.last_event
    fridge, mug, apple = ids(event, "Fridge")[0], ids(event, "Mug")[0], ids(event, "Apple")[0]
    counter = ids(event, "CounterTop")[0]
    cases = [
        (dict(action="PutObject", objectId=counter), "Can't place an object if Agent isn't holding anything"),
        (dict(action="PickupObject", objectId=counter),
         f"InvalidOperationException: {counter} must have the property CanPickup to be picked up."),
        (dict(action="PickupObject", objectId="Mug|nowhere"),
         "ArgumentException: objectId: Mug|nowhere is not the objectId on any object in the scene!"),
        (dict(action="PickupObject", objectId=mug), ""),
        (dict(action="PickupObject", objectId=apple),
         "InvalidOperationException: Agent hand has something in it already! Can't pick up anything else"),
        (dict(action="PutObject", objectId=fridge),
         "Target openable Receptacle is CLOSED, can't place if target is not open!"),
        (dict(action="OpenObject", objectId=counter), f"{counter} is not an Openable object"),
        (dict(action="OpenObject", objectId=fridge, openness=1), ""),
        (dict(action="PutObject", objectId=fridge), ""),
        (dict(action="ToggleObjectOn", objectId=fridge), "object is not toggleable."),
    ]
    for call, message in cases:
        event = controller.step(call)
        assert (event.metadata["lastActionSuccess"], event.metadata["errorMessage"]) == (message == "", message), call
    placed = next(o for o in event.metadata["objects"] if o["objectId"] == mug)
    assert placed["parentReceptacles"] == [fridge]
    assert mug in next(o for o in event.metadata["objects"] if o["objectId"] == fridge)["receptacleObjectIds"]


def test_an_object_in_a_closed_fridge_is_hidden_until_the_fridge_opens(controller_class):
    controller = controller_class(scene="FloorPlan30", width=8, height=8, visibilityDistance=20)
    egg = next(o for o in controller.last_event.metadata["objects"] if o["objectType"] == "Egg")
    fridge = egg["parentReceptacles"][0]
    assert egg["visible"] is False
    assert controller.step(action="GetInteractablePoses", objectId=egg["objectId"]).metadata["actionReturn"] == []
    event = controller.step(action="OpenObject", objectId=fridge, openness=1)
    assert next(o for o in event.metadata["objects"] if o["objectId"] == egg["objectId"])["visible"] is True
    poses = controller.step(action="GetInteractablePoses", objectId=egg["objectId"]).metadata["actionReturn"]
    assert poses and all({"x", "y", "z", "rotation", "standing", "horizon"} <= set(p) for p in poses)


def test_view_mode_hides_what_is_behind_the_camera(controller_class, monkeypatch):
    monkeypatch.setenv("THOR_LITE_FAKE_VISIBILITY", "view")
    controller = controller_class(scene="FloorPlan30", width=800, height=450, fieldOfView=90, visibilityDistance=20)
    # The agent stands at x 0 facing -z; turned left it faces +x: everything at x < 0 is behind.
    facing_x = controller.step(action="RotateLeft", degrees=90).metadata
    assert facing_x["agent"]["rotation"]["y"] == 90.0
    visible = {o["objectId"]: o["visible"] for o in facing_x["objects"]}
    behind = [o["objectId"] for o in facing_x["objects"] if o["axisAlignedBoundingBox"]["center"]["x"] < -0.5]
    assert behind and not any(visible[i] for i in behind)
    assert visible["Fridge|+01.90|+00.90|-01.00"] is True
    monkeypatch.setenv("THOR_LITE_FAKE_VISIBILITY", "all")
    assert all(visible_now for visible_now in
               (o["visible"] for o in controller.step(action="RotateLeft", degrees=0).metadata["objects"]
                if o["objectId"] in behind))


def test_toggling_a_knob_switches_the_burners_it_controls(controller_class):
    controller = controller_class(scene="FloorPlan30", width=8, height=8, visibilityDistance=20)
    knob = next(o for o in controller.last_event.metadata["objects"] if o.get("controlledObjects"))
    event = controller.step(action="ToggleObjectOn", objectId=knob["objectId"])
    states = {o["objectId"]: o["isToggled"] for o in event.metadata["objects"]}
    assert states[knob["objectId"]] is True
    assert all(states[c] is True for c in knob["controlledObjects"])


def test_every_call_is_logged_with_its_arguments(controller_class, monkeypatch, tmp_path):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("THOR_LITE_FAKE_LOG", str(log))
    controller = controller_class(scene="FloorPlan30", width=8, height=8, visibilityDistance=20)
    controller.reset(scene="FloorPlan30", width=8)
    controller.step(dict(action="MoveAhead", moveMagnitude=0.5))
    controller.step(action="RotateRight", degrees=90)
    controller.stop()
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["call"] for r in rows] == ["Controller", "reset", "step", "step", "stop"]
    assert [(r["n"], r["action"], r["args"]) for r in rows if r["call"] == "step"] == [
        (1, "MoveAhead", {"moveMagnitude": 0.5}), (2, "RotateRight", {"degrees": 90})]


def test_an_unknown_mode_is_an_error_not_a_silent_confirm(controller_class, monkeypatch):
    monkeypatch.setenv("THOR_LITE_FAKE_MODE", "confirm,explode_at:3")
    with pytest.raises(ValueError, match="unknown mode 'explode_at:3'"):
        controller_class(scene="FloorPlan30")
