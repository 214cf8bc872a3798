"""On PostgreSQL, `verify` and `iter_audit` read the chain and the rows through a server-side cursor, a batch at a
time (pg_cursors shows it open while they walk), instead of loading the whole result into memory; what they find
is the same."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from backends import fresh_database_url
from draftmate.domain.records import Kind, Origin
from draftmate.store import audit
from draftmate.store.postgres import PgConnection, PostgresStore


@pytest.fixture
def pg_store(postgres_server_url: str) -> Iterator[PostgresStore]:
    store = PostgresStore(fresh_database_url(postgres_server_url))
    for i in range(5):
        store.create_draft(f"draft {i}", kind=Kind.TEXT, lang="", origin=Origin.IMPORTED, author="t")
    yield store
    store.close()


def open_cursors(store: PostgresStore) -> set[str]:
    return {r[0] for r in store.conn.raw.execute("SELECT name FROM pg_cursors")}


def test_iter_audit_walks_the_chain_through_a_server_side_cursor(pg_store: PostgresStore) -> None:
    events = pg_store.iter_audit()
    first = next(events)
    assert first.seq == 1
    assert any(name.startswith("draftmate_stream_") for name in open_cursors(pg_store))
    assert [e.seq for e in events] == list(range(2, 6))
    assert open_cursors(pg_store) == set()  # closed, its snapshot ended


def test_verify_walks_the_chain_and_the_versions_through_server_side_cursors(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, set[str]] = {"chain": set(), "versions": set()}
    event_hash, sha256_hex = audit._event_hash, audit.sha256_hex

    def spy_event_hash(*args: Any) -> str:
        seen["chain"] |= open_cursors(pg_store)
        return event_hash(*args)

    def spy_sha256_hex(text: str) -> str:
        seen["versions"] |= open_cursors(pg_store)
        return sha256_hex(text)

    monkeypatch.setattr(audit, "_event_hash", spy_event_hash)
    monkeypatch.setattr(audit, "sha256_hex", spy_sha256_hex)
    assert pg_store.verify() == []
    assert any(name.startswith("draftmate_stream_") for name in seen["chain"])
    assert any(name.startswith("draftmate_stream_") for name in seen["versions"])


def test_batches_smaller_than_the_chain_find_the_same(pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = PgConnection.stream
    monkeypatch.setattr(PgConnection, "stream", lambda self, sql, params=(), size=2: stream(self, sql, params, 2))
    assert [e.seq for e in pg_store.iter_audit()] == [1, 2, 3, 4, 5]
    assert pg_store.verify() == []
    pg_store.conn.execute("UPDATE versions SET content = 'edited by hand' WHERE number = 1 AND content = 'draft 3'")
    problems = pg_store.verify()
    assert any("content does not match its sha256" in p for p in problems), problems
