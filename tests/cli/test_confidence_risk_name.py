"""The draft-level number in JSON output is a risk and is named so: `confidence.risk`, never `confidence.score`."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli.commands import app
from draftmate.domain.records import Confidence


def run_json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_draft_and_show_json_name_the_risk(runner: CliRunner) -> None:
    stored = run_json(runner, "draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json")
    shown = run_json(runner, "show", stored["id"][:8], "--json")
    for confidence in (stored["confidence"], shown["confidence"]):
        assert set(confidence) == {"level", "risk"}
        assert isinstance(confidence["risk"], float) and 0.0 <= confidence["risk"] <= 1.0


def test_a_confidence_written_with_the_old_name_still_reads() -> None:
    assert Confidence.model_validate({"level": "low", "score": 0.7}).risk == 0.7
    assert Confidence.model_validate({"level": "low", "risk": 0.6}).model_dump() == {"level": "low", "risk": 0.6}
