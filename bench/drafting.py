"""Drafting against a local OpenAI-compatible server started here (bench/oai_server.py), with baselines.

(a) one `draftmate draft` round trip at zero server latency, beside a minimal script making the same streamed
    request with the openai SDK alone; both are fresh processes, run alternately, best of RUNS.
(b) `brainstorm -n 8` at 1 s of server latency per request: wall time divided by one request's time
    (target <= 1.3), measured in-process after warm-up, plus the whole CLI command for reference.

    .venv/bin/python bench/drafting.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO / "src")]

import oai_server  # noqa: E402

RUNS = 5
SPEC = "Write release notes for version 2 of the widget service"

# The same streamed request draftmate makes (its rendered draft-text prompt, logprobs, usage), with the SDK alone.
SDK_ONLY = """
import json, os, openai
client = openai.OpenAI(base_url=os.environ["DRAFTMATE_BASE_URL"], api_key="not-needed")
stream = client.chat.completions.create(
    model="test-model", messages=json.loads(os.environ["BENCH_MESSAGES"]), temperature=0.4,
    stream=True, stream_options={"include_usage": True}, logprobs=True, top_logprobs=3,
)
print("".join(c.choices[0].delta.content or "" for c in stream if c.choices))
"""


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Seconds a fresh process takes; it must succeed."""
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def environment(port: int, home: str) -> dict[str, str]:
    """The settings a run sees: the local server, no key, a scratch store."""
    from draftmate.llm import prompts

    messages = [{"role": r, "content": c} for r, c in prompts.load("draft-text").render(spec=SPEC, context="")]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRAFTMATE_", "OPENAI_"))}
    env.update(DRAFTMATE_HOME=home, DRAFTMATE_BASE_URL=f"http://127.0.0.1:{port}/v1", DRAFTMATE_MODEL="test-model")
    env["BENCH_MESSAGES"] = json.dumps(messages)
    return env


def round_trip() -> None:
    """(a): draftmate draft vs the openai SDK alone, same server, same run."""
    server = oai_server.start(latency=0.0)
    port = server.server_address[1]
    draftmate = [sys.executable, "-m", "draftmate", "draft", SPEC, "--samples", "0", "--json"]
    sdk = [sys.executable, "-c", SDK_ONLY]
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as home:
        env = environment(port, home)
        timed(draftmate, env)  # warm the file cache and create the store
        before = server.requests
        for _ in range(RUNS):
            ours.append(timed(draftmate, env))
            theirs.append(timed(sdk, env))
        per_run = (server.requests - before) / RUNS - 1
        imports = {
            name: min(timed([sys.executable, "-c", f"import {name}"], env) for _ in range(3))
            for name in ("openai", "langchain_openai")
        }
    server.shutdown()
    best_ours, best_sdk = min(ours), min(theirs)
    print("(a) one draft round trip, zero server latency, fresh process each, best of", RUNS)
    print(f"    openai SDK alone, 1 streamed request    {best_sdk:6.3f} s  (median {statistics.median(theirs):.3f})")
    print(f"    draftmate draft --samples 0              {best_ours:6.3f} s  (median {statistics.median(ours):.3f})")
    print(f"    difference                               {best_ours - best_sdk:+6.3f} s")
    print(f"    draftmate made {per_run:.0f} requests per draft (the stream, then the weak-spots check)")
    extra = imports["langchain_openai"] - imports["openai"]
    print(
        f"    import langchain_openai {imports['langchain_openai']:.3f} s vs openai {imports['openai']:.3f} s: "
        f"{extra:+.3f} s of the difference is the ChatOpenAI layer's import"
    )


def brainstorm_fan_out() -> None:
    """(b): brainstorm -n 8 at 1 s per request, wall time over one request's time."""
    from draftmate.llm.chat import OpenAIChat
    from draftmate.services import brainstorm as brainstorming
    from draftmate.services.doctor import Ping
    from draftmate.settings.config import Settings
    from draftmate.store.sqlite import SQLiteStore

    server = oai_server.start(latency=1.0)
    port = server.server_address[1]
    settings = Settings(base_url=f"http://127.0.0.1:{port}/v1", model="test-model")
    chat = OpenAIChat(settings)
    store = SQLiteStore.memory()
    chat.structured([("user", "warm up")], Ping)  # imports, connection pool
    started = time.perf_counter()
    chat.structured([("user", "one request")], Ping)
    one = time.perf_counter() - started
    before = server.requests
    started = time.perf_counter()
    result = brainstorming.brainstorm(store, settings, "faster onboarding for new contributors", n=8, chat=chat)
    wall = time.perf_counter() - started
    requests = server.requests - before
    with tempfile.TemporaryDirectory() as home:
        env = environment(port, home)
        cli = timed([sys.executable, "-m", "draftmate", "brainstorm", "faster onboarding", "-n", "8", "--json"], env)
        startup = timed([sys.executable, "-c", "import langchain_openai, draftmate.cli.commands"], env)
    server.shutdown()
    print("(b) brainstorm -n 8, 1 s server latency per request")
    print(f"    one request                              {one:6.3f} s")
    print(f"    brainstorm ({requests} concurrent requests)     {wall:6.3f} s  -> {len(result.ideas)} ideas")
    print(f"    wall / one request                       {wall / one:6.2f}   (target <= 1.3)")
    print(f"    the whole CLI command, fresh process     {cli:6.3f} s  (of which importing the stack {startup:.3f} s)")


if __name__ == "__main__":
    round_trip()
    brainstorm_fan_out()
