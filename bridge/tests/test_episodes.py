"""Whole episodes through the sidecar: expert plans, the reference wrapper's AI2-THOR calls,
the legal sets, frames."""
import json
import os

import pytest

from conftest import (FAKE, FIXTURES, Sidecar, expert_plan, load_tasks, png_size, read_log, shared_benchmark,
                      steps_of, task_fields)

FIXTURE_POSES = os.path.join(FIXTURES, "data", "agent_positions.json")
INIT_YAWS = {45.0, 135.0, 225.0, 315.0}


def run_plan(sidecar, task, poses_file, **start):
    replies = [sidecar.ask({"op": "start", "scene": task["scene"], "task": task_fields(task),
                            "agent_positions_file": poses_file, **start})]
    for action, item in expert_plan(task):
        replies.append(sidecar.ask({"op": "step", "action": action, "object": item}))
    return replies


def test_every_fixture_expert_plan_succeeds_in_confirm_mode_with_reference_frames(tmp_path):
    tasks = load_tasks(FIXTURES)
    with Sidecar() as sidecar:
        for identity, task in tasks.items():
            frames = tmp_path / identity
            replies = run_plan(sidecar, task, FIXTURE_POSES, frames_dir=str(frames))
            for (action, item), reply in zip([("init", None)] + expert_plan(task), replies):
                assert reply["ok"] is True, (identity, action, reply)
                assert reply["success"] is True, (identity, action, item, reply["refusal"], reply["message"])
                if action != "end":
                    assert png_size(reply["frame"]) == (800, 450)
            assert replies[-1]["frame"] is None  # end takes no frame and repeats the last lists
            assert (replies[-1]["navigable"], replies[-1]["interactable"]) == (replies[-2]["navigable"], replies[-2]["interactable"])
            names = sorted(os.listdir(frames))
            assert f"{task['scene']}_1_init.png" in names
            assert len(names) == len(expert_plan(task))  # one per step but end


def test_init_resets_as_the_evaluation_does_and_teleports_to_a_corner(tmp_path):
    log = tmp_path / "calls.jsonl"
    with Sidecar(log=log) as sidecar:
        reply = sidecar.ask({"op": "start", "scene": "FloorPlan30"})
    assert reply["success"] is True and reply["step"] == 1
    rows = read_log(log)
    assert rows[0]["call"] == "Controller"
    assert rows[0]["args"]["platform"] == "CloudRendering"  # no DISPLAY in the tests' environment
    assert rows[0]["args"]["gridSize"] == 0.1
    assert rows[1] == {"call": "reset", "pid": rows[1]["pid"], "args": {
        "scene": "FloorPlan30", "snapToGrid": False, "quality": "Medium", "agentMode": "default",
        "massThreshold": None, "visibilityDistance": 20, "renderDepthImage": False,
        "renderInstanceSegmentation": False, "width": 800, "height": 450, "fieldOfView": 90}}
    calls = steps_of(log)
    assert [name for name, _ in calls] == ["GetReachablePositions", "Teleport", "Teleport"]
    assert calls[1][1] == calls[2][1]
    assert calls[1][1]["horizon"] == 0
    assert calls[1][1]["rotation"]["y"] in INIT_YAWS
    assert reply["agent"]["horizon"] == 0 and reply["agent"]["rotation"] in INIT_YAWS


def test_interactions_call_ai2thor_with_the_wrappers_names_and_arguments(tmp_path):
    log = tmp_path / "calls.jsonl"
    task = load_tasks(FIXTURES)["7"]  # CounterTop, pickup Tomato, Fridge: open, put, close
    with Sidecar(log=log) as sidecar:
        replies = run_plan(sidecar, task, FIXTURE_POSES)
    tomato = next(o for o in task["related_objects"] if o.startswith("Tomato|"))
    fridge = next(o for o in task["target_objects"] if o.startswith("Fridge|"))
    interactions = [(name, args) for name, args in steps_of(log)
                    if name in ("PickupObject", "PutObject", "OpenObject", "CloseObject")]
    assert interactions == [
        ("PickupObject", {"objectId": tomato, "forceAction": False, "manualInteract": False}),
        ("OpenObject", {"objectId": fridge, "openness": 1, "forceAction": False}),
        ("PutObject", {"objectId": fridge, "forceAction": False, "placeStationary": True}),
        ("CloseObject", {"objectId": fridge, "forceAction": False}),
    ]
    pickup = replies[2]
    assert pickup["object_id"] == tomato and pickup["held"] == tomato
    put = replies[5]
    assert put["held"] is None
    placed = next(o for o in put["objects"] if o["objectId"] == tomato)
    assert placed["parentReceptacles"] == [fridge] and placed["isPickedUp"] is False
    closed = next(o for o in replies[6]["objects"] if o["objectId"] == fridge)
    assert closed["isOpen"] is False


