"""A store's connection and its transactions, on either database: the base the audit chain, the records and the
store build on.

The shared SQL runs through `Connection`, what both `sqlite3.Connection` (as it is) and PostgreSQL's `PgConnection`
(store/postgres.py) provide, and reads `Row`s, what both give back. How a transaction begins, commits and rolls
back, and how a long query is streamed, is each backend's (`SQLiteStore`, `PostgresStore`).
"""

from __future__ import annotations

import contextlib
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from draftmate.store import rows
from draftmate.store.rows import Row


class Cursor(Protocol):
    """A cursor as both backends give it: run a statement, then fetch or iterate its rows."""

    row_factory: Any  # None for plain tuples (SQLite's; PostgreSQL's rows unpack as tuples already)

    @property
    def description(self) -> Any: ...
    @property
    def rowcount(self) -> int: ...
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...
    def fetchone(self) -> Any: ...  # a Row, or None; Any so that a query sure of its row indexes it directly
    def fetchmany(self, size: int) -> Sequence[Row]: ...
    def fetchall(self) -> Sequence[Row]: ...
    def __iter__(self) -> Iterator[Row]: ...


class Connection(Protocol):
    """What the shared SQL runs through: `?` parameters, one statement at a time."""

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...
    def cursor(self) -> Cursor: ...
    def close(self) -> None: ...


C = TypeVar("C", bound=Connection)


class Connected(Generic[C]):
    """The connection every part of a store writes through, with its transactions and new row IDs."""

    conn: C
    path: Path | None  # the SQLite file; None in memory and on PostgreSQL
    _depth: int  # how many `transaction` blocks are open; the outermost one commits
    _driver_errors: tuple[type[Exception], ...]  # what the driver raises: a failed rollback after an error is ignored

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested uses join the outer one."""
        if self._depth == 0:
            self._begin_write()
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            # SQLite ends the transaction itself on some errors (full disk, I/O, interrupt), PostgreSQL on a lost
            # connection: a ROLLBACK then would fail and hide the error that says what to fix
            if self._depth == 0 and self.conn.in_transaction:
                self._rollback()
            raise
        self._depth -= 1
        if self._depth == 0:
            self._commit()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction, so several SELECTs see the same committed state; joins an open transaction."""
        if self.conn.in_transaction:
            yield
            return
        self._begin_read()
        try:
            yield
        except BaseException:
            with contextlib.suppress(*self._driver_errors):
                self._rollback()
            raise
        self._end_read()

    @abstractmethod
    def _begin_write(self) -> None:
        """Begin a write transaction, one writer at a time."""

    @abstractmethod
    def _begin_read(self) -> None:
        """Begin a read transaction that sees one committed state."""

    @abstractmethod
    def _commit(self) -> None:
        """Commit the write transaction; a StoreError (and nothing kept) when that fails."""

    @abstractmethod
    def _end_read(self) -> None:
        """End the read transaction."""

    @abstractmethod
    def _rollback(self) -> None:
        """Roll the open transaction back."""

    @abstractmethod
    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """The rows of a query that may be long, without holding them all."""

    def _new_id(self) -> str:
        """A new row ID; `rows.new_id` is looked up when called, so tests can replace it to make IDs collide."""
        return rows.new_id()
