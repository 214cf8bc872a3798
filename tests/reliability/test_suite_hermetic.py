"""The suite's own footing: the machine it runs on does not shape results, and test servers survive a port race."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import reliability_support
from conftest import EXAMPLES, PROXY_SETTINGS, TERMINAL_SETTINGS, clean_environment
from draftmate.cli.commands import app
from draftmate.services.identity import git_identity
from reliability_support import LLMock


def test_a_hostile_terminal_proxy_and_git_identity_do_not_leak_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    """COLUMNS, FORCE_COLOR, a dead proxy and a clone with its own user.name: all gone once the suite's cleaning ran."""
    monkeypatch.delenv("GIT_DIR")  # as a shell in a clone would have it
    clone = tmp_path / "clone"
    clone.mkdir()
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "config", "user.name", "Clone Owner"], check=True)
    monkeypatch.chdir(clone)
    for name in TERMINAL_SETTINGS:
        monkeypatch.setenv(name, "40" if name in ("COLUMNS", "LINES") else "1")
    for name in PROXY_SETTINGS:
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    assert git_identity() == "Clone Owner"  # what the suite would have seen

    (tmp_path / "again").mkdir()
    clean_environment(tmp_path / "again", monkeypatch)
    assert [n for n in TERMINAL_SETTINGS + PROXY_SETTINGS if n in os.environ] == []
    assert git_identity() is None
    draft = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    assert draft.exit_code == 0, draft.stderr
    draft_id = json.loads(draft.stdout)["id"]
    unnamed = runner.invoke(app, ["review", draft_id[:8], "--decision", "approve"])
    assert unnamed.exit_code == 2 and "reviewer" in unnamed.stderr
    shown = runner.invoke(app, ["show", draft_id[:8]])
    assert shown.exit_code == 0 and "\x1b" not in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) > 40  # rich's default width, not COLUMNS=40


def test_llmock_moves_to_another_port_when_its_port_was_taken(
    llmock: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port probed free is taken before llmock binds it: it starts on another instead of failing the module."""
    binary = llmock
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        handed = iter([busy])
        real = reliability_support.free_port
        monkeypatch.setattr(reliability_support, "free_port", lambda: next(handed, None) or real())
        server = LLMock(binary, tmp_path / "llmock.log")
        try:
            assert server.port != busy
            assert server.control("GET", "/_llmock/scenario") == {"pending": []}
        finally:
            server.stop()
