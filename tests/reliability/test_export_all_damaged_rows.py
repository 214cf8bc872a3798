"""`export --all` with one final draft whose row was edited by hand past reading: every other final draft is
exported, the damaged one is named on stderr and left out (no line of it written), and the exit code is 1, on
SQLite and on PostgreSQL. Tamper evidence stays: the damaged draft never leaves, and `verify` still fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_damaged_rows import DAMAGE, DOC, damage
from test_export import final_import
from typer.testing import CliRunner

from draftmate.cli.commands import app

# a final draft's own rows, damaged in a way that stops them being read (the drafts row's own damage:
# test_export_all_damaged_draft_row.py)
FINAL_DAMAGE = [d for d in DAMAGE if d[0] != "drafts"]


@pytest.mark.usefixtures("backend")  # on SQLite and on PostgreSQL
@pytest.mark.parametrize(("table", "column", "value"), FINAL_DAMAGE, ids=[f"{t}.{c}" for t, c, _ in FINAL_DAMAGE])
def test_export_all_exports_the_others_and_names_the_damaged_draft(
    runner: CliRunner,
    hermetic: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    table: str,
    column: str,
    value: str,
) -> None:
    texts = [f"# Doc {i}\n\nThe service handles {40 + i} requests per second.\n" for i in range(3)]
    finals = [final_import(runner, tmp_path, text, f"d{i}.md") for i, text in enumerate(texts)]
    bad = finals[1]
    damage(hermetic, table, column, value, bad)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)

    result = runner.invoke(app, ["export", "--all", "-o", "all.jsonl"])
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    named = [line for line in lines if bad[:8] in line]
    assert named == [line for line in lines if line.startswith("warning: left out: ")], lines
    assert len(named) == 1 and f"has a damaged row in {table}" in named[0] and "draftmate verify" in named[0]
    errors = [line for line in lines if line.startswith("error: ")]
    assert errors == [lines[-1]] and "1 final draft with a damaged row was left out" in errors[0], lines
    kept = [json.loads(line)["provenance"]["draft_id"] for line in (out / "all.jsonl").read_text().splitlines()]
    assert kept == [finals[0], finals[2]]
    assert runner.invoke(app, ["verify"]).exit_code == 1  # the damage is still there to find


def test_the_table_says_what_export_all_does_with_a_damaged_row() -> None:
    row = next(line for line in DOC.read_text().splitlines() if line.startswith("| a store row edited by hand"))
    assert "`export --all`" in row and "warning: left out: draft" in row
