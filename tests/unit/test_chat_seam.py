"""The chat seam: ChatOpenAI on the Chat Completions path, what a reply carries, the fake, the cheap import."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from pydantic import BaseModel, SecretStr

from draftmate.errors import ConfigError
from draftmate.llm.chat import FakeChat, MalformedOutput, OpenAIChat, parse_json_object, provider_of, require_endpoint
from draftmate.settings.config import Settings


class Shape(BaseModel):
    items: list[str]


def sse_response(events: list[dict[str, Any]]) -> httpx2.Response:
    text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx2.Response(200, text=text, headers={"content-type": "text/event-stream"})


def chunk(content: str, finish: str | None = None, logprob: float | None = None) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0, "delta": {"content": content}, "finish_reason": finish}
    if logprob is not None:
        top = [{"token": content, "logprob": logprob, "bytes": None}]
        choice["logprobs"] = {"content": [{"token": content, "logprob": logprob, "bytes": None, "top_logprobs": top}]}
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "served-model", "choices": [choice]}


def seam(handler: Any, **overrides: Any) -> OpenAIChat:
    values = {"base_url": "http://local.test/v1", "model": "asked-model", "max_retries": 0} | overrides
    return OpenAIChat(Settings(**values), http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))


def test_a_streamed_reply_carries_model_finish_usage_and_logprobs() -> None:
    requests: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(json.loads(request.content))
        usage = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "served-model", "choices": []}
        usage["usage"] = {"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13}
        return sse_response([chunk("Hello", logprob=-0.1), chunk(" world", "stop", logprob=-2.5), usage])

    pieces: list[str] = []
    reply = seam(handler).stream([("system", "be brief"), ("user", "hi")], on_chunk=pieces.append)
    assert pieces == ["Hello", " world"] and reply.text == "Hello world"
    assert reply.model == "served-model" and reply.finish_reason == "stop" and reply.complete
    assert reply.usage == {"prompt_tokens": 11, "completion_tokens": 2}
    assert reply.logprobs is not None and [t["logprob"] for t in reply.logprobs] == [-0.1, -2.5]
    assert reply.logprobs[0]["top_logprobs"] == [{"token": "Hello", "logprob": -0.1}]
    sent = requests[0]
    assert sent["model"] == "asked-model" and sent["logprobs"] is True and sent["top_logprobs"] == 3
    assert sent["stream_options"] == {"include_usage": True}, "usage is asked for even with a base_url"
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]


def test_logprobs_off_in_settings_are_not_asked_for() -> None:
    requests: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(json.loads(request.content))
        return sse_response([chunk("ok", "stop")])

    reply = seam(handler, logprobs=False).stream([("user", "hi")])
    assert reply.logprobs is None and "logprobs" not in requests[0]


def test_a_local_endpoint_without_a_key_gets_a_placeholder_and_a_key_is_sent_as_given() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers["authorization"])
        return sse_response([chunk("ok", "stop")])

    seam(handler).stream([("user", "hi")])
    seam(handler, api_key=SecretStr("sk-real-key-000000")).stream([("user", "hi")])
    assert seen == ["Bearer not-needed", "Bearer sk-real-key-000000"]


def test_ctrl_c_mid_stream_keeps_what_arrived() -> None:
    def body() -> Iterator[bytes]:
        yield f"data: {json.dumps(chunk('First part'))}\n\n".encode()
        raise KeyboardInterrupt

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body(), headers={"content-type": "text/event-stream"})

    reply = seam(handler).stream([("user", "hi")])
    assert reply.interrupted and reply.text == "First part" and not reply.complete


def test_an_error_mid_stream_keeps_the_partial_text() -> None:
    from draftmate.llm.chat import StreamFailed

    def body() -> Iterator[bytes]:
        yield f"data: {json.dumps(chunk('First part'))}\n\n".encode()
        raise httpx2.RemoteProtocolError("peer closed connection")

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body(), headers={"content-type": "text/event-stream"})

    with pytest.raises(StreamFailed) as failed:
        seam(handler).stream([("user", "hi")])
    assert failed.value.partial.text == "First part"
    assert "\n" not in str(failed.value)


def test_structured_falls_back_to_plain_json_when_response_format_is_refused() -> None:
    requests: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        requests.append(body)
        if "response_format" in body:
            return httpx2.Response(400, json={"error": {"message": "response_format json_schema is not supported"}})
        message = {"role": "assistant", "content": 'Here you go:\n```json\n{"items": ["a", "b"]}\n```'}
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

    parsed, reply = seam(handler).structured([("user", "list")], Shape)
    assert parsed.items == ["a", "b"] and reply.finish_reason == "stop"
    assert requests[0]["response_format"]["json_schema"]["name"] == "Shape" and "response_format" not in requests[1]


def test_parse_json_object_tolerates_chatter_and_reports_malformed_output() -> None:
    assert parse_json_object('Sure! {"items": ["x"]} Hope that helps.', Shape).items == ["x"]
    with pytest.raises(MalformedOutput, match="not valid Shape") as error:
        parse_json_object('{"items": [1', Shape)
    assert error.value.raw == '{"items": [1'


def test_provider_and_endpoint_requirements() -> None:
    assert provider_of(None) == "openai"
    assert provider_of("http://localhost:11434/v1") == "localhost"
    require_endpoint(Settings(base_url="http://localhost:11434/v1"))
    require_endpoint(Settings(api_key=SecretStr("sk-x")))
    with pytest.raises(ConfigError, match="OPENAI_API_KEY") as error:
        require_endpoint(Settings())
    assert error.value.exit_code == 2


def test_the_fake_answers_in_queue_order_per_kind_and_records_calls() -> None:
    fake = FakeChat(["general"], stream=["streamed"])
    pieces: list[str] = []
    assert fake.stream([("user", "a")], on_chunk=pieces.append).text == "streamed"
    assert "".join(pieces) == "streamed"
    assert fake.complete([("user", "b")])[0].text == "general"
    assert [c["kind"] for c in fake.calls] == ["stream", "complete"]
    with pytest.raises(AssertionError, match="no reply queued"):
        fake.complete([("user", "c")])


def test_importing_the_seam_does_not_import_langchain() -> None:
    code = (
        "import sys, draftmate.llm.chat, draftmate.services.generate; "
        "print(sorted(m for m in ('langchain_openai', 'langchain_core.prompts.string', 'openai', 'httpx2') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
