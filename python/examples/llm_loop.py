"""Run an LLM on Embodied-Reasoner tasks in thor-lite's simulator and write `responses.jsonl`.

    python llm_loop.py --store thor-lite.sqlite --base-url http://localhost:8000/v1 \
        --model Qwen/Qwen2.5-7B-Instruct --tasks 1 2 3 --out responses.jsonl
    thor-lite grade responses.jsonl --store thor-lite.sqlite

Any OpenAI-compatible chat endpoint works (vLLM, llama.cpp's server, a hosted API; the key is
read from $OPENAI_API_KEY). The conversation is the reference evaluation's, in text: the system
prompt, then after each step the user message the reference sends (with the view described in
words, since there is no image). Each line written is `{"identity", "model", "responses"}`, which
`thor-lite grade` re-executes exactly as this loop did.
"""
import argparse
import json
import os
import sys
import urllib.request

from thor_lite import ThorLiteEnv, list_tasks
from thor_lite.prompts import SYSTEM_PROMPT


def chat(base_url, model, messages, api_key=None, timeout=120):
    """One chat completion from an OpenAI-compatible endpoint; returns the reply text."""
    request = urllib.request.Request(
        base_url.rstrip("/") + "/chat/completions",
        data=json.dumps({"model": model, "messages": messages, "temperature": 0}).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.load(reply)["choices"][0]["message"]["content"] or ""


def run_task(env, task, base_url, model, api_key=None):
    """One episode; returns the model's responses in order."""
    observation, info = env.reset(options={"task": task})
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": observation["text"]}]
    responses = []
    while True:
        response = chat(base_url, model, messages, api_key)
        responses.append(response)
        messages.append({"role": "assistant", "content": response})
        observation, reward, terminated, truncated, info = env.step(response)
        if terminated or truncated:
            return responses
        messages.append({"role": "user", "content": observation["text"]})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", default=os.environ.get("THOR_LITE_STORE", "thor-lite.sqlite"))
    parser.add_argument("--base-url", required=True, help="OpenAI-compatible API root, e.g. http://localhost:8000/v1")
    parser.add_argument("--model", required=True)
    parser.add_argument("--tasks", nargs="*", help="task identities (default: every task in the store)")
    parser.add_argument("--out", default="responses.jsonl")
    arguments = parser.parse_args(argv)
    tasks = arguments.tasks or [t.identity for t in list_tasks(arguments.store)]
    tasks = [int(t) if str(t).isdigit() else t for t in tasks]
    api_key = os.environ.get("OPENAI_API_KEY")
    with ThorLiteEnv(store=arguments.store) as env, open(arguments.out, "w", encoding="utf-8") as out:
        for task in tasks:
            responses = run_task(env, task, arguments.base_url, arguments.model, api_key)
            out.write(json.dumps({"identity": task, "model": arguments.model, "responses": responses}) + "\n")
            out.flush()
            print(f"task {task}: {len(responses)} responses", file=sys.stderr)


if __name__ == "__main__":
    main()
