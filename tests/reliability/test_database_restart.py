"""A PostgreSQL server restarted in the middle of a review: no decision is lost, and the review goes on on a new
connection; a server that stays down is one line naming the host and the setting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import pg_server
from backends import fresh_database_url, postgres_required
from conftest import EXAMPLES
from draftmate.domain.records import Decision, Resolution, State
from draftmate.errors import StoreError
from draftmate.services.drafts import import_draft
from draftmate.services.reviews import begin_review
from draftmate.store.postgres import PostgresStore


@pytest.fixture
def own_server() -> Iterator[pg_server.Server]:
    """A server of this test's own, to restart and stop."""
    try:
        server = pg_server.start()
    except RuntimeError as e:
        if postgres_required():
            pytest.fail(f"PostgreSQL is required here but could not start: {e}")
        pytest.skip(f"no PostgreSQL server could be started ({e})")
    yield server
    server.stop()


def test_a_restart_mid_review_loses_no_decision_and_the_review_resumes(
    own_server: pg_server.Server, hermetic: Path
) -> None:
    store = PostgresStore(fresh_database_url(own_server.url()))
    draft = import_draft(store, str(EXAMPLES / "release-notes.md"))
    session = begin_review(store, draft.id, reviewer="Ann")
    assert len(session.sections) >= 2
    first = session.sections[0].index
    session.mark_seen(first)
    session.decide(first, Decision.ACCEPT)

    own_server.pg_ctl("restart", "-m", "fast")  # every connection is dropped

    for section in session.sections[1:]:  # the next step reconnects; the one before it was kept
        session.mark_seen(section.index)
        session.decide(section.index, Decision.ACCEPT)
    for note in session.open_notes():
        session.resolve(note.id, Resolution.VERIFIED, "checked")
    assert session.approve().status is State.FINAL
    stored = store.list_reviews(draft.id)[-1]
    assert [d.index for d in stored.decisions] == [s.index for s in session.sections]
    assert store.verify() == []
    store.close()


def test_a_server_gone_mid_command_is_one_line_naming_the_host(own_server: pg_server.Server, hermetic: Path) -> None:
    store = PostgresStore(fresh_database_url(own_server.url()), "DRAFTMATE_DATABASE_URL")
    import_draft(store, str(EXAMPLES / "release-notes.md"))
    own_server.pg_ctl("stop", "-m", "immediate")
    with pytest.raises(StoreError, match=f"cannot reach the database server at 127.0.0.1:{own_server.port}") as caught:
        store.list_drafts()
    assert "\n" not in str(caught.value) and "DRAFTMATE_DATABASE_URL" in str(caught.value)
    store.close()
