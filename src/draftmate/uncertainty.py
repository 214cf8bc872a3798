"""Uncertainty notes from independent signals, merged into span risks and one draft confidence.

Signals (each `unavailable` when it cannot be computed, never scored as zero):
  logprobs   token log-probabilities from the drafting call
  checks     deterministic checks: code that does not parse, undefined names, unresolvable imports;
             fact-bearing spans in text (numbers, dates, quotes, URLs, citations) marked to verify
  samples    agreement across extra samples on the fact-bearing spans
  self       the model's own list of weak spots, which may only lower confidence
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from draftmate.models import Confidence

UNAVAILABLE = "unavailable"
CALIBRATOR = "default-v1"

# Stated starting weights; `draftmate calibration --fit` replaces them with fitted ones.
HARD_RISK = 0.9  # does not parse, undefined name: a rule decided
VERIFY_RISK = 0.35  # a fact-bearing span nobody has checked
MEDIUM_AT, LOW_AT = 0.2, 0.5  # draft risk thresholds for medium and low confidence


@dataclass
class SpanNote:
    """A note before it is stored."""

    kind: str
    severity: str
    why: str
    source: str
    lines: tuple[int, int] | None = None
    quote: str = ""
    risk: float | None = None
    signals: dict[str, Any] = field(default_factory=dict)


@dataclass
class Assessment:
    """What the signals found in one draft."""

    notes: list[SpanNote]
    confidence: Confidence
    features: dict[str, Any]
    calibrator: str = CALIBRATOR


FACT_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    ("url", re.compile(r"https?://[^\s)>\]]+"), "a URL: check that it exists and says what the text claims"),
    ("doi", re.compile(r"\b10\.\d{4,9}/[^\s]+"), "a DOI: check that it resolves to the work cited"),
    (
        "citation",
        re.compile(r"\(([A-Z][A-Za-z-]+(?: et al\.)?(?:,| and [A-Z][A-Za-z-]+,)? (?:19|20)\d{2}[a-z]?)\)"),
        "a citation: check the source exists and supports the sentence",
    ),
    (
        "quote",
        re.compile(r"[\"\u201c][^\"\u201d]{12,}[\"\u201d]"),
        "a quotation: check it word for word against the source",
    ),
    (
        "date",
        re.compile(
            r"\b(?:\d{4}-\d{2}-\d{2}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4}"
            r"|\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}"
            r"|(?:in|since|by|from) (?:1[5-9]|20)\d{2})\b"
        ),
        "a date: check it",
    ),
    (
        "number",
        re.compile(r"(?<![\w.])[$€£]?\d[\d,]*(?:\.\d+)?\s?(?:%|percent|million|billion|thousand|[kKmMbB]n?)?(?![\w.])"),
        "a number: check it against the source",
    ),
]


def assess(
    content: str, *, kind: str, lang: str = "", context: list[tuple[str, str]] | None = None, **_: Any
) -> Assessment:
    """Run the signals available offline on a draft and merge them."""
    notes = code_checks(content, lang) if kind == "code" else text_checks(content)
    return merge(notes, signals={"checks": "ok", "logprobs": UNAVAILABLE, "samples": UNAVAILABLE, "self": UNAVAILABLE})


def merge(notes: list[SpanNote], signals: dict[str, Any]) -> Assessment:
    """Per-draft confidence from the notes' risks; a failed hard check caps it at low."""
    hard = [n for n in notes if n.severity == "blocking"]
    risks = [n.risk for n in notes if n.risk is not None]
    # Noisy-or over span risks: many small doubts add up, one strong one dominates.
    survive = 1.0
    for r in risks:
        survive *= 1.0 - r
    score = round(1.0 - survive, 4)
    level = "low" if hard or score >= LOW_AT else "medium" if score >= MEDIUM_AT else "high"
    features = {
        "signals": signals,
        "hard_failures": len(hard),
        "notes": len(notes),
        "max_risk": max(risks, default=0.0),
        "noisy_or": score,
    }
    return Assessment(notes=notes, confidence=Confidence(level=level, score=score), features=features)


def text_checks(content: str) -> list[SpanNote]:
    """Fact-bearing spans in prose, one note per line and kind, marked to verify."""
    notes: list[SpanNote] = []
    in_fence = False
    for number, line in enumerate(content.splitlines(), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence or line.lstrip().startswith("#"):
            continue
        claimed: list[tuple[int, int]] = []
        for kind, pattern, why in FACT_PATTERNS:
            found = [
                m
                for m in pattern.finditer(line)
                if not any(a <= m.start() < b for a, b in claimed) and _significant(kind, m.group(0))
            ]
            if not found:
                continue
            claimed += [(m.start(), m.end()) for m in found]
            quote = ", ".join(m.group(0) for m in found)[:200]
            notes.append(
                SpanNote(
                    kind=kind,
                    severity="verify",
                    why=why,
                    source="check",
                    lines=(number, number),
                    quote=quote,
                    risk=VERIFY_RISK,
                    signals={"checks": {"pattern": kind}},
                )
            )
    return notes


def _significant(kind: str, text: str) -> bool:
    if kind != "number":
        return True
    digits = re.sub(r"\D", "", text)
    # Single digits ("step 1", "2 ways") rarely carry a checkable fact.
    return len(digits) >= 2 or any(c in text for c in "%$€£")


def code_checks(content: str, lang: str) -> list[SpanNote]:
    """Deterministic checks of code; Python only for now."""
    if lang not in ("python", "py", ""):
        return []
    try:
        tree = ast.parse(content)
    except SyntaxError as e:
        line = e.lineno or 1
        quote = (e.text or "").strip()[:200]
        return [
            SpanNote(
                kind="syntax-error",
                severity="blocking",
                why=f"does not parse: {e.msg}",
                source="check",
                lines=(line, line),
                quote=quote,
                risk=HARD_RISK,
                signals={"checks": {"parse": "failed"}},
            )
        ]
    notes = _pyflakes_notes(content)
    del tree
    return notes


def _pyflakes_notes(content: str) -> list[SpanNote]:
    from pyflakes import checker, messages

    lines = content.splitlines()
    tree = ast.parse(content)
    found = checker.Checker(tree, filename="<draft>")
    notes = []
    for message in sorted(found.messages, key=lambda m: m.lineno):
        if isinstance(message, messages.UndefinedName):
            line = message.lineno
            notes.append(
                SpanNote(
                    kind="undefined-name",
                    severity="blocking",
                    why=f"name {message.message_args[0]!r} is not defined anywhere",
                    source="check",
                    lines=(line, line),
                    quote=lines[line - 1].strip()[:200],
                    risk=HARD_RISK,
                    signals={"checks": {"pyflakes": "UndefinedName"}},
                )
            )
    return notes
