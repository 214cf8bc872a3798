"""The weak-spots tail the drafting prompt asks for after the draft: held back from the stream, split off, parsed.

Asking for the weak spots in the drafting request itself costs a few dozen output tokens instead of a second
request after the draft that the user would wait for. The tail starts at MARKER; nothing from there on is shown
or stored as draft text.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from draftmate.llm.chat import OnChunk, Reply

MARKER = "<<<WEAK SPOTS>>>"  # the draft templates name it; a draft has no reason to contain it


class WeakSpot(BaseModel):
    """A span the model is unsure of, and why."""

    model_config = ConfigDict(extra="ignore")

    quote: str = Field(min_length=1)
    why: str = ""


class WeakSpots(BaseModel):
    """The weak-spots answer."""

    model_config = ConfigDict(extra="ignore")

    weak_spots: list[WeakSpot]


class TailFilter:
    """Passes streamed text on until MARKER begins; text that might be its start waits until it is known not to be."""

    def __init__(self, on_chunk: OnChunk | None) -> None:
        self.on_chunk = on_chunk
        self.seen = ""  # everything the model sent, tail included
        self.shown = 0  # how much of `seen` went on to on_chunk
        self.in_tail = False

    def __call__(self, text: str) -> None:
        self.seen += text
        if self.in_tail:
            return
        at = self.seen.find(MARKER, max(0, self.shown - len(MARKER)))
        if at >= 0:
            self.in_tail = True
            self._show(self.seen[self.shown : at])
            return
        self._show(self.seen[self.shown : len(self.seen) - _held(self.seen)])

    def flush(self) -> None:
        """The held-back text, once the stream ended without a tail."""
        if not self.in_tail:
            self._show(self.seen[self.shown :])

    def _show(self, text: str) -> None:
        if text and self.on_chunk is not None:
            self.on_chunk(text)
        self.shown += len(text)


def _held(text: str) -> int:
    """How many trailing characters could be the start of MARKER."""
    for size in range(min(len(MARKER) - 1, len(text)), 0, -1):
        if MARKER.startswith(text[-size:]):
            return size
    return 0


def split_tail(text: str) -> tuple[str, str | None]:
    """The draft text and the tail after MARKER (None when the answer has none)."""
    at = text.find(MARKER)
    if at < 0:
        return text, None
    body = text[:at].rstrip()
    return (body + "\n" if body else ""), text[at + len(MARKER) :]


def parse_weak_spots(tail: str | None) -> tuple[list[dict[str, str]] | None, str | None]:
    """The weak spots in a tail, or None (unavailable) and why."""
    from draftmate.errors import ModelError
    from draftmate.llm.chat import parse_json_object

    if tail is None:
        return None, "the answer carried no weak-spots list after the draft"
    try:
        found = parse_json_object(tail, WeakSpots)
    except ModelError as e:
        return None, str(e)
    return [{"quote": w.quote, "why": w.why} for w in found.weak_spots], None


def without_tail(reply: Reply) -> tuple[Reply, str | None]:
    """The reply as a draft (text and log-probabilities up to MARKER), and its tail."""
    body, tail = split_tail(reply.text)
    if tail is None:
        return reply, None
    return replace(reply, text=body, logprobs=_tokens_within(reply.logprobs, len(body))), tail


def _tokens_within(tokens: list[dict[str, Any]] | None, length: int) -> list[dict[str, Any]] | None:
    """The leading tokens whose text lies within the first `length` characters."""
    if not tokens:
        return tokens
    kept, used = [], 0
    for token in tokens:
        used += len(str(token.get("token", "")))
        if used > length:
            break
        kept.append(token)
    return kept or None
