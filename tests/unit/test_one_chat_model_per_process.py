"""One ChatOpenAI per process and configuration: the warm-up, the stream and the samples beside it share it (its first
construction builds the HTTP clients and their TLS contexts, ~90 ms of CPU), and log-probabilities are asked per
request, so the samples' request still asks for none."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx2

from draftmate.llm.chat import OpenAIChat
from draftmate.settings.config import Settings


def test_the_warm_up_the_stream_and_the_samples_share_one_chat_openai() -> None:
    settings = Settings(base_url="http://127.0.0.1:9/v1", model="shared-model", max_retries=0)
    built: dict[str, Any] = {}
    start = threading.Barrier(3)

    def build(name: str, **kind: bool) -> None:
        start.wait()  # at once, as the warm-up thread and the samples thread do
        built[name] = OpenAIChat(settings).runnable(**kind)

    threads = [
        threading.Thread(target=build, args=("warm-up",), kwargs={"logprobs": True}),
        threading.Thread(target=build, args=("samples",), kwargs={"logprobs": False, "primary_only": True}),
        threading.Thread(target=build, args=("stream",), kwargs={"logprobs": True}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    chat_model = built["samples"]
    assert type(chat_model).__name__ == "ChatOpenAI"
    assert getattr(built["warm-up"], "bound", None) is chat_model
    assert getattr(built["stream"], "bound", None) is chat_model


def test_another_configuration_gets_its_own_chat_openai() -> None:
    first = OpenAIChat(Settings(base_url="http://127.0.0.1:9/v1", model="one-model")).runnable(logprobs=False)
    other = OpenAIChat(Settings(base_url="http://127.0.0.1:9/v1", model="other-model")).runnable(logprobs=False)
    warmer = OpenAIChat(Settings(base_url="http://127.0.0.1:9/v1", model="one-model", temperature=1.0))
    assert first is not other and first is not warmer.runnable(logprobs=False)
    assert OpenAIChat(Settings(base_url="http://127.0.0.1:9/v1", model="one-model")).runnable(logprobs=False) is first


def test_the_stream_asks_for_log_probabilities_and_the_samples_do_not() -> None:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        sent.append(body)
        if body.get("stream"):
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
            chunk["choices"] = [{"index": 0, "delta": {"content": "text"}, "finish_reason": "stop"}]
            return httpx2.Response(200, text=f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n")
        choices = [
            {"index": i, "message": {"role": "assistant", "content": f"sample {i}"}, "finish_reason": "stop"}
            for i in range(body.get("n", 1))
        ]
        return httpx2.Response(
            200, json={"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": choices}
        )

    settings = Settings(base_url="http://local.test/v1", model="m", max_retries=0)
    seam = OpenAIChat(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    seam.stream([("user", "hi")])
    replies = seam.complete([("user", "hi")], n=3)
    assert [r.text for r in replies] == ["sample 0", "sample 1", "sample 2"]
    streamed, sampled = sent
    assert streamed["logprobs"] is True and streamed["top_logprobs"] == 3 and streamed["stream"] is True
    assert sampled["n"] == 3 and "logprobs" not in sampled and "top_logprobs" not in sampled
    assert len(sent) == 2, "the three samples are one request with n=3"


def test_a_changed_environment_gets_a_chat_openai_that_reads_it(monkeypatch: Any) -> None:
    settings = Settings(base_url="http://127.0.0.1:9/v1", model="env-model")
    before = OpenAIChat(settings).runnable(logprobs=False)
    monkeypatch.setenv("OPENAI_ORGANIZATION", "org-from-the-environment")
    after = OpenAIChat(settings).runnable(logprobs=False)
    assert after is not before and after.openai_organization == "org-from-the-environment"
