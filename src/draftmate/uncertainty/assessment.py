"""Uncertainty notes from independent signals, merged into span risks and one draft confidence.

Signals (each `unavailable` when it cannot be computed, never scored as zero):
  checks     deterministic, on every draft: code that does not parse, undefined names, imports that resolve nowhere,
             attributes modules do not have (signals_code); fact-bearing spans in text to verify, and grounding
             against `--context` sources (signals_text)
  logprobs   token log-probabilities from the drafting call: per-line minimum probability and top-k entropy
  samples    agreement across extra samples on the fact-bearing spans the checks found
  self       the model's own list of weak spots, which may only lower confidence
  claims     with sources and a model: the model's verdict on each sentence against its source passages, quotes
             verified word for word; support lowers only with a quote that carries the sentence (claim_signal.py;
             services/claims.py asks)

Merging, with the stated weights in signals.py and signals_model.py:
  - a model signal's evidence raises the risk of the notes already on the span it is about (noisy-or: a sample
    disagreeing on '42%' marks the note quoting '42%', not a date note on the same line) and joins their why; it
    makes a note of its own only where no check did;
  - one note per line and kind; adjacent lines with the same kind and severity become one note;
  - the draft's raw risk is the noisy-or of its notes' risks, of unmatched weak spots, and of the grounding model's
    draft risk (uncertainty/grounding.py: every sentence against the sources; its own notes are not counted again);
    fact-bearing spans that only a pattern found count UNCHECKED_FACT_WEIGHT each, UNCHECKED_FACTS_CAP together;
  - level: low if any blocking note (a failed hard check) or raw risk >= LOW_AT; medium if >= MEDIUM_AT; else high.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from draftmate.domain.records import Confidence
from draftmate.domain.sections import display_spans
from draftmate.uncertainty.calibration import Thresholds
from draftmate.uncertainty.claim_signal import SUPPORTED_FACTOR, claims_signal, lower_supported, lowering_lines
from draftmate.uncertainty.code_checks import code_checks as _code_checks
from draftmate.uncertainty.grounding import risk_with_support
from draftmate.uncertainty.links import LinkCheck, rule_resolution
from draftmate.uncertainty.model_signals import (
    SAMPLES_AGREE_FACTOR,
    SELF_UNMATCHED_RISK,
    LineEvidence,
    logprob_signal,
    samples_signal,
    weak_spots_signal,
)
from draftmate.uncertainty.package_index import OnlineCheck
from draftmate.uncertainty.spans import UNAVAILABLE, SpanNote, noisy_or, same_span
from draftmate.uncertainty.text_checks import text_checks as _text_checks
from draftmate.uncertainty.text_checks import unchecked_note

__all__ = ["CALIBRATOR", "UNAVAILABLE", "Assessment", "SpanNote", "assess", "code_checks", "merge", "text_checks"]

CALIBRATOR = "stated-weights-v3"  # the built-in weights below; a fitted calibrator stores its own version
MEDIUM_AT, LOW_AT = 0.2, 0.5  # draft raw risk thresholds for medium and low confidence
BUILTIN_THRESHOLDS = Thresholds(medium_at=MEDIUM_AT, low_at=LOW_AT)  # what scores drafts with no calibrator
UNCHECKED_FACT_WEIGHT = 0.05  # draft-level weight of one fact-bearing span that only a pattern found
UNCHECKED_FACTS_CAP = 0.35  # all such spans together: below LOW_AT, so facts alone never make a draft low
FACT_KINDS = frozenset({"number", "date", "url", "doi", "citation", "quote", "entity"})
SIGNALS = ("checks", "logprobs", "samples", "self", "claims")
# Each note costs a reviewer an answer and a row: past this many of one kind, one summary note stands for the rest
# (a pathological draft of 100,000 numbers on separate lines would otherwise ask 100,000 questions).
NOTES_PER_KIND = 100


@dataclass
class Assessment:
    """What the signals found in one draft."""

    notes: list[SpanNote]
    confidence: Confidence
    features: dict[str, Any]
    calibrator: str = CALIBRATOR


def text_checks(content: str, context: list[tuple[str, str]] | None = None) -> list[SpanNote]:
    """The deterministic notes for prose."""
    return _text_checks(content, context)[0]


def code_checks(
    content: str, lang: str, project: str | Path | None = None, online: OnlineCheck | None = None
) -> list[SpanNote]:
    """The deterministic notes for code."""
    return _code_checks(content, lang, project, online)[0]


def assess(
    content: str,
    *,
    kind: str,
    lang: str = "",
    context: list[tuple[str, str]] | None = None,
    logprobs: list[dict[str, Any]] | None = None,
    samples: list[str] | None = None,
    weak_spots: list[dict[str, Any]] | None = None,
    claims: list[dict[str, Any]] | None = None,
    project: str | Path | None = None,
    online: OnlineCheck | None = None,
    links: LinkCheck | None = None,
    **_ignored: Any,
) -> Assessment:
    """Run every signal that has its input and merge them; `project` is a pyproject.toml or requirements file,
    `online` how to ask PyPI about imports the offline data does not know, `links` how to fetch a text's links
    (None: no network)."""
    try:
        if kind == "code":
            checks, features = _code_checks(content, lang, project, online)
        else:
            checks, features = _text_checks(content, context, lang, links)
    except (Exception, RecursionError, MemoryError) as exc:
        # A pathological draft (nesting deeper than the parser's stack, say) must not cost the draft: the reviewer
        # is told the checks could not run and checks by hand.
        checks = [unchecked_note(f"the {kind} checks failed on this draft ({type(exc).__name__})")]
        features = {"grounding": None, "checks.failed": 1}
    scored = features.pop("grounding.sentence_logits", None)
    lp_notes, lp_evidence, lp_features = logprob_signal(content, kind, logprobs)
    s_notes, s_evidence, s_features = samples_signal(content, kind, samples)
    w_notes, w_evidence, w_features = weak_spots_signal(content, weak_spots)
    c_notes, c_evidence, c_support, c_features = claims_signal(claims, content)
    checks = lower_supported(checks, c_support)
    if scored and lowering_lines(c_support):
        # A sentence backed by a verbatim quote that carries its substance counts for less in the draft's risk too.
        term = float(features.get("grounding.draft_term", 0.0))
        features["grounding.risk"] = risk_with_support(scored, lowering_lines(c_support), SUPPORTED_FACTOR, term)
    spans = display_spans(content)
    if spans is not None:
        # ast, the logprobs and the weak spots count lines by "\n"; the review (and the text checks, which the
        # text samples reuse) count them by splitlines
        lp_notes, w_notes = [_moved(n, spans) for n in lp_notes], [_moved(n, spans) for n in w_notes]
        lp_evidence, w_evidence = _moved_evidence(lp_evidence, spans), _moved_evidence(w_evidence, spans)
        if kind == "code":
            checks, s_notes = [_moved(n, spans) for n in checks], [_moved(n, spans) for n in s_notes]
            s_evidence = _moved_evidence(s_evidence, spans)
    available = {
        "checks": "ok",
        "logprobs": "ok" if logprobs else UNAVAILABLE,
        "samples": "ok" if samples else UNAVAILABLE,
        "self": "ok" if weak_spots is not None else UNAVAILABLE,
        "claims": "ok" if claims is not None else UNAVAILABLE,
    }
    notes = attach(checks, lp_evidence + s_evidence + w_evidence + c_evidence)
    notes = add_uncovered(notes, lp_notes + s_notes + w_notes + c_notes)
    extra_risk = [SELF_UNMATCHED_RISK] * int(w_features.get("self.unmatched") or 0)
    # The grounding model's draft risk stands for all its sentences, noted or not (its notes are not counted again).
    extra_risk.append(float(features.get("grounding.risk") or features.get("grounding.residual") or 0.0))
    # A claim verdict raising a grounding note's risk counts here, as that note's own risk is not counted again.
    grounded_lines = {n.lines[0] for n in checks if _grounding_note(n) and n.lines}
    extra_risk += [e.risk for e in c_evidence if e.line in grounded_lines]
    features |= lp_features | s_features | w_features | c_features
    features |= {"lines": len(content.splitlines()), "grounding": features.get("grounding")}
    return merge(notes, signals=available, features=features, extra_risk=extra_risk)


def _moved(note: SpanNote, spans: list[tuple[int, int]]) -> SpanNote:
    """A note numbered by "\n"-lines renumbered as the review numbers lines (`sections.display_spans`)."""
    if note.lines is None:
        return note
    return replace(note, lines=(_span(spans, note.lines[0])[0], _span(spans, note.lines[1])[1]))


def _moved_evidence(evidence: list[LineEvidence], spans: list[tuple[int, int]]) -> list[LineEvidence]:
    return [replace(e, line=_span(spans, e.line)[0]) for e in evidence]


def _span(spans: list[tuple[int, int]], line: int) -> tuple[int, int]:
    """The review's lines for "\n"-line `line`, clamped to the text."""
    return spans[min(max(line, 1), len(spans)) - 1]


