"""`export --all` with a final draft whose own drafts row was edited past reading: a status that is no state (it
may have been `final`) or a malformed request. Neither is exported, as `export ID` refuses both; each is named on
stderr and the exit code is 1 (a status edited by hand left the draft out silently, exit 0; a malformed request
went out from its seal), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_damaged_rows import damage
from test_export import final_import
from typer.testing import CliRunner

from draftmate.cli.commands import app

DRAFT_ROW_DAMAGE = [("status", "bogus"), ("request_json", "{bad"), ("request_json", "[1]")]


@pytest.mark.usefixtures("backend")  # on SQLite and on PostgreSQL
@pytest.mark.parametrize(("column", "value"), DRAFT_ROW_DAMAGE, ids=[f"{c}={v}" for c, v in DRAFT_ROW_DAMAGE])
def test_a_final_draft_with_a_damaged_drafts_row_is_named_and_left_out(
    runner: CliRunner, hermetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: str, value: str
) -> None:
    texts = [f"# Doc {i}\n\nThe service handles {40 + i} requests per second.\n" for i in range(3)]
    finals = [final_import(runner, tmp_path, text, f"d{i}.md") for i, text in enumerate(texts)]
    bad = finals[1]
    damage(hermetic, "drafts", column, value, bad)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    single = runner.invoke(app, ["export", bad[:8], "-o", "one.md"])
    assert single.exit_code == 1 and "has a damaged row in drafts" in single.stderr, single.stderr

    result = runner.invoke(app, ["export", "--all", "-o", "all.jsonl"])
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    named = [line for line in lines if bad[:8] in line]
    assert len(named) == 1 and named[0].startswith("warning: left out: "), lines
    assert "has a damaged row in drafts" in named[0] and "draftmate verify" in named[0]
    assert lines[-1].startswith("error: ") and "with a damaged row" in lines[-1], lines
    kept = [json.loads(line)["provenance"]["draft_id"] for line in (out / "all.jsonl").read_text().splitlines()]
    assert kept == [finals[0], finals[2]]


def test_a_final_draft_whose_risk_is_text_is_named_and_left_out_on_sqlite(
    runner: CliRunner, hermetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finals = [final_import(runner, tmp_path, f"# Doc {i}\n\nTea is a drink.\n", f"d{i}.md") for i in range(2)]
    damage(hermetic, "drafts", "confidence_score", "abc", finals[0])  # a column PostgreSQL types, SQLite does not
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["export", finals[0][:8], "-o", "one.md"]).exit_code == 1
    result = runner.invoke(app, ["export", "--all", "-o", "all.jsonl"])
    assert result.exit_code == 1 and f"warning: left out: draft {finals[0][:8]}" in result.stderr, result.stderr
    kept = [json.loads(line)["provenance"]["draft_id"] for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert kept == [finals[1]]