def test_navigate_with_a_hand_set_pose_teleports_there_and_adjusts_nothing(tmp_path):
    log = tmp_path / "calls.jsonl"
    task = load_tasks(FIXTURES)["2"]  # navigate to Fridge, open Fridge; the Fridge has a hand-set pose
    with open(FIXTURE_POSES) as handle:
        pose = json.load(handle)["2"]["Fridge|+01.90|+00.90|-01.00"]
    with Sidecar(log=log) as sidecar:
        replies = run_plan(sidecar, task, FIXTURE_POSES)
    calls = steps_of(log)[3:]  # after init's three calls
    assert calls[0] == ("Teleport", {"position": pose["agent_teleport_position"],
                                     "rotation": pose["agent_rotation"],
                                     "horizon": pose["agent_cameraHorizon"]})
    assert calls[1][0] == "OpenObject"
    assert replies[1]["agent"] == {"x": 1.0, "y": replies[1]["agent"]["y"], "z": -1.0, "rotation": 90.0,
                                   "horizon": 30.0, "standing": True}


def test_navigate_without_a_pose_searches_interactable_poses_then_adjusts_height_and_view(tmp_path):
    log = tmp_path / "calls.jsonl"
    task = load_tasks(FIXTURES)["1"]  # navigate to CounterTop
    with Sidecar(log=log) as sidecar:
        replies = run_plan(sidecar, task, FIXTURE_POSES)
    names = [name for name, _ in steps_of(log)[3:]]
    assert names[:3] == ["GetInteractablePoses", "Teleport", names[2]]
    assert names[2] in ("Crouch", "Stand")
    assert names[-1] == "RotateLeft"
    teleport = steps_of(log)[4][1]
    assert teleport["horizon"] == 60
    assert replies[1]["agent"]["rotation"] % 45 == 0


def test_refused_actions_make_no_ai2thor_call_and_keep_the_lists(tmp_path):
    log = tmp_path / "calls.jsonl"
    with Sidecar(log=log) as sidecar:
        init = sidecar.ask({"op": "start", "scene": "FloorPlan30"})
        before = len(steps_of(log))
        for request, refusal in [({"action": "navigate to", "object": "Spaceship"}, "not_navigable"),
                                 ({"action": "pickup", "object": "Spaceship"}, "not_interactable"),
                                 ({"action": "pickup"}, "no_object")]:
            reply = sidecar.ask({"op": "step", **request})
            assert (reply["success"], reply["refusal"], reply["frame"]) == (False, refusal, None)
            assert reply["navigable"] == init["navigable"]
            assert reply["interactable"] == init["interactable"]
        assert reply["step"] == 4  # each counts as an executed step, as in the wrapper
    assert len(steps_of(log)) == before


def test_navigate_to_an_object_shut_in_a_closed_fridge_fails_with_null_lists(tmp_path):
    task = {"identity": "t", "target_objects": [], "related_objects": [], "navigable_objects": ["Egg"]}
    with Sidecar() as sidecar:
        sidecar.ask({"op": "start", "scene": "FloorPlan30", "task": task})
        reply = sidecar.ask({"op": "step", "action": "navigate to", "object": "Egg"})
    assert (reply["ok"], reply["success"], reply["refusal"]) == (True, False, "no_pose")
    assert reply["navigable"] is None and reply["interactable"] is None and reply["frame"] is None


