"""Faults at the HTTP level, through the real openai SDK and ChatOpenAI, with an in-process httpx2.MockTransport."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from pydantic import SecretStr

from draftmate.domain.records import Kind
from draftmate.llm.chat import OpenAIChat
from draftmate.services import brainstorm as brainstorming
from draftmate.services import generate as generation
from draftmate.settings.config import Settings
from draftmate.store.sqlite import SQLiteStore

DRAFT = "# Release notes\n\nVersion 2 is faster.\n"
Responder = Callable[[httpx2.Request, dict[str, Any]], httpx2.Response | None]


def sse(events: list[dict[str, Any]], *, done: bool = True) -> str:
    """A server-sent event stream."""
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events) + ("data: [DONE]\n\n" if done else "")


def chunks(model: str, text: str, finish: str | None = "stop", usage: bool = True) -> list[dict[str, Any]]:
    """Chat completion chunks carrying `text` word by word."""
    base = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": model}
    words = text.split(" ")
    events = []
    for i, word in enumerate(words):
        piece = word if i == len(words) - 1 else word + " "
        last = i == len(words) - 1
        events.append(
            {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": finish if last else None}]}
        )
    if usage:
        events.append({**base, "choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": len(words)}})
    return events


def completion(model: str, text: str, finish: str = "stop", n: int = 1) -> dict[str, Any]:
    """A whole chat completion."""
    return {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": finish} for i in range(n)
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }


class Endpoint:
    """A scripted OpenAI-compatible endpoint: each responder may answer a request, else a good answer is given."""

    def __init__(self, *responders: Responder, draft: str = DRAFT) -> None:
        self.responders = list(responders)
        self.draft = draft
        self.seen: list[tuple[float, dict[str, Any]]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content or b"{}")
        self.seen.append((time.monotonic(), body))
        for responder in self.responders:
            answer = responder(request, body)
            if answer is not None:
                return answer
        model = body.get("model", "?")
        if body.get("stream"):
            return httpx2.Response(
                200, text=sse(chunks(model, self.draft)), headers={"content-type": "text/event-stream"}
            )
        if body.get("response_format"):
            return httpx2.Response(
                200, json=completion(model, json.dumps({"weak_spots": [{"quote": "faster", "why": "no figure"}]}))
            )
        return httpx2.Response(200, json=completion(model, self.draft, n=int(body.get("n") or 1)))

    def streams(self) -> list[dict[str, Any]]:
        """The streamed (drafting) requests."""
        return [b for _, b in self.seen if b.get("stream")]


def settings(**overrides: Any) -> Settings:
    """Settings for a mocked local endpoint; no retries unless a test asks."""
    values: dict[str, Any] = {
        "model": "primary",
        "base_url": "http://mock.local/v1",
        "api_key": SecretStr("sk-test-0000000000000000"),
        "max_retries": 0,
        "timeout": 5.0,
        "samples": 0,
    }
    return Settings(**(values | overrides))


def chat(endpoint: Endpoint, config: Settings) -> OpenAIChat:
    """The real ChatOpenAI-backed seam, its HTTP answered by `endpoint`."""
    return OpenAIChat(config, http_client=httpx2.Client(transport=httpx2.MockTransport(endpoint)))


def draft(store: SQLiteStore, endpoint: Endpoint, **overrides: Any) -> generation.DraftOutcome:
    config = settings(**overrides)
    return generation.draft(store, config, spec="Release notes for v2", kind=Kind.TEXT, chat=chat(endpoint, config))


def test_429_with_retry_after_is_waited_out_then_the_draft_is_stored(store: SQLiteStore) -> None:
    refused: list[int] = []

    def rate_limit_once(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
        if body.get("stream") and not refused:
            refused.append(1)
            return httpx2.Response(429, json={"error": {"message": "slow down"}}, headers={"retry-after": "0.3"})
        return None

    endpoint = Endpoint(rate_limit_once)
    outcome = draft(store, endpoint, max_retries=2)
    assert outcome.error is None and not outcome.draft.incomplete
    (first, _), (second, _) = endpoint.seen[:2]
    assert second - first >= 0.3, "the Retry-After delay was honoured"
    assert store.get_version(outcome.draft.id).content == DRAFT


def test_429_beyond_the_retry_budget_is_a_clear_error_with_the_request_kept(store: SQLiteStore) -> None:
    def always_429(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response:
        return httpx2.Response(429, json={"error": {"message": "slow down"}}, headers={"retry-after": "0.01"})

    outcome = draft(store, Endpoint(always_429), max_retries=1)
    assert outcome.error is not None and "429" in outcome.error and "\n" not in outcome.error
    stored = store.get_draft(outcome.draft.id)
    assert stored.incomplete and stored.request["spec"] == "Release notes for v2"
    assert "api_key" not in json.dumps(stored.request) and "sk-test" not in json.dumps(stored.request)


def test_500_on_the_primary_falls_back_to_the_fallback_model(store: SQLiteStore) -> None:
    def primary_down(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
        return httpx2.Response(500, json={"error": {"message": "boom"}}) if body["model"] == "primary" else None

    endpoint = Endpoint(primary_down)
    outcome = draft(store, endpoint, fallback_model="backup")
    version = store.get_version(outcome.draft.id)
    assert outcome.error is None and version.content == DRAFT
    assert version.meta["model"] == "backup" and version.meta["requested_model"] == "primary"
    assert [b["model"] for b in endpoint.streams()] == ["primary", "backup"]


def test_a_read_timeout_keeps_the_request_and_retry_makes_version_2(store: SQLiteStore) -> None:
    def hang(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    outcome = draft(store, Endpoint(hang))
    assert outcome.error is not None and "did not answer within 5 s" in outcome.error
    kept = store.get_draft(outcome.draft.id)
    assert kept.incomplete and kept.current_version == 1 and kept.request["kind"] == "text"
    notes = store.list_notes(kept.id)
    assert [n.kind for n in notes] == ["incomplete"] and notes[0].severity.value == "blocking"

    config = settings()
    again = generation.retry(store, config, kept.id, chat=chat(Endpoint(), config))
    assert again.error is None
    assert again.draft.current_version == 2 and not again.draft.incomplete
    assert store.get_version(kept.id).content == DRAFT
    assert store.get_version(kept.id).meta["retry_of_version"] == 1


def test_a_truncated_stream_is_stored_incomplete_with_a_blocking_note(store: SQLiteStore) -> None:
    def cut(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
        if body.get("stream"):
            events = chunks(body["model"], "# Release notes and then the connection", finish=None, usage=False)
            return httpx2.Response(200, text=sse(events, done=False), headers={"content-type": "text/event-stream"})
        return None

    outcome = draft(store, Endpoint(cut))
    stored = store.get_draft(outcome.draft.id)
    assert stored.incomplete and outcome.error is None
    assert store.get_version(stored.id).content == "# Release notes and then the connection"
    assert store.get_version(stored.id).meta["finish_reason"] is None
    [note] = [n for n in store.list_notes(stored.id) if n.kind == "incomplete"]
    assert note.severity.value == "blocking" and "without a finish reason" in note.why


def test_finish_reason_length_is_stored_incomplete(store: SQLiteStore) -> None:
    def long(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
        if body.get("stream"):
            events = chunks(body["model"], "# Release notes that go on", finish="length")
            return httpx2.Response(200, text=sse(events), headers={"content-type": "text/event-stream"})
        return None

    endpoint = Endpoint(long)
    outcome = draft(store, endpoint)
    stored = store.get_draft(outcome.draft.id)
    assert stored.incomplete
    [note] = [n for n in store.list_notes(stored.id) if n.kind == "incomplete"]
    assert "length" in note.why and note.severity.value == "blocking"
    assert not any(b.get("response_format") for _, b in endpoint.seen), "no weak spots asked of a cut-off draft"


def test_malformed_weak_spots_leave_the_signal_unavailable_not_the_draft_lost(store: SQLiteStore) -> None:
    def garbage(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
        if body.get("stream"):
            answer = DRAFT + '\n<<<WEAK SPOTS>>>\n{"weak_spots": [{"quote": 3'
            return httpx2.Response(
                200, text=sse(chunks(body["model"], answer)), headers={"content-type": "text/event-stream"}
            )
        return None

    outcome = draft(store, Endpoint(garbage))
    assert outcome.error is None and not outcome.draft.incomplete
    assert any("weak spots unavailable" in w and "WeakSpots" in w for w in outcome.warnings)
    assert "weak_spots" in store.get_version(outcome.draft.id).meta["signal_errors"]


def test_malformed_brainstorm_output_is_skipped_and_all_malformed_is_an_error(store: SQLiteStore) -> None:
    good = json.dumps({"ideas": [{"title": "Pair new contributors", "rationale": "learning", "risks": ["time"]}]})
    calls: list[int] = []

    def one_good(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response:
        calls.append(1)
        text = good if len(calls) == 1 else "Sure! Here are ideas: {ideas: ["
        return httpx2.Response(200, json=completion(body["model"], text))

    config = settings()
    result = brainstorming.brainstorm(store, config, "onboarding", n=3, chat=chat(Endpoint(one_good), config))
    assert [i["title"] for i in result.ideas] == ["Pair new contributors"]
    assert len(result.skipped) == 2 and all("not valid IdeasOut" in s for s in result.skipped)

    def all_bad(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response:
        return httpx2.Response(200, json=completion(body["model"], "no json here"))

    from draftmate.errors import ModelError

    with pytest.raises(ModelError, match="no usable ideas from 3 requests"):
        brainstorming.brainstorm(store, config, "onboarding", n=3, chat=chat(Endpoint(all_bad), config))


def test_brainstorm_requests_json_schema_output(store: SQLiteStore) -> None:
    endpoint = Endpoint(
        lambda request, body: httpx2.Response(
            200, json=completion(body["model"], json.dumps({"ideas": [{"title": f"T{body['temperature']}"}]}))
        )
    )
    config = settings()
    brainstorming.brainstorm(store, config, "onboarding", n=2, chat=chat(endpoint, config))
    formats = [b["response_format"] for _, b in endpoint.seen]
    assert all(f["type"] == "json_schema" and f["json_schema"]["name"] == "IdeasOut" for f in formats)
    assert len({b["temperature"] for _, b in endpoint.seen}) == 2, "the samples differ in temperature"


def test_an_endpoint_refusing_logprobs_is_asked_again_without_them(store: SQLiteStore) -> None:
    def no_logprobs(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
        if body.get("logprobs"):
            return httpx2.Response(400, json={"error": {"message": "logprobs are not supported for this model"}})
        return None

    endpoint = Endpoint(no_logprobs)
    outcome = draft(store, endpoint)
    assert outcome.error is None and store.get_version(outcome.draft.id).content == DRAFT
    assert [bool(b.get("logprobs")) for b in endpoint.streams()] == [True, False]


def test_samples_use_n_in_one_request_else_concurrent_single_requests(store: SQLiteStore) -> None:
    endpoint = Endpoint()
    draft(store, endpoint, samples=3)
    assert [b.get("n") for _, b in endpoint.seen if not b.get("stream") and not b.get("response_format")] == [3]

    def refuse_n(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
        return httpx2.Response(400, json={"error": {"message": "n must be 1"}}) if body.get("n", 1) > 1 else None

    endpoint = Endpoint(refuse_n)
    outcome = draft(store, endpoint, samples=2)
    plain = [b for _, b in endpoint.seen if not b.get("stream") and not b.get("response_format")]
    assert [b.get("n") for b in plain] == [2, None, None]
    assert outcome.error is None


def test_cli_model_failure_is_one_line_exit_1_with_the_request_kept(
    runner: Any, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from draftmate.cli.commands import app
    from draftmate.llm import chat as llm

    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    real = llm.build_chat
    monkeypatch.setattr(
        llm, "build_chat", lambda s: real(s, http_client=httpx2.Client(transport=httpx2.MockTransport(refuse)))
    )
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://localhost:11434/v1")
    result = runner.invoke(app, ["draft", "Release notes for v2", "--samples", "0"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach http://localhost:11434/v1")
    assert "draftmate draft --retry" in lines[0]
    kept = SQLiteStore(hermetic / "draftmate.db")
    try:
        [row] = kept.list_drafts()
        assert row.incomplete and kept.get_draft(row.id).request["spec"] == "Release notes for v2"
        assert row.id[:8] in lines[0]
    finally:
        kept.close()
