"""Signals from the model: token log-probabilities, agreement across extra samples, and its own weak spots.

Each takes what the drafting call returned and the fact-bearing spans the deterministic checks found; each returns
notes for lines nothing else flagged, per-line evidence to attach to existing notes, and features.
"""

from __future__ import annotations

import difflib
import math
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from typing import Any

from draftmate.uncertainty.spans import SpanNote, key_terms, noisy_or, numbers_in, stem, words_lower
from draftmate.uncertainty.text_checks import Fact, Sentence, facts, sentences

LOW_PROB = 0.2  # a content token below this probability is "low"
LOGPROB_NOTE_AT = 0.1  # a line gets its own note when a number/name/identifier token falls below this
LOGPROB_WEIGHT = 0.6  # how much (1 - p / LOW_PROB) adds to a span's risk, noisy-or
SAMPLES_WEIGHT = 0.7  # how much the share of disagreeing samples adds to a span's risk, noisy-or
SAMPLES_AGREE_FACTOR = 0.8  # a fact every sample repeats keeps this share of its check risk
SELF_RISK = 0.3  # what a weak spot the model named adds to a span's risk, noisy-or
SELF_UNMATCHED_RISK = 0.15  # a weak spot that matches no line still lowers the draft's confidence
WEAK_SPOT_MATCH = 0.6  # fuzzy match ratio a quote needs to land on a line

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PY_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else except finally for from "
    "global if import in is lambda nonlocal not or pass raise return try while with yield self".split()
)


@dataclass
class LineEvidence:
    """What a model signal says about one line: for attaching to notes and raising their risk."""

    line: int
    risk: float
    signal: str
    detail: dict[str, Any]
    about: str = ""  # the text on the line it is about ("" = the whole line): only notes quoting it take it


# ---- log-probabilities -----------------------------------------------------------------------------------------


def align(content: str, tokens: list[dict[str, Any]]) -> list[tuple[int, int, dict[str, Any]]]:
    """(start, end, token) character offsets of each token in content; tokens not found are skipped."""
    out = []
    pos = 0
    for tok in tokens:
        text = str(tok.get("token", ""))
        if not text:
            continue
        if content.startswith(text, pos):
            at = pos
        else:
            # Whitespace the endpoint normalized, or a byte-fragment token: look a little ahead.
            at = content.find(text, pos, pos + len(text) + 16)
            if at < 0:
                continue
        out.append((at, at + len(text), tok))
        pos = at + len(text)
    return out


def _prob(tok: dict[str, Any]) -> float:
    value = tok.get("logprob")
    return math.exp(float(value)) if value is not None else 1.0


def _entropy(tok: dict[str, Any]) -> float | None:
    """Entropy (nats) of the top-k alternatives, the rest of the mass as one bucket; None without top-k."""
    top = tok.get("top_logprobs") or []
    if not top:
        return None
    probs = [math.exp(float(t["logprob"])) for t in top if t.get("logprob") is not None]
    rest = max(0.0, 1.0 - sum(probs))
    return -sum(p * math.log(p) for p in [*probs, rest] if p > 0)


def _callouts(content: str, kind: str) -> list[tuple[int, int, str]]:
    """Character ranges of numbers, names and identifiers, where a low-probability token matters most."""
    spans: list[tuple[int, int, str]] = []
    offsets = _line_offsets(content)
    if kind == "code":
        for m in IDENTIFIER.finditer(content):
            if m.group(0) not in PY_KEYWORDS:
                spans.append((m.start(), m.end(), "identifier"))
        for m in re.finditer(r"\b\d[\d_.]*\b", content):
            spans.append((m.start(), m.end(), "number"))
        return spans
    for f in facts(content):
        base = offsets[f.line - 1]
        label = "name" if f.kind in ("entity", "citation") else f.kind
        spans.append((base + f.start, base + f.end, label))
    return spans


def _line_offsets(content: str) -> list[int]:
    offsets, pos = [], 0
    for line in content.split("\n"):
        offsets.append(pos)
        pos += len(line) + 1
    return offsets


def _line_of(offsets: list[int], at: int) -> int:
    lo, hi = 0, len(offsets) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if offsets[mid] <= at:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


