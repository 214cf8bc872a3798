"""A sentence's length is not evidence against it: a long sentence copied from the sources is as safe as a short one.

HaluEval's hallucinated summaries have fewer, longer sentences; grounding-lr-v1 learnt that (a sentence-length
feature), so a long faithful sentence drew a note. The shipped model must rate grounding, not length.
"""

from __future__ import annotations

from draftmate.uncertainty.assessment import assess
from draftmate.uncertainty.grounding import ground_sentences, shipped_model
from draftmate.uncertainty.text_checks import Sources, facts_within

SHORT = "The council approved the budget on Tuesday."
LONG = (
    "After three months of public hearings, the regional council approved the revised transport budget, which "
    "funds new tram lines, wider cycle lanes, extra night buses, station repairs and a fare freeze for students "
    "and pensioners across the northern districts."
)
SOURCE = f"{SHORT} {LONG} The mayor welcomed the vote.\n"


def sentence_risk(sentence: str) -> float:
    found, stop = facts_within(sentence, all_numbers=True)
    (checked,) = ground_sentences(sentence, found, Sources([("src", SOURCE)]), stop)
    return checked.risk


def test_a_long_sentence_copied_from_the_source_is_no_riskier_than_a_short_one() -> None:
    short, long = sentence_risk(SHORT), sentence_risk(LONG)
    assert long < shipped_model().note_at
    assert abs(long - short) < 0.05, (short, long)


def test_a_long_faithful_draft_gets_no_grounding_note_and_is_not_rated_low() -> None:
    a = assess(LONG + "\n", kind="text", context=[("src", SOURCE)])
    assert not [n for n in a.notes if n.kind in ("unsupported", "contradiction")]
    assert a.confidence.level != "low"


def test_the_model_has_no_sentence_length_feature() -> None:
    model = shipped_model()
    for regime in (model.short, model.long):  # grounding-lr-v3 has two regimes, and counts over the whole draft
        names = [*regime.weights, *regime.draft_weights]
        assert not [name for name in names if "terms" in name or "length" in name or "covariate" in name]
