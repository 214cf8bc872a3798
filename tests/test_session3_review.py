"""Regressions found in the session-3 review of the day's changes."""

from __future__ import annotations

import pytest

from draftmate.domain.outcomes import changed_lines, edit_distance
from draftmate.errors import NotFound
from draftmate.services.reviews import find_note
from draftmate.store.sqlite import SQLiteStore


def _paragraphs(skip: int | None = None) -> str:
    """A 240-line text: paragraphs between blank lines, one short line ("Example:") used three times."""
    paras = [f"Paragraph {i} says something about topic {i} at some length." for i in range(120)]
    for at in (10, 60, 100):
        paras[at] = "Example:"
    return "\n\n".join(p for i, p in enumerate(paras) if i != skip) + "\n"


def test_deleting_one_short_paragraph_of_a_long_text_is_a_small_edit() -> None:
    # difflib's autojunk (on for 200+ lines) made the blank lines anchor nothing and matched the first "Example:"
    # with a later one: a 1-token deletion was measured as 0.9 of the text rewritten, a confident error
    before, after = _paragraphs(), _paragraphs(skip=10)
    assert 0 < edit_distance(before, after) < 0.01
    # the deleted paragraph (line 21) and one blank line beside it; autojunk marked 178 lines
    assert changed_lines(before, after) in ({20, 21}, {21, 22})


def test_a_superscript_digit_is_no_note_or_idea_number(store: SQLiteStore) -> None:
    # str.isdigit() says yes to "²" and int() refuses it: a ValueError traceback instead of "no such note/idea"
    with pytest.raises(NotFound, match="no note"):
        find_note([], "²")
    with pytest.raises(NotFound, match="no idea"):
        store.get_idea("²")
