"""`draft --from-file … --check-claims` when the claim check itself fails (a bug, a broken prompt template): the
draft is still stored, the `claims` signal is `unavailable`, and one warning line says why, never a traceback."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_claim_check import prediction, scenarios
from test_draft_killed import start_server, stop
from typer.testing import CliRunner

from draftmate.cli.commands import app

PROMPT = Path(__file__).resolve().parents[2] / "prompts" / "check-claims.md"


@pytest.fixture
def local_model(hermetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """bench/oai_server.py as the configured model, and a work directory holding a draft and its source."""
    server, url = start_server(latency=0.0)
    monkeypatch.setenv("DRAFTMATE_BASE_URL", url)
    monkeypatch.setenv("DRAFTMATE_MODEL", "test-model")
    monkeypatch.setenv("DRAFTMATE_API_KEY", "sk-local-only")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bridge.txt").write_text(scenarios.BRIDGE, encoding="utf-8")
    (tmp_path / "draft.md").write_text(scenarios.BRIDGE_DRAFT, encoding="utf-8")
    try:
        yield tmp_path
    finally:
        stop(server)


def _import_checked(hermetic: Path) -> tuple[dict[str, object], str]:
    """The stored draft and the one warning of an import with --check-claims that must still succeed."""
    args = ["draft", "--from-file", "draft.md", "--context", "bridge.txt", "--check-claims", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: claim check unavailable: "), lines
    assert lines[0].endswith("; the draft is stored without it")
    record = json.loads(result.stdout)
    assert record["versions"][0]["content"] == scenarios.BRIDGE_DRAFT
    assert prediction(hermetic, str(record["id"]))["features"]["signals"]["claims"] == "unavailable"
    return record, lines[0]


def test_a_bug_in_the_claim_check_costs_the_signal_not_the_import(
    local_model: Path, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from draftmate.uncertainty import claim_signal

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("injected fault in the quote rule")

    monkeypatch.setattr(claim_signal, "quote_gap", broken)
    _, line = _import_checked(hermetic)
    assert "the request failed (RuntimeError: injected fault in the quote rule at " in line
    assert "please report it" in line


def test_a_prompt_template_the_check_cannot_fill_costs_the_signal_not_the_import(
    local_model: Path, hermetic: Path
) -> None:
    own = local_model / "prompts"
    own.mkdir()
    text = PROMPT.read_text(encoding="utf-8").replace("variables: [claims]", "variables: [claims, focus]")
    (own / "check-claims.md").write_text(text.replace("{claims}", "{claims}\n\n{focus}"), encoding="utf-8")
    assert CliRunner().invoke(app, ["config", "set", "prompts_dir", str(own)]).exit_code == 0
    _, line = _import_checked(hermetic)
    assert re.search(r"ValueError: template check-claims needs focus at prompts\.py:\d+", line), line


def test_the_bad_input_table_has_the_failed_claim_check_row() -> None:
    table = (PROMPT.parents[1] / "docs" / "bad-input.md").read_text(encoding="utf-8")
    assert "| a claim check that fails other than by the model's answer" in table
