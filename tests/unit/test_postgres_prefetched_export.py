"""`export --all` on PostgreSQL fetches the next batch of sealed lines while it writes this one: every row once, in
order; a caller that stops early leaves no fetch running; other queries on the connection wait their turn; a lost
server is a StoreError, not a traceback from the fetching thread."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from backends import fresh_database_url
from draftmate.errors import StoreError
from draftmate.store.postgres import PgConnection, _prefetched


@pytest.fixture
def connection(postgres_server_url: str) -> Iterator[PgConnection]:
    conn = PgConnection(fresh_database_url(postgres_server_url), "test")
    yield conn
    conn.close()


def test_every_row_once_in_order_with_queries_between(connection: PgConnection) -> None:
    connection.begin_read()
    cursor = connection.raw.cursor(name="numbers")
    cursor.execute("SELECT n FROM generate_series(1, 25) AS n ORDER BY n")
    seen = []
    for (n,) in _prefetched(connection, cursor, size=4):
        seen.append(n)
        assert connection.execute("SELECT ?::int + 1", (n,)).fetchone()[0] == n + 1  # the same connection, meanwhile
    cursor.close()
    connection.commit()
    assert seen == list(range(1, 26))


def test_stopping_early_leaves_the_connection_usable(connection: PgConnection) -> None:
    connection.begin_read()
    cursor = connection.raw.cursor(name="numbers")
    cursor.execute("SELECT n FROM generate_series(1, 100) AS n ORDER BY n")
    rows = _prefetched(connection, cursor, size=10)
    assert [next(rows)[0] for _ in range(3)] == [1, 2, 3]
    rows.close()  # waits for the batch in flight
    cursor.close()
    connection.commit()
    assert connection.execute("SELECT 1").fetchone()[0] == 1


class LostServer:
    """A cursor whose server went away between two batches."""

    def fetchmany(self, size: int) -> list[object]:
        raise psycopg.OperationalError("server closed the connection unexpectedly")


def test_a_lost_server_is_a_store_error(connection: PgConnection) -> None:
    with pytest.raises(StoreError, match="cannot reach the database server"):
        list(_prefetched(connection, LostServer(), size=4))