def attach(notes: list[SpanNote], evidence: list[LineEvidence]) -> list[SpanNote]:
    """Model evidence on a span raises the risk of the notes already on it; it never lowers a hard one."""
    out = []
    for note in notes:
        if note.lines is None:
            out.append(note)
            continue
        mine = [e for e in evidence if note.lines[0] <= e.line <= note.lines[1] and same_span(note.quote, e.about)]
        if not mine:
            out.append(note)
            continue
        signals = dict(note.signals)
        risk = note.risk or 0.0
        for e in mine:
            signals.setdefault(e.signal, e.detail)
        raising = [e.risk for e in mine if e.risk > 0]
        if raising:
            risk = noisy_or([risk, *raising])
        elif note.kind in FACT_KINDS and note.severity != "blocking" and all(e.signal == "samples" for e in mine):
            risk *= SAMPLES_AGREE_FACTOR  # every sample repeats it: less likely a one-off guess
        out.append(replace(note, risk=round(risk, 4), signals=signals))
    return out


def add_uncovered(notes: list[SpanNote], model_notes: list[SpanNote]) -> list[SpanNote]:
    """Model-signal notes for spans no check flagged; elsewhere their why joins the check notes on that span."""
    out = list(notes)
    for m in model_notes:
        assert m.lines is not None
        hosts = [
            i
            for i, n in enumerate(out)
            if n.lines
            and n.lines[0] <= m.lines[0] <= n.lines[1]
            and n.source == "check"
            and same_span(n.quote, m.about)
        ]
        if not hosts:
            out.append(m)
            continue
        for i in hosts if m.about else hosts[:1]:  # a note about its whole line joins the first check note there
            host = out[i]
            # two sentences of one line with the same finding: said once, not "…; X; X"
            why = host.why if m.why in host.why.split("; ") else f"{host.why}; {m.why}"
            out[i] = replace(host, why=why, signals=host.signals | m.signals)
    return out


