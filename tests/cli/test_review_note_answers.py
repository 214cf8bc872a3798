"""Answering notes in the interactive review: the comment after the key, notes of one kind in a section together,
blocking notes alone, and what an unknown key gets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from draftmate.cli import reviewing as cli
from draftmate.cli.commands import app
from draftmate.domain.records import Resolution, Severity, State
from draftmate.errors import UsageError
from draftmate.services.reviews import begin_review
from draftmate.store.sqlite import SQLiteStore

# No fact the checks note: the tests place their own notes. Section 1 is lines 1-5, section 2 lines 7-9.
PLAIN = (
    "# about this tool\n\nthe tool reads files and writes them back.\n\nit keeps a copy of each one.\n\n"
    "## more\n\nnothing else happens here.\n"
)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A person at a terminal, so `review ID` runs the interactive loop on the runner's input."""
    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")


def plain_draft(runner: CliRunner, store: SQLiteStore, tmp_path: Path, *notes: tuple[str, Severity, int]) -> str:
    """A draft with no notes of the checks' and the given (kind, severity, line) notes."""
    path = tmp_path / "plain.md"
    path.write_text(PLAIN)
    result = runner.invoke(app, ["draft", "--from-file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    draft_id = str(json.loads(result.stdout)["id"])
    assert store.list_notes(draft_id) == []
    for kind, severity, line in notes:
        store.add_note(
            draft_id, version=1, kind=kind, severity=severity, why=f"a {kind}: check it", source="check",
            lines=(line, line), quote="files",
        )  # fmt: skip
    return draft_id


def review(runner: CliRunner, draft_id: str, *answers: str) -> Any:
    return runner.invoke(app, ["review", draft_id[:8], "--reviewer", "Ann"], input="".join(a + "\n" for a in answers))


def test_a_comment_goes_after_the_key_and_none_is_asked_for(
    runner: CliRunner, terminal: None, store: SQLiteStore, tmp_path: Path
) -> None:
    draft_id = plain_draft(runner, store, tmp_path, ("number", Severity.VERIFY, 3), ("date", Severity.VERIFY, 8))
    result = review(runner, draft_id, "y", "y", "v checked against the changelog", "d", "a", "yes")
    assert result.exit_code == 0, result.output
    assert "comment (" not in result.stdout
    first, second = store.list_notes(draft_id)
    assert first.resolution is not None and first.resolution.status is Resolution.VERIFIED
    assert first.resolution.comment == "checked against the changelog"
    assert second.resolution is not None and second.resolution.status is Resolution.DISMISSED
    assert second.resolution.comment == ""
    assert store.get_draft(draft_id).status is State.FINAL


def test_notes_of_one_kind_in_one_section_take_one_answer_and_keep_their_own_records(
    runner: CliRunner, terminal: None, store: SQLiteStore, tmp_path: Path
) -> None:
    notes = [("number", Severity.VERIFY, 3), ("number", Severity.INFO, 5), ("number", Severity.VERIFY, 8)]
    draft_id = plain_draft(runner, store, tmp_path, *notes)
    result = review(runner, draft_id, "y", "y", "v all from the changelog", "f", "a", "yes")
    assert result.exit_code == 0, result.output
    assert "notes 1, 2: 2 number notes in section 1, answered together (o: one by one)" in result.stdout
    assert "notes 1, 2 (1-2/3) [v]erified [f]ixed [a]ccepted-risk [d]ismissed [p]rint [q]uit [?]? " in result.stdout
    assert "note 3 (3/3) " in result.stdout  # another section: its own answer
    first, second, third = store.list_notes(draft_id)
    for note in (first, second):
        assert note.resolution is not None and note.resolution.by == "Ann"
        assert (note.resolution.status, note.resolution.comment) == (Resolution.VERIFIED, "all from the changelog")
    assert third.resolution is not None and third.resolution.status is Resolution.FIXED
    assert store.get_draft(draft_id).status is State.FINAL


def test_o_answers_a_group_one_by_one(runner: CliRunner, terminal: None, store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = plain_draft(runner, store, tmp_path, ("url", Severity.VERIFY, 3), ("url", Severity.VERIFY, 5))
    result = review(runner, draft_id, "y", "y", "o", "v", "d the link is right", "q")
    assert result.exit_code == 0, result.output
    assert "note 1 (1/2) " in result.stdout and "note 2 (2/2) " in result.stdout
    first, second = store.list_notes(draft_id)
    assert first.resolution is not None and first.resolution.status is Resolution.VERIFIED
    assert second.resolution is not None and second.resolution.status is Resolution.DISMISSED
    assert second.resolution.comment == "the link is right"


def test_blocking_notes_are_answered_one_by_one(
    runner: CliRunner, terminal: None, store: SQLiteStore, tmp_path: Path
) -> None:
    draft_id = plain_draft(runner, store, tmp_path, ("import", Severity.BLOCKING, 3), ("import", Severity.BLOCKING, 5))
    result = review(runner, draft_id, "y", "y", "d", "", "d not used", "a known risk", "q")
    assert result.exit_code == 0, result.output
    assert "answered together" not in result.stdout
    assert "comment (required: why is blocking note 1 dismissed?)" in result.stdout
    assert "note 1 is blocking: say why it is dismissed" in result.stdout
    first, second = store.list_notes(draft_id)
    assert first.resolution is not None and first.resolution.comment == "not used"
    assert second.resolution is not None and second.resolution.status is Resolution.ACCEPTED_RISK
    assert second.resolution.comment == "known risk"


def test_a_persons_own_notes_are_answered_one_by_one(
    runner: CliRunner, terminal: None, store: SQLiteStore, tmp_path: Path
) -> None:
    draft_id = plain_draft(runner, store, tmp_path)
    answers = ["u is 'files' right?", "", "", "u and 'tool'?", "", "", "y", "y", "v", "d", "q"]
    result = review(runner, draft_id, *answers)
    assert result.exit_code == 0, result.output
    assert "answered together" not in result.stdout
    assert "note 1 (1/2) " in result.stdout and "note 2 (2/2) " in result.stdout
    first, second = store.list_notes(draft_id)
    assert first.kind == second.kind == "human"
    assert first.resolution is not None and first.resolution.status is Resolution.VERIFIED
    assert second.resolution is not None and second.resolution.status is Resolution.DISMISSED


def test_an_unknown_key_is_called_unknown_and_help_is_on_question_mark(
    runner: CliRunner, terminal: None, store: SQLiteStore, tmp_path: Path
) -> None:
    draft_id = plain_draft(runner, store, tmp_path, ("number", Severity.VERIFY, 3))
    result = review(runner, draft_id, "y", "y", "x", "", "?", "q")
    assert result.exit_code == 0, result.output
    assert "unknown key 'x': ? for help" in result.stdout
    assert "type a key, then Enter: ? for help" in result.stdout
    assert result.stdout.count("verified: you checked it and it holds") == 1  # only after `?`
    assert "note 1 (1/1) [v]erified [f]ixed [a]ccepted-risk [d]ismissed [p]rint [q]uit [?]? " in result.stdout


def test_resolving_together_refuses_a_blocking_note_and_resolves_nothing(
    runner: CliRunner, store: SQLiteStore, tmp_path: Path
) -> None:
    draft_id = plain_draft(runner, store, tmp_path, ("number", Severity.VERIFY, 3), ("number", Severity.BLOCKING, 5))
    session = begin_review(store, draft_id, reviewer="Ann")
    with pytest.raises(UsageError, match="note 2 is blocking: blocking notes are answered one by one"):
        session.resolve_together(["1", "2"], Resolution.VERIFIED)
    assert all(n.resolution is None for n in store.list_notes(draft_id))
