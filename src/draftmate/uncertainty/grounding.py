"""Grounding of prose in its `--context` sources, sentence by sentence, scored by a small fitted model.

Each sentence of the draft is compared with its best-matching source passage (the source sentence sharing the most
rare content words, with its neighbours) and with the up to three source sentences that together cover most of it.
Features: the share of its content words, weighted by how rare they are in the sources, that these lack; how many
content words, capitalised names, numbers and dates are found nowhere in the sources; word pairs and triples the
sources never use; a negation or a value that differs from an otherwise matching source sentence. No feature measures
the sentence's length: in HaluEval the hallucinated summaries have fewer, longer sentences, and a model that learnt
that put notes on long faithful sentences. A logistic
regression fitted offline on the dev split of bench/grounding.py turns them into the sentence's risk; its weights
ship as data (grounding_model.json) under a version name recorded on every prediction. There are two sets of
weights, chosen by a rule on the sources' size in words: short sources (a few lines of knowledge, a dialogue's last
turns) and long ones (an article), since what a missing word means depends on how much source there is. The draft's
grounding risk is the logistic of its sentences' log-odds averaged by how much each says, plus the whole draft's
counts of what the sources lack (words, names, numbers, word pairs; weights never below zero): a reply that adds a
name to two lines of knowledge says more than the mean of its sentences' capped counts shows. So it rises with each
sentence's risk and with each count.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from draftmate.uncertainty.markup import MD_HEADING
from draftmate.uncertainty.spans import STOPWORDS, SpanNote, key_terms
from draftmate.uncertainty.text_checks import Fact, Sentence, Sources, sentences, unchecked_note

MODEL_FILE = "grounding_model.json"
NEGATION = frozenset({"not", "no", "never", "none", "nor", "nobody", "nothing", "neither", "without", "cannot"})
NEGATED = re.compile(r"\b(?:" + "|".join(sorted(NEGATION)) + r")\b|n't\b")
NAME_WORD = re.compile(r"\b[A-Z][A-Za-z'-]*[a-z][A-Za-z'-]*")
PAIR_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
PASSAGE_RADIUS = 1  # source sentences on each side of the best match that count as its passage
LONG_SOURCE_SENTENCES = 40  # sources of this many sentences or more count as long (an article)
COVER_SENTENCES = 3  # source sentences that may together support one draft sentence
MAX_ABSENT = 5  # content words found nowhere in the sources: past this many, more adds nothing
MAX_COUNT = 3  # counts of missing names or numbers beyond this add nothing: one is already a reason to look


@dataclass(frozen=True)
class Regime:
    """The weights fitted for one size of sources: sentence features, and counts over the whole draft."""

    intercept: float
    weights: dict[str, float]
    draft_weights: dict[str, float]

    def logit(self, features: dict[str, float]) -> float:
        """A sentence's log-odds of being unsupported: a plain dot product, no numpy."""
        return self.intercept + sum(w * features.get(name, 0.0) for name, w in self.weights.items())

    def draft_term(self, features: dict[str, float]) -> float:
        """What the whole draft's counts add to its log-odds (zero when nothing is found nowhere)."""
        return sum(w * features.get(name, 0.0) for name, w in self.draft_weights.items())


@dataclass(frozen=True)
class GroundingModel:
    """Fitted logistic regressions, one for short sources and one for long, and the risk at which a sentence gets a
    note. Which one scores a draft is a rule on the sources' size, the only thing about them known at runtime."""

    version: str
    short_under: int
    short: Regime
    long: Regime
    note_at: float

    def regime(self, source_words: int) -> Regime:
        """The weights for sources of this many words."""
        return self.short if source_words < self.short_under else self.long


def logistic(z: float) -> float:
    """Log-odds as a probability."""
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def draft_logit(logits: list[float], sizes: list[int]) -> float:
    """The draft's log-odds: its sentences' log-odds averaged by how much each says (key terms + 1).

    It rises with every sentence's risk; a long faithful sentence outweighs a short aside, as a reader would judge.
    """
    total = sum(size + 1 for size in sizes)
    return sum(z * (size + 1) for z, size in zip(logits, sizes, strict=True)) / total if total else 0.0


