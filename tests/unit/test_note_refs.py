"""Notes and ideas are named by number or ID prefix; a random ID that happens to be all digits is still an ID."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import EXAMPLES
from draftmate.domain.records import Note, Resolution, Severity
from draftmate.errors import AmbiguousId, NotFound
from draftmate.services.drafts import import_draft
from draftmate.services.reviews import begin_review, find_note
from draftmate.store import rows as store_module  # new_id: the one ID maker the store calls
from draftmate.store.sqlite import SQLiteStore


def note(note_id: str, number: int) -> Note:
    return Note(
        id=note_id,
        draft_id="d" * 32,
        number=number,
        version=1,
        kind="fact",
        severity=Severity.VERIFY,
        why="check it",
        source="human",
        created_at="2026-11-25T00:00:00Z",
    )


DIGITS = "76826474295344069463607085596339"  # a real uuid4 hex that CI drew once, read then as note #7.6e31
NOTES = [note(DIGITS, 1), note("7682aaaa" + "0" * 24, 2), note("12" + "b" * 30, 3)]


def test_a_full_id_of_only_digits_is_the_id_not_a_number() -> None:
    assert find_note(NOTES, DIGITS).number == 1


def test_numbers_win_over_prefixes_and_digit_prefixes_still_work() -> None:
    assert find_note(NOTES, "3").number == 3
    assert find_note(NOTES, "#2").number == 2
    assert find_note(NOTES, "76826").number == 1  # no note 76826: read as a prefix
    assert find_note(NOTES, "12BBB").number == 3


def test_an_ambiguous_prefix_is_refused_not_guessed() -> None:
    with pytest.raises(AmbiguousId, match="#1 .*#2"):
        find_note(NOTES, "7682")


def test_unknown_refs_list_the_notes_there_are() -> None:
    for ref in ("9", "ffff", "ab"):
        with pytest.raises(NotFound, match="its notes are: 1, 2, 3"):
            find_note(NOTES, ref)


def test_review_resolves_notes_whose_ids_are_all_digits(store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = itertools.count(10**31)
    monkeypatch.setattr(store_module, "new_id", lambda: str(next(counter)))
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    session = begin_review(store, draft_id, reviewer="alice")
    notes = session.open_notes()
    assert notes and all(n.id.isdigit() for n in notes)
    for n in notes:  # the interactive review passes full IDs
        assert session.resolve(n.id, Resolution.VERIFIED).id == n.id
    assert session.open_notes() == []


def test_ideas_by_number_or_digit_only_id(store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = itertools.count(10**31)
    monkeypatch.setattr(store_module, "new_id", lambda: str(next(counter)))
    stored = store.add_ideas("onboarding", [{"title": f"idea {i}", "rationale": "r"} for i in range(3)])
    assert store.get_idea("2")["title"] == "idea 1"
    assert store.get_idea(stored[2]["id"])["title"] == "idea 2"
    with pytest.raises(AmbiguousId):
        store.get_idea(stored[0]["id"][:6])
    with pytest.raises(NotFound):
        store.get_idea("99")


HEX_IDS = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32) | st.text(
    alphabet="0123456789", min_size=32, max_size=32
)


@given(ids=st.lists(HEX_IDS, min_size=1, max_size=12, unique=True))
def test_every_note_is_found_by_its_id_and_by_its_number(ids: list[str]) -> None:
    notes = [note(note_id, number) for number, note_id in enumerate(ids, start=1)]
    for n in notes:
        assert find_note(notes, n.id) is n
        assert find_note(notes, str(n.number)) is n
        assert find_note(notes, f"#{n.number}") is n


def test_a_superscript_digit_is_no_note_or_idea_number(store: SQLiteStore) -> None:
    # str.isdigit() says yes to "²" and int() refuses it: a ValueError traceback instead of "no such note/idea"
    with pytest.raises(NotFound, match="no note"):
        find_note([], "²")
    with pytest.raises(NotFound, match="no idea"):
        store.get_idea("²")
