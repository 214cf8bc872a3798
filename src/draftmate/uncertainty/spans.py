"""What every uncertainty signal shares: the note shape, the stated risk constants, small text helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

UNAVAILABLE = "unavailable"

# Stated starting risks per finding; the calibration issue fits replacements from reviewer outcomes.
HARD_RISK = 0.9  # does not parse, undefined name: a rule decided
IMPORT_RISK = 0.85  # import that resolves nowhere: possibly a hallucinated package
ATTRIBUTE_RISK = 0.8  # attribute missing from a module we could inspect
VERIFY_RISK = 0.25  # a fact-bearing span nobody has checked
ENTITY_RISK = 0.15  # a name nobody has checked: weaker, names are common and usually right
UNSUPPORTED_FACT_RISK = 0.6  # a number/name/date in the draft found in none of the sources
UNSUPPORTED_TERMS_WEIGHT = 0.5  # risk per share of a sentence's key terms missing from the sources
CONTRADICTION_RISK = 0.8  # the matching source sentence gives a different value

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves one two three
    first second new said says also many much may might must shall would well however though although since yet
    per via within without among amid upon across toward towards around""".split()
)

WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*[A-Za-z]|[A-Za-z]")
# At most 8 thousands groups, never given back (a digit or ",ddd" after them fails anyway): unbounded, a line
# "1,000,000,...x" was retried from every group to its end (quadratic).
NUMBER = re.compile(r"(?<![\w.])\d++(?:,\d{3}){0,8}+(?:\.\d+)?(?![\w]|[.,]\d)")


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
    about: str = ""  # a model note: the text on its lines it is about ("" = the whole lines); not stored


def same_span(quote: str, about: str) -> bool:
    """Whether a note quoting `quote` is about `about`: either holds the other (or a listed part of it) as words.

    "" on either side says nothing narrower than the line, so it matches; `38%, 500` (two facts joined) holds `500`
    but `1,500` does not.
    """
    quote, about = quote.strip().lower(), about.strip().lower()
    if not quote or not about:
        return True
    parts = [quote, *(p for p in quote.split(", ") if len(p) >= 2)]
    return any(_holds(p, about) or _holds(about, p) for p in parts)


def _holds(text: str, part: str) -> bool:
    """`part` inside `text`, not glued to a letter or digit on either side."""
    return re.search(rf"(?<![\w.,]){re.escape(part)}(?![\w]|[.,]\d)", text) is not None


def noisy_or(risks: list[float]) -> float:
    """Combine independent risks: many small doubts add up, one strong one dominates."""
    survive = 1.0
    for r in risks:
        survive *= 1.0 - max(0.0, min(1.0, r))
    return 1.0 - survive


# The same few thousand words recur in every sentence: stemming each again was a third of grounding's time.
@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude stem so 'launched' meets 'launch' and 'companies' meets 'company'."""
    w = word.lower().replace("\u2019", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: len(w) - len(suffix)] + repl
    return w


def key_terms(text: str) -> set[str]:
    """The content words of a text, stemmed, without stopwords."""
    return {stem(w) for w in WORD.findall(text) if len(w) >= 3 and w.lower() not in STOPWORDS}


def norm_number(text: str) -> str:
    """A number as digits: '1,200' -> '1200', '3.50' -> '3.5'."""
    digits = text.replace(",", "")
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return digits


def numbers_in(text: str) -> set[str]:
    """Every number in a text, normalized."""
    return {norm_number(m.group(0)) for m in NUMBER.finditer(text)}


def words_lower(text: str) -> set[str]:
    """Every word of a text, lowercased and unstemmed, possessives dropped."""
    out = set()
    for w in WORD.findall(text):
        w = w.lower().replace("\u2019", "'")
        out.add(w[:-2] if w.endswith("'s") else w)
    return out
