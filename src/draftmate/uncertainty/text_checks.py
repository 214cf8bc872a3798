"""Deterministic checks of prose: fact-bearing spans to verify, and the pieces grounding against sources uses.

Without sources the draft's prose (markup blanked, markup.py) is scanned and the claims among its facts are spans to
verify (claims.py: no acronyms, versions or headings; each fact once; links per site, fetched with `--check-links`).
With `--context` sources, uncertainty/grounding.py scores each sentence against them (a fitted model) and notes what
is not supported or contradicts them; this module supplies the facts, the indexed sources and the changed-value test
it uses.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from draftmate.uncertainty.spans import (
    STOPWORDS,
    VERIFY_RISK,
    SpanNote,
    key_terms,
    norm_number,
    numbers_in,
    stem,
    words_lower,
)

if TYPE_CHECKING:
    from draftmate.uncertainty.links import LinkCheck

MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
FACT_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    ("url", re.compile(r"https?://[^\s)>\]]+"), "a URL: check that it exists and says what the text claims"),
    ("doi", re.compile(r"\b10\.\d{4,9}/[^\s,;)]+"), "a DOI: check that it resolves to the work cited"),
    (
        "citation",
        re.compile(
            # Names of at most 61 letters, never given back (what follows a name is no letter): unbounded, a line
            # "A-A-A-..." was retried from every hyphen to its end.
            r"\(?\b[A-Z][A-Za-z'\u2019-]{1,60}+(?: et al\.?| (?:and|&) [A-Z][A-Za-z'\u2019-]{1,60}+)?"
            r",? \(?(?:19|20)\d{2}[a-z]?\)"
        ),
        "a citation: check the source exists and supports the sentence",
    ),
    (
        "quote",
        re.compile(r"[\"\u201c][^\"\u201d\n]{12,}[\"\u201d]"),
        "a quotation: check it word for word against the source",
    ),
    (
        "date",
        re.compile(
            rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}|{MONTHS} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|\d{{1,2}} {MONTHS} \d{{4}}"
            rf"|{MONTHS} \d{{4}}|(?:in|since|by|from|until|before|after|of) (?:1[5-9]|20)\d{{2}}s?)\b"
        ),
        "a date: check it",
    ),
    (
        "number",
        re.compile(
            # At most 8 thousands groups, as signals.NUMBER: unbounded, "1,000,000,...x" was quadratic.
            r"(?<![\w.])[$\u20ac\u00a3]?\d++(?:,\d{3}){0,8}+(?:\.\d+)?"
            r"(?:\s?(?:%|percent|million|billion|thousand|trillion)\b|%)?(?![\w%]|[.,]\d)"
        ),
        "a number: check it against the source",
    ),
]
ENTITY = re.compile(
    # "\s+(?:glue\s*)?" and not "\s+(?:glue)?\s*": the same names, without trying every split of a run of spaces
    r"\b[A-Z][a-zA-Z'\u2019.-]*[a-zA-Z](?:\s+(?:(?:of|de|du|van|von|der|da|del|la|the|and|&)\s*)?[A-Z][a-zA-Z'\u2019.-]*[a-zA-Z])*"
)
ENTITY_WHY = "a name: check it is the right person, place or organization"
# A sentence ends at . ! or ? before a capital, but not after a title or an initial ("J. Smith").
SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bSt\.)(?<!\bProf\.)(?<!\bvs\.)"
    r"(?<!\b[A-Z]\.)[\"\u201d')\]]*\s+(?=[\"\u201c(\[]?[A-Z0-9])"
)


@dataclass
class Fact:
    """A fact-bearing span: where it is and what value it carries."""

    kind: str
    text: str
    line: int
    start: int
    end: int
    sentence: int = -1
    values: set[str] = field(default_factory=set)  # normalized numbers and lowercased name words it carries


@dataclass
class Sentence:
    """A sentence of the draft, with the line it sits on."""

    text: str
    line: int
    start: int


def prose_lines(content: str) -> list[tuple[int, str]]:
    """(line number, text) for lines that are prose: not inside code fences, not blank."""
    out = []
    in_fence = False
    for number, line in enumerate(content.splitlines(), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if not in_fence and line.strip():
            out.append((number, line))
    return out


def sentences(content: str) -> list[Sentence]:
    """The draft's sentences; a sentence never spans lines, so a note's line is exact."""
    out = []
    for number, line in prose_lines(content):
        pos = 0
        for m in SENTENCE_END.finditer(line):
            if line[pos : m.start()].strip():
                out.append(Sentence(line[pos : m.start()], number, pos))
            pos = m.end()
        if line[pos:].strip():
            out.append(Sentence(line[pos:], number, pos))
    return out


def _significant_number(text: str) -> bool:
    digits = [c for c in text if c.isdecimal()]  # what \d matches
    # Single digits ("step 1", "2 ways") rarely carry a checkable fact.
    return len(digits) >= 2 or any(c in text for c in "%$\u20ac\u00a3")


def _entity_words(text: str) -> set[str]:
    return {w for w in words_lower(text) if w not in NAME_GLUE}


NAME_GLUE = frozenset(
    {"of", "de", "du", "van", "von", "der", "da", "del", "la", "the", "and", "&", "et", "al"}
    | {"dr", "mr", "mrs", "ms", "prof", "st", "sir", "dame", "lord", "lady"}  # titles: the name follows
)
MONTH_PREFIXES = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())


class ClaimedSpans:
    """Disjoint [start, end) spans of a sentence already claimed by a fact, sorted: an overlap test is a bisect.

    `probes` counts the spans compared, so a test can check the scan stays n log n without a clock.
    """

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.pending: list[tuple[int, int]] = []
        self.probes = 0

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a span claimed before the current pattern's matches."""
        # The spans are disjoint and sorted, so of those starting before `end` the last one ends latest.
        k = bisect_left(self.starts, end) - 1
        self.probes += 1
        return k >= 0 and self.ends[k] > start

    def claim(self, start: int, end: int) -> None:
        """Claim a span; it joins the sorted lists at `settle`, as one pattern's matches never overlap each other."""
        self.pending.append((start, end))

    def settle(self) -> None:
        """Merge the current pattern's claims into the sorted spans."""
        if self.pending:
            spans = sorted([*zip(self.starts, self.ends, strict=True), *self.pending])
            self.starts, self.ends = [a for a, _ in spans], [b for _, b in spans]
            self.pending = []


