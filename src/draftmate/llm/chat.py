"""The model seam: one narrow interface to an OpenAI-compatible chat endpoint, and a fake of it for tests.

`ChatSeam` is all the rest of draftmate knows about models: `stream` (text arriving chunk by chunk), `complete`
(one or more whole replies) and `structured` (a reply validated against a pydantic model). `OpenAIChat` implements it
with langchain-openai's ChatOpenAI on the Chat Completions path (so log-probabilities can come back), bounded retries
that honour Retry-After (the openai SDK's), and the configured fallback model via `with_fallbacks`. `FakeChat` is
queued with replies. langchain, openai and httpx2 are imported inside functions only: importing this module is cheap.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar
from urllib.parse import urlparse

from pydantic import BaseModel, SecretStr, ValidationError

from draftmate.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from draftmate.settings.config import Settings

M = TypeVar("M", bound=BaseModel)
Message = tuple[str, str]  # (role, content); role is system, user or assistant
OnChunk = Callable[[str], None]
Queued: TypeAlias = "str | Reply | BaseException"

PLACEHOLDER_KEY = "not-needed"  # local servers ignore the key but the SDK insists on one
TOP_LOGPROBS = 3
NO_ENDPOINT = (
    "no model endpoint configured: set OPENAI_API_KEY to use OpenAI, or DRAFTMATE_BASE_URL for any "
    "OpenAI-compatible server, e.g. a local Ollama: "
    "DRAFTMATE_BASE_URL=http://localhost:11434/v1 DRAFTMATE_MODEL=llama3.2"
)


@dataclass
class Reply:
    """One answer of the model and what is known about how it was made."""

    text: str
    model: str = ""  # the model that answered, as the endpoint reports it
    finish_reason: str | None = None  # None when the stream ended without one (truncated)
    usage: dict[str, int] = field(default_factory=dict)  # prompt_tokens, completion_tokens
    logprobs: list[dict[str, Any]] | None = None  # content tokens; None when the endpoint gave none
    latency_ms: int = 0
    interrupted: bool = False  # Ctrl-C arrived; text is what had come by then
    chunks: int = 0  # streamed chunks received (text, role or usage), to say where a stream was cut

    @property
    def complete(self) -> bool:
        """Whether the model said it finished (not cut off, not interrupted)."""
        return not self.interrupted and self.finish_reason in ("stop", "tool_calls", "function_call")


class StreamFailed(ModelError):
    """The endpoint failed mid-answer; `partial` is what had arrived."""

    def __init__(self, message: str, partial: Reply) -> None:
        super().__init__(message)
        self.partial = partial


class MalformedOutput(ModelError):
    """The model's structured answer did not match the schema."""

    def __init__(self, message: str, raw: str) -> None:
        super().__init__(message)
        self.raw = raw


class ChatSeam(Protocol):
    """What draftmate needs from a chat model."""

    provider: str
    model: str
    params: dict[str, Any]

    def stream(
        self, messages: list[Message], *, on_chunk: OnChunk | None = None, temperature: float | None = None
    ) -> Reply:
        """One answer, handed to `on_chunk` as it arrives; Ctrl-C returns what came, marked interrupted."""
        ...

    def complete(self, messages: list[Message], *, temperature: float | None = None, n: int = 1) -> list[Reply]:
        """`n` whole answers (one request with n=K where the endpoint allows, else concurrent ones)."""
        ...

    def structured(
        self, messages: list[Message], schema: type[M], *, temperature: float | None = None
    ) -> tuple[M, Reply]:
        """An answer validated against `schema`; MalformedOutput when it does not fit."""
        ...

    def models(self) -> list[str]:
        """The model IDs the endpoint lists (for `doctor`); ModelError when it cannot be reached."""
        ...


def provider_of(base_url: str | None) -> str:
    """'openai' for the default endpoint, else the host of base_url."""
    if not base_url:
        return "openai"
    return urlparse(base_url).hostname or base_url


def require_endpoint(settings: Settings) -> None:
    """ConfigError unless a key or an endpoint is configured."""
    if not settings.has_endpoint():
        raise ConfigError(NO_ENDPOINT)


def parse_json_object(text: str, schema: type[M]) -> M:
    """`schema` from a model's JSON answer, tolerating code fences and chatter around the object."""
    cleaned = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", cleaned, re.S)
    if fenced:
        cleaned = fenced.group(1).strip()
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start != -1 and end > start:
        cleaned = cleaned[start : end + 1]
    try:
        return schema.model_validate_json(cleaned)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the answer"
        raise MalformedOutput(
            f"the model's answer is not valid {schema.__name__} ({where}: {first['msg']})", raw=text
        ) from None


