"""The examples run as documented: the LLM loop against a scripted OpenAI-compatible stand-in
(a local HTTP server on loopback), its output graded by `thor-lite grade`; the policy test."""
import http.server
import json
import os
import re
import subprocess
import sys
import threading

import pytest

from thor_lite import expert_plans

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
sys.path.insert(0, EXAMPLES)

import llm_loop  # noqa: E402


class ScriptedModel(http.server.BaseHTTPRequestHandler):
    """Answers /chat/completions with the next action of the task's expert plan, found from the
    task text in the first user message."""
    plans_by_query = {}

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        query = re.search(r'Task: "(.*)"', body["messages"][1]["content"]).group(1)
        done = sum(1 for m in body["messages"] if m["role"] == "assistant")
        plan = self.plans_by_query[query]
        content = f"I will act.<DecisionMaking>{plan[min(done, len(plan) - 1)]}</DecisionMaking>"
        reply = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def test_llm_loop_writes_responses_that_grade_as_the_episode_ran(store, binary, tmp_path, monkeypatch):
    monkeypatch.setenv("THOR_LITE_BIN", binary)
    plans = expert_plans(store, binary=binary)
    tasks = sorted(plans)[:3]
    listing = json.loads(subprocess.run([binary, "tasks", "--json", "--store", store], capture_output=True,
                                        text=True, check=True).stdout)
    queries = {str(t["identity"]): t for t in listing}
    for task in tasks:
        detail = json.loads(subprocess.run([binary, "task", str(task), "--json", "--store", store],
                                           capture_output=True, text=True, check=True).stdout)
        ScriptedModel.plans_by_query[detail["taskquery"]] = plans[task]
    assert all(str(t) in queries for t in tasks)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ScriptedModel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    out = tmp_path / "responses.jsonl"
    try:
        llm_loop.main(["--store", store, "--base-url", f"http://127.0.0.1:{server.server_port}/v1",
                       "--model", "scripted", "--tasks", *map(str, tasks), "--out", str(out)])
    finally:
        server.shutdown()
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["identity"] for line in lines] == tasks
    per_task = tmp_path / "per_task.jsonl"
    subprocess.run([binary, "grade", str(out), "--store", store, "--per-task", str(per_task)], check=True,
                   capture_output=True)
    graded = [json.loads(line) for line in per_task.read_text().splitlines()]
    assert [g["metrics"]["success"] for g in graded] == [1] * len(tasks)


def test_policy_unit_test_example_passes(store, binary):
    env = dict(os.environ, THOR_LITE_STORE=store, THOR_LITE_BIN=binary)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           os.path.join(EXAMPLES, "test_my_policy.py")], env=env, capture_output=True, text=True,
                          cwd=os.path.dirname(EXAMPLES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