def _callout_at(
    callouts: list[tuple[int, int, str]], starts: list[int], start: int, end: int
) -> tuple[int, int, str] | None:
    """The span (sorted by start) that a token at start:end falls in; spans are short, so look back a few."""
    i = bisect_left(starts, end) - 1
    for j in range(i, max(-1, i - 8), -1):
        a, b, label = callouts[j]
        if a < end and start < b:
            return callouts[j]
    return None


def logprob_signal(
    content: str, kind: str, tokens: list[dict[str, Any]] | None
) -> tuple[list[SpanNote], list[LineEvidence], dict[str, Any]]:
    """Per-line minimum probability and mean top-k entropy; notes where a fact-bearing token was a guess."""
    if not tokens:
        return [], [], {"logprobs.min_p": None, "logprobs.mean_entropy": None, "logprobs.low_share": None}
    aligned = align(content, tokens)
    offsets = _line_offsets(content)
    callouts = _callouts(content, kind)
    per_line: dict[int, list[tuple[int, int, dict[str, Any]]]] = {}
    for item in aligned:
        if not str(item[2].get("token", "")).strip() or item[2].get("logprob") is None:
            continue  # whitespace tokens carry no content; a token without a logprob says nothing
        per_line.setdefault(_line_of(offsets, item[0]), []).append(item)
    notes: list[SpanNote] = []
    evidence: list[LineEvidence] = []
    probs: list[float] = []
    entropies: list[float] = []
    lines = content.split("\n")
    callouts.sort()
    starts = [a for a, _, _ in callouts]
    for number, items in sorted(per_line.items()):
        line_probs = [_prob(t) for _, _, t in items]
        line_ent = [e for _, _, t in items if (e := _entropy(t)) is not None]
        probs += line_probs
        entropies += line_ent
        mean_entropy = round(sum(line_ent) / len(line_ent), 4) if line_ent else None
        # One piece of evidence per fact-bearing span holding a low token (or per line, for tokens in none), so a
        # guessed '42%' raises the note on '42%', not a note on 'in 2025' that shares its line.
        worst_in: dict[tuple[int, int, str] | None, tuple[int, int, dict[str, Any]]] = {}
        for item in items:
            if _prob(item[2]) >= LOW_PROB:
                continue
            callout = _callout_at(callouts, starts, item[0], item[1])
            if callout not in worst_in or _prob(item[2]) < _prob(worst_in[callout][2]):
                worst_in[callout] = item
        for callout, (_, _, worst) in sorted(worst_in.items(), key=lambda kv: kv[1][0]):
            p = _prob(worst)
            inside = callout[2] if callout else None
            about = content[callout[0] : callout[1]] if callout else str(worst.get("token", "")).strip()
            detail: dict[str, Any] = {
                "min_p": round(p, 4),
                "mean_entropy": mean_entropy,
                "token": str(worst.get("token", "")),
            }
            risk = LOGPROB_WEIGHT * (1.0 - p / LOW_PROB)
            evidence.append(LineEvidence(number, risk, "logprobs", detail | {"inside": inside}, about))
        if not worst_in:
            continue
        start, end, worst = min(worst_in.values(), key=lambda i: _prob(i[2]))
        p = _prob(worst)
        callout = _callout_at(callouts, starts, start, end)
        inside = callout[2] if callout else None
        if inside and callout and p < LOGPROB_NOTE_AT:
            detail = {"min_p": round(p, 4), "mean_entropy": mean_entropy, "token": str(worst.get("token", ""))}
            risk = LOGPROB_WEIGHT * (1.0 - p / LOW_PROB)
            alts = ", ".join(
                f"{str(t.get('token', ''))!r} {math.exp(float(t.get('logprob') or -100)):.2f}"
                for t in (worst.get("top_logprobs") or [])[:3]
                if str(t.get("token", "")) != str(worst.get("token", ""))
            )
            why = f"the model was guessing: {detail['token']!r} inside a {inside} had p={p:.2f}"
            notes.append(
                SpanNote(
                    kind="low-probability",
                    severity="verify",
                    why=why + (f" (it also considered {alts})" if alts else ""),
                    source="logprobs",
                    lines=(number, number),
                    quote=lines[number - 1].strip()[:200],
                    risk=round(risk, 4),
                    signals={"logprobs": detail | {"inside": inside}},
                    about=content[callout[0] : callout[1]],
                )
            )
    features = {
        "logprobs.min_p": round(min(probs), 4) if probs else None,
        "logprobs.mean_entropy": round(sum(entropies) / len(entropies), 4) if entropies else None,
        "logprobs.low_share": round(sum(p < LOW_PROB for p in probs) / len(probs), 4) if probs else None,
        "logprobs.aligned_share": round(len(aligned) / len(tokens), 4),
    }
    return notes, evidence, features


