"""The claim check's rules, decided by code and not the model: quotes must be verbatim in the sources, support lowers
only a lexical `unsupported` note, and a failed hard check is never touched."""

from __future__ import annotations

import json

from draftmate.llm import prompts
from draftmate.llm.chat import FakeChat
from draftmate.services.claims import check_claims
from draftmate.uncertainty.claim_signal import SUPPORTED_FACTOR, claims_signal, lower_supported
from draftmate.uncertainty.spans import SpanNote

SOURCE = [("src", "The ferry leaves at 9 every morning.\nTickets cost 12 euros at the harbour office.\n")]
DRAFT = "The ferry leaves at 9 every morning.\nTickets cost 15 euros online.\nThe crossing is calm.\n"


def answer(*claims: dict[str, object]) -> str:
    return json.dumps({"claims": list(claims)})


def checked(reply: str) -> tuple[list[dict[str, object]] | None, str | None]:
    chat = FakeChat(by_schema={"ClaimVerdicts": [reply]})
    return check_claims(chat, prompts.load("check-claims"), DRAFT, SOURCE)


def test_a_quote_counts_only_when_it_is_word_for_word_in_the_sources() -> None:
    claims, _ = checked(
        answer(
            {"sentence": 1, "verdict": "supported", "quote": "The ferry leaves at 9   every morning."},
            {"sentence": 2, "verdict": "contradicted", "quote": "Tickets cost 15 euros at the harbour office."},
            {"sentence": 3, "verdict": "supported", "quote": "calm"},
        )
    )
    assert claims is not None
    assert [(c["line"], c["verdict"], c["quote"], c["quote_discarded"]) for c in claims] == [
        (1, "supported", "The ferry leaves at 9 every morning.", False),
        (2, "contradicted", "", True),  # made up: the source says 12
        (3, "supported", "", True),  # too short to show anything
    ]


def test_sentences_the_draft_does_not_have_and_repeats_are_ignored() -> None:
    claims, _ = checked(
        answer(
            {"sentence": 7, "verdict": "contradicted", "quote": ""},
            {"sentence": 2, "verdict": "not_found", "quote": ""},
            {"sentence": 2, "verdict": "supported", "quote": "Tickets cost 12 euros at the harbour office."},
        )
    )
    assert claims is not None and [(c["line"], c["verdict"]) for c in claims] == [(2, "not_found")]


def test_an_answer_out_of_shape_is_unavailable_with_the_reason() -> None:
    claims, error = checked('{"claims": [{"sentence": "two", "verdict": "maybe"}]}')
    assert claims is None and error


def test_support_lowers_only_a_lexical_unsupported_note_and_never_a_hard_one() -> None:
    support = {1: {"verdict": "supported", "quote": "The ferry leaves at 9 every morning.", "lowers": True}}
    lexical = SpanNote("unsupported", "verify", "not supported", "check", (1, 1), "x", 0.6, {"checks": {}})
    hard = SpanNote("syntax-error", "blocking", "does not parse", "check", (1, 1), "x", 0.9, {"checks": {}})
    model = SpanNote("unsupported", "verify", "weak spot", "model", (1, 1), "x", 0.3, {"self": {}})
    lowered, kept_hard, kept_model = lower_supported([lexical, hard, model], support)
    assert lowered.risk == round(0.6 * SUPPORTED_FACTOR, 4) and "claims" in lowered.signals
    assert "found support" in lowered.why
    assert kept_hard == hard and kept_model == model


def test_unverified_support_raises_and_lowers_nothing() -> None:
    notes, evidence, support, features = claims_signal(
        [{"line": 1, "sentence": "s", "verdict": "supported", "quote": "", "quote_discarded": True}]
    )
    assert (notes, evidence, support) == ([], [], {})
    assert features["claims.quotes_discarded"] == 1


def test_verified_support_lowers_the_draft_risk_and_a_discarded_quote_does_not() -> None:
    from draftmate.uncertainty.assessment import assess

    source = [("src", "The harbour office sells ferry tickets to Brenn Island every morning.\n")]
    draft = "Every morning, the harbour office sells ferry tickets for Brenn Island.\n"
    quote = "The harbour office sells ferry tickets to Brenn Island every morning."
    plain = assess(draft, kind="text", context=source)
    backed = assess(
        draft,
        kind="text",
        context=source,
        claims=[{"line": 1, "sentence": draft, "verdict": "supported", "quote": quote, "carries": True}],
    )
    unbacked = assess(
        draft,
        kind="text",
        context=source,
        claims=[{"line": 1, "sentence": draft, "verdict": "supported", "quote": "", "quote_discarded": True}],
    )
    assert plain.confidence.risk is not None and backed.confidence.risk is not None
    assert backed.confidence.risk < plain.confidence.risk
    assert unbacked.confidence.risk == plain.confidence.risk
    assert "grounding.sentence_logits" not in plain.features  # per-sentence detail is not logged
