"""Drafting against a local OpenAI-compatible server started here (bench/oai_server.py), beside simonw/llm.

(a) `draftmate draft PROMPT` against `llm -m local PROMPT` (the `bench` extra installs llm; without it draftmate is
    timed alone, saying so), same server, fresh processes run pair by pair: at 0 s and 1 s of server latency per
    request, with the default samples and with `--samples 0`. Each figure is the median of the pair-by-pair ratios
    (targets: <= 1.3 at 0 s, <= 1.15 at 1 s, default settings). Time to first token is the time from starting the
    process to the first byte of the answer on its stdout (target: within 0.15 s of llm's); beside it, the floor any
    ChatOpenAI stream has, timed in the same run: a fresh interpreter importing what ChatOpenAI needs (the gc off, as
    draftmate runs), plus the server's latency, minus llm's first-token time; and a bare ChatOpenAI stream's first
    token (a fresh process that imports it, builds one, streams and prints), minus llm's. CPU seconds per process are
    printed beside: on a busy machine they vary far less than wall time. draftmate's sources are byte-compiled first, as
    `pip install` compiles llm's: without that (PYTHONDONTWRITEBYTECODE=1 on an editable install) every draft
    compiles ~100 modules, ~0.15 s.
(b) `brainstorm -n 8` at 1 s of server latency per request: wall time divided by one request's time
    (target <= 1.3), measured in-process after warm-up, plus the whole CLI command for reference.

    .venv/bin/python bench/drafting.py            # 3 pairs per setting, about two minutes
    .venv/bin/python bench/drafting.py --long     # 9 pairs per setting
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO / "src")]

import oai_server  # noqa: E402

PROMPT = "Write one sentence about rivers."
BIN = Path(sys.executable).parent
TARGETS = {0.0: 1.3, 1.0: 1.15}  # default draft / llm, by server latency
TTFT_TARGET = 0.15
# What a ChatOpenAI stream cannot start without: the floor (langchain-core's chat models and openai), and
# what `from langchain_openai import ChatOpenAI` really imports (the whole package: Azure, embeddings, ...).
FLOORS = {
    "langchain_core chat_models + openai": "import langchain_core.language_models.chat_models, openai",
    "langchain_openai (ChatOpenAI)": "import langchain_openai",
}
# The least any program drafting through ChatOpenAI does before its first token: import it, build one, stream, print
# (the gc off and no teardown, as draftmate runs), run as a fresh process against the same server.
BARE_STREAM = """
import gc, os, sys
gc.disable()
from langchain_openai import ChatOpenAI
model = ChatOpenAI(model=os.environ["DRAFTMATE_MODEL"], base_url=os.environ["DRAFTMATE_BASE_URL"],
                   api_key="not-needed", use_responses_api=False, stream_usage=True)
for chunk in model.stream([("user", sys.argv[1])]):
    sys.stdout.write(chunk.content if isinstance(chunk.content, str) else "")
    sys.stdout.flush()
os._exit(0)
"""
WIDTHS = (24, 6, 11, 6, 14, 9, 15, 8)  # the columns of (a)


@dataclass
class Run:
    """One process: its wall time, when its first byte of output came, and the CPU time it used."""

    wall: float
    first_byte: float
    cpu: float


def run(argv: list[str], env: dict[str, str]) -> Run:
    """A fresh process, timed to its first stdout byte and to its end; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    first = os.read(process.stdout.fileno(), 1)
    first_byte = time.perf_counter() - started
    rest, errors = process.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if process.returncode != 0 or not first:
        raise SystemExit(f"{' '.join(argv[:3])} failed ({process.returncode}): {errors.decode()[-400:]}")
    return Run(wall, first_byte, cpu)


def median(runs: list[Run], what: str) -> float:
    """The median of one measure over runs."""
    return statistics.median(getattr(r, what) for r in runs)


def row(cells: list[str] | tuple[str, ...]) -> None:
    """One line of (a)'s table: the setting left-aligned, figures right-aligned."""
    print("    " + "  ".join(f"{c:>{WIDTHS[i]}}" if i else f"{c:<{WIDTHS[0]}}" for i, c in enumerate(cells)))