@cache
def shipped_model() -> GroundingModel:
    """The model shipped with draftmate (bench/grounding.py --fit writes it)."""
    raw = json.loads(resources.files("draftmate.uncertainty").joinpath(MODEL_FILE).read_text(encoding="utf-8"))
    return model_from(raw)


def model_from(raw: dict[str, Any]) -> GroundingModel:
    """A model from its JSON form."""

    def regime(part: dict[str, Any]) -> Regime:
        return Regime(
            intercept=float(part["intercept"]),
            weights={str(k): float(v) for k, v in part["weights"].items()},
            draft_weights={str(k): float(v) for k, v in part.get("draft_weights", {}).items()},
        )

    return GroundingModel(
        version=str(raw["version"]),
        short_under=int(raw["short_sources_under_words"]),
        short=regime(raw["short"]),
        long=regime(raw["long"]),
        note_at=float(raw["note_at"]),
    )


@dataclass
class SentenceGrounding:
    """One draft sentence checked against the sources: its features, best passage, risk and what is missing."""

    sentence: Sentence
    features: dict[str, float]
    source_sentence: str
    missing: list[Fact]
    clash: list[tuple[Fact, list[str]]]
    negation_flip: bool
    terms: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    logit: float = 0.0
    risk: float = 0.0


class Passages:
    """The sources' sentences indexed for rarity-weighted matching: document frequency and word pairs."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        count = len(sources.sentences)
        self.idf = {term: math.log((count + 1) / (len(hits) + 1)) + 1.0 for term, hits in sources.postings.items()}
        self.unseen_idf = math.log(count + 1) + 1.0  # a term in no source sentence is as rare as can be
        self.scale = min(1.0, math.log1p(count) / math.log1p(LONG_SOURCE_SENTENCES))
        self.size = source_words(sources)  # picks the model's regime
        self.pairs: set[tuple[str, str]] = set()
        self.triples: set[tuple[str, str, str]] = set()
        self.source_words: set[str] = set()
        for sent in sources.sentences:
            words = PAIR_WORD.findall(sent.lower())
            self.pairs.update(zip(words, words[1:], strict=False))
            self.triples.update(zip(words, words[1:], words[2:], strict=False))
            self.source_words.update(words)

    def weight(self, term: str) -> float:
        """How telling a term is: rare in the sources weighs more."""
        return self.idf.get(term, self.unseen_idf)

    def best(self, terms: set[str]) -> tuple[int, float]:
        """The index of the source sentence holding the most rarity weight of `terms`, and that weighted share."""
        total = sum(self.weight(t) for t in sorted(terms))
        if not total:
            return -1, 0.0
        shared: dict[int, float] = {}
        for term in sorted(terms):  # in one order: float sums that tie break the same way every run
            for i in self.sources.postings.get(term, [])[:200]:
                shared[i] = shared.get(i, 0.0) + self.weight(term)
        if not shared:
            return -1, 0.0
        index = min(shared, key=lambda i: (-shared[i], i))
        return index, shared[index] / total

    def cover(self, terms: set[str], most: int = COVER_SENTENCES) -> tuple[list[int], float]:
        """Up to `most` source sentences chosen greedily to cover the rarity weight of `terms`, and the share covered.

        A summary sentence often fuses facts from sentences far apart in the article: one best passage misses that.
        """
        total = sum(self.weight(t) for t in sorted(terms))
        if not total:
            return [], 0.0
        left = set(terms)
        chosen: list[int] = []
        for _ in range(most):
            gain: dict[int, float] = {}
            for term in sorted(left):
                for i in self.sources.postings.get(term, [])[:200]:
                    gain[i] = gain.get(i, 0.0) + self.weight(term)
            if not gain:
                break
            index = min(gain, key=lambda i: (-gain[i], i))
            chosen.append(index)
            left -= self.sources.sentence_terms[index]
        return chosen, 1.0 - sum(self.weight(t) for t in sorted(left)) / total

    def passage_text(self, index: int) -> str:
        """A source sentence with its neighbours, as text."""
        lo, hi = max(0, index - PASSAGE_RADIUS), min(len(self.sources.sentences), index + PASSAGE_RADIUS + 1)
        return " ".join(s.strip() for s in self.sources.sentences[lo:hi])

    def passage_terms(self, index: int) -> set[str]:
        """The key terms of a source sentence and its neighbours."""
        lo, hi = max(0, index - PASSAGE_RADIUS), min(len(self.sources.sentences), index + PASSAGE_RADIUS + 1)
        out: set[str] = set()
        for i in range(lo, hi):
            out |= self.sources.sentence_terms[i]
        return out


def sentence_features(sent: Sentence, mine: list[Fact], passages: Passages) -> SentenceGrounding:
    """The features of one draft sentence against the sources."""
    from draftmate.uncertainty.text_checks import _contradiction

    sources = passages.sources
    terms = key_terms(sent.text)
    missing = [f for f in mine if not sources.has(f)]
    index, best_share = passages.best(terms)
    source_sentence = sources.sentences[index] if index >= 0 else ""
    total = sum(passages.weight(t) for t in sorted(terms)) or 1.0
    in_passage = passages.passage_terms(index) if index >= 0 else set()
    off_passage = sum(passages.weight(t) for t in sorted(terms) if t not in in_passage) / total
    absent = [t for t in sorted(terms) if t not in sources.stems]
    absent_weighted = sum(passages.weight(t) for t in absent) / total
    words = PAIR_WORD.findall(sent.text.lower())
    pairs = list(zip(words, words[1:], strict=False))
    content_pairs = [p for p in pairs if not (p[0] in STOPWORDS and p[1] in STOPWORDS)]
    novel_pairs = sum(p not in passages.pairs for p in content_pairs) / len(content_pairs) if content_pairs else 0.0
    clash = _contradiction(missing, sent.text, source_sentence) if best_share >= 0.3 else []
    negation_flip = bool(source_sentence) and best_share >= 0.5 and _negated(sent.text) != _negated(source_sentence)
    chosen, covered = passages.cover(terms)
    covered_terms: set[str] = set()
    for i in chosen:
        covered_terms |= sources.sentence_terms[i]
    # Word for word, not stemmed: 'crimes' for 'crime' is a change a short source (two lines of knowledge) can show.
    absent_words = [w for w in words if len(w) >= 3 and w not in STOPWORDS and w not in passages.source_words]
    triples = list(zip(words, words[1:], words[2:], strict=False))
    novel_triples = sum(t not in passages.triples for t in triples) / len(triples) if triples else 0.0
    opening = len(sent.text) - len(sent.text.lstrip(" \t\"'\u201c("))  # a sentence's first word is capitalised anyway
    capitals = [m.group(0) for m in NAME_WORD.finditer(sent.text) if m.start() > opening]
    capitals = [w for w in capitals if w.lower() not in STOPWORDS]
    unseen_capitals = [w for w in capitals if not sources.has_word(w.lower())]
    names = [f for f in missing if f.kind in ("entity", "citation")]
    numbers = [f for f in missing if f.kind in ("number", "date")]
    features = {
        "absent_share": len(absent) / len(terms) if terms else 0.0,
        "absent_weighted": absent_weighted,
        "off_passage_weighted": off_passage,
        "best_sentence_uncovered": 1.0 - best_share if terms else 0.0,
        "novel_pairs": novel_pairs,
        "missing_names": float(min(len(names), MAX_COUNT)),
        "missing_numbers": float(min(len(numbers), MAX_COUNT)),
        "missing_other": float(min(len(missing) - len(names) - len(numbers), MAX_COUNT)),
        "changed_value": float(bool(clash)),
        "negation_flip": float(negation_flip),
        "cover_uncovered": 1.0 - covered if terms else 0.0,
        "novel_triples": novel_triples,
        "unseen_capitals": float(min(len(unseen_capitals), MAX_COUNT)),
        "absent_words": float(min(len(absent_words), MAX_ABSENT)),
        "off_cover_count": float(min(sum(t not in covered_terms for t in terms), MAX_ABSENT)),
    }
    # What a missing word means depends on how much source there is (an article, or two lines of knowledge): each
    # feature also enters scaled by the sources' size, so one fitted model serves both.
    scale = passages.scale
    features |= {f"{name}:long": value * scale for name, value in list(features.items())}
    features["source_scale"] = scale
    # The same evidence counted without a cap, for the whole draft's counts (draft_features): a reply that adds two
    # names to two lines of knowledge says more than the mean of its sentences' capped counts shows.
    counts = {
        "absent_words": len(absent_words),
        "absent_stems": len(absent),
        "unseen_capitals": len(unseen_capitals),
        "novel_pairs": sum(p not in passages.pairs for p in content_pairs),
        "missing_names": len(names),
        "missing_numbers": len(numbers),
    }
    return SentenceGrounding(sent, features, source_sentence, missing, clash, negation_flip, len(terms), counts)


def _negated(text: str) -> bool:
    """Whether a sentence is negated an odd number of times."""
    return len(NEGATED.findall(text.lower())) % 2 == 1


def ground_sentences(
    content: str, found: list[Fact], sources: Sources, stop_line: int | None = None
) -> list[SentenceGrounding]:
    """Every sentence of the draft scored against the sources (up to `stop_line`, where the fact scan stopped)."""
    return _scored(content, found, sources, stop_line)[1]


def _scored(
    content: str, found: list[Fact], sources: Sources, stop_line: int | None
) -> tuple[Regime, list[SentenceGrounding]]:
    """`ground_sentences`, with the weights the sources' size chose for them."""
    passages = Passages(sources)
    regime = shipped_model().regime(passages.size)
    by_sentence: dict[int, list[Fact]] = {}
    for f in found:
        by_sentence.setdefault(f.sentence, []).append(f)
    out = []
    for index, sent in enumerate(sentences(content)):
        if stop_line is not None and sent.line >= stop_line:
            break
        checked = sentence_features(sent, by_sentence.get(index, []), passages)
        checked.logit = regime.logit(checked.features)
        # Its risk is the draft risk it would have alone (its own counts included), which is what note_at means; the
        # draft's mean takes the logit without them, as the whole draft's counts enter once, summed.
        checked.risk = round(logistic(checked.logit + regime.draft_term(draft_features([checked]))), 4)
        out.append(checked)
    return regime, out