NUMBER_TEXT = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
QUOTE_RUN = re.compile(r"[\"\u201c][^\"\u201d\n]*[\"\u201d]?")
QUOTE_MIN_INNER = 12


def _matches(kind: str, pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, text) of each match of a fact pattern, left to right, as `pattern.finditer` gives them."""
    if kind != "quote":
        for m in pattern.finditer(text):
            yield m.start(), m.end(), m.group(0)
        return
    # The quote pattern scanned from every unclosed opening quote to the end of the line (quadratic on a line of
    # them); one run from an opening quote to the next quote mark or line end decides the same matches.
    pos = 0
    while (run := QUOTE_RUN.search(text, pos)) is not None:
        closed = run.group(0)[-1:] in ('"', "\u201d") and run.end() - run.start() >= 2
        if closed and run.end() - run.start() - 2 >= QUOTE_MIN_INNER:
            yield run.start(), run.end(), run.group(0)
            pos = run.end()
        elif closed and run.group(0)[-1] == '"':
            pos = run.end() - 1  # too short: its closing quote may open the next quotation
        else:
            pos = run.end()


# Facts found one by one in a draft, at most: a reviewer answers each note, and no one reads 400,000 numbers one by
# one; past this the rest of the draft is one "could not check" note (a 2 MB line of numbers took 20 s and more).
FACT_BUDGET = 5_000


def facts(
    content: str, *, all_numbers: bool = False, probes: list[int] | None = None, budget: int | None = None
) -> list[Fact]:
    """Every fact-bearing span of prose, each claimed by the most specific pattern that matches it.

    Single-digit numbers are skipped unless `all_numbers` (grounding: a source checks them at no cost in notes).
    `probes`, when given, gets the number of claimed-span comparisons appended (for the n log n test). With a
    `budget`, the scan stops after that many facts (`facts_within` says where).
    """
    return facts_within(content, all_numbers=all_numbers, probes=probes, budget=budget)[0]


def facts_within(
    content: str, *, all_numbers: bool = False, probes: list[int] | None = None, budget: int | None = None
) -> tuple[list[Fact], int | None]:
    """`facts`, and the line from which the rest went unscanned once `budget` facts were found (None: all scanned)."""
    out: list[Fact] = []
    for index, sent in enumerate(sentences(content)):
        if budget is not None and len(out) >= budget:
            return out, sent.line
        claimed = ClaimedSpans()
        for kind, pattern, _ in FACT_PATTERNS:
            for m_start, m_end, group in _matches(kind, pattern, sent.text):
                if budget is not None and len(out) >= budget:
                    return out, sent.line
                if claimed.overlaps(m_start, m_end):
                    continue
                if kind == "number" and not all_numbers and not _significant_number(group):
                    continue
                text = group.rstrip()
                claimed.claim(m_start, m_start + len(text))
                values = {norm_number(n) for n in NUMBER_TEXT.findall(text)}
                if kind == "citation":
                    values |= _entity_words(text)
                elif kind == "date":
                    values |= {w for w in words_lower(text) if w[:3] in MONTH_PREFIXES}
                begin = sent.start + m_start
                out.append(Fact(kind, text, sent.line, begin, begin + len(text), index, values))
            claimed.settle()
        # A match is at the sentence's start when only quote marks, brackets or list markers come before it.
        lead = len(sent.text) - len(sent.text.lstrip(" \"\u201c'([-*#>"))
        for m in ENTITY.finditer(sent.text):
            if budget is not None and len(out) >= budget:
                return out, sent.line
            if claimed.overlaps(m.start(), m.end()):
                continue
            words = _entity_words(m.group(0))
            if m.start() <= lead:
                # A sentence's first word is capitalized anyway: keep only the part after a common word.
                first = m.group(0).split()[0]
                if first.lower() in STOP_START or len(m.group(0).split()) == 1:
                    rest = m.group(0)[len(first) :].strip()
                    if not rest:
                        continue
                    words = _entity_words(rest)
            if not words or words <= CALENDAR or words <= UNITS:
                continue  # a weekday or month alone is a date word, and "MB" a unit, not a name
            begin = sent.start + m.start()
            out.append(Fact("entity", m.group(0), sent.line, begin, begin + len(m.group(0)), index, words))
        if probes is not None:
            probes.append(claimed.probes)
    return out, None


STOP_START = frozenset(
    "the a an this that these those it its in on at by for from with as after before when while if but and or "
    "so yet however also then there here our we they he she i you his her their one some many most each every".split()
)
PREFIX = 5
UNITS = frozenset("kb mb gb tb pb kib mib gib tib ms hz khz mhz ghz kw mw gw kwh mwh".split())
CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december".split()
)
WHY = {kind: why for kind, _, why in FACT_PATTERNS} | {"entity": ENTITY_WHY}


class Sources:
    """The `--context` sources, indexed once: words, numbers, key terms and sentences."""

    def __init__(self, context: list[tuple[str, str]]) -> None:
        self.names = [name for name, _ in context]
        text = "\n".join(t for _, t in context)
        self.lower = re.sub(r"\s+", " ", text.lower())
        self.words = words_lower(text)
        self.stems = {stem(w) for w in self.words}
        self.numbers = numbers_in(text)
        self.sentences = [s for _, t in context for s in _split_plain(t)]
        self.sentence_terms = [key_terms(s) for s in self.sentences]
        # Indexes so each lookup costs what it finds, not the size of the sources (a 2 MB draft against a 2 MB
        # source was quadratic): the sentences holding each key term; every word cut by up to 3 letters.
        self.postings: dict[str, list[int]] = {}
        for i, sent_terms in enumerate(self.sentence_terms):
            for term in sent_terms:
                self.postings.setdefault(term, []).append(i)
        self.cut_words = {w[: len(w) - k] for w in self.words for k in range(4) if len(w) - k >= PREFIX}
        self.tokens = set(self.lower.split())
        # Scanning the sources for a URL, DOI or quotation costs their length; past this budget of characters
        # scanned the rest go unchecked (counted in `unchecked`, said in one note) instead of taking minutes.
        self.scan_budget = SCAN_BUDGET
        self.unchecked = 0

    def has(self, fact: Fact) -> bool:
        """Whether every value the fact carries appears in some source."""
        if fact.kind in ("url", "doi", "quote"):
            inner = fact.text.strip('"\u201c\u201d').lower()
            return self._contains(re.sub(r"\s+", " ", inner))
        if not fact.values:
            return self._contains(fact.text.lower())
        return all(v in self.numbers if v[:1].isdigit() else self.has_word(v) for v in fact.values)

    def _contains(self, needle: str) -> bool:
        """Whether the sources hold `needle`; False, counted as unchecked, once the scan budget is spent."""
        if needle in self.tokens:
            return True
        if self.scan_budget < len(self.lower):
            self.unchecked += 1
            return False
        self.scan_budget -= len(self.lower)
        return needle in self.lower

    def has_word(self, word: str) -> bool:
        """A word in the sources, allowing inflection: 'Indonesian' meets 'Indonesia', 'launched' 'launch'."""
        if word in self.words or stem(word) in self.stems:
            return True
        # Same first PREFIX letters and close in length: a derived form, not a different name. A source word up
        # to 3 letters longer starting with `word` is in cut_words; one up to 3 shorter is a cut of `word`.
        return len(word) >= PREFIX + 2 and (
            word in self.cut_words
            or any(word[: len(word) - k] in self.words for k in range(1, 4) if len(word) - k >= PREFIX)
        )

    def best_sentence(self, terms: set[str]) -> tuple[str, float]:
        """The source sentence sharing the most key terms with `terms`, and the share of `terms` it covers."""
        if not terms:
            return "", 0.0
        shared: dict[int, int] = {}
        for term in terms:
            # A term in most sentences of a long source tells few apart: its first COMMON_TERM_SENTENCES stand for
            # it, so the work is bounded per term (a 2 MB draft of the report's common words was quadratic).
            for i in self.postings.get(term, [])[:COMMON_TERM_SENTENCES]:
                shared[i] = shared.get(i, 0) + 1
        if not shared:
            return "", 0.0
        # The most shared terms; of equals the first sentence, as a scan in order keeping the first best would.
        index = min(shared, key=lambda i: (-shared[i], i))
        return self.sentences[index], len(terms & self.sentence_terms[index]) / len(terms)


SCAN_BUDGET = 2_000_000_000  # characters of the sources scanned for URLs, DOIs and quotations: about a second
COMMON_TERM_SENTENCES = 200  # source sentences looked at per key term to find a draft sentence's best match


def _split_plain(text: str) -> list[str]:
    parts = []
    for line in text.splitlines():
        parts += [p for p in SENTENCE_END.split(line) if p.strip()]
    return parts


def text_checks(
    content: str, context: list[tuple[str, str]] | None = None, lang: str = "", links: LinkCheck | None = None
) -> tuple[list[SpanNote], dict[str, Any]]:
    """Notes and features for prose: the claims to verify without sources (markup read as markup), grounding with."""
    if not context:
        from draftmate.uncertainty.claims import claim_notes
        from draftmate.uncertainty.markup import prose_view

        view = prose_view(content, lang)
        found, stopped_at = facts_within(view.text, budget=FACT_BUDGET)
        notes = claim_notes(content, view, found, links)
        features: dict[str, Any] = {"grounding": None}
    else:
        from draftmate.uncertainty.grounding import grounded

        found, stopped_at = facts_within(content, all_numbers=True, budget=FACT_BUDGET)
        notes, features = grounded(content, found, Sources(context), stop_line=stopped_at)
    if stopped_at is not None:
        last = content.count("\n") + (not content.endswith("\n"))
        reason = f"over {FACT_BUDGET:,} fact-bearing spans; from line {stopped_at} on they were not listed one by one"
        notes.append(replace(unchecked_note(reason), lines=(stopped_at, max(stopped_at, last))))
        features["checks.facts_unscanned_from_line"] = stopped_at
    return notes, features | _fact_features(found)


def _fact_features(found: list[Fact]) -> dict[str, Any]:
    return {
        "checks.facts": len(found),
        "checks.fact_numbers": sum(f.kind in ("number", "date") for f in found),
        "checks.fact_entities": sum(f.kind == "entity" for f in found),
        "checks.fact_refs": sum(f.kind in ("url", "doi", "citation", "quote") for f in found),
    }


def unchecked_note(reason: str) -> SpanNote:
    """A note that a check could not run on (part of) a draft: the reviewer checks by hand, the draft is kept."""
    return SpanNote(
        kind="unchecked",
        severity="verify",
        why=f"could not check: {reason}; check by hand",
        source="check",
        risk=VERIFY_RISK,
        signals={"checks": {"unchecked": reason[:300]}},
    )


TOKEN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|[A-Za-z][A-Za-z'\u2019-]*")


def _tokens(text: str) -> list[str]:
    """Words and numbers in order, numbers normalized, possessives dropped; case kept to tell names apart."""
    out = []
    for t in TOKEN.findall(text):
        if t[0].isdigit():
            out.append(norm_number(t))
        else:
            t = t.replace("\u2019", "'")
            out.append(t[:-2] if t.endswith("'s") else t)
    return out


def _slot(tokens: list[str], i: int) -> tuple[str, str]:
    left = tokens[i - 1].lower() if i > 0 else ""
    right = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
    return left, right


def _same_slot(mine: tuple[str, str], theirs: tuple[str, str]) -> bool:
    """Whether two values sit between the same words: one telling neighbour, or both when they are common words."""
    telling = [a == b and a and a not in STOPWORDS for a, b in zip(mine, theirs, strict=True)]
    return any(telling) or (mine == theirs and all(mine))


def _contradiction(missing: list[Fact], sentence: str, source_sentence: str) -> list[tuple[Fact, list[str]]]:
    """Missing facts whose matching source sentence holds a different value in the same slot.

    The slot is the word on either side: "560 kilometres" against "540 kilometres", "Edwin Powell" against
    "Edwin Hubble". A value elsewhere in the sentence is not a contradiction, only unsupported.
    """
    mine = _tokens(sentence)
    theirs = _tokens(source_sentence)
    mine_lower = {t.lower() for t in mine}
    out = []
    for fact in missing:
        others: list[str] = []
        for value in sorted(fact.values):
            numeric = value[:1].isdigit()
            at = [i for i, t in enumerate(mine) if t.lower() == value]
            for i in at:
                left, right = _slot(mine, i)
                for j, t in enumerate(theirs):
                    same_type = t[:1].isdigit() if numeric else t[:1].isupper() and j > 0
                    if not same_type or t.lower() in mine_lower or t in others:
                        continue
                    s_left, s_right = _slot(theirs, j)
                    if _same_slot((left, right), (s_left, s_right)):
                        others.append(t)
        if others:
            out.append((fact, others[:3]))
    return out