def test_toggling_a_non_target_twice_asks_for_the_same_state_and_ai2thor_refuses(tmp_path):
    log = tmp_path / "calls.jsonl"
    task = {"identity": "t", "target_objects": [], "related_objects": [], "navigable_objects": ["CoffeeMachine"]}
    with Sidecar(log=log, mode="rules") as sidecar:
        sidecar.ask({"op": "start", "scene": "FloorPlan30", "task": task})
        assert sidecar.ask({"op": "step", "action": "navigate to", "object": "CoffeeMachine"})["success"] is True
        first = sidecar.ask({"op": "step", "action": "toggle", "object": "CoffeeMachine"})
        second = sidecar.ask({"op": "step", "action": "toggle", "object": "CoffeeMachine",
                              "frame": str(tmp_path / "second.png")})
    toggles = [name for name, _ in steps_of(log) if name.startswith("Toggle")]
    assert toggles == ["ToggleObjectOn", "ToggleObjectOn"]
    assert first["success"] is True and first["message"] == ""
    assert second["success"] is False
    assert second["message"] == "can't toggle object on if it's already on!"
    assert png_size(second["frame"]) == (800, 450)  # the wrapper takes a frame after a failed call too


def test_observe_turns_left_four_times_and_writes_three_views_and_the_picture(tmp_path):
    log = tmp_path / "calls.jsonl"
    views = [str(tmp_path / f"v{i}.png") for i in range(3)]
    with Sidecar(log=log) as sidecar:
        init = sidecar.ask({"op": "start", "scene": "FloorPlan30", "controller": {"width": 40, "height": 30}})
        reply = sidecar.ask({"op": "step", "action": "observe", "frame": str(tmp_path / "o.png"),
                             "view_frames": views})
    assert [c for c in steps_of(log)[3:]] == [("RotateLeft", {"degrees": 90})] * 4
    assert reply["success"] is True
    assert reply["agent"]["rotation"] == init["agent"]["rotation"]
    assert reply["view_frames"] == views
    assert [png_size(v) for v in views] == [(40, 30)] * 3
    assert png_size(reply["frame"]) == (3 * 40 + 10, 30)  # side by side, the middle one framed by 5 px


def test_blocked_move_forward_takes_the_sideways_fallback_and_counts_as_success(tmp_path):
    # Every MoveAhead fails; the sideways move ends with a rotation whose empty errorMessage is
    # what the wrapper reads, so the reference records a success (and takes a frame).
    log = tmp_path / "calls.jsonl"
    with Sidecar(log=log, mode="fail:MoveAhead") as sidecar:
        sidecar.ask({"op": "start", "scene": "FloorPlan30"})
        reply = sidecar.ask({"op": "step", "action": "move forward"})
    assert steps_of(log)[3:] == [("MoveAhead", {"moveMagnitude": 0.5}), ("RotateRight", {"degrees": 90}),
                                 ("MoveAhead", {"moveMagnitude": 0.5}), ("RotateLeft", {"degrees": 90})]
    assert reply["success"] is True and reply["message"] == ""


def test_blocked_move_forward_with_related_objects_probes_both_sides(tmp_path):
    log = tmp_path / "calls.jsonl"
    task = load_tasks(FIXTURES)["3"]
    with Sidecar(log=log, mode="fail:MoveAhead") as sidecar:
        sidecar.ask({"op": "start", "scene": task["scene"], "task": task_fields(task)})
        reply = sidecar.ask({"op": "step", "action": "move forward"})
    right = [("RotateRight", {"degrees": 90}), ("MoveAhead", {"moveMagnitude": 0.5}), ("RotateLeft", {"degrees": 90})]
    left = [("RotateLeft", {"degrees": 90}), ("MoveAhead", {"moveMagnitude": 0.5}), ("RotateRight", {"degrees": 90})]
    calls = steps_of(log)[3:]
    # ahead; right, back left; left, back right; then the side nearer a visible related object
    assert calls[:13] == [("MoveAhead", {"moveMagnitude": 0.5})] + right + left + left + right
    assert calls[13:] in (right, left)
    assert reply["success"] is True


def test_fail_pickup_fails_every_pickup_and_the_episode_goes_on(tmp_path):
    task = load_tasks(FIXTURES)["7"]
    with Sidecar(mode="fail_pickup") as sidecar:
        replies = run_plan(sidecar, task, FIXTURE_POSES)
    steps = [("init", None)] + expert_plan(task)
    outcomes = {action: reply["success"] for (action, _), reply in zip(steps, replies)}
    assert outcomes["pickup"] is False
    pickup = replies[2]
    assert pickup["message"].startswith("PickupObject failed") and pickup["held"] is None
    assert all(r["ok"] for r in replies)
    assert replies[-1]["success"] is True  # end