# ---- agreement across samples ----------------------------------------------------------------------------------


def _fact_key(fact: Fact) -> set[str]:
    return fact.values or {fact.text.lower()}


def _sample_view(sample: str) -> tuple[list[Sentence], list[Fact], str]:
    return sentences(sample), facts(sample), re.sub(r"\s+", " ", sample.lower())


def samples_signal(
    content: str, kind: str, samples: list[str] | None
) -> tuple[list[SpanNote], list[LineEvidence], dict[str, Any]]:
    """For each fact-bearing span, whether the other samples say the same; disagreements listed in the why."""
    if not samples:
        return [], [], {"samples.k": None, "samples.agreement": None, "samples.disagreeing": None}
    if kind == "code":
        return _samples_code(content, samples)
    mine = [f for f in facts(content) if f.kind != "entity" or len(f.values) >= 1]
    sents = sentences(content)
    views = [_sample_view(s) for s in samples]
    notes: list[SpanNote] = []
    evidence: list[LineEvidence] = []
    agreements: list[float] = []
    disagreeing = 0
    for fact in mine:
        key = _fact_key(fact)
        context_terms = key_terms(sents[fact.sentence].text) - {stem(v) for v in key}
        agree, alternatives = 0, Counter[str]()
        for s_sents, s_facts, s_lower in views:
            if _sample_has(fact, key, s_lower):
                agree += 1
                continue
            alt = _alternative(fact, context_terms, s_sents, s_facts)
            if alt:
                alternatives[alt] += 1
        voted = agree + sum(alternatives.values())
        if voted == 0:
            continue  # no sample said anything about this: no evidence either way
        agreements.append(agree / voted)
        if not alternatives:
            evidence.append(LineEvidence(fact.line, 0.0, "samples", {"agree": agree, "of": len(samples)}, fact.text))
            continue
        disagreeing += 1
        share = sum(alternatives.values()) / voted
        listed = ", ".join(f"{a!r} ({n} of {len(samples)})" for a, n in alternatives.most_common(3))
        detail = {"agree": agree, "of": len(samples), "alternatives": dict(alternatives.most_common(3))}
        risk = SAMPLES_WEIGHT * share
        evidence.append(LineEvidence(fact.line, risk, "samples", detail, fact.text))
        notes.append(
            SpanNote(
                kind="samples-disagree",
                severity="verify",
                why=f"other samples disagree on {fact.text!r}: they gave {listed}",
                source="samples",
                lines=(fact.line, fact.line),
                quote=fact.text[:200],
                risk=round(noisy_or([VERIFY_FLOOR, risk]), 4),
                signals={"samples": detail},
                about=fact.text,
            )
        )
    features = {
        "samples.k": len(samples),
        "samples.facts": len(agreements),
        "samples.agreement": round(sum(agreements) / len(agreements), 4) if agreements else None,
        "samples.disagreeing": disagreeing,
    }
    return notes, evidence, features


VERIFY_FLOOR = 0.25


def _sample_has(fact: Fact, key: set[str], lower: str) -> bool:
    if fact.kind in ("url", "doi", "quote") or not fact.values:
        return fact.text.lower().strip('"\u201c\u201d') in lower
    nums = numbers_in(lower)
    words = words_lower(lower)
    return all(v in nums if v[:1].isdigit() else v in words for v in key)


def _alternative(fact: Fact, context_terms: set[str], s_sents: list[Sentence], s_facts: list[Fact]) -> str | None:
    """The value a sample gives in the sentence that says the same thing, if it gives a different one."""
    best, score = -1, 0.0
    for i, s in enumerate(s_sents):
        if not context_terms:
            break
        overlap = len(context_terms & key_terms(s.text)) / len(context_terms)
        if overlap > score:
            best, score = i, overlap
    if best < 0 or score < 0.3:
        return None
    numeric = any(v[:1].isdigit() for v in fact.values)
    theirs = [other for other in s_facts if other.sentence == best]
    # a fact of the same kind first: where the draft says '42% in 2025' and a sample '41% in 2025', the sample's
    # other value for '42%' is '41%', not the year beside it
    for other in sorted(theirs, key=lambda other: other.kind != fact.kind):
        if numeric and any(v[:1].isdigit() for v in other.values) and other.values != fact.values:
            return other.text
        if not numeric and other.kind == fact.kind and not (other.values & fact.values):
            return other.text
    return None