def dedupe(notes: list[SpanNote]) -> list[SpanNote]:
    """One note per line and kind, then same-kind notes on adjacent lines merged, to keep alert fatigue down."""
    by_key: dict[tuple[int, str, bool], SpanNote] = {}
    loose: list[SpanNote] = []
    for n in notes:
        if n.lines is None:
            loose.append(n)
            continue
        # a note a rule resolved (a live link) is never joined with one a person must answer
        key = (n.lines[0], n.kind, _resolved(n))
        if key in by_key:
            by_key[key] = _join(by_key[key], n)
        else:
            by_key[key] = n
    ordered = sorted(by_key.values(), key=lambda n: (n.kind, _resolved(n), n.lines or (0, 0)))
    merged: list[SpanNote] = []
    for n in ordered:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.kind == n.kind
            and _resolved(last) == _resolved(n)
            and last.severity == n.severity
            and last.lines is not None
            and n.lines is not None
            and n.lines[0] <= last.lines[1] + 1
        ):
            merged[-1] = _join(last, n)
        else:
            merged.append(n)
    return sorted(merged, key=lambda n: (n.lines or (0, 0), n.kind)) + loose


def _resolved(note: SpanNote) -> bool:
    """Whether a rule already resolved the note (every link live): shown, no answer asked."""
    return bool(rule_resolution(note.signals))


def _join(a: SpanNote, b: SpanNote) -> SpanNote:
    assert a.lines is not None and b.lines is not None
    if _adds_nothing(a, b):
        return a  # the common case on a line of many facts of one kind: no new note to build each time
    quote = a.quote if b.quote in a.quote else f"{a.quote}, {b.quote}"
    parts = a.why.split("; ")
    why = "; ".join(parts + [p for p in b.why.split("; ") if p not in parts])
    return replace(
        a,
        lines=(min(a.lines[0], b.lines[0]), max(a.lines[1], b.lines[1])),
        quote=quote[:200],
        why=why[:600],
        risk=max(a.risk or 0.0, b.risk or 0.0),
        signals=_joined_signals(a, b),
        severity=a.severity if a.severity == "blocking" else b.severity,
    )


def _joined_signals(a: SpanNote, b: SpanNote) -> dict[str, Any]:
    """`a`'s signals over `b`'s, but with the lines both listed and every link both fetched: a note joined from
    notes on lines 3, 4 and 5 otherwise listed only line 3's, and showed as `lines 3, 5`."""
    from draftmate.domain.note_text import note_spans

    signals = b.signals | a.signals
    a_checks, b_checks = a.signals.get("checks"), b.signals.get("checks")
    listed = any(isinstance(c, dict) and "lines" in c for c in (a_checks, b_checks))
    if listed and isinstance(a_checks, dict):
        spans = sorted(set(note_spans(a.lines, a.signals)) | set(note_spans(b.lines, b.signals)))
        lines = [first if first == last else [first, last] for first, last in spans]
        signals["checks"] = a_checks | {"lines": lines}
    a_links, b_links = a.signals.get("links"), b.signals.get("links")
    if isinstance(a_links, dict) and isinstance(b_links, dict):
        checked = list(a_links.get("checked") or []) + list(b_links.get("checked") or [])
        signals["links"] = a_links | {"checked": checked[:50]}
    return signals


