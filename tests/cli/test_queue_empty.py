"""An empty review queue says so, as `list` does, instead of printing nothing at all."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli.app import app


def test_an_empty_queue_says_nothing_waits(runner: CliRunner, hermetic: Path) -> None:
    empty = runner.invoke(app, ["queue"])
    assert empty.exit_code == 0 and empty.stdout.startswith("nothing waits for review"), empty.output
    assert runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")]).exit_code == 0
    mine = runner.invoke(app, ["queue", "--for", "Ann Example"])
    assert mine.exit_code == 0
    assert mine.stdout.startswith("nothing waits for review by Ann Example"), mine.output
    assert "draftmate assign ID NAME" in mine.stdout
    assert json.loads(runner.invoke(app, ["queue", "--for", "Ann Example", "--json"]).stdout) == []
