"""A reader that leaves early (`draftmate ... | head`) loses nothing: the draft is stored whole, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from test_draft_killed import start_server, stop

from conftest import REPO
from draftmate.store.sqlite import SQLiteStore

DRAFTMATE = [sys.executable, "-m", "draftmate"]


def closed_stdout_run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run draftmate with a stdout whose reader has already gone: every write to it fails with EPIPE."""
    read, write = os.pipe()
    os.close(read)  # before the child starts: its first write to stdout is a broken pipe, every time
    try:
        return subprocess.run(args, env=env, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)


def test_a_draft_streamed_into_a_closed_pipe_is_stored_whole(hermetic: Path) -> None:
    server, url = start_server(latency=0.0)
    env = {**os.environ, "DRAFTMATE_MODEL": "local-model", "DRAFTMATE_BASE_URL": url}
    try:
        result = closed_stdout_run([*DRAFTMATE, "draft", "Release notes for version 2.4", "--samples", "0"], env)
    finally:
        stop(server)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert "the output was closed early; the draft is stored whole: draftmate show" in result.stderr
    store = SQLiteStore(hermetic / "draftmate.db")
    try:
        [draft] = store.list_drafts()
        full = store.get_draft(draft.id)
        assert full.current_version == 1 and not full.incomplete
        assert store.get_version(full.id).content.strip()
    finally:
        store.close()


def test_any_command_into_a_closed_pipe_stops_quietly(hermetic: Path) -> None:
    env = dict(os.environ)
    imported = subprocess.run(
        [*DRAFTMATE, "draft", "--from-file", str(REPO / "examples" / "release-notes.md")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    result = closed_stdout_run([*DRAFTMATE, "list"], env)
    assert result.returncode == 141, result.stderr
    assert result.stderr == ""