def json_schema_format(schema: type[BaseModel]) -> dict[str, Any]:
    """The response_format that asks an endpoint for JSON matching `schema`."""
    return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()}}


# ---- the real thing --------------------------------------------------------------------------------------

# The environment ChatOpenAI and its clients read when built (organization, project, proxies, TCP keep-alive)
READ_BY_CHAT_OPENAI = ("OPENAI_", "LANGCHAIN_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
_SHARED_LOCK = threading.Lock()
_SHARED_MODELS: dict[tuple[Any, ...], Any] = {}


def import_model_stack() -> None:
    """Import what building a ChatOpenAI and converting messages for it need (~0.7 s on a small machine)."""
    import langchain_core.messages  # noqa: F401 - every request converts its messages with these
    import langchain_openai  # noqa: F401


def _new_chat_model(params: dict[str, Any]) -> Any:
    import_model_stack()
    from langchain_openai import ChatOpenAI

    unused = {} if "http_client" in params else _unused_async_client()
    return ChatOpenAI(
        **params,
        **unused,
        use_responses_api=False,  # the Responses API returns no log-probabilities
        stream_usage=True,  # off by default whenever base_url is set
    )


def _unused_async_client() -> dict[str, Any]:
    """ChatOpenAI builds an async HTTP client, which draftmate never uses, loading the CA certificates for it (~20 ms
    of CPU); handed one on the TLS context langchain-openai built at import, it loads them once less. Not when a
    proxy is configured: then langchain-openai builds its clients its own way, so that they honour it."""
    import ssl
    import urllib.request

    import openai
    from langchain_openai.chat_models import base

    shared = getattr(base, "global_ssl_context", None)  # "equivalent to the default verify=True", it says
    # getproxies: every *_proxy variable in either case, and the system's settings, as httpx itself reads them
    if not isinstance(shared, ssl.SSLContext) or urllib.request.getproxies():
        return {}
    return {"http_async_client": openai.DefaultAsyncHttpxClient(verify=shared)}


class OpenAIChat:
    """ChatSeam over langchain-openai's ChatOpenAI, with the fallback model behind `with_fallbacks`."""

    def __init__(self, settings: Settings, *, http_client: Any = None, max_workers: int = 8) -> None:
        require_endpoint(settings)
        self.settings = settings
        self.provider = provider_of(settings.base_url)
        self.model = settings.model
        self.max_workers = max_workers
        self.params: dict[str, Any] = {
            "temperature": settings.temperature,
            "timeout": settings.timeout,
            "max_retries": settings.max_retries,
            "logprobs": settings.logprobs,
        }
        self._http_client = http_client
        self._lock = threading.Lock()
        self._built: dict[tuple[bool, bool], Any] = {}

    def _chat_model(self, model: str) -> Any:
        """The ChatOpenAI for `model`: one per process and configuration, shared by every request and thread."""
        key = self.settings.api_key or SecretStr(PLACEHOLDER_KEY)
        params: dict[str, Any] = {
            "model": model,
            "base_url": self.settings.base_url,
            "api_key": key,
            "temperature": self.settings.temperature,
            "timeout": self.settings.timeout,
            "max_retries": self.settings.max_retries,
        }
        if self._http_client is not None:  # a test's client: its own model, never shared
            return _new_chat_model(params | {"http_client": self._http_client})
        # The first ChatOpenAI builds the HTTP clients (two TLS contexts, ~90 ms of CPU) that langchain-openai then
        # caches; built twice at once (the samples beside the stream, the warm-up), they were built twice.
        shared = tuple(v.get_secret_value() if isinstance(v, SecretStr) else v for v in params.values())
        shared += tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(READ_BY_CHAT_OPENAI)))
        with _SHARED_LOCK:
            built = _SHARED_MODELS.get(shared)
            if built is None:
                built = _SHARED_MODELS[shared] = _new_chat_model(params)
            return built

    def _with_logprobs(self, model: str, logprobs: bool) -> Any:
        chat_model = self._chat_model(model)
        return chat_model.bind(logprobs=True, top_logprobs=TOP_LOGPROBS) if logprobs else chat_model

    def runnable(self, *, logprobs: bool, primary_only: bool = False) -> Any:
        """The primary model, with the fallback model behind it unless `primary_only`; log-probabilities are asked
        per request (`bind`), so one ChatOpenAI serves the stream and the samples."""
        with self._lock:
            built = self._built.get((logprobs, primary_only))
            if built is None:
                built = self._with_logprobs(self.settings.model, logprobs)
                if self.settings.fallback_model and not primary_only:
                    built = built.with_fallbacks([self._with_logprobs(self.settings.fallback_model, logprobs)])
                self._built[(logprobs, primary_only)] = built
            return built

    @staticmethod
    def _lc_messages(messages: list[Message]) -> list[Any]:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        return [kinds[role](content=content) for role, content in messages]

    def _kwargs(self, temperature: float | None) -> dict[str, Any]:
        return {} if temperature is None else {"temperature": temperature}

    def stream(
        self, messages: list[Message], *, on_chunk: OnChunk | None = None, temperature: float | None = None
    ) -> Reply:
        """One answer, chunk by chunk; a refused logprobs request is retried once without them."""
        try:
            return self._stream(messages, on_chunk, temperature, logprobs=self.settings.logprobs)
        except StreamFailed as e:
            if self.settings.logprobs and not e.partial.text and "logprob" in str(e).lower():
                return self._stream(messages, on_chunk, temperature, logprobs=False)
            raise

    def _stream(
        self, messages: list[Message], on_chunk: OnChunk | None, temperature: float | None, *, logprobs: bool
    ) -> Reply:
        started = time.monotonic()
        parts: list[str] = []
        reply = Reply(text="", model=self.settings.model, logprobs=None)
        tokens: list[dict[str, Any]] = []
        try:
            for chunk in self.runnable(logprobs=logprobs).stream(
                self._lc_messages(messages), **self._kwargs(temperature)
            ):
                if not _closing_marker(chunk):
                    reply.chunks += 1
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    parts.append(text)
                    if on_chunk is not None:
                        on_chunk(text)
                meta = chunk.response_metadata or {}
                reply.finish_reason = meta.get("finish_reason") or reply.finish_reason
                reply.model = meta.get("model_name") or reply.model
                tokens.extend(_tokens(meta.get("logprobs")))
                if chunk.usage_metadata:
                    reply.usage = _usage(chunk.usage_metadata)
        except KeyboardInterrupt:
            reply.interrupted = True
        except model_errors() + (ValueError,) as e:
            if isinstance(e, ValueError) and not isinstance(e, json.JSONDecodeError) and NO_CHUNKS not in str(e):
                raise  # only langchain's "no chunks" (a 200 that was not a stream) means the endpoint failed
            reply.text, reply.latency_ms = "".join(parts), _ms(started)
            raise StreamFailed(
                self.describe(e, mid_answer=bool(parts)), replace(reply, logprobs=tokens or None)
            ) from None
        reply.text, reply.latency_ms = "".join(parts), _ms(started)
        reply.logprobs = tokens or None
        return reply

    def complete(self, messages: list[Message], *, temperature: float | None = None, n: int = 1) -> list[Reply]:
        """`n` answers: n=K in one request to the primary, topped up with concurrent single requests."""
        if n < 1:
            return []
        replies: list[Reply] = []
        if n > 1:
            try:
                replies = self._generate_n(messages, temperature, n)
            except answer_errors():  # an endpoint refusing n>1 is not a failure: ask one at a time
                replies = []
        missing = n - len(replies)
        if missing > 0:
            with ThreadPoolExecutor(max_workers=min(missing, self.max_workers)) as pool:
                replies += list(pool.map(lambda _: self._invoke(messages, temperature), range(missing)))
        return replies[:n]

    def _generate_n(self, messages: list[Message], temperature: float | None, n: int) -> list[Reply]:
        started = time.monotonic()
        result = self.runnable(logprobs=False, primary_only=True).generate(
            [self._lc_messages(messages)], n=n, **self._kwargs(temperature)
        )
        replies = []
        for generation in result.generations[0]:
            replies.append(_reply(generation.message, _ms(started)))
        return replies

    def _invoke(self, messages: list[Message], temperature: float | None, **kwargs: Any) -> Reply:
        started = time.monotonic()
        try:
            message = self.runnable(logprobs=False).invoke(
                self._lc_messages(messages), **self._kwargs(temperature), **kwargs
            )
        except answer_errors() as e:
            raise ModelError(self.describe(e)) from None
        return _reply(message, _ms(started))

    def structured(
        self, messages: list[Message], schema: type[M], *, temperature: float | None = None
    ) -> tuple[M, Reply]:
        """JSON matching `schema` via response_format json_schema; without it when the endpoint refuses that."""
        try:
            reply = self._invoke(messages, temperature, response_format=json_schema_format(schema))
        except ModelError as e:
            if "response_format" not in str(e) and "json_schema" not in str(e):
                raise
            reply = self._invoke(messages, temperature)  # the prompt asks for the same JSON in words
        return parse_json_object(reply.text, schema), reply

    def models(self) -> list[str]:
        """The model IDs the endpoint lists; an endpoint without /models answers with an empty list."""
        import openai

        client = self._chat_model(self.settings.model).root_client.with_options(max_retries=0)
        try:
            return [m.id for m in client.models.list()]
        except openai.NotFoundError:
            return []
        except answer_errors() as e:
            raise ModelError(self.describe(e)) from None

    def describe(self, error: BaseException, *, mid_answer: bool = False) -> str:
        """A one-line account of a failed request, naming what to do; no secret the server quoted survives."""
        return self.settings.redact(self._explain(error, mid_answer=mid_answer))

    def _explain(self, error: BaseException, *, mid_answer: bool) -> str:
        import httpx2
        import openai

        from draftmate.settings.config import display_url

        where = display_url(self.settings.base_url) if self.settings.base_url else "the OpenAI API"
        if isinstance(error, openai.APITimeoutError | httpx2.TimeoutException):
            return (
                f"{where} did not answer within {self.settings.timeout:g} s; "
                "raise it with `draftmate config set timeout 120`"
            )
        if mid_answer and isinstance(error, openai.APIConnectionError | httpx2.TransportError):
            return f"the connection to {where} broke off mid-answer ({_first_line(error)}); what arrived is kept"
        if isinstance(error, openai.APIConnectionError | httpx2.TransportError):
            return f"cannot reach {where} ({_first_line(error)}); is the server running?"
        if isinstance(error, openai.AuthenticationError) and self.settings.api_key is None:
            return (
                f"{where} wants an API key (HTTP 401) and none was sent; set DRAFTMATE_API_KEY for it "
                "(OPENAI_API_KEY goes only to OpenAI)"
            )
        if isinstance(error, openai.AuthenticationError):
            return f"{where} refused the API key (HTTP 401); check OPENAI_API_KEY or DRAFTMATE_API_KEY"
        if isinstance(error, openai.RateLimitError) and getattr(error, "code", None) == "insufficient_quota":
            return (
                f"{where} says the account is out of quota (HTTP 429); check its plan and billing, or use another key"
            )
        if isinstance(error, openai.RateLimitError):
            return f"{where} is rate-limiting (HTTP 429) after {self.settings.max_retries} retries; wait and retry"
        if isinstance(error, openai.NotFoundError):
            return f"{where} has no model {self.settings.model!r} (HTTP 404); set DRAFTMATE_MODEL to one it serves"
        if isinstance(error, openai.APIStatusError):
            return f"{where} answered HTTP {error.status_code}: {_first_line(error)[:200]}"
        if isinstance(error, json.JSONDecodeError):
            return f"{where} sent a streamed chunk that is not valid JSON ({error.msg}); try again"
        if isinstance(error, ANSWER_FAULTS):
            return (
                f"{where} did not answer like an OpenAI-compatible API ({_first_line(error)[:120]}); "
                "check the base URL (most servers want it to end in /v1)"
            )
        return f"the model request failed: {type(error).__name__}: {_first_line(error)[:200]}"


