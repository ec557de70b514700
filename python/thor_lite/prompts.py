"""Text observations in the reference evaluation's message format.

The reference shows the model a system prompt, then after each step one user message: the
task and the action list after `init`, the reference's feedback after a failed step, a short
"after executing ..." line after a successful one. Each successful step also carries an image
(`<image>` marks where). A text-only agent has no image, so `describe_view` appends what the
image would have shown in words: the types the agent can navigate to and interact with, and
what it holds.
"""

SYSTEM_PROMPT = (
    "You are a robot in given room. You need to complete the tasks according to human instructions. "
    "We provide an Available_Actions set and the corresponding explanations for each action. "
    "Each step, you should select one action from Available_Actions.")

_ACTIONS = """Available_Actions: {{
"navigate to <object>": Move to the object.
"pickup <object>": Pick up the object.
"{put}": Put the item in your hand into or on the object.
"toggle <object>": Switch the object on or off.
"open <object>": Open the object (container), and you will see inside the object.
"close <object>": Close the object.
"observe": You can obtain image of your directly rear, left, and right perspectives.
"move forward": Move forward to see more clearly.
"end": If you think you have completed the task, please output "end".}}"""

_FORMAT = ("Your action must strictly follow format: <DecisionMaking>Your Action</DecisionMaking>, "
           "for example, <DecisionMaking>observe</DecisionMaking>.")

_TASK = ("This is an image from your frontal perspective. Please select an action from the Available_Actions "
         "and fill in the arguments.\nTask: \"{task}\"\n" + _ACTIONS + "\nBefore making each decision, you can think, "
         "plan, and even reflect step by step, and then output your final action.\nYour final action must strictly "
         "follow format: <DecisionMaking>Your Action</DecisionMaking>, for example, <DecisionMaking>observe</DecisionMaking>.")

_AFTER = ("After executing your previous \"{action}\", you get this new image above.\n"
          "To complete your task, you can think step by step at first and then output your new action from the "
          "Available_Actions.\n" + _FORMAT)

_AFTER_MOVE = ("After executing your previous \"{action}\", you get this new image above.\n"
               "You can use \"navigate to <object>\" to reach nearby, larger objects for closer inspection.\n"
               "To complete your task, you can think step by step at first and then output your new action from the "
               "Available_Actions.\n" + _FORMAT)

_AFTER_ERROR = ("To complete your task, you can think step by step at first and then output your new action from "
                "the Available_Actions.\n" + _FORMAT)


def task_message(taskquery, put_in=False):
    """The first user message (after `init`): the task and the action list."""
    return "<image>" + _TASK.format(task=taskquery, put="put in <object>" if put_in else "put <object>")


def step_message(observation):
    """The user message the reference sends after a step, from a serve observation."""
    return step_message_of(observation["action"], observation["success"], observation.get("feedback"),
                           observation.get("object"))


def step_message_of(action, success, feedback, object_type):
    """`step_message` from the observation's action, success, feedback and object (a column-wise
    reply's values)."""
    if action == "init" and success:
        raise ValueError("use task_message for the init step")
    if not success:
        return (feedback or "") + _AFTER_ERROR
    if "move forward" in action:
        return "<image>" + _AFTER_MOVE.format(action=action)
    done = action if not object_type else action + " " + object_type
    return "<image>" + _AFTER.format(action=done)


def view_description(observation):
    """What the frame would show, in words, for agents without images."""
    return view_text(", ".join(observation.get("navigable") or []), ", ".join(observation.get("interactable") or []),
                     observation.get("held"))


def view_text(navigable, interactable, held):
    """`view_description` from the lists already joined with ", "."""
    return (f"\nIn view: you can navigate to {navigable or 'nothing'}. You can interact with {interactable or 'nothing'}. "
            f"You are holding {held or 'nothing'}.")
