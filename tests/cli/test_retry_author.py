"""Whoever runs `draft --retry` asks the model for the draft's next version: on SQLite their name is recorded as
one of its authors, as their database role already is on PostgreSQL, so with `author_may_approve_alone=false`
their approval alone does not make the draft final."""

from __future__ import annotations

import json

import pytest
from test_draft_author_on_sqlite import local_model  # noqa: F401  # the fixture: bench/oai_server.py as the model
from typer.testing import CliRunner

from draftmate.cli.commands import app


def _approve_alone(runner: CliRunner, draft_id: str, reviewer: str) -> str:
    """`review --decision approve` by `reviewer`, every open note resolved; the command's output."""
    record = json.loads(runner.invoke(app, ["show", draft_id[:8], "--json"]).stdout)
    resolves = [f"--resolve={n['number']}=verified:checked" for n in record["notes"] if not n["resolution"]]
    args = ["review", draft_id[:8], "--decision", "approve", "--reviewer", reviewer, *resolves]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


@pytest.mark.usefixtures("local_model")
def test_who_retries_a_draft_may_not_approve_it_alone(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["policy", "set", "author_may_approve_alone=false", "--by", "Lead"]).exit_code == 0
    monkeypatch.setenv("DRAFTMATE_REVIEWER", "Ann Example")
    drafted = runner.invoke(app, ["draft", "two short paragraphs about tea", "--samples", "0", "--json"])
    assert drafted.exit_code == 0, drafted.stderr
    draft_id = str(json.loads(drafted.stdout)["id"])
    monkeypatch.setenv("DRAFTMATE_REVIEWER", "Bob Other")
    retried = runner.invoke(app, ["draft", "--retry", draft_id[:8], "--samples", "0", "--json"])
    assert retried.exit_code == 0, retried.stderr
    assert json.loads(retried.stdout)["versions"][-1]["author"] == "model"  # the model wrote it; Bob asked
    mine = _approve_alone(runner, draft_id, "Bob Other")
    assert "approval 0 of 1" in mine and "the draft's author may not approve it" in mine, mine
    other = _approve_alone(runner, draft_id, "Carol Third")
    assert "is now final" in other, other
    assert runner.invoke(app, ["verify"]).exit_code == 0