def environment(port: int, home: Path) -> dict[str, str]:
    """Both tools pointed at the local server, with scratch homes and no keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRAFTMATE_", "OPENAI_", "LLM_"))}
    url = f"http://127.0.0.1:{port}/v1"
    env.update(DRAFTMATE_HOME=str(home / "draftmate"), DRAFTMATE_BASE_URL=url, DRAFTMATE_MODEL="test-model")
    llm_home = home / "llm"
    llm_home.mkdir(parents=True, exist_ok=True)
    (llm_home / "extra-openai-models.yaml").write_text(
        f'- model_id: local\n  model_name: test-model\n  api_base: "{url}"\n', encoding="utf-8"
    )
    env["LLM_USER_PATH"] = str(llm_home)
    return env


def versus_llm(pairs: int) -> None:
    """(a): the four settings and the time to first token."""
    llm = shutil.which("llm", path=str(BIN))
    if llm is None:
        print("(a) llm is not installed, so draftmate is timed alone; for the comparison:")
        print("    .venv/bin/pip install -c constraints.txt -e '.[bench]'")
    print(f"(a) `draftmate draft` vs `llm -m local`, {pairs} pairs per setting, fresh processes, same server")
    columns = ("setting", "llm s", "draftmate s", "ratio", "requests/draft", "CPU s llm", "CPU s draftmate", "target")
    row(columns)
    ttft: dict[float, tuple[list[float], list[float]]] = {}
    imports: dict[float, dict[str, list[float]]] = {}
    bare: dict[float, list[float]] = {}
    for latency in (0.0, 1.0):
        server = oai_server.start(latency=latency)
        imports[latency] = {name: [] for name in FLOORS}
        bare[latency] = []
        with tempfile.TemporaryDirectory() as tmp:
            env = environment(server.server_address[1], Path(tmp))
            for label, extra in (("default", []), ("--samples 0", ["--samples", "0"])):
                ours_argv = [str(BIN / "draftmate"), "draft", PROMPT, *extra]
                theirs_argv = [llm, "-m", "local", PROMPT] if llm else None
                run(ours_argv, env)  # warm the file cache, create the store
                if theirs_argv:
                    run(theirs_argv, env)
                ours, theirs, requests = [], [], server.requests
                for _ in range(pairs):
                    ours.append(run(ours_argv, env))
                    if theirs_argv:
                        theirs.append(run(theirs_argv, env))
                    if label == "default":  # the floor's imports, timed between the pairs they are compared with
                        for name, statement in FLOORS.items():
                            imports[latency][name].append(timed_import(statement, env))
                        bare[latency].append(run([sys.executable, "-c", BARE_STREAM, PROMPT], env).first_byte)
                others = (pairs if theirs_argv else 0) + (
                    pairs if label == "default" else 0
                )  # llm's, the bare streams'
                per_draft = (server.requests - requests - others) / pairs
                cells = [f"{latency:g} s latency, {label}", "-", f"{median(ours, 'wall'):.2f}", "-"]
                cells += [f"{per_draft:.0f}", "-", f"{median(ours, 'cpu'):.2f}", ""]
                if theirs:
                    cells[1], cells[5] = f"{median(theirs, 'wall'):.2f}", f"{median(theirs, 'cpu'):.2f}"
                    cells[3] = f"{statistics.median(o.wall / t.wall for o, t in zip(ours, theirs, strict=True)):.2f}x"
                    cells[7] = f"<= {TARGETS[latency]}x" if label == "default" else ""
                row(cells)
                if label == "default":
                    ttft[latency] = ([r.first_byte for r in ours], [r.first_byte for r in theirs])
        server.shutdown()
    print("    time to first token (process start to the first byte of the answer), median")
    for latency, (ours_ttft, theirs_ttft) in ttft.items():
        line = f"      {latency:g} s latency: draftmate {statistics.median(ours_ttft):.2f} s"
        if theirs_ttft:
            gap = statistics.median(o - t for o, t in zip(ours_ttft, theirs_ttft, strict=True))
            line += f", llm {statistics.median(theirs_ttft):.2f} s, gap {gap:+.2f} s (target <= {TTFT_TARGET})"
        print(line)
    print("    its floor with ChatOpenAI: a fresh interpreter importing what it needs (gc off), plus the latency,")
    print("    minus llm's first-token time, pair by pair (medians)")
    for name in FLOORS:
        took = [statistics.median(imports[latency][name]) for latency in ttft]
        line = f"      {name}: import {' / '.join(f'{t:.2f}' for t in took)} s"
        if all(theirs for _, theirs in ttft.values()):
            gaps = [
                statistics.median(i + latency - t for i, t in zip(imports[latency][name], theirs, strict=True))
                for latency, (_, theirs) in ttft.items()
            ]
            line += ", so a gap of at least " + " / ".join(f"{g:+.2f}" for g in gaps) + " s"
        print(line + " (0 / 1 s latency)")
    firsts = " / ".join(f"{statistics.median(bare[latency]):.2f}" for latency in ttft)
    line = f"      a bare ChatOpenAI stream (import, build, stream, print): first token {firsts} s"
    if all(theirs for _, theirs in ttft.values()):
        gaps = [
            statistics.median(b - t for b, t in zip(bare[latency], theirs, strict=True))
            for latency, (_, theirs) in ttft.items()
        ]
        line += ", a gap of " + " / ".join(f"{g:+.2f}" for g in gaps) + " s"
    print(line + " (0 / 1 s latency)")


def timed_import(statement: str, env: dict[str, str]) -> float:
    """Seconds from starting a fresh interpreter to the end of `statement`, the cyclic gc off as draftmate runs (and
    no teardown after it, as draftmate leaves)."""
    started = time.perf_counter()
    code = f"import gc, os; gc.disable(); {statement}; os._exit(0)"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - started


def byte_compile() -> None:
    """Compile draftmate's sources once, as installing a wheel does (llm's are compiled by pip)."""
    if not compileall.compile_dir(str(REPO / "src" / "draftmate"), quiet=1):
        raise SystemExit("cannot byte-compile src/draftmate")


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
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(port, Path(tmp))
        cli = run([str(BIN / "draftmate"), "brainstorm", "faster onboarding", "-n", "8", "--json"], env).wall
    server.shutdown()
    print("(b) brainstorm -n 8, 1 s server latency per request")
    print(f"    one request                              {one:6.3f} s")
    print(f"    brainstorm ({requests} concurrent requests)     {wall:6.3f} s  -> {len(result.ideas)} ideas")
    print(f"    wall / one request                       {wall / one:6.2f}   (target <= 1.3)")
    print(f"    the whole CLI command, fresh process     {cli:6.3f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", action="store_true", help="9 pairs per setting instead of 3")
    args = parser.parse_args()
    byte_compile()
    versus_llm(9 if args.long else 3)
    brainstorm_fan_out()
