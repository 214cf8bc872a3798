"""A draft whose process is killed while the model answers keeps its request, and `draft --retry` finishes it; on
SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO
from reliability_support import open_test_store

DRAFTMATE = [sys.executable, "-m", "draftmate"]


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    """bench/oai_server.py on a port the kernel picks, answering after `latency` seconds."""
    # --port 0 and the URL it prints: a port probed free here could be taken before the server binds it
    server = subprocess.Popen(
        [sys.executable, str(REPO / "bench" / "oai_server.py"), "--port", "0", "--latency", str(latency)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()  # "listening on http://127.0.0.1:PORT/v1" once it accepts requests
    assert line.startswith("listening on http://127.0.0.1:"), line
    return server, line.split()[-1]


def stop(server: subprocess.Popen[str]) -> None:
    server.kill()
    server.wait()
    if server.stdout is not None:
        server.stdout.close()


@pytest.fixture
def env(hermetic: Path, backend: str) -> Iterator[dict[str, str]]:
    """The children's environment: the test's home, and its PostgreSQL database where `backend` chose one."""
    yield {**os.environ, "DRAFTMATE_MODEL": "local-model", "PYTHONUNBUFFERED": "1"}


def test_killed_while_the_model_answers_then_retried(env: dict[str, str], hermetic: Path, backend: str) -> None:
    slow, slow_url = start_server(latency=30.0)
    try:
        child = subprocess.Popen(
            [*DRAFTMATE, "draft", "Release notes for version 2.4", "--samples", "0"],
            env={**env, "DRAFTMATE_BASE_URL": slow_url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        db = hermetic / "draftmate.db"
        deadline = time.monotonic() + 60
        pending: list[str] = []
        while not pending and time.monotonic() < deadline:  # wait until the request is stored, then kill
            time.sleep(0.2)
            if db.exists() or backend == "postgres":
                store = open_test_store(db)
                pending = [d.id for d in store.list_drafts()]
                store.close()
        assert pending, "the request was never stored"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        stop(slow)

    store = open_test_store(hermetic / "draftmate.db")
    if backend == "sqlite":
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.verify() == []
    draft = store.get_draft(pending[0])
    assert draft.current_version == 0 and draft.incomplete and draft.request["spec"] == "Release notes for version 2.4"
    store.close()

    shown = subprocess.run([*DRAFTMATE, "show", pending[0][:8]], env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "draft --retry" in shown.stdout

    fast, fast_url = start_server(latency=0.0)
    try:
        retried = subprocess.run(
            [*DRAFTMATE, "draft", "--retry", pending[0][:8]],
            env={**env, "DRAFTMATE_BASE_URL": fast_url},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        stop(fast)
    assert retried.returncode == 0, retried.stderr
    store = open_test_store(hermetic / "draftmate.db")
    draft = store.get_draft(pending[0])
    assert draft.current_version == 1 and not draft.incomplete
    assert store.get_version(draft.id).content.strip()
    assert store.verify() == []