def test_real_expert_plans_of_several_tasks_succeed_and_use_the_benchmark_poses(tmp_path):
    root = shared_benchmark()
    tasks = load_tasks(root)
    poses = os.path.join(root, "data", "agent_positions.json")
    log = tmp_path / "calls.jsonl"
    with Sidecar(scenes=os.path.join(root, "data_engine"), log=log) as sidecar:
        for identity in ("1", "57", "84", "100", "300", "500", "631", "700"):
            replies = run_plan(sidecar, tasks[identity], poses, controller={"width": 16, "height": 9})
            assert [r["success"] for r in replies] == [True] * len(replies), identity
    teleports = [args for name, args in steps_of(log) if name == "Teleport"]
    # task 57's Cabinet has a hand-set pose in agent_positions.json
    assert {"position": {"x": 0.25, "y": 0.900999128818512, "z": -1.5}, "rotation": {"x": -0.0, "y": 180.0, "z": 0.0},
            "horizon": 0} in teleports
    # task 84 goes to the second CounterTop target while holding the Apple: to the Pot on it
    searched = [args["objectId"] for name, args in steps_of(log) if name == "GetInteractablePoses"]
    assert "Pot|-01.22|+00.90|-02.36" in searched


@pytest.mark.parametrize("identity", ["786", "787"])
def test_real_plans_with_an_empty_put_fail_there_for_want_of_an_object(identity):
    root = shared_benchmark()
    task = load_tasks(root)[identity]
    with Sidecar(scenes=os.path.join(root, "data_engine")) as sidecar:
        replies = run_plan(sidecar, task, os.path.join(root, "data", "agent_positions.json"),
                           controller={"width": 16, "height": 9})
    steps = [("init", None)] + expert_plan(task)
    failed = [(a, o, r["refusal"]) for (a, o), r in zip(steps, replies) if not r["success"]]
    empty_puts = [(a, o, "no_object") for a, o in steps if a == "put" and o is None]
    assert empty_puts and failed == empty_puts


def test_frames_are_valid_pngs_without_numpy_or_pillow(tmp_path):
    # A shadow numpy that cannot be imported: the fake then returns byte-backed frames and the
    # sidecar writes them with its standard-library encoder.
    (tmp_path / "numpy").mkdir()
    (tmp_path / "numpy" / "__init__.py").write_text("raise ImportError('numpy hidden by the test')\n")
    (tmp_path / "PIL").mkdir()
    (tmp_path / "PIL" / "__init__.py").write_text("raise ImportError('Pillow hidden by the test')\n")
    frames = tmp_path / "frames"
    with Sidecar(env={"PYTHONPATH": f"{tmp_path}:{FAKE}"}) as sidecar:
        init = sidecar.ask({"op": "start", "scene": "FloorPlan30", "frames_dir": str(frames),
                            "controller": {"width": 20, "height": 10}})
        observe = sidecar.ask({"op": "step", "action": "observe"})
    assert png_size(init["frame"]) == (20, 10)
    assert png_size(observe["frame"]) == (70, 10)
    assert [png_size(v) for v in observe["view_frames"]] == [(20, 10)] * 3


def test_one_controller_serves_every_start_until_its_settings_change(tmp_path):
    log = tmp_path / "calls.jsonl"
    with Sidecar(log=log) as sidecar:
        for scene in ("FloorPlan30", "FloorPlan230", "FloorPlan30"):
            assert sidecar.ask({"op": "start", "scene": scene})["success"] is True
        assert sidecar.ask({"op": "start", "scene": "FloorPlan430", "controller": {"width": 80}})["success"] is True
    calls = [(row["call"], row["args"].get("scene")) for row in read_log(log) if row["call"] != "step"]
    assert calls == [("Controller", "FloorPlan30"), ("reset", "FloorPlan30"), ("reset", "FloorPlan230"),
                     ("reset", "FloorPlan30"), ("stop", None), ("Controller", "FloorPlan430"), ("reset", "FloorPlan430")]
