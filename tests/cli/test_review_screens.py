"""What the interactive review shows and asks: the keys offered, a note where its lines are now, a fact on several
lines, the attestation, quitting, and a draft that cannot be reviewed refused before the name is asked."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from draftmate.cli import reviewing as cli
from draftmate.cli.commands import app
from draftmate.cli.review.loop import run_review
from draftmate.domain.records import Severity, State
from draftmate.services.drafts import import_draft
from draftmate.store.sqlite import SQLiteStore

# Section 1 is lines 1-5, section 2 lines 7-9; no fact the checks note, so the tests place their own notes.
PLAIN = (
    "# about this tool\n\nthe tool reads files and writes them back.\n\nit keeps a copy of each one.\n\n"
    "## more\n\nnothing else happens here.\n"
)


def plain(store: SQLiteStore, tmp_path: Path) -> str:
    path = tmp_path / "plain.md"
    path.write_text(PLAIN)
    draft_id = import_draft(store, str(path)).id
    assert store.list_notes(draft_id) == []
    return draft_id


def add(store: SQLiteStore, draft_id: str, lines: tuple[int, int], **fields: Any) -> None:
    fields = {"kind": "number", "severity": Severity.VERIFY, "why": "a number: check it", "source": "check"} | fields
    store.add_note(draft_id, version=1, lines=lines, **fields)


def run(store: SQLiteStore, draft_id: str, answers: list[str], **seams: Any) -> tuple[int, str]:
    """run_review on scripted answers; the exit code and what it printed."""
    buffer = io.StringIO()
    out = Console(file=buffer, width=120, highlight=False, markup=False, emoji=False)
    stdin = io.StringIO("".join(a + "\n" for a in answers))
    code = run_review(store, draft_id, reviewer="Ann", stdin=stdin, out=out, **seams)
    return code, buffer.getvalue()


def test_r_is_offered_only_with_a_model(store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = plain(store, tmp_path)
    _, without = run(store, draft_id, ["?", "q"])
    assert "section 1/2 [y,n,e,u,j,k,g,/,w,p,q,?]? " in without
    assert "r  ask the model" not in without
    _, with_model = run(store, draft_id, ["?", "q"], reviser=lambda text, instruction: text)
    assert "section 1/2 [y,n,e,r,u,j,k,g,/,w,p,q,?]? " in with_model
    assert "r  ask the model to revise it" in with_model


def test_q_says_review_saved_once(store: SQLiteStore, tmp_path: Path) -> None:
    _, out = run(store, plain(store, tmp_path), ["q"])
    assert "review saved; resume with: draftmate review" in out
    assert "saved: review saved" not in out


def test_the_note_screen_names_signals_as_the_table_does_and_the_gutter_has_a_heading(
    store: SQLiteStore, tmp_path: Path
) -> None:
    draft_id = plain(store, tmp_path)
    add(store, draft_id, (3, 3), signals={"checks": {"pattern": "entity"}}, kind="entity", quote="tool")
    _, out = run(store, draft_id, ["y", "y", "q"])
    assert "signals: checks:entity" in out and "signals: checks\n" not in out
    assert out.count("checks:entity") >= 2  # the section's table and the note screen
    assert "  note\n1      # about this tool" in out  # the gutter's note-number column is headed


def test_a_note_shows_its_lines_in_the_version_under_review(store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = plain(store, tmp_path)
    add(store, draft_id, (8, 9))  # the last two lines of v1
    # a reviewer's edit adds a line to section 1: the note's lines move down by one in v2
    editor = lambda text, suffix: text.replace("it keeps", "it reads them once.\nit keeps")  # noqa: E731
    code, out = run(store, draft_id, ["e", "y", "y", "y", "q"], editor=editor)
    assert code == 0
    assert "saved your edit as v2" in out
    assert "lines 9-10 (lines 8-9 in v1)  number" in out
    assert "of v1" not in out


def test_a_fact_on_several_lines_is_one_note_shown_on_those_lines(store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = plain(store, tmp_path)
    # one note for a fact repeated on lines 3 and 5: its range spans both, its signals list the lines
    add(
        store, draft_id, (3, 5), kind="entity", quote="tool", signals={"checks": {"pattern": "entity", "lines": [3, 5]}}
    )
    _, out = run(store, draft_id, ["y", "y", "q"])
    assert "lines 3, 5  entity" in out  # the note screen
    section = out.split("section 1/2 [")[0]
    assert "3    1 the tool reads" in section and "5    1 it keeps" in section
    assert "4      \n" in section  # the line between is not marked
    assert "\u22ee" in out  # the note screen leaves the lines between out


def test_a_fact_repeated_in_two_sections_is_one_note_shown_in_both(store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = plain(store, tmp_path)
    # the same fact once per draft: the note is at its first line and lists every line it is on
    add(store, draft_id, (3, 3), kind="entity", quote="tool", signals={"checks": {"lines": [3, 9, 40]}})
    _, out = run(store, draft_id, ["y", "y", "v", "q"])
    first, second = out.split("section 1/2 [")[0], out.split("section 2/2 [")[0].split("section 2/2  lines")[1]
    assert "3    1 the tool reads" in first and "5      it keeps" in first
    assert "9    1 nothing else" in second
    assert "lines 3, 9  entity" in out  # line 40 is past the draft's end: not shown
    assert "note 1 (1/1) " in out and "note 1: verified" in out


def test_show_lists_a_fact_on_several_lines_by_its_lines(
    runner: CliRunner, store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft_id = plain(store, tmp_path)
    add(store, draft_id, (3, 9), kind="entity", quote="tool", signals={"checks": {"lines": [[3, 3], [8, 9]]}})
    monkeypatch.setenv("COLUMNS", "120")
    table = runner.invoke(app, ["show", draft_id[:8]]).stdout
    assert "3, 8-9" in table and "3-9" not in table
    assert "4      " in table  # not marked
    monkeypatch.setenv("COLUMNS", "80")
    stacked = runner.invoke(app, ["show", draft_id[:8]]).stdout
    assert "lines 3, 8-9" in stacked


def test_show_says_which_version_an_earlier_notes_lines_are_of(
    runner: CliRunner, store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft_id = plain(store, tmp_path)
    add(store, draft_id, (8, 9))
    edited = tmp_path / "v2.md"
    edited.write_text(PLAIN.replace("it keeps", "it reads them once.\nit keeps"))
    assert runner.invoke(app, ["draft", "--from-file", str(edited), "--version-of", draft_id[:8]]).exit_code == 0
    monkeypatch.setenv("COLUMNS", "80")
    stacked = runner.invoke(app, ["show", draft_id[:8]]).stdout
    assert "lines 8-9 of v1" in stacked
    monkeypatch.setenv("COLUMNS", "140")
    assert "8-9 of v1" in runner.invoke(app, ["show", draft_id[:8]]).stdout


def test_y_at_the_attestation_is_understood(store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = plain(store, tmp_path)
    _, out = run(store, draft_id, ["y", "y", "a", "y", "", "a", "y", "yes"])
    assert "you typed 'y': an attestation needs the whole word; type yes to attest, or Enter to go back" in out
    assert "not attested; nothing was approved (type yes in full to attest)" in out
    assert store.get_draft(draft_id).status is State.FINAL


def test_a_final_draft_is_refused_before_the_name_is_asked(
    runner: CliRunner, store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft_id = plain(store, tmp_path)
    done = runner.invoke(app, ["review", draft_id[:8], "--decision", "approve", "--reviewer", "Ann"])
    assert done.exit_code == 0, done.output
    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    monkeypatch.delenv("DRAFTMATE_REVIEWER", raising=False)
    result = runner.invoke(app, ["review", draft_id[:8]], input="Bo\n")
    assert result.exit_code == 3, result.output  # the gate's refusal, as when a name was given
    assert "Your name as reviewer" not in result.output and "no reviewer configured" not in result.stderr
    assert result.stderr.startswith("error: cannot start review: the draft is final")
    assert result.stderr.count("\n") == 1
    assert json.loads(runner.invoke(app, ["show", draft_id[:8], "--json"]).stdout)["status"] == "final"
    assert len(store.list_reviews(draft_id)) == 1  # no review opened
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_the_refusal_before_the_name_is_in_the_bad_input_table() -> None:
    table = (Path(__file__).parents[2] / "docs" / "bad-input.md").read_text()
    assert "| `review ID` of a draft that cannot be reviewed now (final, rejected, changes requested," in table
    assert "before the name is asked | 3 (2 for no content) | no name asked, no review opened |" in table
