"""`show` under 100 columns and piped: each note stacked on at most two lines that fit, not an 8-column table."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from rich.cells import cell_len
from test_review_pty import installed_draftmate
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli.commands import app


def imported(runner: CliRunner) -> tuple[str, int]:
    """The README tour's release notes imported: its ID and how many notes the checks made."""
    result = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    return str(record["id"]), len(record["notes"])


def notes_part(output: str) -> list[str]:
    """The lines after the rule under the draft's text: the notes."""
    return output.split("\u2500" * 10)[-1].split("\n", 1)[1].rstrip("\n").splitlines()


def assert_stacked(lines: list[str], notes: int, width: int) -> None:
    assert notes > 0
    assert len(lines) <= 2 * notes, "\n".join(lines)
    assert all(cell_len(line) <= width for line in lines), "\n".join(lines)
    firsts = [line for line in lines if not line.startswith("    ")]
    assert [line.split()[0] for line in firsts] == [str(n) for n in range(1, notes + 1)]


def test_at_80_columns_each_note_fits_in_two_lines(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    draft_id, notes = imported(runner)
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["show", draft_id[:8]])
    assert result.exit_code == 0, result.output
    lines = notes_part(result.stdout)
    assert_stacked(lines, notes, 80)
    shown = json.loads(runner.invoke(app, ["show", draft_id[:8], "--json"]).stdout)["notes"]
    for note in shown:  # a why that fits beside a short quote is kept whole: it is what the reviewer acts on
        if len(note["why"]) <= 80 - len("    ") - 12 - 4:
            assert note["why"] in result.stdout
    assert all(line.split()[1] == "verify" and line.split()[2] == "risk" for line in lines[::2])


def test_piped_show_is_stacked_too(runner: CliRunner, hermetic: Path) -> None:
    draft_id, notes = imported(runner)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run(
        [str(installed_draftmate()), "show", draft_id[:8]], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert_stacked(notes_part(done.stdout), notes, 80)


def test_at_100_columns_and_more_the_table_stays(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    draft_id, _ = imported(runner)
    monkeypatch.setenv("COLUMNS", "140")
    result = runner.invoke(app, ["show", draft_id[:8]])
    assert "#  severity  risk  lines  quote" in result.stdout
