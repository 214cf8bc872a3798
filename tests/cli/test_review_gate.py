"""The review gate under pressure: takeovers, versions arriving mid-review, empty content, honest outcomes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXAMPLES
from draftmate.domain.records import Decision, Kind, Origin, Resolution, State
from draftmate.errors import DraftmateError, GateRefused
from draftmate.services.drafts import import_draft, import_version
from draftmate.services.reviews import begin_review, review_non_interactive
from draftmate.store.backend import open_store
from draftmate.store.sqlite import SQLiteStore

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite and on PostgreSQL


def resolve_all(session) -> None:  # type: ignore[no-untyped-def]
    for note in session.open_notes():
        session.resolve(str(note.number), Resolution.VERIFIED, "checked")


def test_the_previous_reviewers_session_cannot_act_after_a_takeover(hermetic, store: SQLiteStore) -> None:  # type: ignore[no-untyped-def]
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    alice = begin_review(store, draft_id, reviewer="alice")
    other = open_store()  # the same store again, on either backend
    begin_review(other, draft_id, reviewer="bob")  # bob takes the open review over in another terminal
    # alice's terminal is still open: nothing she does now may count as bob's, and she cannot finish bob's review
    for section in alice.sections:
        with pytest.raises(GateRefused, match="taken over by bob"):
            alice.mark_seen(section.index)
        with pytest.raises(GateRefused, match="taken over by bob"):
            alice.decide(section.index, Decision.ACCEPT)
    with pytest.raises(GateRefused, match="taken over by bob"):
        resolve_all(alice)
    with pytest.raises(GateRefused, match="taken over by bob"):
        alice.approve()
    stored = store.current_review(draft_id)
    assert stored is not None and stored.reviewer == "bob"
    assert stored.seen == [] and stored.decisions == []
    assert store.get_draft(draft_id).status is State.IN_REVIEW
    other.close()


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def approve_all(store: SQLiteStore, draft_id: str, reviewer: str = "ann"):  # type: ignore[no-untyped-def]
    notes = [(str(n.number), Resolution.VERIFIED, "checked") for n in store.list_notes(draft_id) if not n.resolution]
    return review_non_interactive(
        store,
        draft_id,
        decision="approve",
        reviewer=reviewer,
        editorial_responsibility=None,
        reason="",
        resolutions=notes,
    )


BROKEN = "def area(r):\n    return 3.14 * r *\n\n\ndef name():\n    return 'x'\n"
FIXED = "import math\n\n\ndef area(r):\n    return math.pi * r * r\n\n\ndef name():\n    return 'x'\n"


def test_a_superseded_version_is_labelled_by_how_far_it_was_from_what_was_approved(
    tmp_path: Path, store: SQLiteStore
) -> None:
    draft_id = import_draft(store, write(tmp_path / "area.py", BROKEN)).id
    first_notes = {n.id for n in store.list_notes(draft_id)}
    assert first_notes, "the parse failure gives version 1 a note"
    import_version(store, draft_id, write(tmp_path / "area2.py", FIXED))
    assert approve_all(store, draft_id).status is State.FINAL
    by_version = {p["version"]: p for p in store.iter_predictions()}
    assert set(by_version) == {1, 2}
    # version 1 did not parse and was replaced before approval: it must not be labelled as approved untouched
    assert by_version[1]["outcome"]["edit_distance"] > 0.1
    assert by_version[2]["outcome"]["edit_distance"] == 0.0
    # each prediction's span labels are about its own version's notes, measured against its own text
    assert set(by_version[1]["outcome"]["notes_changed"]) <= first_notes
    assert not set(by_version[2]["outcome"]["notes_changed"]) & first_notes
    assert all(by_version[1]["outcome"]["notes_changed"].values())


@pytest.mark.parametrize("content", ["", " \n\t\n\n"])
def test_an_empty_draft_cannot_be_approved(store: SQLiteStore, content: str) -> None:
    # a model reply that finished with nothing in it is stored as it came; approving it would make nothing final
    draft = store.create_draft(content, kind=Kind.TEXT, lang="", origin=Origin.MODEL, author="model")
    with pytest.raises(GateRefused) as refused:
        approve_all(store, draft.id)
    assert any("empty" in p for p in refused.value.reasons)
    assert store.get_draft(draft.id).status is State.DRAFT  # all or nothing: the refusal wrote nothing
    rejected = review_non_interactive(
        store,
        draft.id,
        decision="reject",
        reviewer="ann",
        editorial_responsibility=None,
        reason="empty",
        resolutions=[],
    )
    assert rejected.status is State.REJECTED


def test_a_reviewers_edit_keeps_the_confidence_that_was_predicted(runner, store: SQLiteStore) -> None:  # type: ignore[no-untyped-def]
    import json

    from draftmate.cli.commands import app

    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    predicted = store.get_draft(draft_id).confidence
    assert predicted is not None
    session = begin_review(store, draft_id, reviewer="ann")
    last = session.sections[-1]
    session.edit(last.index, "## Thanks\n\nThanks to everyone who reported issues.\n")
    # a person's edit is not a new prediction: the draft still shows what was predicted, not "-" (never predicted)
    assert store.get_draft(draft_id).confidence == predicted
    listed = runner.invoke(app, ["list", "--json"])
    assert json.loads(listed.stdout)[0]["confidence"] == predicted.level
    shown = json.loads(runner.invoke(app, ["show", draft_id[:8], "--json"]).stdout)
    assert shown["confidence"] == predicted.model_dump()


def test_a_new_version_from_a_file_takes_its_title_from_the_new_heading(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    from draftmate.cli.commands import app

    first = runner.invoke(app, ["draft", "--from-file", write(tmp_path / "a.md", "# Alpha plan\n\nText.\n"), "--json"])
    draft_id = json.loads(first.stdout)["id"]
    second = write(tmp_path / "b.md", "# Beta plan\n\nText, rewritten.\n")
    again = runner.invoke(app, ["draft", "--from-file", second, "--version-of", draft_id[:8], "--json"])
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["title"] == "Beta plan"
    listed = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert [row["title"] for row in listed] == ["Beta plan"]


def test_an_edit_made_on_a_version_replaced_meanwhile_does_not_undo_the_new_version(
    hermetic: Path, tmp_path: Path, store: SQLiteStore
) -> None:
    original = (EXAMPLES / "release-notes.md").read_text(encoding="utf-8")
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    alice = begin_review(store, draft_id, reviewer="alice")
    last = alice.sections[-1]
    # meanwhile, from another terminal, the author corrects a figure in another section
    _replace_elsewhere(hermetic, tmp_path, draft_id, original.replace("38%", "35%"))
    with pytest.raises(DraftmateError, match="changed in another session"):
        alice.edit(last.index, "## Thanks\n\nThanks to all who reported issues.\n")
    current = store.get_version(draft_id)
    assert current.number == 2 and "35%" in current.content
    # looked at again, the edit applies to the version there is now, keeping the correction
    alice = begin_review(store, draft_id, reviewer="alice")
    alice.edit(alice.sections[-1].index, "## Thanks\n\nThanks to all who reported issues.\n")
    current = store.get_version(draft_id)
    assert current.number == 3 and "35%" in current.content and "to all who" in current.content


def test_a_code_note_points_at_its_line_past_a_form_feed(tmp_path: Path, store: SQLiteStore) -> None:
    # a form feed on its own line (GNU style page break) is whitespace to Python but a line break to splitlines,
    # which sections and the review number lines by: the note must name the line the reviewer sees
    code = "import os\n\x0c\n\ndef f():\n    return undefined_name\n"
    draft_id = import_draft(store, write(tmp_path / "paged.py", code)).id
    (note,) = [n for n in store.list_notes(draft_id) if n.kind == "undefined-name"]
    assert note.lines is not None
    shown = code.splitlines()[note.lines[0] - 1]
    assert "undefined_name" in shown
    assert note.quote == "undefined_name" or "undefined_name" in note.quote
    session = begin_review(store, draft_id, reviewer="ann")
    (holder,) = [s for s in session.sections if "undefined_name" in s.text]
    assert session.notes_for(holder) == [note]


def _replace_elsewhere(hermetic: Path, tmp_path: Path, draft_id: str, content: str) -> None:
    """Another terminal stores a new version while a review is open."""
    other = open_store()  # the same store again, on either backend
    import_version(other, draft_id, write(tmp_path / "elsewhere.md", content))
    other.close()


def test_a_section_shown_before_a_new_version_arrived_does_not_count_as_seen_in_it(
    hermetic: Path, tmp_path: Path, store: SQLiteStore
) -> None:
    original = (EXAMPLES / "release-notes.md").read_text(encoding="utf-8")
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    ann = begin_review(store, draft_id, reviewer="ann")
    shown = ann.sections[1]  # the terminal prints this text ...
    _replace_elsewhere(hermetic, tmp_path, draft_id, original.replace("38%", "83%"))
    ann.mark_seen(shown.index)  # ... and records it as seen, after the new version arrived
    changed = ann.sections[1]
    assert "83%" in changed.text and changed.sha256 not in ann.review.seen
    with pytest.raises(DraftmateError, match="not been shown"):
        ann.decide(1, Decision.ACCEPT)  # the new text was never on the screen


def test_a_key_pressed_for_one_section_never_decides_another_after_a_new_version(
    hermetic: Path, tmp_path: Path, store: SQLiteStore
) -> None:
    original = (EXAMPLES / "release-notes.md").read_text(encoding="utf-8")
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    ann = begin_review(store, draft_id, reviewer="ann")
    for section in ann.sections:
        ann.mark_seen(section.index)  # she paged through everything first
    on_screen = ann.sections[2]  # "## Compatibility"
    what_changed = ann.sections[1].text
    _replace_elsewhere(hermetic, tmp_path, draft_id, original.replace(what_changed, ""))  # a section goes away
    with pytest.raises(DraftmateError, match="changed in another session"):
        ann.decide(on_screen.index, Decision.ACCEPT)  # index 2 is "## Thanks" now, which she did not accept
    review = store.current_review(draft_id)
    assert review is not None and review.decisions == []


@pytest.mark.parametrize("reason", ["", "  "])
def test_asking_for_changes_needs_to_say_what_should_change(store: SQLiteStore, reason: str) -> None:
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    with pytest.raises(DraftmateError, match="say what should change: --reason TEXT"):
        review_non_interactive(
            store,
            draft_id,
            decision="changes",
            reviewer="Ann",
            editorial_responsibility=None,
            reason=reason,
            resolutions=[],
        )
    assert store.get_draft(draft_id).status is State.DRAFT  # nothing was written
    assert store.list_reviews(draft_id) == []