def model_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean the endpoint failed, as opposed to a bug in draftmate."""
    import httpx2
    import openai

    return (openai.OpenAIError, httpx2.HTTPError, httpx2.StreamError, json.JSONDecodeError)


# What langchain and openai raise on a 200 answer that is not a chat completion (an HTML page, JSON of another shape).
ANSWER_FAULTS = (ValueError, TypeError, AttributeError, KeyError)
NO_CHUNKS = "No generation chunks were returned"  # langchain, when a "stream" carried no completion chunk


def answer_errors() -> tuple[type[BaseException], ...]:
    """model_errors, and the faults of an answer that is not a chat completion: around SDK calls only."""
    return (*model_errors(), *ANSWER_FAULTS)


def _closing_marker(chunk: Any) -> bool:
    """langchain's own empty chunk ending every stream: not something the endpoint sent."""
    empty = not (chunk.content or chunk.response_metadata or chunk.usage_metadata)
    return empty and getattr(chunk, "chunk_position", None) == "last"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _usage(meta: Any) -> dict[str, int]:
    return {"prompt_tokens": int(meta.get("input_tokens", 0)), "completion_tokens": int(meta.get("output_tokens", 0))}


def _tokens(logprobs: Any) -> list[dict[str, Any]]:
    """Content-token log-probabilities in the shape uncertainty.assess takes."""
    if not isinstance(logprobs, dict):
        return []
    return [
        {
            "token": t.get("token", ""),
            "logprob": t.get("logprob"),
            "top_logprobs": [
                {"token": a.get("token", ""), "logprob": a.get("logprob")} for a in t.get("top_logprobs") or []
            ],
        }
        for t in logprobs.get("content") or []
    ]