def draft_features(checked: list[SentenceGrounding]) -> dict[str, float]:
    """The whole draft's counts of what the sources lack (summed over its sentences), and their logarithms."""
    out: dict[str, float] = {}
    for name in checked[0].counts if checked else {}:
        total = sum(s.counts[name] for s in checked)
        out[f"draft_{name}"] = float(total)
        out[f"log_draft_{name}"] = math.log1p(total)
    return out


def source_words(sources: Sources) -> int:
    """How many words the sources hold, as the model's regime rule counts them."""
    return sum(len(sent.split()) for sent in sources.sentences)


def grounded(
    content: str, found: list[Fact], sources: Sources, stop_line: int | None = None
) -> tuple[list[SpanNote], dict[str, Any]]:
    """Grounding notes for the sentences whose risk reaches the model's note threshold, and the draft's features.

    Every sentence counts toward the draft's grounding risk (`grounding.risk`), noted or not; the notes only say
    where to look, so `merge` counts them through that one risk, not each again.
    """
    model = shipped_model()
    regime, checked = _scored(content, found, sources, stop_line)
    # A rule decides where a note goes when a fact is checkable (a value changed from the matching source sentence,
    # a number, date or name found nowhere): always noted, whatever the risk; otherwise the model's threshold does.
    titles = {number for number, line in enumerate(content.split("\n"), start=1) if MD_HEADING.match(line)}
    notes = [
        _note(s, model)
        for s in checked
        if (s.risk >= model.note_at or s.clash or s.missing) and not _title_only(s, titles)
    ]
    risks = [s.risk for s in checked]
    counts = draft_features(checked)
    term = regime.draft_term(counts)
    logits, sizes = [s.logit for s in checked], [s.terms for s in checked]
    draft_risk = logistic(draft_logit(logits, sizes) + term) if checked else 0.0
    features: dict[str, Any] = {
        "grounding": 1,
        "grounding.model": model.version,
        "grounding.regime": "short" if regime is model.short else "long",
        "grounding.sources": len(sources.names),
        "grounding.sentences": len(checked),
        "grounding.unsupported_sentences": sum(n.kind == "unsupported" for n in notes),
        "grounding.contradictions": sum(n.kind == "contradiction" for n in notes),
        "grounding.unsupported_share": len(notes) / len(checked) if checked else 0.0,
        "grounding.unsupported_facts": sum(len(s.missing) for s in checked),
        "grounding.min_coverage": min((1.0 - s.features["absent_share"] for s in checked), default=1.0),
        "grounding.max_sentence_risk": max(risks, default=0.0),
        "grounding.draft_term": round(term, 4),
        "grounding.risk": round(draft_risk, 4),
    }
    # For the claim check to lower (assessment.py pops it: never logged): per sentence its line, log-odds, size, and
    # whether support may lower it (not when a value in it differs from the source).
    features["grounding.sentence_logits"] = [(s.sentence.line, s.logit, s.terms, not s.clash) for s in checked]
    for name in checked[0].features if checked else {}:
        features[f"grounding.max.{name}"] = max(s.features[name] for s in checked)
    for name, value in counts.items():
        if not name.startswith("log_"):
            features[f"grounding.{name}"] = value
    if sources.unchecked:
        features["grounding.unchecked"] = sources.unchecked
        notes.append(
            unchecked_note(f"{sources.unchecked:,} facts or sentences were too costly to check against the sources")
        )
    return notes, features


