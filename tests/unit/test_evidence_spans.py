"""Model evidence attaches to the note whose span it is about (assessment.attach, model_signals)."""

from __future__ import annotations

import math
from typing import Any

from draftmate.uncertainty import spans
from draftmate.uncertainty.assessment import assess
from draftmate.uncertainty.spans import SpanNote

LINE = "Adoption grew by 42% in 2025, according to the team's own figures."


def tokens(low: str) -> list[dict[str, Any]]:
    """Word tokens of LINE, each sure (p 0.9) but `low`, a guess (p 0.02)."""
    out = []
    for word in LINE.split(" "):
        token = word if word == LINE.split(" ")[-1] else word + " "
        p = 0.02 if word.startswith(low) else 0.9
        out.append({"token": token, "logprob": math.log(p), "top_logprobs": []})
    return out


def notes_by_quote(**signals: Any) -> dict[str, SpanNote]:
    assessment = assess(LINE, kind="text", **signals)
    return {n.quote: n for n in assessment.notes}


def test_a_disagreeing_sample_marks_only_the_fact_it_disagrees_on() -> None:
    notes = notes_by_quote(samples=[LINE.replace("42%", "41%"), LINE])
    date, number = notes["in 2025"], notes["42%"]
    assert date.signals["samples"] == {"agree": 2, "of": 2}
    assert "disagree" not in date.why
    assert number.signals["samples"]["alternatives"] == {"41%": 1}
    assert "they gave '41%'" in number.why


def test_a_guessed_token_raises_only_the_note_on_its_span() -> None:
    plain = notes_by_quote()
    notes = notes_by_quote(logprobs=tokens("42%"))
    assert "logprobs" in notes["42%"].signals and (notes["42%"].risk or 0) > (plain["42%"].risk or 0)
    assert "logprobs" not in notes["in 2025"].signals
    assert notes["in 2025"].risk == plain["in 2025"].risk


def test_a_guess_outside_every_noted_span_raises_none_of_them() -> None:
    plain = notes_by_quote()
    notes = notes_by_quote(logprobs=tokens("own"))
    for quote in ("42%", "in 2025"):
        assert "logprobs" not in notes[quote].signals
        assert notes[quote].risk == plain[quote].risk


def test_a_weak_spot_quoting_one_fact_stays_on_it() -> None:
    notes = notes_by_quote(weak_spots=[{"quote": "in 2025", "why": "the year is a guess"}])
    assert "self" in notes["in 2025"].signals and "year is a guess" in notes["in 2025"].why
    assert "self" not in notes["42%"].signals and "year" not in notes["42%"].why


def test_same_span_matches_words_not_digits_inside_numbers() -> None:
    same_span = spans.same_span
    assert same_span("38%, 500", "500") and same_span("March 3, 2025, 1 June 2026", "March 3, 2025")
    assert not same_span("1,500", "500") and not same_span("in 2025", "42%")
    assert same_span("anything", "") and same_span("", "42%")  # no narrower span known: the whole line
