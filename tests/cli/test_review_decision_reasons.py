"""The review's last question: requesting changes and rejecting each need a reason, and say what they did."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli import reviewing as cli
from draftmate.cli.commands import app
from draftmate.domain.records import State
from draftmate.store.sqlite import SQLiteStore


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend a person is at a terminal, so `review ID` runs the interactive loop on the runner's input."""
    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")


def decided(runner: CliRunner, store: SQLiteStore, *last: str) -> tuple[str, str]:
    """Import the example, accept every section, resolve every note, then answer the decision with `last`."""
    made = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    draft_id = str(json.loads(made.stdout)["id"])
    notes = sum(1 for n in store.list_notes(draft_id) if n.resolution is None)
    answers = ["y"] * 4 + ["v", ""] * notes + list(last)
    result = runner.invoke(app, ["review", draft_id[:8], "--reviewer", "Ann"], input="".join(a + "\n" for a in answers))
    assert result.exit_code == 0, result.output
    return draft_id, result.stdout


def test_a_rejection_without_a_reason_is_asked_again(runner: CliRunner, terminal: None, store: SQLiteStore) -> None:
    draft_id, out = decided(runner, store, "r", "", "r", "figures unsourced")
    assert "a rejection needs a reason" in out
    assert f"rejected: draft {draft_id[:8]}" in out
    assert store.get_draft(draft_id).status is State.REJECTED
    assert store.list_reviews(draft_id)[0].reason == "figures unsourced"


def test_changes_without_a_reason_are_asked_again(runner: CliRunner, terminal: None, store: SQLiteStore) -> None:
    draft_id, out = decided(runner, store, "c", "", "c", "cite the benchmark")
    assert "say what should change, or choose another decision" in out
    assert f"changes requested: draft {draft_id[:8]} awaits a new version" in out
    assert store.get_draft(draft_id).status is State.CHANGES