def _title_only(s: SentenceGrounding, titles: set[int]) -> bool:
    """A Markdown heading nothing in the sources contradicts: a title, whose 'not supported' note could only be
    dismissed (its risk still counts toward the draft's)."""
    return s.sentence.line in titles and not s.clash and not s.negation_flip


def risk_with_support(
    scored: list[tuple[int, float, int, bool]], supported: set[int], factor: float, draft_term: float = 0.0
) -> float:
    """The draft's grounding risk when the sentences on `supported` lines keep `factor` of their risk (the whole
    draft's counts, `draft_term`, stay: a quote backs one sentence's claim, not the draft's other additions)."""
    logits = []
    for line, logit, _, lowerable in scored:
        if line in supported and lowerable:
            risk = logistic(logit) * factor
            logit = math.log(risk / (1.0 - risk)) if 0.0 < risk < 1.0 else logit
        logits.append(logit)
    sizes = [terms for _, _, terms, _ in scored]
    return round(logistic(draft_logit(logits, sizes) + draft_term), 4) if scored else 0.0


def _note(s: SentenceGrounding, model: GroundingModel) -> SpanNote:
    """The note for one sentence: what is missing or changed, and the source sentence it was checked against."""
    against = f"checked against: \u201c{s.source_sentence.strip()[:240]}\u201d" if s.source_sentence else ""
    against = against or "no source sentence shares its key terms"
    if s.clash or s.negation_flip:
        kind = "contradiction"
        said = [f"{f.text!r} where the source has {', '.join(repr(o) for o in others)}" for f, others in s.clash]
        if s.negation_flip:
            said.append("negation differs from the matching source sentence")
        why = f"contradicts the source: {'; '.join(said)}; {against}"
        quote = ", ".join(f.text for f, _ in s.clash) or s.sentence.text.strip()
    else:
        kind = "unsupported"
        if s.missing:
            what = ", ".join(repr(f.text) for f in s.missing[:4]) + " not found in the sources"
            quote = ", ".join(f.text for f in s.missing)
        else:
            share = s.features["off_passage_weighted"]
            what = f"{share:.0%} of its key content (weighted by rarity) is not in the matching passage"
            quote = s.sentence.text.strip()
        why = f"not supported by the sources given: {what}; {against}"
    detail = {
        "grounding": kind,
        "grounding_model": model.version,
        "source_sentence": s.source_sentence[:300],
        "features": {k: round(v, 4) for k, v in s.features.items()},
    }
    return SpanNote(
        kind=kind,
        severity="verify",
        why=why[:600],
        source="check",
        lines=(s.sentence.line, s.sentence.line),
        quote=quote[:200],
        risk=s.risk,
        signals={"checks": detail},
    )


def baseline_absent_share(content: str, source_text: str) -> float:
    """The issue's yardstick: the share of the draft's content words that occur nowhere in the sources."""
    source_words = {w.lower() for w in PAIR_WORD.findall(source_text.lower())}
    words = [w for w in PAIR_WORD.findall(content.lower()) if w not in STOPWORDS and len(w) >= 3]
    return sum(w not in source_words for w in words) / len(words) if words else 0.0


__all__ = [
    "GroundingModel",
    "Passages",
    "Regime",
    "SentenceGrounding",
    "baseline_absent_share",
    "draft_features",
    "draft_logit",
    "risk_with_support",
    "ground_sentences",
    "grounded",
    "model_from",
    "sentence_features",
    "shipped_model",
    "source_words",
]
