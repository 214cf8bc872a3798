"""Grounding against sources: a fitted model scores each sentence, the draft risk follows the sentences' risks,
each note names the source sentence it was checked against, and the runtime needs no numeric library."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

from draftmate.uncertainty.assessment import assess
from draftmate.uncertainty.grounding import draft_logit, logistic, shipped_model
from draftmate.uncertainty.text_checks import Sources, facts_within

SOURCE = (
    "The observatory opened in 1931 on the summit of Mount Arden.\n"
    "Its main telescope has a mirror 2.4 metres across.\n"
    "The director, Ilse Brandt, led it until 1962.\n"
)


def features_of(draft: str) -> dict[str, float]:
    from draftmate.uncertainty.grounding import ground_sentences

    found, stop = facts_within(draft, all_numbers=True)
    return ground_sentences(draft, found, Sources([("src", SOURCE)]), stop)[0].features


def whole_draft_features_of(draft: str) -> dict[str, float]:
    from draftmate.uncertainty.grounding import draft_features, ground_sentences

    found, stop = facts_within(draft, all_numbers=True)
    return draft_features(ground_sentences(draft, found, Sources([("src", SOURCE)]), stop))


def test_the_shipped_model_is_data_with_a_version_and_only_known_features() -> None:
    raw = json.loads(resources.files("draftmate.uncertainty").joinpath("grounding_model.json").read_text())
    model = shipped_model()
    assert model.version == raw["version"] and model.version.startswith("grounding-")
    known = set(features_of("The observatory opened in 1931."))
    for regime in (model.short, model.long):  # one fitted regime for short sources, one for long (grounding-lr-v3)
        assert set(regime.weights) == known, "weights and features differ"
        assert set(regime.draft_weights) <= set(whole_draft_features_of("The observatory opened in 1931."))


def test_every_prediction_records_the_model_version() -> None:
    a = assess("The observatory opened in 1931.\n", kind="text", context=[("src", SOURCE)])
    assert a.features["grounding.model"] == shipped_model().version


def test_a_faithful_draft_scores_below_one_that_invents() -> None:
    faithful = "The observatory opened in 1931 on the summit of Mount Arden.\nIts mirror is 2.4 metres across.\n"
    invented = (
        "The observatory opened in 1931 on the summit of Mount Arden.\n"
        "Its famous radio dish was funded by the Carnegie Trust in Boston.\n"
    )
    low = assess(faithful, kind="text", context=[("src", SOURCE)])
    high = assess(invented, kind="text", context=[("src", SOURCE)])
    assert low.confidence.risk is not None and high.confidence.risk is not None
    assert high.confidence.risk > low.confidence.risk
    assert low.confidence.level != "low"


def test_draft_risk_rises_with_each_sentence_risk() -> None:
    logits, sizes = [-2.0, 0.5, -1.0], [5, 8, 3]
    base = draft_logit(logits, sizes)
    for i in range(len(logits)):
        raised = list(logits)
        raised[i] += 1.0
        assert draft_logit(raised, sizes) > base
    assert 0.0 < logistic(base) < 1.0


def test_each_note_shows_the_source_sentence_it_was_checked_against() -> None:
    draft = "Its main telescope has a mirror 2.6 metres across.\nIts mirror was ground by Carl Voss in Jena.\n"
    notes = assess(draft, kind="text", context=[("src", SOURCE)]).notes
    grounding = [n for n in notes if n.kind in ("unsupported", "contradiction")]
    assert {n.lines for n in grounding} == {(1, 1), (2, 2)}
    for note in grounding:
        assert "checked against" in note.why or "no source sentence" in note.why
        assert note.signals["checks"]["grounding_model"] == shipped_model().version
    changed = next(n for n in grounding if n.lines == (1, 1))
    assert changed.kind == "contradiction" and "'2.4'" in changed.why
    assert changed.signals["checks"]["source_sentence"].startswith("Its main telescope has a mirror 2.4")


def test_a_flipped_negation_is_a_feature() -> None:
    assert features_of("The director, Ilse Brandt, did not lead it until 1962.")["negation_flip"] == 1.0
    assert features_of("The director, Ilse Brandt, led it until 1962.")["negation_flip"] == 0.0


def test_grounding_at_runtime_loads_no_numeric_library() -> None:
    code = (
        "import sys\nfrom draftmate.uncertainty.assessment import assess\n"
        f"assess('The observatory opened in 1931.', kind='text', context=[('s', {SOURCE!r})])\n"
        "print(sorted(m for m in ('numpy', 'sklearn', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
