#!/usr/bin/env python3
"""Generates result lines in the reference shape (seeded, deterministic) over the real tasks, for
parity checks and the grading benchmark. Each line carries tasktype, taskname and key_actions, so
no store is needed. Mixes expert steps, wrong objects, failed steps, `put in`, `error` actions,
null legal_objects, repeated navigation, early ends and several models, plus a few lines that
only an exact implementation grades right: `success` values other than 0/1 (null, "", false, 0.0,
2, lists: the reference skips on `success == 0` but records `prev` only when truthy), object names
with a Kelvin sign (canonically equivalent to "K", yet a different string to Python) and Greek
task names where `str.lower()` applies the final-sigma rule.

Two shapes. `full` (the default) is what the reference writes per task, sized like the real
result.json files in shared/recorded_runs (about 0.7 KB per trajectory entry plus the dialogue):
`legal_locations` grows as types are seen, `legal_objects` lists what is in reach, failed steps
carry the reference's feedback text in `errorInfo`, executed steps an image path, and each line
holds the whole `messages` dialogue, `metrics`, `time` and `maxstep`. `lean` keeps only the
fields the metric reads plus short lists (a lower bound on a file's weight).

    python3 bench/gen_trajectories.py ../shared/embodied_reasoner/data/test_809.json 100000 out.jsonl [seed] [--shape full|lean]
"""
import json
import random
import sys

TYPES = ["Apple", "Pot", "Potato", "Fridge", "CounterTop", "Cabinet", "Mug", "Bowl", "Sink", "Microwave",
         "Drawer", "Plate", "Knife", "Egg", "Tomato", "Shelf", "Box", "Television", "Sofa", "GarbageCan"]
ACTIONS = ["navigate to", "pickup", "put", "put in", "open", "close", "toggle"]
SEEN = TYPES + ["Book", "HousePlant", "Window", "Stool", "ShelvingUnit", "StoveKnob", "SaltShaker", "PepperShaker",
                "StoveBurner", "Spatula", "Vase", "Bottle", "Pan", "Statue", "Kettle", "Cup", "Toaster", "Lettuce"]
ODD_SUCCESS = [None, "", "yes", False, True, 0.0, 2, [], [1], {}]
SYSTEM_PROMPT = ("You are a robot in a given room. You need to complete the tasks according to human instructions. "
                 "We provide an Available_Actions set and the corresponding explanations for each action. "
                 "Each step, you should select one action from Available_Actions.")
ACTIONS_PROMPT = ("Available_Actions: {\n\"navigate to <object>\": Move to the object.\n\"pickup <object>\": Pick up the "
                  "object.\n\"put in <object>\": Put the item in your hand into or on the object.\n\"toggle <object>\": "
                  "Switch the object on or off.\n\"open <object>\": Open the object (container), and you will see inside "
                  "the object.\n\"close <object>\": Close the object.\n\"observe\": You can obtain image of your directly "
                  "rear, left, and right perspectives.\n\"move forward\": Move forward to see more clearly.\n\"end\": If you "
                  "think you have completed the task, please output \"end\".}\nBefore making each decision, you can think, "
                  "plan, and even reflect step by step, and then output your final action.\nYour final action must "
                  "strictly follow format: <DecisionMaking>Your Action</DecisionMaking>, for example, "
                  "<DecisionMaking>observe</DecisionMaking>.")
NEXT_PROMPT = ("To complete your task, you can think step by step at first and then output your new action from the "
               "Available_Actions.\nYour action must strictly follow format: <DecisionMaking>Your Action</DecisionMaking>, "
               "for example, <DecisionMaking>observe</DecisionMaking>.")

GREEK_SUFFIX = " ΟΔΟΣ"
GREEK_LEGAL = ["ος", "οσ", "ΟΣ"]


def key_strings(task):
    return [(a["action"] + " " + a["objectType"]).strip() for a in task["task_metadata"]["actions"]]


def feedback(action, obj):
    """The reference's feedback text for a failed step (what errorInfo holds)."""
    if action == "navigate to":
        return (f'<|feedback|>Action: "navigate to" is illegal, "{obj}" is the most relevant item in this room and '
                f'"navigate to {obj}". Object: "{obj}" is not currently navigable, you can try "navigate to <object>" '
                f'to reach nearby, larger objects for closer observation.\n')
    return (f"<|feedback|>Action: {action} {obj or ''} is illegal, Object: {obj} is currently unavailable for interaction. "
            f"Possible situations include: {obj} does not exist in your current view; you are too far away from {obj}; "
            f"the {obj} cannot perform operation {action}.\nYou can try \"move forward\" to approach the target object "
            f"or \"navigate to <object>\" to reach nearby, larger objects for closer inspection.")


class Shape:
    """Per-line state for the `full` shape: what has been seen so far, for legal_locations."""

    def __init__(self, rng, full, run):
        self.rng, self.full, self.run = rng, full, run
        self.seen = rng.sample(SEEN, rng.randint(4, 12)) if full else []
        self.step = 0


