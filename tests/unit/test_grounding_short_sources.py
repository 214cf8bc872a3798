"""Grounding against short sources (a few lines of knowledge and a dialogue's last turns): the whole reply's counts of
what the sources lack raise its risk beside its sentences' mean, and a reply copied from the sources stays low.

grounding-lr-v2 averaged each sentence's capped counts, so a reply that added a name and a date in one short
sentence next to a faithful one scored below a faithful reply with a chatty aside.
"""

from __future__ import annotations

from draftmate.uncertainty.assessment import MEDIUM_AT, assess
from draftmate.uncertainty.grounding import (
    draft_features,
    ground_sentences,
    risk_with_support,
    shipped_model,
    source_words,
)
from draftmate.uncertainty.text_checks import Sources, facts_within

KNOWLEDGE = (
    "Iron Man is starring Robert Downey Jr. Robert Downey Jr. starred in Zodiac. Zodiac is starring Jake Gyllenhaal."
)
HISTORY = (
    "[Human]: Do you like Iron Man? [Assistant]: Sure do! Robert Downey Jr. is a favorite. "
    "[Human]: Did you know he was also in Zodiac, a crime film?"
)
SHORT = [("knowledge", KNOWLEDGE), ("history", HISTORY)]
ARTICLE = " ".join(f"The council met on day {n} and approved item {n} of the budget." for n in range(1, 40))


def grounding_of(reply: str, context: list[tuple[str, str]] = SHORT) -> dict[str, object]:
    return assess(reply, kind="text", context=context).features


def test_a_reply_that_adds_a_name_and_date_scores_above_a_faithful_one_with_an_aside() -> None:
    opening = "Yes! Robert Downey Jr. starred in Zodiac with Jake Gyllenhaal."
    faithful = f"{opening} Such a great crime film, truly thrilling."
    invented = f"{opening} Tom Hanks directed it in 1994."
    low, high = grounding_of(faithful), grounding_of(invented)
    assert float(high["grounding.risk"]) > float(low["grounding.risk"])  # type: ignore[arg-type]
    assert float(high["grounding.draft_term"]) > float(low["grounding.draft_term"])  # type: ignore[arg-type]


def test_a_reply_that_adds_a_name_found_nowhere_scores_above_a_faithful_one() -> None:
    faithful = grounding_of("Sure, I enjoyed Zodiac. It's starring Jake Gyllenhaal as well.")
    invented = grounding_of("Sure, I enjoyed Zodiac. It's starring Natalie Portman as well.")
    assert float(invented["grounding.risk"]) > float(faithful["grounding.risk"])  # type: ignore[arg-type]


def test_a_faithful_reply_copied_from_a_short_source_stays_low() -> None:
    a = assess("Robert Downey Jr. starred in Zodiac. Zodiac is starring Jake Gyllenhaal.\n", kind="text", context=SHORT)
    assert a.features["grounding.draft_term"] == 0.0  # nothing in it is missing from the sources
    assert a.confidence.risk is not None and a.confidence.risk < MEDIUM_AT
    assert a.confidence.level == "high"
    assert not [n for n in a.notes if n.kind in ("unsupported", "contradiction")]


def test_the_regime_follows_the_sources_size_and_is_recorded() -> None:
    model = shipped_model()
    assert source_words(Sources(SHORT)) < model.short_under <= source_words(Sources([("article", ARTICLE)]))
    assert grounding_of("Zodiac is starring Jake Gyllenhaal.")["grounding.regime"] == "short"
    on_article = grounding_of("The council approved item 3 of the budget.", [("article", ARTICLE)])
    assert on_article["grounding.regime"] == "long"
    assert on_article["grounding.model"] == model.version


def test_whole_draft_counts_only_raise_the_risk() -> None:
    for regime in (shipped_model().short, shipped_model().long):
        assert all(weight > 0 for weight in regime.draft_weights.values())
    assert shipped_model().short.draft_weights, "the short regime counts the whole reply"


def test_the_whole_draft_counts_sum_the_sentences() -> None:
    reply = "Tom Hanks was in it. Meryl Streep was in it too."
    found, stop = facts_within(reply, all_numbers=True)
    checked = ground_sentences(reply, found, Sources(SHORT), stop)
    counts = draft_features(checked)
    # A sentence's first word is capitalised anyway: 'Hanks' and 'Streep' count, 'Tom' and 'Meryl' do not.
    assert counts["draft_unseen_capitals"] == 2.0 == sum(s.counts["unseen_capitals"] for s in checked)
    assert [s.counts["unseen_capitals"] for s in checked] == [1, 1]


def test_a_quote_that_backs_one_sentence_leaves_the_whole_draft_counts_in_the_risk() -> None:
    scored = [(1, -2.0, 4, True), (2, -1.0, 4, True)]
    without = risk_with_support(scored, {1, 2}, 0.5)
    assert risk_with_support(scored, {1, 2}, 0.5, draft_term=1.5) > without
    assert risk_with_support(scored, {1, 2}, 0.5, draft_term=1.5) < risk_with_support(scored, set(), 0.5, 1.5)
