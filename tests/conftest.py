"""Hermetic tests: a temp DRAFTMATE_HOME, no DRAFTMATE_*/OPENAI_* variables, no user git config."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from draftmate.store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from reliability_support import LLMock

# CI runs each property on the same examples (a failure there is a bug to reproduce, not luck); a local run explores
# new ones each time, which is where a property finds something
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
TERMINAL_SETTINGS = ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "PY_COLORS")
PROXY_SETTINGS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point data and config at a temp dir and clear settings that leak in from the machine."""
    return clean_environment(tmp_path, monkeypatch)


@pytest.fixture(autouse=True)
def cyclic_gc_stays_on() -> Iterator[None]:
    """Fail a test that leaves the cyclic garbage collector off (entry.main turns it off for a model command).

    With it off for the rest of the run, stores caught in reference cycles never close: the suite ran out of file
    descriptors (select() refused fds past 1024) and PostgreSQL of connection slots, failing tests far from the cause.
    """
    yield
    if not gc.isenabled():
        gc.enable()
        pytest.fail("this test left the cyclic garbage collector off: keep entry.main's gc.disable() out of it")


def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What `hermetic` does, callable from a test of it; the data directory."""
    for name in list(os.environ):
        if name.startswith(("DRAFTMATE_", "OPENAI_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("DRAFTMATE_HOME", str(home))
    # No git identity from the user's or the system's config, nor from the repository the suite runs in (a clone
    # where someone set user.name): tests that expect "who is reviewing?" would find one.
    empty = tmp_path / "gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "not-a-repository"))
    monkeypatch.delenv("GIT_CONFIG_COUNT", raising=False)
    monkeypatch.delenv("GIT_CONFIG_PARAMETERS", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    # The terminal the suite runs in must not shape output: rich reads COLUMNS (wraps asserted lines, also in the
    # pty tests' children) and FORCE_COLOR (escape codes in captured output).
    # Every server a test talks to is on 127.0.0.1; a proxy from the machine would swallow those requests.
    for name in TERMINAL_SETTINGS + PROXY_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return home


pytest_plugins = ["backends"]  # the `backend` fixture: SQLite and PostgreSQL


@pytest.fixture
def store(hermetic: Path, request: pytest.FixtureRequest) -> Iterator[SQLiteStore]:
    """The store the CLI would use, in the temp home (or the PostgreSQL schema of a `backend` test)."""
    if "backend" in request.fixturenames and request.getfixturevalue("backend") == "postgres":
        from draftmate.store.backend import open_store

        s = open_store()
    else:
        s = SQLiteStore(hermetic / "draftmate.db")
    yield s  # type: ignore[misc]
    s.close()


@pytest.fixture
def runner() -> CliRunner:
    """typer's runner; stderr is kept apart from stdout."""
    return CliRunner()


@pytest.fixture(scope="session")
def llmock() -> Path:
    """PyPI's llmock for the fault tests: DRAFTMATE_TEST_LLMOCK's, else built once, cached in .ci-llmock/."""
    from reliability_support import LLMOCK_ENV, LLMOCK_SKIP, LLMockUnavailable, llmock_setting, provide_llmock

    if llmock_setting() == LLMOCK_SKIP:
        pytest.skip(f"{LLMOCK_ENV}={LLMOCK_SKIP}: the llmock fault tests were left out")
    try:
        return provide_llmock()
    except LLMockUnavailable as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="module")
def llmock_server(llmock: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LLMock]:
    """One llmock server for the module, on a free port, stopped at the end."""
    from reliability_support import LLMock

    mock = LLMock(llmock, tmp_path_factory.mktemp("llmock") / "llmock.log")
    try:
        yield mock
    finally:
        mock.stop()
