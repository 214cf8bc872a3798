"""The model path end to end, replayed from cassettes recorded against an OpenAI-compatible server (no network)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "cassettes"))

import scenarios  # noqa: E402
import vcr_config  # noqa: E402

pytestmark = pytest.mark.block_network


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


def play(replay: object, name: str) -> tuple[dict[str, object], object]:
    """Run a scenario against its cassette; fail if the cassette was bypassed or not fully used."""
    with replay.use_cassette(f"{name}.yaml") as cassette:  # type: ignore[attr-defined]
        results = scenarios.SCENARIOS[name](Path.cwd())
    # The canary: a live call would leave the tape unplayed (vcrpy < 8.2 did not patch httpx2 at all).
    assert cassette.play_count > 0, "no request was answered from the cassette: it was bypassed"
    assert cassette.all_played, "some recorded requests were never made: the prompts or the flow changed"
    return results, cassette


def test_text_draft_replays_with_its_provenance_and_signals(replay: object) -> None:
    results, cassette = play(replay, "draft_text")
    record = scenarios.payload(results["draft"])
    # the stream (its weak spots in the same answer), n=2 samples in one request, the claim check
    assert cassette.play_count == 3
    version = record["versions"][0]
    meta = version["meta"]
    assert version["origin"] == "model" and record["status"] == "draft" and record["incomplete"] is False
    assert meta["provider"] == "127.0.0.1" and meta["model"] == "test-model"
    assert meta["template"]["name"] == "draft-text" and len(meta["template"]["sha256"]) == 64
    assert meta["finish_reason"] == "stop" and meta["usage"]["completion_tokens"] > 0
    assert meta["params"]["temperature"] == 0.4 and meta["params"]["samples"] == 2
    assert "Widget" in version["content"]
    # the weak spot the model listed, the samples and the token log-probabilities all reached the notes
    assert any("self" in n["signals"] for n in record["notes"]), record["notes"]
    assert any("samples" in n["signals"] for n in record["notes"])
    assert any("logprobs" in n["signals"] for n in record["notes"])


def test_code_draft_replays(replay: object) -> None:
    results, _ = play(replay, "draft_code")
    record = scenarios.payload(results["draft"])
    assert record["kind"] == "code" and record["lang"] == "python"
    assert record["versions"][0]["content"].startswith("def ")
    assert record["versions"][0]["meta"]["template"]["name"] == "draft-code"


def test_brainstorm_then_draft_an_idea_replays(replay: object) -> None:
    results, cassette = play(replay, "brainstorm_then_draft")
    ideas = scenarios.payload(results["brainstorm"])
    assert [i["number"] for i in ideas["ideas"]] == list(range(1, len(ideas["ideas"]) + 1))
    assert ideas["requests"] == 4 and len(ideas["ideas"]) >= 3
    record = scenarios.payload(results["draft"])
    chosen = ideas["ideas"][1]
    assert record["versions"][0]["content"].strip()
    draft_requests = [r for r in cassette.requests if b'"stream":true' in (r.body or b"")]
    assert any(chosen["title"].encode() in r.body for r in draft_requests), "the idea went into the prompt"


def test_doctor_replays_all_green(replay: object) -> None:
    results, _ = play(replay, "doctor")
    checks = {c["name"]: c["status"] for c in scenarios.payload(results["doctor"])}
    assert checks == {
        "settings": "ok",
        "prompts": "ok",
        "endpoint": "ok",
        "model": "ok",
        "streaming": "ok",
        "log-probabilities": "ok",
        "structured output": "ok",
    }


def test_a_changed_prompt_does_not_replay_silently(replay: object) -> None:
    """Body matching: a request that is not on tape is refused, not answered with a wrong recording."""
    with replay.use_cassette("draft_code.yaml"):  # type: ignore[attr-defined]
        result = scenarios.run(["draft", "something never recorded", "--kind", "code", "--samples", "0", "--json"])
    from vcr.errors import CannotOverwriteExistingCassetteException

    assert isinstance(result.exception, CannotOverwriteExistingCassetteException)


def test_the_network_is_blocked_here() -> None:
    import socket

    with socket.socket() as sock, pytest.raises(RuntimeError, match="Network is disabled"):
        sock.connect(("127.0.0.1", 9))
