"""`show` of a draft whose drafts row holds JSON that is no object as its request (or, on SQLite, a text as its
risk) says `draftmate verify` lists what is wrong: verify then names that row and fails (it said ok), on SQLite
and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_damaged_rows import damage
from test_export import final_import
from typer.testing import CliRunner

from draftmate.cli.commands import app


def _verify_names_it(runner: CliRunner, draft_id: str, why: str) -> None:
    assert "draftmate verify" in runner.invoke(app, ["show", draft_id[:8]]).stderr
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 1, (result.stdout, result.stderr)
    named = [line for line in result.stderr.splitlines() if draft_id in line]
    assert len(named) == 1 and why in named[0] and "cannot be read" in named[0], result.stdout


@pytest.mark.usefixtures("backend")  # on SQLite and on PostgreSQL
def test_verify_names_a_request_that_is_no_object(runner: CliRunner, hermetic: Path, tmp_path: Path) -> None:
    draft_id = final_import(runner, tmp_path, "# Doc\n\nTea is a drink.\n", "d.md")
    damage(hermetic, "drafts", "request_json", "[1]", draft_id)
    _verify_names_it(runner, draft_id, "request_json is not a JSON object")


def test_verify_names_a_risk_that_is_text_on_sqlite(runner: CliRunner, hermetic: Path, tmp_path: Path) -> None:
    draft_id = final_import(runner, tmp_path, "# Doc\n\nTea is a drink.\n", "d.md")
    damage(hermetic, "drafts", "confidence_score", "abc", draft_id)
    _verify_names_it(runner, draft_id, "confidence_score is not a number")
