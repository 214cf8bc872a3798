"""Reviews shared between people or terminals: nobody inherits another's decisions, nobody overwrites them."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES
from draftmate.domain.records import Decision, Resolution, State
from draftmate.errors import GateRefused
from draftmate.services.drafts import import_draft
from draftmate.services.reviews import begin_review
from draftmate.store.backend import open_store
from draftmate.store.sqlite import SQLiteStore

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite and on PostgreSQL


def accept_everything(store: SQLiteStore, draft_id: str, reviewer: str, upto: int | None = None) -> None:
    session = begin_review(store, draft_id, reviewer=reviewer)
    for section in session.sections[:upto]:
        session.mark_seen(section.index)
        session.decide(section.index, Decision.ACCEPT)
    for note in session.open_notes():
        session.resolve(str(note.number), Resolution.VERIFIED)


def test_a_new_reviewer_starts_with_nothing_decided(store: SQLiteStore) -> None:
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    accept_everything(store, draft_id, "alice", upto=3)
    bob = begin_review(store, draft_id, reviewer="bob")
    assert bob.review.reviewer == "bob"
    assert bob.states() == ["undecided"] * len(bob.sections)
    assert bob.review.seen == []
    section = bob.sections[-1]
    bob.mark_seen(section.index)
    bob.decide(section.index, Decision.ACCEPT)
    with pytest.raises(GateRefused, match="section 1 .* is undecided"):
        bob.approve()
    assert store.get_draft(draft_id).status is State.IN_REVIEW


def test_a_decision_made_in_another_terminal_is_not_overwritten(hermetic, store: SQLiteStore) -> None:  # type: ignore[no-untyped-def]
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    accept_everything(store, draft_id, "ann")
    first = begin_review(store, draft_id, reviewer="ann")
    other_store = open_store()  # the same store again, on either backend
    second = begin_review(other_store, draft_id, reviewer="ann")
    second.decide(2, Decision.REJECT, "the dates are wrong")
    first.decide(0, Decision.ACCEPT)  # a stale copy in the first terminal must not write back section 3's accept
    with pytest.raises(GateRefused, match="section 3 .* was rejected"):
        first.approve()
    stored = store.get_review(first.review.id)
    assert [d.decision for d in stored.decisions if d.index == 2] == [Decision.REJECT]
    assert store.get_draft(draft_id).status is State.IN_REVIEW
    other_store.close()


def test_a_review_finished_elsewhere_is_not_reopened_by_a_stale_session(hermetic, store: SQLiteStore) -> None:  # type: ignore[no-untyped-def]
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    accept_everything(store, draft_id, "ann")
    first = begin_review(store, draft_id, reviewer="ann")
    other_store = open_store()  # the same store again, on either backend
    begin_review(other_store, draft_id, reviewer="ann").reject("not needed any more")
    with pytest.raises(GateRefused, match="rejected in another session"):
        first.decide(0, Decision.ACCEPT)
    assert store.get_draft(draft_id).status is State.REJECTED
    other_store.close()


def test_editorial_responsibility_comes_from_config_unless_named(runner, store: SQLiteStore) -> None:  # type: ignore[no-untyped-def]
    from draftmate.cli.commands import app

    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    assert runner.invoke(app, ["config", "set", "editorial_responsibility", "Desk Editor"]).exit_code == 0
    resolve = [f"--resolve={n.number}=verified" for n in store.list_notes(draft_id)]
    done = runner.invoke(app, ["review", draft_id[:8], "--decision", "approve", "--reviewer", "Ann", *resolve])
    assert done.exit_code == 0, done.stderr
    assert store.list_reviews(draft_id)[-1].editorial_responsibility == "Desk Editor"
