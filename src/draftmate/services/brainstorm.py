"""Brainstorm: diverse ideas from concurrent model requests, near-duplicates merged, stored for `draft --idea`."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from draftmate.errors import ModelError, UsageError
from draftmate.services.model_calls import background, chat_for, format_context

if TYPE_CHECKING:
    from draftmate.llm.chat import ChatSeam, Reply
    from draftmate.settings.config import Settings
    from draftmate.store.protocol import Store

# Brainstorm diversity on purpose: each concurrent request takes a different angle at a different temperature.
ANGLES = (
    "the conventional approach an experienced practitioner would take first",
    "the simplest thing that could possibly work",
    "a contrarian approach that questions the premise",
    "the point of view of the person who will use or read the result",
    "start from what could go wrong, and design against it",
    "borrow an idea from a different field",
    "an ambitious long-term version",
    "a cheap experiment that would teach the most",
)
MAX_BRAINSTORM_REQUESTS = 8
DUPLICATE_AT = 0.6  # token-set similarity at which two ideas count as one
STOPWORDS = frozenset(
    "a an and are as at be by for from how in into is it of on or that the this to use using with your you".split()
)


class IdeaOut(BaseModel):
    """One brainstormed idea as the model returns it."""

    model_config = ConfigDict(extra="ignore")

    title: str = Field(min_length=1)
    rationale: str = ""
    risks: list[str] = Field(default_factory=list)


class IdeasOut(BaseModel):
    """A brainstorm answer."""

    model_config = ConfigDict(extra="ignore")

    ideas: list[IdeaOut]


@dataclass
class Brainstorm:
    """Stored ideas and how they were made."""

    topic: str
    ideas: list[dict[str, Any]]
    requests: int
    skipped: list[str]
    meta: dict[str, Any]


def brainstorm(
    store: Store,
    settings: Settings,
    topic: str,
    *,
    n: int = 5,
    context: list[tuple[str, str]] | None = None,
    chat: ChatSeam | None = None,
) -> Brainstorm:
    """N diverse ideas from concurrent requests at different angles and temperatures, near-duplicates merged."""
    from draftmate.llm import prompts

    if not topic.strip():
        raise UsageError("say what to brainstorm about: draftmate brainstorm TOPIC")
    if n < 1:
        raise UsageError("-n must be at least 1")
    template = prompts.load("brainstorm", settings.prompts_dir)
    seam = chat_for(settings, chat)
    plan = brainstorm_plan(n, settings.temperature)
    ctx = format_context(context or [])

    def ask(job: tuple[str, float, int]) -> tuple[list[IdeaOut], Reply | None, str | None]:
        angle, temperature, count = job
        messages = template.render(topic=topic.strip(), angle=angle, count=str(count), context=ctx)
        try:
            found, reply = seam.structured(messages, IdeasOut, temperature=temperature)
        except ModelError as e:
            return [], None, str(e)
        return found.ideas, reply, None

    # daemon threads, not a pool: Ctrl-C returns at once instead of waiting out requests still in flight
    pending = [background(functools.partial(ask, job)) for job in plan]
    results = [future.result() for future in pending]
    skipped = [problem for _, _, problem in results if problem]
    batches = [
        [{"title": i.title.strip(), "rationale": i.rationale.strip(), "risks": i.risks, "angle": angle} for i in ideas]
        for (ideas, _, _), (angle, _, _) in zip(results, plan, strict=True)
    ]
    merged = merge_ideas(batches)[:n]
    if not merged:
        first = skipped[0] if skipped else "the model returned no ideas"
        raise ModelError(f"no usable ideas from {len(plan)} requests: {first}")
    replies = [r for _, r, _ in results if r is not None]
    meta = {
        "provider": seam.provider,
        "model": next((r.model for r in replies if r.model), seam.model),
        "template": template.ref(),
        "params": {**seam.params, "temperatures": [t for _, t, _ in plan]},
        "usage": {
            "prompt_tokens": sum(r.usage.get("prompt_tokens", 0) for r in replies),
            "completion_tokens": sum(r.usage.get("completion_tokens", 0) for r in replies),
        },
        "latency_ms": max((r.latency_ms for r in replies), default=0),
    }
    stored = store.add_ideas(topic.strip(), merged, made_with=meta)  # provider, model, template, usage: the provenance
    return Brainstorm(topic=topic.strip(), ideas=stored, requests=len(plan), skipped=skipped, meta=meta)


def brainstorm_plan(n: int, temperature: float) -> list[tuple[str, float, int]]:
    """(angle, temperature, ideas asked for) per request: more requests than needed ideas would be waste."""
    requests = min(n, MAX_BRAINSTORM_REQUESTS)
    per = max(2, math.ceil(1.5 * n / requests))  # over-ask: duplicates get merged away
    low, high = max(0.5, temperature), min(1.3, max(temperature, 0.5) + 0.6)
    step = (high - low) / max(1, requests - 1)
    return [(ANGLES[i % len(ANGLES)], round(low + i * step, 2), per) for i in range(requests)]


def words(text: str) -> set[str]:
    """A text's normalized token set, for near-duplicate detection."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS and len(w) > 1}


def similarity(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Jaccard similarity of titles, or of titles with rationales, whichever is higher."""

    def jaccard(x: set[str], y: set[str]) -> float:
        return len(x & y) / len(x | y) if x and y else 0.0

    full = jaccard(words(a["title"] + " " + a["rationale"]), words(b["title"] + " " + b["rationale"]))
    return max(jaccard(words(a["title"]), words(b["title"])), full)


def merge_ideas(batches: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Ideas taken round-robin across requests (so the first N are diverse), near-duplicates folded together."""
    merged: list[dict[str, Any]] = []
    depth = max((len(b) for b in batches), default=0)
    for position in range(depth):
        for batch in batches:
            if position >= len(batch):
                continue
            idea = batch[position]
            twin = next((m for m in merged if similarity(m, idea) >= DUPLICATE_AT), None)
            if twin is None:
                merged.append({**idea, "risks": list(dict.fromkeys(idea["risks"])), "merged": 1})
            else:
                twin["risks"] = list(dict.fromkeys(twin["risks"] + idea["risks"]))
                twin["merged"] += 1
    return merged
