"""With `author_may_approve_alone=false` on SQLite, a draft must name its author (the configured reviewer name, else
git's): a draft with none would let anyone, its author under any name, approve it alone. Without a name `draft`
refuses (exit 2), storing nothing; without the policy it drafts as before."""

from __future__ import annotations

from pathlib import Path

from test_bad_input import DOC, state_of
from typer.testing import CliRunner

from draftmate.cli.commands import app
from reliability_support import one_line_error

TEA = "# Tea\n\nTea is a drink made from leaves.\n"


def test_an_unnamed_draft_is_refused_under_the_policy(runner: CliRunner, hermetic: Path, tmp_path: Path) -> None:
    source = tmp_path / "tea.md"
    source.write_text(TEA, encoding="utf-8")
    assert runner.invoke(app, ["draft", "--from-file", str(source)]).exit_code == 0  # no policy: as before
    assert runner.invoke(app, ["policy", "set", "author_may_approve_alone=false", "--by", "Lead"]).exit_code == 0
    before = state_of(hermetic)
    result = runner.invoke(app, ["draft", "--from-file", str(source)])
    one_line_error(result, 2, "author may not approve", "draftmate config set reviewer NAME")
    assert state_of(hermetic) == before
    named = runner.invoke(app, ["draft", "--from-file", str(source)], env={"DRAFTMATE_REVIEWER": "Ann Example"})
    assert named.exit_code == 0, named.stderr


def test_the_bad_input_table_has_the_unnamed_author_row() -> None:
    assert "| no name for the author of a draft under `author_may_approve_alone=false`" in DOC.read_text()


def test_a_name_that_is_a_version_origin_is_no_author_name(runner: CliRunner, hermetic: Path, tmp_path: Path) -> None:
    """'model', 'imported' and 'human' are what the audit log records when no person is named: an author under
    such a name was no author at all, and approved their own draft alone."""
    source = tmp_path / "tea.md"
    source.write_text(TEA, encoding="utf-8")
    assert runner.invoke(app, ["policy", "set", "author_may_approve_alone=false", "--by", "Lead"]).exit_code == 0
    before = state_of(hermetic)
    result = runner.invoke(app, ["draft", "--from-file", str(source)], env={"DRAFTMATE_REVIEWER": "model"})
    one_line_error(result, 2, "author may not approve", "'model' names no person")
    assert state_of(hermetic) == before
