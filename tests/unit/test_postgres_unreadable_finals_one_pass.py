"""On PostgreSQL, `export --all`'s check for final drafts whose request does not parse makes one pass of the server's
JSON parser when every request parses (json_valid, a subtransaction per row, runs only when one does not), and still
names the one that does not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from backends import fresh_database_url
from draftmate.domain.vocabulary import Kind, Origin, State
from draftmate.store.postgres import PgConnection, PostgresStore


@pytest.fixture
def pg_store(postgres_server_url: str) -> Iterator[PostgresStore]:
    """A PostgreSQL store in a fresh schema."""
    store = PostgresStore(fresh_database_url(postgres_server_url))
    yield store
    store.close()


def finals(store: PostgresStore, count: int) -> list[str]:
    """`count` drafts marked final straight in the store."""
    ids = []
    for i in range(count):
        draft = store.create_draft(f"Text {i}.", kind=Kind.TEXT, lang="", origin=Origin.IMPORTED, author="Ann")
        store.set_state(draft.id, State.FINAL, actor="Ann", event="review.approved")
        ids.append(draft.id)
    return ids


def statements(store: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement the store's connection runs from now on."""
    seen: list[str] = []
    original = PgConnection._statement

    def traced(self: PgConnection, sql: str, params: Any = None) -> Any:
        seen.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(PgConnection, "_statement", traced)
    return seen


def test_every_request_parses_so_no_row_by_row_check(pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> None:
    finals(pg_store, 3)
    seen = statements(pg_store, monkeypatch)
    assert pg_store.unreadable_finals() == []
    assert not any("json_valid(request_json) = 0" in sql for sql in seen), seen
    assert any("request_json::json" in sql for sql in seen), seen


def test_a_request_that_does_not_parse_is_still_named(pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> None:
    good, bad = finals(pg_store, 2)
    pg_store.conn.execute("UPDATE drafts SET request_json = '{\"spec\": ' WHERE id = ?", (bad,))
    seen = statements(pg_store, monkeypatch)
    named = dict(pg_store.unreadable_finals())
    assert list(named) == [bad] and good not in named
    assert any("json_valid(request_json) = 0" in sql for sql in seen), seen
