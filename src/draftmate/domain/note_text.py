"""Where a note points and how its words are cut short: pure helpers shared by the gate, `show` and the review.

A note's `lines` is one range (first, last). A note on a fact repeated on several lines (or on the facts of a
paragraph) lists the lines it is on in its signals, as `signals["checks"]["lines"]` (line numbers, or [first, last]
pairs); its own range is then the first occurrence's, or the range of them all. The note is shown on those lines, and
not on the lines between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Span = tuple[int, int]


def note_spans(lines: Any, signals: Mapping[str, Any] | None) -> list[Span]:
    """The line ranges a note is about, in order: those its signals list inside its range, else its one range."""
    if not lines:
        return []
    first, last = int(lines[0]), int(lines[1])
    listed: set[Span] = set()
    for detail in (signals or {}).values():
        found = detail.get("lines") if isinstance(detail, Mapping) else None
        if isinstance(found, list | tuple):
            listed.update(span for item in found if (span := _span(item)) is not None)
    if not listed:
        return [(first, last)]
    if all(first <= a <= b <= last for a, b in listed):
        # the range of them all: its ends are lines of facts (a fact on two lines is listed by its first)
        return _merged(sorted(listed | {(first, first), (last, last)}))
    return _merged(sorted(listed | {(first, last)}))  # the first occurrence's range, and the lines listed


def _span(item: Any) -> Span | None:
    """`7` or `[7, 9]` as a range; anything else is not one."""
    if type(item) is int and item >= 1:
        return (item, item)
    if isinstance(item, list | tuple) and len(item) == 2 and all(type(x) is int for x in item):
        return (item[0], item[1]) if 1 <= item[0] <= item[1] else None
    return None


def _merged(spans: list[Span]) -> list[Span]:
    """Sorted ranges with overlapping or touching ones joined."""
    out: list[Span] = []
    for a, b in spans:
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def spans_label(spans: list[Span]) -> str:
    """`3`, `3-4` or `3, 8-9`: the lines as a reader counts them ("-" for none)."""
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans) or "-"


def clip_words(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters, cut at a word boundary with an ellipsis when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: max(limit - 1, 1)]
    if " " in cut and not flat[len(cut)].isspace():
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "\u2026"