def _reply(message: Any, latency_ms: int) -> Reply:
    meta = message.response_metadata or {}
    usage = _usage(message.usage_metadata) if message.usage_metadata else {}
    return Reply(
        text=message.content if isinstance(message.content, str) else "",
        model=meta.get("model_name", ""),
        finish_reason=meta.get("finish_reason"),
        usage=usage,
        logprobs=_tokens(meta.get("logprobs")) or None,
        latency_ms=latency_ms,
    )


def preload(settings: Settings) -> None:
    """Import what a request through ChatOpenAI needs (the costly part of a model command's start), and no more,
    and build the ChatOpenAI every request of these settings shares (its HTTP clients with it).

    Both happen under the lock that builds shared models: a request asked meanwhile (the stream, the samples) waits
    for this one import instead of importing the same modules beside it, which cost ~80 ms more CPU in all.
    """
    OpenAIChat(settings).runnable(logprobs=settings.logprobs)


def build_chat(settings: Settings, **kwargs: Any) -> ChatSeam:
    """The chat seam for these settings; ConfigError when no endpoint is configured."""
    return OpenAIChat(settings, **kwargs)


# ---- the fake ----------------------------------------------------------------------------------------------


class FakeChat:
    """A ChatSeam answering from a queue of replies (str, Reply or an exception to raise), recording each call."""

    def __init__(
        self,
        replies: Iterable[Queued] = (),
        *,
        stream: Iterable[Queued] | None = None,
        complete: Iterable[Queued] | None = None,
        structured: Iterable[Queued] | None = None,
        by_schema: dict[str, Iterable[Queued]] | None = None,
        model: str = "fake-model",
    ) -> None:
        self.queue: list[Queued] = list(replies)
        # per-kind queues keep concurrent calls (samples beside the stream) deterministic
        self.queues: dict[str, list[Queued]] = {
            kind: list(items)
            for kind, items in (("stream", stream), ("complete", complete), ("structured", structured))
            if items is not None
        }
        # structured calls running side by side (weak spots, the claim check) each take from their schema's queue
        self.queues |= {f"structured:{name}": list(items) for name, items in (by_schema or {}).items()}
        self.calls: list[dict[str, Any]] = []
        self.provider = "fake"
        self.model = model
        self.params: dict[str, Any] = {"temperature": 0.4}
        self._lock = threading.Lock()

    def _next(self, kind: str, messages: list[Message], **info: Any) -> Reply:
        with self._lock:
            self.calls.append({"kind": kind, "messages": messages, **info})
            queue = self.queues.get(f"{kind}:{info.get('schema')}", self.queues.get(kind, self.queue))
            if not queue:
                raise AssertionError(f"FakeChat: no reply queued for this {kind} call")
            item = queue.pop(0)
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, Reply):
            return item
        return Reply(
            text=item, model=self.model, finish_reason="stop", usage={"prompt_tokens": 1, "completion_tokens": 1}
        )

    def stream(
        self, messages: list[Message], *, on_chunk: OnChunk | None = None, temperature: float | None = None
    ) -> Reply:
        """The next queued reply, handed to on_chunk word by word."""
        reply = self._next("stream", messages, temperature=temperature)
        pieces = re.findall(r"\S+\s*|\s+", reply.text)
        if on_chunk is not None:
            for piece in pieces:
                on_chunk(piece)
        return replace(reply, chunks=len(pieces))

    def complete(self, messages: list[Message], *, temperature: float | None = None, n: int = 1) -> list[Reply]:
        """The next `n` queued replies."""
        return [self._next("complete", messages, temperature=temperature) for _ in range(n)]

    def structured(
        self, messages: list[Message], schema: type[M], *, temperature: float | None = None
    ) -> tuple[M, Reply]:
        """The next queued reply (JSON text) parsed as `schema`."""
        reply = self._next("structured", messages, temperature=temperature, schema=schema.__name__)
        return parse_json_object(reply.text, schema), reply

    def models(self) -> list[str]:
        """The fake serves one model."""
        return [self.model]
