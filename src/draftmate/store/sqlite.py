"""The store in a SQLite file: drafts, versions, notes, reviews, predictions and a hash-chained audit log.

`SQLiteStore` implements `store.protocol.Store`, the interface the rest of draftmate uses (`store.backend.open_store`
picks it), and `SQLiteStore.memory()` is its in-memory twin for tests. Every change and the audit event that
records it are written in one transaction, so a crash leaves either both or neither.

The SQL both backends share is `sql.SqlStore`'s (and its layers'); what is SQLite's own is here: opening the file
(WAL, a busy timeout, mode 0600), migrations, BEGIN IMMEDIATE, sqlite3's errors as StoreErrors, FTS5 search and the
export's read of sealed finals (json_quote). Tests and benchmarks import from here: `draftmate.store.sqlite` is
their import surface.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from draftmate.domain.digests import canonical, sha256_hex
from draftmate.errors import StoreError
from draftmate.store.audit import GENESIS, SEALED, SEALED_FINALS_FROM, DraftBundle, RowBundle, bundle_of, sealed_line
from draftmate.store.audit import _event_hash as _event_hash  # the private names re-exported: tests and bench use them
from draftmate.store.audit import _loads as _loads
from draftmate.store.migrations import COUNTING_TRIGGERS, MIGRATIONS
from draftmate.store.rows import BUSY_TIMEOUT_MS, DRAFT_COLUMNS, Row, fts_query, new_id, now, title_of
from draftmate.store.rows import _note as _note  # (test_export compares it with the bulk export)
from draftmate.store.sql import MIN_PREFIX, UNPARSABLE_REQUEST, SqlStore

# The import surface: what other modules, tests and benchmarks import from `draftmate.store.sqlite`.
__all__ = [
    "BUSY_TIMEOUT_MS",
    "DRAFT_COLUMNS",
    "GENESIS",
    "MIN_PREFIX",
    "SEALED",
    "DraftBundle",
    "RowBundle",
    "SQLiteStore",
    "as_store_error",
    "bundle_of",
    "canonical",
    "fts_query",
    "new_id",
    "now",
    "sha256_hex",
    "title_of",
]


def as_store_error(error: BaseException) -> StoreError | None:
    """A database failure that escaped a query (damaged file, full disk, lock held too long) as a StoreError."""
    if type(error) not in (sqlite3.DatabaseError, sqlite3.OperationalError):
        return None  # IntegrityError, ProgrammingError and the like are bugs: let them show a traceback
    # One line, and short: a message about a damaged row can quote the row's content.
    text = " ".join(str(error).split())[:120]
    where = "`draftmate config path` shows where it is"
    if "malformed" in text or "not a database" in text or "Could not decode" in text:
        text = "database disk image is malformed" if "Could not decode" in text else text
        return StoreError(f"the store's database file is damaged ({text}); restore a backup or move it aside ({where})")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"the store is read-only ({text}); make it writable or set DRAFTMATE_HOME ({where})")
    if "locked" in text or "busy" in text:
        return StoreError(f"the store stayed locked by another process for {BUSY_TIMEOUT_MS // 1000} s; try again")
    if "full" in text or "I/O" in text:
        return StoreError(f"the store cannot be written ({text}); free some disk space ({where})")
    return StoreError(f"store error: {text} ({where})")


class SQLiteStore(SqlStore[sqlite3.Connection]):
    """The SQLite store: WAL, a busy timeout, file mode 0600, migrations applied on open."""

    _driver_errors = (sqlite3.Error,)
    _search_errors = (sqlite3.OperationalError,)
    # SQLite keeps a text where the risk's REAL column is (PostgreSQL's DOUBLE PRECISION refuses one)
    _odd_drafts = (
        *SqlStore._odd_drafts,
        ("typeof(confidence_score) NOT IN ('real', 'integer', 'null')", "confidence_score is not a number"),
    )

    def __init__(self, path: Path | str, *, _conn: sqlite3.Connection | None = None) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        self._depth = 0
        if self.path is not None:
            from draftmate.fileio import protect

            protect(self.path)  # no export, however its path is spelled, may write over the store
        self.skipped_drafts: list[str] = []  # IDs the last list_drafts left out: rows it could not read
        self.conn = _conn if _conn is not None else self._connect(Path(path))
        self._migrate()

    @classmethod
    def memory(cls) -> SQLiteStore:
        """An empty store in memory, for tests and benchmarks."""
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.row_factory = sqlite3.Row
        return cls(":memory:", _conn=conn)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _refuse_foreign(conn, path)  # before the switch to WAL, which would already change someone else's file
            mode = _journal_wal(conn)
            if mode != "wal" and os.access(path, os.W_OK):
                raise StoreError(f"{path}: could not switch to WAL journaling")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            return conn
        except PermissionError as e:
            raise StoreError(
                f"cannot open the store at {path}: {e.strerror}; make the directory writable or set DRAFTMATE_HOME"
            ) from None
        except sqlite3.DatabaseError as e:
            if "disk I/O error" in str(e) or "full" in str(e):  # e.g. no room for the -shm file: not a bad file
                raise StoreError(
                    f"cannot open the store at {path} ({e}); free some disk space on its drive or set DRAFTMATE_HOME"
                ) from None
            if not os.access(path.parent, os.W_OK):  # SQLite must create -wal/-shm beside the file; not a bad file
                raise StoreError(
                    f"cannot open the store at {path}: its directory is read-only; make {path.parent} writable "
                    "or set DRAFTMATE_HOME"
                ) from None
            raise StoreError(
                f"{path} is not a readable draftmate database ({e}); move it aside or set DRAFTMATE_HOME"
            ) from None
        except OSError as e:
            raise StoreError(f"cannot open the store at {path}: {e.strerror}; set DRAFTMATE_HOME elsewhere") from None

    # ---- migrations --------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        try:
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as e:
            raise StoreError(
                f"{self.path} is not a readable draftmate database ({e}); move it aside or set DRAFTMATE_HOME"
            ) from None
        if tables and "_migrations" not in tables:
            raise StoreError(f"{self.path} is a database draftmate did not create; move it aside or set DRAFTMATE_HOME")
        applied = set()
        if "_migrations" in tables:
            applied = {r[0] for r in self.conn.execute("SELECT name FROM _migrations")}
        known = {name for name, _ in MIGRATIONS}
        if applied - known:
            raise StoreError(
                f"{self.path} was written by a newer draftmate (migrations {sorted(applied - known)}); "
                "upgrade draftmate"
            )
        pending = [(name, sql) for name, sql in MIGRATIONS if name not in applied]
        if not pending:
            return
        with self.transaction():
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            # Another process may have migrated while this one waited for the write lock: look again.
            applied = {r[0] for r in self.conn.execute("SELECT name FROM _migrations")}
            pending = [(name, sql) for name, sql in MIGRATIONS if name not in applied]
            for name, sql in pending:
                try:
                    for statement in _statements(sql):
                        self.conn.execute(statement)
                except sqlite3.Error as e:
                    raise StoreError(
                        f"migration {name} failed on {self.path} ({e}); nothing was changed, report this"
                    ) from None
                self.conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, now()))

    # ---- transactions ------------------------------------------------------------------------------------

    def _begin_write(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise self._store_error(e) from None

    def _begin_read(self) -> None:
        try:
            self.conn.execute("BEGIN")
        except sqlite3.OperationalError as e:
            raise self._store_error(e) from None

    def _commit(self) -> None:
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as e:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise self._store_error(e) from None

    def _end_read(self) -> None:
        self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        self.conn.execute("ROLLBACK")

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """The rows of a query that may be long, without holding them all (SQLite's cursor steps through them)."""
        yield from self.conn.execute(sql, params)

    def _store_error(self, e: sqlite3.Error) -> StoreError:
        text = str(e)
        if "readonly" in text or "read-only" in text:
            return StoreError(f"the store at {self.path} is read-only; make it writable or set DRAFTMATE_HOME")
        return as_store_error(e) or StoreError(f"store error at {self.path}: {text}")  # locked, full: name the fix

    # ---- search and policy ---------------------------------------------------------------------------------

    def _search_clause(self, search: str) -> tuple[str, str, str, list[Any]]:
        """How `list --search` finds drafts here: (FROM source, ORDER BY key, WHERE clause, its parameters)."""
        # ordering by the FTS table's own rowid lets FTS5 hand matches over newest first and stop at the
        # limit; ordering by d.rowid sorted every match first (75 ms for a common word in 100k drafts)
        return "drafts_fts f JOIN drafts d ON d.rowid = f.rowid", "f.rowid", "drafts_fts MATCH ?", [fts_query(search)]

    def may_set_policy(self) -> bool:
        """Whether whoever is connected may change the review policy: on SQLite, one person's file, always."""
        return True

    def _unparsable_final_requests(self) -> str:
        """SQLite's json_valid, one C call per row."""
        return UNPARSABLE_REQUEST

    # ---- sealed finals: the bulk export's read of each final draft's seal -------------------------------

    def iter_sealed_finals(self) -> Iterator[tuple[str, tuple[bytes, bytes, bytes] | None]]:
        """Every final draft, oldest first, in one snapshot: (id, its sealed line as head, content, tail) or (id, None).

        The bulk export's read, in UTF-8 bytes as the line is written (no decoding and encoding back), the content
        already a JSON string. The parts are None unless the seal still holds: made for the approved version, no
        write to the draft's rows or audit events since (`writes`, while every trigger that counts them is there),
        matching the digest its audit event recorded, and the content its sha256. Then nothing else needs reading;
        any other draft is the caller's to rebuild and check row by row.
        """
        # SQLite's json_quote writes what json.dumps(ensure_ascii=False) writes, checked here once: where it does
        # not, the content is quoted in Python
        quoted = "CAST(json_quote(v.content) AS BLOB)" if self._json_quote_matches() else "NULL"
        sql = f"""
            SELECT d.id, d.approved_sha256, CAST(v.content AS BLOB), {quoted}, s.version, s.tool_version, s.writes,
                CAST(s.head AS BLOB), CAST(s.tail AS BLOB), json_extract(a.payload_json, '$.row')
            {SEALED_FINALS_FROM}
        """
        # One read transaction for the whole export: one point in time. Writers go on meanwhile (WAL); only the
        # checkpoint waits for the export to end.
        with self.snapshot():
            counted = self._counting_triggers_in_place()
            cursor = self.conn.cursor()
            cursor.row_factory = None
            for row in cursor.execute(sql):
                yield sealed_line(row, counted)

    def _counting_triggers_in_place(self) -> bool:
        """Whether every trigger that counts writes to a draft is there: one dropped by hand voids every seal."""
        names = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        return COUNTING_TRIGGERS <= names

    def _json_quote_matches(self) -> bool:
        """Whether SQLite's json_quote writes, for every kind of character, what json.dumps writes."""
        probe = "".join(map(chr, range(0xA1))) + '\u2028\u2029\ufeff\u200b\U0001f600 é \\ / "'
        (quoted,) = self.conn.execute("SELECT json_quote(?)", (probe,)).fetchone()
        return bool(quoted == canonical(probe))


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """Stop, without writing, at a database with tables that draftmate did not create."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "_migrations" not in tables:
        conn.close()
        raise StoreError(f"{path} is a database draftmate did not create; move it aside or set DRAFTMATE_HOME")


def _journal_wal(conn: sqlite3.Connection) -> str:
    """Switch to WAL; the switch ignores the busy handler, so wait for a concurrent opener by hand."""
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _statements(sql: str) -> list[str]:
    """A migration's statements, one by one; a trigger's BEGIN ... END keeps the semicolons inside it."""
    statements, pending = [], ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    unfinished = pending.strip(" \n;")
    if unfinished:  # a statement never completed (a trigger without END): fail, not skip it
        raise ValueError(f"migration statement not terminated: {unfinished[:60]!r}")
    return statements
