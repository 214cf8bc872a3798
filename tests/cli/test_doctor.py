"""`doctor`: settings, endpoint, model, streaming, log-probabilities; exit 0 only when drafting will work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.llm import chat as llm
from draftmate.llm.chat import FakeChat, Reply
from draftmate.services import doctor as diagnosis
from draftmate.settings.config import Settings

TOKENS = [{"token": "ready", "logprob": -0.01, "top_logprobs": []}]


def healthy(**overrides: Any) -> FakeChat:
    stream = overrides.get("stream", Reply(text="ready", model="m", finish_reason="stop", logprobs=TOKENS))
    return FakeChat(complete=["ready"], stream=[stream], structured=['{"ok": true}'])


@pytest.fixture
def fake_cli(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    chats: list[Any] = []
    monkeypatch.setattr(llm, "build_chat", lambda s, **_: chats.pop(0))
    return chats


def statuses(result: Any) -> dict[str, str]:
    return {c["name"]: c["status"] for c in json.loads(result.stdout)}


def test_all_green_exits_0_and_masks_the_key(
    fake_cli: list[Any], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-abcdefghijkl1234")
    fake_cli.append(healthy())
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.stdout
    assert "drafting will work" in result.stdout
    assert "****1234" in result.stdout and "abcdefghijkl" not in result.stdout
    for name in ("settings", "endpoint", "model", "streaming", "log-probabilities"):
        assert name in result.stdout


def test_no_endpoint_fails_the_settings_check_with_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 2
    checks = json.loads(result.stdout)
    assert checks[0]["status"] == "fail" and "DRAFTMATE_BASE_URL" in checks[0]["detail"]
    assert {c["status"] for c in checks[1:]} == {"skip"}


def test_a_stream_without_finish_reason_fails(
    fake_cli: list[Any], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://localhost:8000/v1")
    fake_cli.append(healthy(stream=Reply(text="rea", model="m", finish_reason=None)))
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    assert statuses(result)["streaming"] == "fail"


def test_missing_logprobs_only_warn(fake_cli: list[Any], runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://localhost:8000/v1")
    fake_cli.append(healthy(stream=Reply(text="ready", model="m", finish_reason="stop")))
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0
    assert statuses(result)["log-probabilities"] == "warn"


def test_an_unreachable_endpoint_fails_and_skips_the_rest(hermetic: Path) -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    settings = Settings(base_url="http://localhost:9/v1", max_retries=0)
    seam = llm.OpenAIChat(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(refuse)))
    checks = {c.name: c for c in diagnosis.doctor(lambda: settings, chat=seam)}
    assert checks["endpoint"].status == "fail" and "cannot reach http://localhost:9/v1" in checks["endpoint"].detail
    assert checks["model"].status == "skip"
    assert not diagnosis.doctor_ok(list(checks.values()))


def test_a_server_without_a_models_route_still_passes(hermetic: Path) -> None:
    def no_models(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/models"):
            return httpx2.Response(404, json={"error": {"message": "not found"}})
        body = json.loads(request.content)
        if body.get("stream"):
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
            events = [{**chunk, "choices": [{"index": 0, "delta": {"content": "ready"}, "finish_reason": "stop"}]}]
            text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
            return httpx2.Response(200, text=text, headers={"content-type": "text/event-stream"})
        content = '{"ok": true}' if body.get("response_format") else "ready"
        message = {"role": "assistant", "content": content}
        return httpx2.Response(
            200,
            json={
                "id": "c",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            },
        )

    settings = Settings(base_url="http://localhost:9/v1", max_retries=0, model="m")
    seam = llm.OpenAIChat(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(no_models)))
    checks = {c.name: c for c in diagnosis.doctor(lambda: settings, chat=seam)}
    assert checks["endpoint"].status == "ok" and "not among the 0" in checks["endpoint"].detail
    assert checks["model"].status == checks["streaming"].status == "ok"
    assert checks["log-probabilities"].status == "warn"
    assert diagnosis.doctor_ok(list(checks.values()))