def _samples_code(content: str, samples: list[str]) -> tuple[list[SpanNote], list[LineEvidence], dict[str, Any]]:
    """For code: imports the draft makes that no sample makes (invented packages vary between samples)."""
    mine = _imports(content)
    if mine is None:
        return [], [], {"samples.k": len(samples), "samples.agreement": None, "samples.disagreeing": None}
    theirs = [i for s in samples if (i := _imports(s)) is not None]
    notes: list[SpanNote] = []
    evidence: list[LineEvidence] = []
    agreements = []
    for name, line in sorted(mine.items()):
        if not theirs:
            break
        agree = sum(name in t for t in theirs)
        agreements.append(agree / len(theirs))
        if agree == 0:
            detail = {"agree": 0, "of": len(theirs), "import": name}
            evidence.append(LineEvidence(line, SAMPLES_WEIGHT * 0.5, "samples", detail))
    features = {
        "samples.k": len(samples),
        "samples.facts": len(agreements),
        "samples.agreement": round(sum(agreements) / len(agreements), 4) if agreements else None,
        "samples.disagreeing": sum(a == 0 for a in agreements),
    }
    return notes, evidence, features


def _imports(code: str) -> dict[str, int] | None:
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # too deep for the parser: no imports to compare
        return None
    out: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out.setdefault(a.name.split(".")[0], node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.setdefault(node.module.split(".")[0], node.lineno)
    return out


# ---- weak spots ------------------------------------------------------------------------------------------------


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def match_quote(content: str, quote: str) -> tuple[int, int] | None:
    """The line range a quote most likely refers to: exact (whitespace-insensitive) first, then fuzzy."""
    q = _normal(quote)
    if not q:
        return None
    lines = content.split("\n")
    normal = [_normal(ln) for ln in lines]
    for i, ln in enumerate(normal):
        if q in ln:
            return i + 1, i + 1
    span = max(1, q.count(" ") // 8 + 1)
    best, best_ratio = None, 0.0
    for i in range(len(lines)):
        for width in range(1, min(span + 1, 4) + 1):
            window = " ".join(normal[i : i + width])
            if not window:
                continue
            matcher = difflib.SequenceMatcher(None, q, window, autojunk=False)
            block = matcher.find_longest_match(0, len(q), 0, len(window))
            ratio = max(matcher.ratio(), block.size / len(q))
            if ratio > best_ratio:
                best, best_ratio = (i + 1, min(len(lines), i + width)), ratio
    return best if best_ratio >= WEAK_SPOT_MATCH else None


def weak_spots_signal(
    content: str, weak_spots: list[dict[str, Any]] | None
) -> tuple[list[SpanNote], list[LineEvidence], dict[str, Any]]:
    """The model's own list of weak spots, mapped to lines; it can only add risk."""
    if weak_spots is None:
        return [], [], {"self.weak_spots": None, "self.unmatched": None}
    notes: list[SpanNote] = []
    evidence: list[LineEvidence] = []
    unmatched = 0
    text_lines = content.split("\n")
    for spot in weak_spots:
        quote, why = str(spot.get("quote", "")), str(spot.get("why", "")).strip()
        lines = match_quote(content, quote)
        if lines is None:
            unmatched += 1
            continue
        detail = {"why": why[:300]}
        # a quote found as written says which span it means; a fuzzy match says no more than its lines
        about = quote.strip() if lines[0] == lines[1] and _normal(quote) in _normal(text_lines[lines[0] - 1]) else ""
        for line in range(lines[0], lines[1] + 1):
            evidence.append(LineEvidence(line, SELF_RISK, "self", detail, about))
        notes.append(
            SpanNote(
                kind="weak-spot",
                severity="verify",
                why=f"the model flagged this itself: {why or 'no reason given'}",
                source="self",
                lines=lines,
                quote=quote.strip()[:200],
                risk=SELF_RISK,
                signals={"self": detail},
                about=about,
            )
        )
    features = {"self.weak_spots": len(weak_spots), "self.unmatched": unmatched}
    return notes, evidence, features
