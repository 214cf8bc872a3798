"""The `claims` signal: the model's sentence-by-sentence verdicts against the sources, turned into evidence.

It may raise a sentence's risk (contradicted, or not found in the sources); it may lower the risk of a lexical
`unsupported` note only with a verified supporting quote: one that occurs word for word in the sources (checked by
services/claims.py) AND carries the sentence's substance (`quote_gap` below: its names, numbers and dates, and most of
its content words weighted by rarity, as grounding weighs them). A rule decides, not the model: a source with
injected instructions can make the model answer "supported" with any true quote, and such a quote is shown to the
reviewer but lowers nothing. It never touches a failed hard check. The weights below are stated starting values, as
the other model signals' are: no labelled claim verdicts exist yet to fit them on.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from draftmate.uncertainty.model_signals import LineEvidence
from draftmate.uncertainty.spans import SpanNote, key_terms

if TYPE_CHECKING:
    from draftmate.uncertainty.grounding import Passages

CONTRADICTED_RISK = 0.7  # the model quotes the sources saying otherwise, and the quote is really there
UNQUOTED_CONTRADICTED_RISK = 0.35  # the model says contradicted but its quote is not in the sources (or absent)
NOT_FOUND_RISK = 0.3  # the model found nothing in the passages about it
SUPPORTED_FACTOR = 0.5  # a lexical `unsupported` note keeps this share of its risk against a verified quote
# "Most" of a sentence's content, weighted by rarity in the sources: a quote sharing a common word or two with the
# sentence is about something else; one holding most (60%) of its telling words says what it says.
QUOTE_COVERAGE = 0.6  # a paraphrase says a third of its words its own way ("run", "takes"); an unrelated quote holds ~0


def quote_gap(sentence: str, quote: str, passages: Passages) -> str:
    """What of the sentence's substance a quote lacks, in words ("" when the quote carries it all).

    The quote must hold every name, number and date of the sentence, QUOTE_COVERAGE of its key terms weighted by
    rarity in the sources (`Passages.weight`, as grounding weighs them), and the same negation.
    """
    from draftmate.uncertainty.grounding import NEGATED
    from draftmate.uncertainty.text_checks import Sources, facts

    terms = key_terms(sentence)
    if not terms or not quote:
        return "the sentence has no content words to compare" if quote else "no quote"
    held = Sources([("quote", quote)])
    absent = [f.text for f in facts(sentence, all_numbers=True) if not held.has(f)]
    if absent:
        return ", ".join(repr(a) for a in absent[:4]) + " not in the quote"
    total = sum(passages.weight(t) for t in terms)
    covered = sum(passages.weight(t) for t in terms if held.has_word(t)) / total
    if covered < QUOTE_COVERAGE:
        return f"the quote holds {covered:.0%} of the sentence's key content (weighted by rarity)"
    if len(NEGATED.findall(sentence.lower())) % 2 != len(NEGATED.findall(quote.lower())) % 2:
        return "the quote's negation differs from the sentence's"
    return ""


def claims_signal(
    claims: list[dict[str, Any]] | None, content: str | None = None
) -> tuple[list[SpanNote], list[LineEvidence], dict[int, dict[str, Any]], dict[str, Any]]:
    """Notes for lines no check flagged, evidence raising risks, support shown by line, and features.

    A line's support lowers (its detail says `lowers`) only when every sentence on it has a quote that carries it:
    notes and the grounding risk are kept by line, and one backed sentence must not lower its neighbours. Without
    `content` to count a line's sentences, nothing lowers.
    """
    if claims is None:
        return [], [], {}, {"claims": None}
    notes: list[SpanNote] = []
    evidence: list[LineEvidence] = []
    support: dict[int, dict[str, Any]] = {}
    carried: dict[int, int] = {}
    for c in claims:
        line = int(c["line"])
        detail: dict[str, Any] = {
            k: c[k] for k in ("verdict", "quote", "quote_discarded", "carries", "quote_gap") if k in c
        }
        if c["verdict"] == "supported":
            if c.get("quote"):
                support.setdefault(line, detail)
                carried[line] = carried.get(line, 0) + (c.get("carries") is True)
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
        "claims.quotes_not_carrying": sum(
            c["verdict"] == "supported" and bool(c.get("quote")) and c.get("carries") is not True for c in claims
        ),
    }
    per_line = _sentences_per_line(content)
    for line, detail in support.items():
        lowers = carried.get(line, 0) > 0 and carried[line] == per_line.get(line, -1)
        if not lowers and detail.get("carries") is True:
            detail = detail | {"quote_gap": "other sentences on this line are not backed by a quote that carries them"}
        support[line] = detail | {"lowers": lowers}
    return notes, evidence, support, features


def _sentences_per_line(content: str | None) -> dict[int, int]:
    """How many sentences the claim check saw on each line (sentences as services/claims.py cuts them)."""
    from draftmate.uncertainty.text_checks import sentences

    counts: dict[int, int] = {}
    for sent in sentences(content or ""):
        counts[sent.line] = counts.get(sent.line, 0) + 1
    return counts


def lowering_lines(support: dict[int, dict[str, Any]]) -> set[int]:
    """The lines whose support may lower risk: every sentence on them backed by a quote that carries it."""
    return {line for line, detail in support.items() if detail.get("lowers") is True}


def lower_supported(notes: list[SpanNote], support: dict[int, dict[str, Any]]) -> list[SpanNote]:
    """A lexical `unsupported` note on a line backed by quotes that carry it keeps part of its risk; a quote that
    does not carry the sentence is shown on the note as evidence and lowers nothing."""
    out = []
    for note in notes:
        detail = support.get(note.lines[0]) if note.lines else None
        if detail is None or note.kind != "unsupported" or note.source != "check" or note.severity == "blocking":
            out.append(note)
            continue
        if detail.get("lowers") is not True:
            gap = detail.get("quote_gap") or "it does not carry the sentence"
            out.append(
                replace(
                    note,
                    why=f"{note.why}; the claim check called it supported, quoting \u201c{detail['quote']}\u201d, "
                    f"but {gap}, so the risk stands",
                    signals=note.signals | {"claims": detail},
                )
            )
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