def entry(rng, action, obj, success, shape):
    legal = rng.sample(TYPES, rng.randint(0, 6))
    if rng.random() < 0.02:
        success = rng.choice(ODD_SUCCESS)
    if action == "end" and rng.random() < 0.05:
        legal.append(rng.choice(GREEK_LEGAL))
    record = {
        "response": f"<DecisionMaking>{action} {obj or ''}</DecisionMaking>".replace(" </", "</"),
        "action": action, "object": obj,
        "legal_locations": rng.sample(TYPES, rng.randint(0, 5)),
        "legal_objects": None if rng.random() < 0.05 else legal,
        "success": success, "errorInfo": "", "images": None,
    }
    if shape.full:
        shape.step += 1
        if action in ("navigate to", "observe", "move forward", "init"):
            for new in rng.sample(SEEN, rng.randint(0, 4)):
                if new not in shape.seen:
                    shape.seen.append(new)
        record["legal_locations"] = list(shape.seen)
        if record["legal_objects"] is not None:
            record["legal_objects"] = rng.sample(shape.seen, min(len(shape.seen), rng.randint(3, 15))) + legal
        if success == 0:
            record["errorInfo"] = feedback(action, obj)
        else:
            record["images"] = f"./data/{shape.run}/{shape.step}_{action.replace(' ', '_')}{'_' + obj if obj else ''}.png"
    return record


def messages(query, steps):
    """The dialogue the reference keeps beside the trajectory: prompt, then one answer and one
    observation or feedback per step."""
    dialogue = [{"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f'<image>This is an image from your frontal perspective. Please select an '
                                            f'action from the Available_Actions and fill in the arguments.\nTask: "{query}"\n'
                                            + ACTIONS_PROMPT}]
    for step in steps[1:]:
        dialogue.append({"role": "assistant", "content": step["response"]})
        said = f'{step["action"]} {step["object"]}' if step["object"] else step["action"]
        observation = step["errorInfo"] or (f'<image>After executing your previous "{said}", you get this new image above.\n'
                                            f'You can use "navigate to <object>" to reach nearby, larger objects for closer inspection.\n')
        dialogue.append({"role": "user", "content": observation + NEXT_PROMPT})
    return dialogue


def trajectory(rng, keys, shape):
    steps = [entry(rng, "init", None, 1, shape)]
    for key in keys:
        if key == "end":
            break
        # noise before the key step
        for _ in range(rng.choice([0, 0, 0, 1, 2, 3])):
            kind = rng.random()
            if kind < 0.15:
                steps.append(entry(rng, "error", None, 0, shape))
            elif kind < 0.3:
                steps.append(entry(rng, rng.choice(["observe", "move forward"]), None, 1, shape))
            else:
                steps.append(entry(rng, rng.choice(ACTIONS), rng.choice(TYPES), rng.choice([0, 1]), shape))
        if rng.random() < 0.1:
            break  # gives up early
        action, _, obj = key.rpartition(" ")
        if key.startswith("navigate to"):
            action, obj = "navigate to", key[len("navigate to "):]
        if action == "put" and rng.random() < 0.3:
            action = "put in"
        success = 1 if rng.random() < 0.85 else 0
        if obj and "K" in obj and rng.random() < 0.2:
            obj = obj.replace("K", "\u212a")
        steps.append(entry(rng, action, obj or None, success, shape))
        if rng.random() < 0.1:
            steps.append(dict(steps[-1]))  # repeated step
    if rng.random() < 0.2:
        steps.append(entry(rng, "end", None, 0, shape))  # repeat cut-off style end
    else:
        steps.append(entry(rng, "end", None, 1, shape))
    return steps


def main(tasks_path, count, out_path, seed=7, full=True):
    rng = random.Random(seed)
    tasks = json.load(open(tasks_path))
    models = ["model-a", "model-b", "model-c"]
    with open(out_path, "w") as out:
        for number in range(count):
            task = tasks[number % len(tasks)]
            keys = key_strings(task)
            model = models[number % len(models)]
            taskname = task["taskname"] + (GREEK_SUFFIX if rng.random() < 0.02 else "")
            shape = Shape(rng, full, f'{model}/{task["identity"]}_{task["tasktype"]}_{task["scene"]}_{number}')
            steps = trajectory(rng, keys, shape)
            line = {
                "identity": task["identity"], "scene": task["scene"], "tasktype": task["tasktype"],
                "instruction_idx": task["instruction_idx"], "model": model,
                "taskname": taskname, "trajectory": steps, "key_actions": keys,
            }
            if full:
                line["messages"] = messages(task.get("taskquery") or taskname, steps)
                line["metrics"] = {"success": 0, "efficiency": 0.0, "completeness": 0.0, "key_actions_success": 0}
                line["time"] = rng.randint(30, 3000)
                line["maxstep"] = 24
            out.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--shape")]
    shape = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--shape=")), "full")
    if shape not in ("full", "lean"):
        sys.exit("--shape=full or --shape=lean")
    main(args[0], int(args[1]), args[2], int(args[3]) if len(args) > 3 else 7, full=shape == "full")
