"""A reply in a dialogue is grounded in a short knowledge snippet and in what was said before it.

A reply may repeat what the history said; a reply that names something neither holds is the typical hallucination.
"""

from __future__ import annotations

from draftmate.uncertainty.assessment import assess

KNOWLEDGE = "Fight Club is starring Jared Leto. Jared Leto starred in Panic Room"
HISTORY = "[Human]: Could you recommend some movies similar to Fight Club? I also liked Zodiac with Jake Gyllenhaal."
CONTEXT = [("knowledge", KNOWLEDGE), ("dialogue_history", HISTORY)]


def risk(reply: str) -> float:
    a = assess(reply + "\n", kind="text", context=CONTEXT)
    assert a.confidence.risk is not None
    return a.confidence.risk


def test_a_reply_naming_a_film_in_neither_source_scores_above_one_from_the_knowledge() -> None:
    assert risk("Sure, Mr. Nobody is a similar movie.") > risk("Sure, Panic Room is a similar movie.")
    assert risk("Jared Leto also starred in The Smurfs.") > risk("Jared Leto also starred in Panic Room.")


def test_a_reply_repeating_the_dialogue_history_gets_no_grounding_note() -> None:
    a = assess("Zodiac with Jake Gyllenhaal is a good one too.\n", kind="text", context=CONTEXT)
    assert not [n for n in a.notes if n.kind in ("unsupported", "contradiction")]
    assert a.confidence.level != "low"