def _adds_nothing(a: SpanNote, b: SpanNote) -> bool:
    """Whether joining `b` into `a` would give `a` back unchanged."""
    assert a.lines is not None and b.lines is not None
    return (
        a.lines[0] <= b.lines[0]
        and b.lines[1] <= a.lines[1]
        and (b.quote in a.quote or len(a.quote) >= 200)
        and b.why == a.why
        and len(a.why) <= 600
        and (b.risk or 0.0) <= (a.risk or 0.0)
        and a.risk is not None
        and b.signals.keys() <= a.signals.keys()
        and (a.severity == "blocking" or a.severity == b.severity)
    )


def _grounding_note(note: SpanNote) -> bool:
    """A note of the fitted grounding model, whose risk the draft already counts through `grounding.risk`."""
    checks = note.signals.get("checks")
    return isinstance(checks, dict) and "grounding_model" in checks


def _unchecked_fact(note: SpanNote) -> bool:
    """A fact-bearing span found by a pattern and backed by no other signal, or a code finding the code expects."""
    if note.kind in FACT_KINDS and note.severity == "verify" and set(note.signals) <= {"checks"}:
        return True
    # An optional import, another platform's API: a reason to look, like an unchecked fact, never evidence of an error
    checks = note.signals.get("checks")
    return note.severity == "verify" and isinstance(checks, dict) and checks.get("expected") is True


def merge(
    notes: list[SpanNote],
    signals: dict[str, Any],
    features: dict[str, Any] | None = None,
    extra_risk: list[float] | None = None,
) -> Assessment:
    """Per-draft confidence from the notes' risks; a failed hard check caps it at low."""
    notes = dedupe(notes)
    hard = [n for n in notes if n.severity == "blocking"]
    risks = [n.risk for n in notes if n.risk is not None]
    # a note a rule resolved (every link live) is evidence of no error: it adds no risk
    open_notes = [n for n in notes if not _resolved(n)]
    unchecked = [n.risk for n in open_notes if _unchecked_fact(n) and n.risk is not None]
    evidenced = [n.risk for n in open_notes if not _unchecked_fact(n) and not _grounding_note(n) and n.risk is not None]
    # A fact nobody has checked is a reason to look, not evidence of an error: alone, such facts can make a draft
    # medium at most, however many there are; only a signal that backs a doubt can make it low.
    unchecked_risk = min(noisy_or([min(r, UNCHECKED_FACT_WEIGHT) for r in unchecked]), UNCHECKED_FACTS_CAP)
    score = round(noisy_or([*evidenced, unchecked_risk, *(extra_risk or [])]), 4)
    level = BUILTIN_THRESHOLDS.level(score, hard=bool(hard))
    flat: dict[str, Any] = {f"available.{name}": int(signals.get(name) == "ok") for name in SIGNALS}
    flat |= features or {}
    flat |= {
        "signals": {name: signals.get(name, UNAVAILABLE) for name in SIGNALS},
        "hard_failures": len(hard),
        "notes": len(notes),
        "notes.verify": sum(n.severity == "verify" for n in notes),
        "max_risk": max(risks, default=0.0),
        "noisy_or": score,
        "raw_risk": score,
    }
    listed = capped(notes)
    if len(listed) < len(notes):
        summaries = sum(count > NOTES_PER_KIND for count in Counter(n.kind for n in notes).values())
        flat["notes.not_listed"] = len(notes) - len(listed) + summaries
    return Assessment(notes=listed, confidence=Confidence(level=level, risk=score), features=flat)


def capped(notes: list[SpanNote], per_kind: int = NOTES_PER_KIND) -> list[SpanNote]:
    """At most `per_kind` notes of each kind, in order; the rest of a kind become one summary note after them."""
    kept: list[SpanNote] = []
    rest: dict[str, list[SpanNote]] = {}
    seen: dict[str, int] = {}
    for n in notes:
        seen[n.kind] = seen.get(n.kind, 0) + 1
        if seen[n.kind] <= per_kind:
            kept.append(n)
        else:
            rest.setdefault(n.kind, []).append(n)
    for kind, dropped in rest.items():
        spans = [n.lines for n in dropped if n.lines is not None]
        where = f" on lines {min(a for a, _ in spans)}-{max(b for _, b in spans)}" if spans else ""
        severity = next(s for s in ("blocking", "verify", "info") if any(n.severity == s for n in dropped))
        kept.append(
            SpanNote(
                kind=kind,
                severity=severity,
                why=f"{len(dropped):,} more {kind} notes{where} not listed one by one (at most {per_kind} of a kind): "
                "check these the same way",
                source="check",
                quote=", ".join(n.quote for n in dropped[:5])[:200],
                risk=max((n.risk for n in dropped if n.risk is not None), default=None),
                signals={"checks": {"summary": len(dropped)}},
            )
        )
    return kept
