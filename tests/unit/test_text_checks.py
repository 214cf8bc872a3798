"""Text checks: fact-bearing spans to verify, and grounding against the sources given."""

from __future__ import annotations

from draftmate.uncertainty.text_checks import facts, sentences, text_checks

SOURCE = (
    "The Hubble Space Telescope was launched on April 24, 1990, aboard the Space Shuttle Discovery.\n"
    "It orbits Earth at an altitude of about 540 kilometres and completes 15 orbits per day.\n"
    "The telescope was named after the astronomer Edwin Hubble.\n"
    "Servicing missions were flown between 1993 and 2009 (Smith et al., 2011).\n"
)


def test_each_fact_kind_is_found_once() -> None:
    text = (
        "Revenue rose 12% to $4.5 million in 2023.\n"
        'She said "we will not stop until it is done" at the meeting.\n'
        "See https://example.org/report and doi 10.1000/xyz123 (Jones and Lee, 2019).\n"
        "The board met on March 3, 2024 with Ada Lovelace.\n"
        "There are 2 ways to do it.\n"
    )
    found = {(f.kind, f.text) for f in facts(text)}
    assert ("number", "12%") in found
    assert ("number", "$4.5 million") in found
    assert ("date", "in 2023") in found
    assert ("quote", '"we will not stop until it is done"') in found
    assert ("url", "https://example.org/report") in found
    assert ("doi", "10.1000/xyz123") in found
    assert ("citation", "(Jones and Lee, 2019)") in found
    assert ("date", "March 3, 2024") in found
    assert ("entity", "Ada Lovelace") in found
    assert not any(f.line == 5 for f in facts(text))  # a single digit carries no checkable fact


def test_without_sources_facts_are_verify_notes_and_grounding_is_unavailable() -> None:
    notes, features = text_checks("It cost $300 in 1999.\nNothing to check here.\n")
    assert {(n.kind, n.severity, n.lines) for n in notes} == {("number", "verify", (1, 1)), ("date", "verify", (1, 1))}
    assert features["grounding"] is None
    assert features["checks.facts"] == 2


def test_code_fences_and_plain_sentences_carry_no_notes() -> None:
    notes, _ = text_checks("Some words here.\n```\nx = 12345\n```\n")
    assert notes == []


def test_sentences_keep_their_line() -> None:
    got = [(s.line, s.text) for s in sentences("One thing. Two things!\n\nThree?")]
    assert got == [(1, "One thing."), (1, "Two things!"), (3, "Three?")]


def test_faithful_draft_has_no_notes_with_sources() -> None:
    draft = "Hubble was launched on April 24, 1990, aboard Discovery.\nIt completes 15 orbits per day.\n"
    notes, features = text_checks(draft, [("src.md", SOURCE)])
    assert notes == []
    assert features["grounding"] == 1
    assert features["grounding.unsupported_sentences"] == 0
    assert features["grounding.contradictions"] == 0


def test_changed_number_contradicts_the_source() -> None:
    draft = "Hubble was launched in 1990.\nIt orbits Earth at an altitude of about 560 kilometres.\n"
    notes, features = text_checks(draft, [("src.md", SOURCE)])
    assert [(n.kind, n.lines, n.quote) for n in notes] == [("contradiction", (2, 2), "560")]
    assert "'540'" in notes[0].why
    assert notes[0].risk is not None and notes[0].signals["checks"]["grounding_model"]  # the fitted model's risk
    assert features["grounding.contradictions"] == 1


def test_changed_name_and_citation_year_are_caught() -> None:
    draft = (
        "The telescope was named after the astronomer Edwin Powell.\n"
        "Missions ran from 1993 to 2009 (Smith et al., 2013).\n"
    )
    notes, _ = text_checks(draft, [("src.md", SOURCE)])
    assert [(n.kind, n.lines, n.quote) for n in notes] == [
        ("contradiction", (1, 1), "Edwin Powell"),
        ("contradiction", (2, 2), "(Smith et al., 2013)"),
    ]
    assert "'Hubble'" in notes[0].why and "'2011'" in notes[1].why


def test_a_value_in_another_slot_is_unsupported_not_a_contradiction() -> None:
    draft = "The mission was led by Dr. Karl Jensen in June 1990.\n"
    notes, _ = text_checks(draft, [("src.md", SOURCE)])
    assert [(n.kind, n.lines) for n in notes] == [("unsupported", (1, 1))]
    assert "'Karl Jensen'" in notes[0].why and "'Dr'" not in notes[0].why


def test_titles_and_initials_do_not_end_a_sentence() -> None:
    got = [s.text for s in sentences("Dr. Ada Byron met J. R. Smith et al. Later it rained.")]
    assert got == ["Dr. Ada Byron met J. R. Smith et al.", "Later it rained."]


def test_sentence_about_something_else_is_not_supported() -> None:
    draft = "Hubble was launched in 1990.\nVolcanic eruptions reshaped Iceland's southern glaciers dramatically.\n"
    notes, features = text_checks(draft, [("src.md", SOURCE)])
    assert [(n.kind, n.lines) for n in notes] == [("unsupported", (2, 2))]
    assert notes[0].why.startswith("not supported by the sources given")
    assert features["grounding.unsupported_sentences"] == 1
    assert features["grounding.min_coverage"] < 0.5


def test_a_unit_is_not_a_name() -> None:
    from draftmate.uncertainty.text_checks import facts

    kinds = [(f.kind, f.text) for f in facts("Attachments over 25 MB are uploaded in parts.")]
    assert ("entity", "MB") not in kinds
