"""`doctor`: end-to-end checks of the configured endpoint, settings and prompt templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

from draftmate.errors import ConfigError, DraftmateError, ModelError
from draftmate.services.model_calls import chat_for

if TYPE_CHECKING:
    from draftmate.llm.chat import ChatSeam, Message
    from draftmate.settings.config import Settings


class Ping(BaseModel):
    """The structured answer `doctor` asks for."""

    ok: bool


@dataclass
class Check:
    """One line of `doctor`."""

    name: str
    status: str  # ok, warn, fail, skip
    detail: str


def doctor(settings_factory: Callable[[], Settings], *, chat: ChatSeam | None = None) -> list[Check]:
    """End-to-end checks of the configured endpoint; drafting works when none failed."""
    from draftmate.llm import prompts
    from draftmate.settings.config import display_url, mask

    checks: list[Check] = []
    try:
        settings = settings_factory()
        from draftmate.llm.chat import provider_of, require_endpoint

        require_endpoint(settings)
    except ConfigError as e:
        checks.append(Check("settings", "fail", str(e)))
        return checks + [Check(n, "skip", "needs settings") for n in ("endpoint", "model", "streaming")]
    key = "none (placeholder sent)" if settings.api_key is None else mask(settings.api_key.get_secret_value())
    where = display_url(settings.base_url) if settings.base_url else "https://api.openai.com/v1"
    fallback = f", fallback {settings.fallback_model}" if settings.fallback_model else ""
    checks.append(
        Check(
            "settings",
            "ok",
            f"model {settings.model}{fallback} at {where} ({provider_of(settings.base_url)}), key {key}, "
            f"timeout {settings.timeout:g} s, {settings.max_retries} retries, {settings.samples} samples, "
            f"logprobs {'on' if settings.logprobs else 'off'}",
        )
    )
    try:
        templates = prompts.load_all(settings.prompts_dir)
        overridden = [t.name for t in templates.values() if t.origin == "user"]
        needed = {"brainstorm", "draft-text", "draft-code", "revise"} - set(templates)
        status = "fail" if needed else "ok"
        detail = f"{len(templates)} templates" + (f", yours: {', '.join(overridden)}" if overridden else "")
        checks.append(Check("prompts", status, detail + (f"; missing {', '.join(sorted(needed))}" if needed else "")))
    except DraftmateError as e:
        checks.append(Check("prompts", "fail", str(e)))
    seam = chat_for(settings, chat)
    try:
        models = seam.models()
        listed = "listed" if settings.model in models else f"not among the {len(models)} it lists"
        checks.append(Check("endpoint", "ok", f"{where} answered; model {settings.model} {listed}"))
    except ModelError as e:
        checks.append(Check("endpoint", "fail" if "cannot reach" in str(e) else "warn", str(e)))
        if "cannot reach" in str(e):
            return checks + [Check(n, "skip", "endpoint unreachable") for n in ("model", "streaming")]
    ask: list[Message] = [("user", "Reply with the single word: ready")]
    try:
        answer = seam.complete(ask, temperature=0.0)[0]
        checks.append(Check("model", "ok", f"{answer.model or settings.model} answered in {answer.latency_ms} ms"))
    except ModelError as e:
        checks.append(Check("model", "fail", str(e)))
        return checks + [Check("streaming", "skip", "the model does not answer")]
    pieces: list[str] = []
    try:
        streamed = seam.stream(ask, on_chunk=pieces.append, temperature=0.0)
        if streamed.finish_reason is None:
            checks.append(
                Check("streaming", "fail", "the stream ended without a finish reason; drafts would be incomplete")
            )
        else:
            checks.append(
                Check(
                    "streaming",
                    "ok",
                    f"{len(pieces)} chunk{'' if len(pieces) == 1 else 's'}, finish reason {streamed.finish_reason}",
                )
            )
        if not settings.logprobs:
            checks.append(Check("log-probabilities", "skip", "off in settings (logprobs = false)"))
        elif streamed.logprobs:
            checks.append(Check("log-probabilities", "ok", f"returned for {len(streamed.logprobs)} tokens"))
        else:
            checks.append(Check("log-probabilities", "warn", "not returned; that signal will show as unavailable"))
    except ModelError as e:
        checks.append(Check("streaming", "fail", str(e)))
    try:
        seam.structured([("user", 'Answer with the JSON {"ok": true}')], Ping, temperature=0.0)
        checks.append(Check("structured output", "ok", "JSON answers parse"))
    except ModelError as e:
        checks.append(Check("structured output", "warn", f"brainstorm and weak spots may fail: {e}"))
    return checks


def doctor_ok(checks: list[Check]) -> bool:
    """Whether drafting will work."""
    return not any(c.status == "fail" for c in checks)
