"""Against sources, a Markdown heading is a title, not a claim: no 'not supported' note on it (each note costs the
reviewer an answer); a heading that contradicts a source value is still noted."""

from __future__ import annotations

from draftmate.uncertainty.text_checks import text_checks

SOURCES = [("notes.md", "The widget service now caches results for 10 minutes. Cache misses fell by a third.")]


def test_an_unsupported_heading_gets_no_note() -> None:
    draft = "# Simplest Thing That Simplest Thing That\n\nThe widget service now caches results for 10 minutes.\n"
    notes, _ = text_checks(draft, SOURCES)
    assert [n.lines for n in notes if n.lines == (1, 1)] == [], [(n.lines, n.why) for n in notes]


def test_a_heading_that_contradicts_a_source_value_keeps_its_note() -> None:
    draft = "# The widget service now caches results for 30 minutes\n\nCache misses fell by a third.\n"
    notes, _ = text_checks(draft, SOURCES)
    assert any(n.lines == (1, 1) and n.kind == "contradiction" for n in notes), [(n.lines, n.kind) for n in notes]
