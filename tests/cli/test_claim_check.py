"""The model's claim check: verdicts replayed from cassettes, quotes kept only when verbatim in the sources, and a
model that answers out of shape or too late costing only the signal, never the draft."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_draft_killed import start_server, stop
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.store.sqlite import SQLiteStore
from draftmate.uncertainty.grounding import shipped_model

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "cassettes"))

import scenarios  # noqa: E402
import vcr_config  # noqa: E402


@pytest.fixture
def replay(hermetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A VCR in record mode `none`, settings pointing at the recorded endpoint, cwd in a temp dir."""
    recorded = vcr_config.recorded_with()
    monkeypatch.setenv("DRAFTMATE_BASE_URL", recorded["base_url"])
    monkeypatch.setenv("DRAFTMATE_MODEL", recorded["model"])
    monkeypatch.setenv("DRAFTMATE_API_KEY", "sk-replay-only-not-a-real-key")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield vcr_config.make_vcr("none")


def play(replay: Any, name: str) -> Any:
    """A scenario's result, its cassette fully played."""
    with replay.use_cassette(f"{name}.yaml") as cassette:
        results = scenarios.SCENARIOS[name](Path.cwd())
    assert cassette.play_count == 1 and cassette.all_played
    return results["draft"]


def prediction(hermetic: Path, draft_id: str) -> dict[str, Any]:
    store = SQLiteStore(hermetic / "draftmate.db")
    try:
        rows = [p for p in store.iter_predictions() if p["draft_id"] == draft_id]
    finally:
        store.close()
    return dict(rows[-1])


def notes_on(record: dict[str, Any], line: int) -> list[dict[str, Any]]:
    return [n for n in record["notes"] if n["lines"] and n["lines"][0] <= line <= n["lines"][1]]


def test_each_verdict_lands_on_its_sentence(replay: Any) -> None:
    record = scenarios.payload(play(replay, "claims_import"))
    # supported, with a quote that is in the source: no claim note on line 1
    assert not any("claims" in n["signals"] for n in notes_on(record, 1))
    # contradicted, quoting the source's own sentence
    contradicted = [n for n in notes_on(record, 2) if "claims" in n["signals"]]
    assert contradicted and contradicted[0]["signals"]["claims"]["verdict"] == "contradicted"
    assert contradicted[0]["signals"]["claims"]["quote"] == "Tolls were abolished in 1990 after a public vote."
    # not found
    not_found = [n for n in notes_on(record, 3) if "claims" in n["signals"]]
    assert not_found and not_found[0]["signals"]["claims"]["verdict"] == "not_found"
    assert "claim check" in not_found[0]["why"]
    # a made-up supporting quote is discarded: it lowers nothing and shows up nowhere (against these three lines
    # grounding-lr-v3 puts no lexical note on line 4; a kept quote would have said "found support" on one)
    assert not any("found support" in n["why"] for n in notes_on(record, 4))
    assert not any("reportedly designed" in json.dumps(n["signals"].get("claims", {})) for n in record["notes"])


def test_verdicts_are_recorded_on_the_prediction(replay: Any, hermetic: Path) -> None:
    record = scenarios.payload(play(replay, "claims_import"))
    features = prediction(hermetic, record["id"])["features"]
    assert features["signals"]["claims"] == "ok"
    assert (features["claims.supported"], features["claims.contradicted"], features["claims.not_found"]) == (2, 1, 1)
    assert features["claims.quotes_discarded"] == 1
    assert features["grounding.model"] == shipped_model().version


def test_contradicted_sentence_weighs_more_than_without_the_check(replay: Any, hermetic: Path) -> None:
    checked = scenarios.payload(play(replay, "claims_import"))
    plain = scenarios.payload(scenarios.run(["draft", "--from-file", "draft.md", "--context", "bridge.txt", "--json"]))
    assert checked["confidence"]["risk"] > plain["confidence"]["risk"]
    assert prediction(hermetic, plain["id"])["features"]["signals"]["claims"] == "unavailable"


def test_malformed_answer_leaves_the_signal_unavailable_and_the_draft_stored(replay: Any, hermetic: Path) -> None:
    result = play(replay, "claims_malformed")
    record = scenarios.payload(result)
    assert "claim check unavailable" in result.stderr
    assert prediction(hermetic, record["id"])["features"]["signals"]["claims"] == "unavailable"
    assert record["versions"][0]["content"].startswith("The bridge opened in 1932")


def test_a_model_that_times_out_costs_the_signal_not_the_draft(
    hermetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, url = start_server(latency=3.0)
    try:
        monkeypatch.setenv("DRAFTMATE_BASE_URL", url)
        monkeypatch.setenv("DRAFTMATE_MODEL", "test-model")
        monkeypatch.setenv("DRAFTMATE_API_KEY", "sk-local-only")
        monkeypatch.chdir(tmp_path)
        (tmp_path / "bridge.txt").write_text(scenarios.BRIDGE, encoding="utf-8")
        (tmp_path / "draft.md").write_text(scenarios.BRIDGE_DRAFT, encoding="utf-8")
        runner = CliRunner()
        assert runner.invoke(app, ["config", "set", "timeout", "0.5"]).exit_code == 0
        assert runner.invoke(app, ["config", "set", "max_retries", "0"]).exit_code == 0
        args = ["draft", "--from-file", "draft.md", "--context", "bridge.txt", "--check-claims", "--json"]
        result = runner.invoke(app, args)
    finally:
        stop(server)
    assert result.exit_code == 0, result.stderr
    assert "claim check unavailable" in result.stderr and "0.5" in result.stderr
    record = json.loads(result.stdout)
    assert prediction(hermetic, record["id"])["features"]["signals"]["claims"] == "unavailable"
    assert record["versions"][0]["content"] == scenarios.BRIDGE_DRAFT
