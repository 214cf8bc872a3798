"""Model signals: log-probabilities, agreement across samples, the model's own weak spots."""

from __future__ import annotations

import math
import re
from typing import Any

from draftmate.uncertainty.model_signals import align, logprob_signal, match_quote, samples_signal, weak_spots_signal


def tokens(
    text: str, low: dict[str, float] | None = None, alts: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """Word and space tokens; every token near-certain except those given a probability in `low`."""
    out = []
    for piece in re.findall(r"\S+|\s+", text):
        p = (low or {}).get(piece, 0.99)
        top = [{"token": piece, "logprob": math.log(p)}]
        top += [{"token": a, "logprob": math.log(0.3)} for a in (alts or {}).get(piece, [])]
        out.append({"token": piece, "logprob": math.log(p), "top_logprobs": top})
    return out


def test_align_maps_tokens_to_offsets_and_skips_strays() -> None:
    got = align("ab cd", [{"token": "ab"}, {"token": " "}, {"token": "\ufffd"}, {"token": "cd"}])
    assert [(a, b, t["token"]) for a, b, t in got] == [(0, 2, "ab"), (2, 3, " "), (3, 5, "cd")]


def test_logprobs_unavailable_gives_no_notes_and_none_features() -> None:
    notes, evidence, features = logprob_signal("x = 1\n", "code", None)
    assert (notes, evidence) == ([], [])
    assert features == {"logprobs.min_p": None, "logprobs.mean_entropy": None, "logprobs.low_share": None}


def test_low_probability_number_gets_a_note_naming_alternatives() -> None:
    text = "The bridge opened in 1932.\nIt is long and grey.\n"
    notes, evidence, features = logprob_signal(text, "text", tokens(text, {"1932.": 0.04}, {"1932.": ["1931."]}))
    assert [(n.kind, n.lines, n.source) for n in notes] == [("low-probability", (1, 1), "logprobs")]
    assert "p=0.04" in notes[0].why and "'1931.'" in notes[0].why and "date" in notes[0].why
    assert [e.line for e in evidence] == [1]
    assert features["logprobs.min_p"] == 0.04
    assert 0 < features["logprobs.low_share"] < 0.2
    assert features["logprobs.mean_entropy"] is not None


def test_low_probability_plain_word_is_evidence_but_not_a_note() -> None:
    text = "It is long and grey.\n"
    notes, evidence, _ = logprob_signal(text, "text", tokens(text, {"grey.": 0.05}))
    assert notes == []
    assert [(e.line, e.signal) for e in evidence] == [(1, "logprobs")]
    assert evidence[0].detail["inside"] is None


def test_code_identifier_is_called_out() -> None:
    text = "import json\nx = json.loads_fast(s)\n"
    notes, _, _ = logprob_signal(text, "code", tokens(text, {"json.loads_fast(s)": 0.03}))
    assert [(n.lines, n.signals["logprobs"]["inside"]) for n in notes] == [((2, 2), "identifier")]


def test_samples_unavailable() -> None:
    notes, evidence, features = samples_signal("In 1990 it cost $5 million.", "text", None)
    assert (notes, evidence) == ([], [])
    assert features == {"samples.k": None, "samples.agreement": None, "samples.disagreeing": None}


def test_samples_that_disagree_list_the_alternatives() -> None:
    draft = "The bridge opened in 1932 after six years of work.\nIt cost $4 million.\n"
    samples = [
        "The bridge opened in 1937 after six years of work.\nIt cost $4 million.\n",
        "The bridge opened in 1937 after years of work.\nIts cost was $4 million.\n",
    ]
    notes, evidence, features = samples_signal(draft, "text", samples)
    assert [(n.kind, n.lines, n.quote) for n in notes] == [("samples-disagree", (1, 1), "in 1932")]
    assert "'in 1937' (2 of 2)" in notes[0].why
    assert features["samples.disagreeing"] == 1
    assert features["samples.agreement"] == 0.5
    agreeing = [e for e in evidence if e.line == 2]
    assert agreeing and agreeing[0].risk == 0.0


def test_samples_on_code_compare_imports() -> None:
    draft = "import json\nimport fastjsonx\n"
    _, evidence, features = samples_signal(draft, "code", ["import json\n", "import json\nimport ujson\n"])
    assert [(e.line, e.detail["import"]) for e in evidence] == [(2, "fastjsonx")]
    assert features["samples.agreement"] == 0.5


def test_weak_spots_unavailable_and_empty_differ() -> None:
    assert weak_spots_signal("x", None)[2] == {"self.weak_spots": None, "self.unmatched": None}
    assert weak_spots_signal("x", [])[2] == {"self.weak_spots": 0, "self.unmatched": 0}


def test_weak_spots_match_fuzzily_and_only_add_risk() -> None:
    text = "First line here.\nThe  treaty was signed in Vienna.\nLast line.\n"
    spots = [
        {"quote": "the treaty was signed in vienna", "why": "unsure of the city"},
        {"quote": "treaty was signd in Viena", "why": "typo'd quote"},
        {"quote": "something the draft never says at all", "why": "x"},
    ]
    notes, evidence, features = weak_spots_signal(text, spots)
    assert [n.lines for n in notes] == [(2, 2), (2, 2)]
    assert all(e.risk > 0 for e in evidence)
    assert features == {"self.weak_spots": 3, "self.unmatched": 1}
    assert "unsure of the city" in notes[0].why


def test_match_quote_none_when_nothing_is_close() -> None:
    assert match_quote("alpha beta\ngamma\n", "completely different words") is None
    assert match_quote("alpha beta\ngamma\n", "") is None
