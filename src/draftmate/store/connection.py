"""A store's SQLite connection and its transactions: the base the audit chain, the records and the store build on."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from draftmate.errors import StoreError
from draftmate.store import rows
from draftmate.store.rows import as_store_error


class Connected:
    """The connection every part of `SQLiteStore` writes through, with its transactions and new row IDs."""

    conn: sqlite3.Connection
    path: Path | None
    _depth: int  # how many `transaction` blocks are open; the outermost one commits

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested uses join the outer one."""
        if self._depth == 0:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                raise self._store_error(e) from None
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            # SQLite ends the transaction itself on some errors (full disk, I/O, interrupt): a ROLLBACK then
            # would fail and hide the error that says what to fix
            if self._depth == 0 and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as e:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise self._store_error(e) from None

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction, so several SELECTs see the same committed state; joins an open transaction."""
        if self.conn.in_transaction:
            yield
            return
        try:
            self.conn.execute("BEGIN")
        except sqlite3.OperationalError as e:
            raise self._store_error(e) from None
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """The rows of a query that may be long, without holding them all (SQLite's cursor steps through them)."""
        yield from self.conn.execute(sql, params)

    def _store_error(self, e: sqlite3.Error) -> StoreError:
        text = str(e)
        if "readonly" in text or "read-only" in text:
            return StoreError(f"the store at {self.path} is read-only; make it writable or set DRAFTMATE_HOME")
        return as_store_error(e) or StoreError(f"store error at {self.path}: {text}")  # locked, full: name the fix

    def _new_id(self) -> str:
        """A new row ID; `rows.new_id` is looked up when called, so tests can replace it to make IDs collide."""
        return rows.new_id()
