"""Where a note points (one range, or the lines of a repeated fact) and a note's words cut short at a word."""

from __future__ import annotations

from draftmate.domain.lifecycle import gate_problems
from draftmate.domain.note_text import clip_words, note_spans, spans_label
from draftmate.domain.records import Note, Review, ReviewStatus, Severity
from draftmate.domain.sections import split_sections


def test_a_note_without_listed_lines_is_its_one_range() -> None:
    assert note_spans((3, 4), {"checks": {"pattern": "entity"}}) == [(3, 4)]
    assert note_spans(None, {}) == []
    assert note_spans([5, 5], None) == [(5, 5)]


def test_a_repeated_fact_is_on_the_lines_its_signals_list() -> None:
    # the same fact once per draft: the note is at its first line and lists every line it is on
    assert note_spans((3, 3), {"checks": {"pattern": "entity", "lines": [3, 9, 5]}}) == [(3, 3), (5, 5), (9, 9)]
    assert note_spans((3, 4), {"checks": {"lines": [3, 9]}}) == [(3, 4), (9, 9)]  # a fact on two lines, then one


def test_facts_of_a_paragraph_are_on_their_lines_not_between() -> None:
    # one note for the numbers of a paragraph: its range is theirs, its first lines listed
    assert note_spans((3, 9), {"checks": {"pattern": "number", "lines": [3, 5, 8]}}) == [(3, 3), (5, 5), (8, 9)]
    assert note_spans((3, 9), {"checks": {"lines": [[3, 4], [8, 9]]}}) == [(3, 4), (8, 9)]
    assert note_spans((3, 9), {"checks": {"lines": [[3, 4], 5, [9, 9]]}}) == [(3, 5), (9, 9)]  # touching: joined


def test_malformed_listed_lines_are_ignored() -> None:
    assert note_spans((3, 9), {"checks": {"lines": [0, -2, "5", [7], [9, 8], True]}}) == [(3, 9)]
    assert note_spans((3, 9), {"checks": {"lines": "3,9"}, "samples": {"of": 2}}) == [(3, 9)]


def test_spans_read_as_a_reader_counts_lines() -> None:
    assert spans_label([(8, 8)]) == "8"
    assert spans_label([(3, 4), (9, 9)]) == "3-4, 9"
    assert spans_label([]) == "-"


def test_clip_words_cuts_at_a_word_boundary() -> None:
    why = "this package may not exist: a missing import, or an invented helper; check it"
    clipped = clip_words(why, 40)
    assert clipped == "this package may not exist: a missing\u2026"
    assert len(clipped) <= 40
    assert clip_words("short enough", 40) == "short enough"
    assert clip_words("one\nline  only", 40) == "one line only"
    assert clip_words("x" * 50, 10) == "x" * 9 + "\u2026"  # one long word: nothing else to cut at


def test_a_gate_refusal_never_cuts_a_note_mid_word() -> None:
    content = "# t\n\nbody\n"
    sections = split_sections(content, "text", "markdown")
    review = Review(
        id="r",
        draft_id="d",
        version=1,
        reviewer="Ann",
        editorial_responsibility="Ann",
        status=ReviewStatus.OPEN,
        started_at="2026-01-01T00:00:00Z",
    )
    why = "name 'strict' is not defined anywhere: a typo, a missing import, or an invented helper"
    note = Note(
        id="n",
        draft_id="d",
        number=2,
        version=1,
        kind="code",
        severity=Severity.BLOCKING,
        why=why,
        source="check",
        created_at="2026-01-01T00:00:00Z",
    )
    [problem] = [p for p in gate_problems(sections, review, [note]) if p.startswith("note 2")]
    assert problem == "note 2 (blocking: name 'strict' is not defined anywhere: a typo, a missing\u2026) is unresolved"
    assert "a missing imp" not in problem
