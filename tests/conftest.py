"""Hermetic tests: a temp DRAFTMATE_HOME, no DRAFTMATE_*/OPENAI_* variables, no user git config."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.store import SQLiteStore

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point data and config at a temp dir and clear settings that leak in from the machine."""
    for name in list(os.environ):
        if name.startswith(("DRAFTMATE_", "OPENAI_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("DRAFTMATE_HOME", str(home))
    empty = tmp_path / "gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    return home


@pytest.fixture
def store(hermetic: Path) -> Iterator[SQLiteStore]:
    """The store the CLI would use, in the temp home."""
    s = SQLiteStore(hermetic / "draftmate.db")
    yield s
    s.close()


@pytest.fixture
def runner() -> CliRunner:
    """typer's runner; stderr is kept apart from stdout."""
    return CliRunner()
