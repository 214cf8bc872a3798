"""The `claims` signal: the model's sentence-by-sentence verdicts against the sources, turned into evidence.

It may raise a sentence's risk (contradicted, or not found in the sources); it may lower the risk of a lexical
`unsupported` note only when the model gave a supporting quote that occurs word for word in the sources (checked by
services/claims.py); it never touches a failed hard check. The weights below are stated starting values, as the
other model signals' are: no labelled claim verdicts exist yet to fit them on.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from draftmate.uncertainty.model_signals import LineEvidence
from draftmate.uncertainty.spans import SpanNote

CONTRADICTED_RISK = 0.7  # the model quotes the sources saying otherwise, and the quote is really there
UNQUOTED_CONTRADICTED_RISK = 0.35  # the model says contradicted but its quote is not in the sources (or absent)
NOT_FOUND_RISK = 0.3  # the model found nothing in the passages about it
SUPPORTED_FACTOR = 0.5  # a lexical `unsupported` note keeps this share of its risk against a verified quote


def claims_signal(
    claims: list[dict[str, Any]] | None,
) -> tuple[list[SpanNote], list[LineEvidence], dict[int, dict[str, Any]], dict[str, Any]]:
    """Notes for lines no check flagged, evidence raising risks, verified support by line, and features."""
    if claims is None:
        return [], [], {}, {"claims": None}
    notes: list[SpanNote] = []
    evidence: list[LineEvidence] = []
    support: dict[int, dict[str, Any]] = {}
    for c in claims:
        line = int(c["line"])
        detail: dict[str, Any] = {k: c[k] for k in ("verdict", "quote", "quote_discarded") if k in c}
        if c["verdict"] == "supported":
            if c.get("quote"):
                support[line] = detail
            continue
        if c["verdict"] == "contradicted":
            risk = CONTRADICTED_RISK if c.get("quote") else UNQUOTED_CONTRADICTED_RISK
            kind = "contradiction" if c.get("quote") else "unsupported"
            said = (
                f"the model found the sources saying otherwise: \u201c{c['quote']}\u201d"
                if c.get("quote")
                else ("the model says the sources contradict it, but gave no quote that is in them")
            )
        else:
            risk, kind = NOT_FOUND_RISK, "unsupported"
            said = "the model found nothing in the source passages about it"
        evidence.append(LineEvidence(line=line, risk=risk, signal="claims", detail=detail))
        notes.append(
            SpanNote(
                kind=kind,
                severity="verify",
                why=f"claim check: {said}",
                source="model",
                lines=(line, line),
                quote=str(c.get("sentence", ""))[:200],
                risk=risk,
                signals={"claims": detail},
            )
        )
    features = {
        "claims": 1,
        "claims.sentences": len(claims),
        "claims.supported": sum(c["verdict"] == "supported" for c in claims),
        "claims.contradicted": sum(c["verdict"] == "contradicted" for c in claims),
        "claims.not_found": sum(c["verdict"] == "not_found" for c in claims),
        "claims.quotes_discarded": sum(bool(c.get("quote_discarded")) for c in claims),
    }
    return notes, evidence, support, features


def lower_supported(notes: list[SpanNote], support: dict[int, dict[str, Any]]) -> list[SpanNote]:
    """A lexical `unsupported` note on a line the model backed with a verified quote keeps part of its risk."""
    out = []
    for note in notes:
        detail = support.get(note.lines[0]) if note.lines else None
        if detail is None or note.kind != "unsupported" or note.source != "check" or note.severity == "blocking":
            out.append(note)
            continue
        out.append(
            replace(
                note,
                risk=round((note.risk or 0.0) * SUPPORTED_FACTOR, 4),
                why=f"{note.why}; the claim check found support: \u201c{detail['quote']}\u201d",
                signals=note.signals | {"claims": detail},
            )
        )
    return out
