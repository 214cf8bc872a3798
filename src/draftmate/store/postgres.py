"""The store in PostgreSQL, for a team: the same records, audit chain, verify and export as the SQLite file.

`PostgresStore` is `sql.SqlStore`'s shared SQL (written to mean the same in both dialects) over `PgConnection`,
which runs it the way sqlite3 does: `?` parameters, rows read by index or by name (`PgRow`), `SELECT *` without the
`rowid` column SQLite hides. What is PostgreSQL's own is here: connecting (a lost connection made again between
transactions), migrations (`migrations_pg`), errors (`pg_errors`), full-text search (tsvector), the sealed-finals
read (no json_quote) and the write lock.

Writers on many machines are serialized by one transaction-scoped advisory lock, taken at the start of every write
transaction, as SQLite's BEGIN IMMEDIATE serializes writers to a file: the audit chain's head is read and extended
under it, so the chain never forks, and no transaction can fail with "could not serialize".
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from psycopg import pq

from draftmate.domain.vocabulary import State
from draftmate.errors import StoreError
from draftmate.settings.database import host_of, mask_url
from draftmate.store.migrations_pg import MIGRATIONS_PG
from draftmate.store.pg_errors import NotPermitted, store_error_of
from draftmate.store.rows import Row, now
from draftmate.store.sql import UNPARSABLE_REQUEST, SqlStore

# pg_advisory_xact_lock's first key: draftmate's writers (the second is the schema, so stores in one database
# do not wait for each other)
LOCK_CLASS = 0x6D617465
CONNECT_TIMEOUT_S = 10
_SELECT_ALL = re.compile(r"^\s*SELECT\s+(?:\w+\.)?\*", re.I)
_cursor_names = itertools.count(1)


@functools.lru_cache(maxsize=512)
def _dialect(sql: str) -> str:
    """SQLite's `?` parameters as psycopg's `%s` (a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgRow:
    """A row as sqlite3.Row gives it: by index, by column name, unpacked, or as dict(row)."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        return self._values[self._index[key]] if isinstance(key, str) else self._values[key]

    def keys(self) -> list[str]:
        """The column names, in order."""
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class PgCursor:
    """A cursor as sqlite3's: execute, fetch, iterate; `SELECT *` leaves out the hidden `rowid` column."""

    row_factory: Any = None  # set by callers that want plain tuples; PgRow unpacks like a tuple already

    def __init__(self, connection: PgConnection) -> None:
        self._connection = connection
        self._cursor: psycopg.Cursor[Any] | None = None
        self._keep: list[int] | None = None
        self._index: dict[str, int] = {}
        self.description: list[tuple[str, ...]] | None = None
        self.rowcount = -1

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        """Run one statement."""
        self._cursor = self._connection._run(sql, params)
        self.rowcount = self._cursor.rowcount
        self._keep, self.description, self._index = None, None, {}
        if self._cursor.description is not None:
            names = [d.name for d in self._cursor.description]
            if "rowid" in names and _SELECT_ALL.match(sql):  # SQLite's rowid is not in its SELECT *
                self._keep = [i for i, n in enumerate(names) if n != "rowid"]
                names = [names[i] for i in self._keep]
            self.description = [(n,) for n in names]
            self._index = {n: i for i, n in enumerate(names)}
        return self

    def _make(self, values: Sequence[Any]) -> PgRow:
        if self._keep is not None:
            values = [values[i] for i in self._keep]
        return PgRow(values, self._index)

    def fetchone(self) -> Any:
        """The next row (a PgRow), or None; typed as sqlite3's, so a query sure of its row indexes it directly."""
        assert self._cursor is not None
        row = self._connection._guard(self._cursor.fetchone)
        return None if row is None else self._make(row)

    def fetchall(self) -> list[PgRow]:
        """Every row left."""
        assert self._cursor is not None
        return [self._make(r) for r in self._connection._guard(self._cursor.fetchall)]

    def fetchmany(self, size: int) -> list[PgRow]:
        """Up to `size` more rows."""
        assert self._cursor is not None
        cursor = self._cursor
        return [self._make(r) for r in self._connection._guard(lambda: cursor.fetchmany(size))]

    def __iter__(self) -> Iterator[PgRow]:
        while batch := self.fetchmany(1000):
            yield from batch


class PgConnection:
    """A psycopg connection that runs the shared SQL as sqlite3 does (`connection.Connection`), and begins, commits
    and rolls back the store's transactions.

    A connection lost between transactions (the server restarted) is made again on the next statement; one lost
    inside a transaction is a StoreError: the transaction was rolled back by the server, nothing of it was kept.
    """

    def __init__(self, url: str, source: str) -> None:
        self.url, self.source = url, source
        self.raw = self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as e:
            raise self._unreachable(e) from None
        except psycopg.ProgrammingError as e:  # a URL libpq cannot parse (an unknown option, say)
            from draftmate.errors import ConfigError

            reason = " ".join(str(e).split())[:120].replace(self.url, mask_url(self.url))
            raise ConfigError(
                f"the database URL {mask_url(self.url)} is malformed ({reason}) (from {self.source}); "
                "write it like postgresql://USER@HOST:5432/DATABASE"
            ) from None

    def _unreachable(self, error: BaseException) -> StoreError:
        first = next((line for line in str(error).splitlines() if line.strip()), "no answer")
        reason = " ".join(first.split())[:160].replace(self.url, mask_url(self.url))
        setting = self.source.split(" in ")[0]
        missing = re.search(r'FATAL: +database "([^"]{1,100})" does not exist', str(error))
        if missing:  # the server answered: telling the user to start it sends them the wrong way
            name = missing[1]
            return StoreError(
                f"the database server at {host_of(self.url)} has no database {name}; create it (`createdb {name}`), "
                f"or fix {setting} ({mask_url(self.url)})"
            )
        return StoreError(
            f"cannot reach the database server at {host_of(self.url)} ({reason}); start it, or fix or unset "
            f"{setting} ({mask_url(self.url)})"
        )

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (an aborted one too: it still needs its ROLLBACK); not on a lost line."""
        if self.raw.broken or self.raw.closed:
            return False
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def cursor(self) -> PgCursor:
        """A new cursor."""
        return PgCursor(self)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        """Run one statement, as sqlite3.Connection.execute does."""
        return PgCursor(self).execute(sql, params)

    def _run(self, sql: str, params: Sequence[Any]) -> psycopg.Cursor[Any]:
        if params:
            return self._statement(_dialect(sql), tuple(params))
        return self._statement(sql)

    def begin_write(self) -> None:
        """Begin a write transaction: one writer at a time, as SQLite's BEGIN IMMEDIATE."""
        self._statement("BEGIN")
        self._statement("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (LOCK_CLASS,))

    def begin_read(self) -> None:
        """Begin a read snapshot: every SELECT in it sees one committed state."""
        self._statement("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def commit(self) -> None:
        """Commit the open transaction; a StoreError when the connection was lost."""
        try:
            self._statement("COMMIT")
        finally:
            self._open = False

    def rollback(self) -> None:
        """Roll the open transaction back; on a lost connection the server already did."""
        if self.raw.broken or self.raw.closed:
            self._open = False
            return
        try:
            self._statement("ROLLBACK")
        finally:
            self._open = False

    def _statement(self, sql: str, params: tuple[Any, ...] | None = None) -> psycopg.Cursor[Any]:
        begins = sql.startswith("BEGIN")
        if self.raw.closed or self.raw.broken:
            if self._open:
                raise self._lost()
            self.raw = self._connect()
        try:
            cursor = self.raw.execute(sql, params)
        except psycopg.OperationalError as e:
            if not self.raw.broken:
                failure = store_error_of(e, sql, self.raw.info.user)
                raise failure or StoreError(f"database error: {' '.join(str(e).split())[:160]}") from None
            if self._open and not begins:
                raise self._lost(committing=sql == "COMMIT") from None
            # the server restarted between transactions: this statement starts again on a new connection
            self.raw = self._connect()
            cursor = self.raw.execute(sql, params)
        except psycopg.Error as e:  # refused for a reason the user can act on, or a bug (its traceback shows)
            raise store_error_of(e, sql, self.raw.info.user) or e from None
        if begins:
            self._open = True
        return cursor

    _open = False  # a transaction was begun and not yet ended: a lost connection lost its work

    def _lost(self, *, committing: bool = False) -> StoreError:
        self._open = False
        if committing:  # the server may have committed before the line dropped: no one can tell from here
            return StoreError(
                f"the connection to the database server at {host_of(self.url)} was lost while saving; what this "
                "command was saving may have been kept: run `draftmate verify` and `draftmate list` to see before "
                "running it again"
            )
        return StoreError(
            f"the connection to the database server at {host_of(self.url)} was lost; what this command was "
            "saving was not kept (earlier steps were); run it again"
        )

    def _guard(self, fetch: Any) -> Any:
        try:
            return fetch()
        except psycopg.OperationalError as e:
            raise self._unreachable(e) from None
        except psycopg.Error as e:
            raise store_error_of(e, "SELECT", self.raw.info.user) or e from None

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 2000) -> Iterator[PgRow]:
        """The rows of a query through a server-side cursor, `size` at a time; inside a transaction."""
        cursor = self.raw.cursor(name=f"draftmate_stream_{next(_cursor_names)}")
        cursor.itersize = size
        try:
            self._guard(lambda: cursor.execute(_dialect(sql) if params else sql, tuple(params) or None))
            names = [d.name for d in cursor.description or []]
            keep = None
            if "rowid" in names and _SELECT_ALL.match(sql):  # SQLite's rowid is not in its SELECT *
                keep = [i for i, n in enumerate(names) if n != "rowid"]
                names = [names[i] for i in keep]
            index = {n: i for i, n in enumerate(names)}
            while batch := self._guard(lambda: cursor.fetchmany(size)):
                for values in batch:
                    yield PgRow(values if keep is None else [values[i] for i in keep], index)
        finally:
            with contextlib.suppress(psycopg.Error):
                cursor.close()

    def close(self) -> None:
        """Close the connection."""
        self.raw.close()

    def __del__(self) -> None:
        # commands leave their store to the end of the process, as with SQLite; psycopg would warn of the open line
        with contextlib.suppress(Exception):
            self.raw.close()


class PostgresStore(SqlStore[PgConnection]):
    """The store in a PostgreSQL database: the shared SQL over `PgConnection`, with PostgreSQL's own parts."""

    _driver_errors = (psycopg.Error,)
    _search_errors = (psycopg.DataError,)

    def __init__(self, url: str, source: str = "DRAFTMATE_DATABASE_URL") -> None:
        self.path = None
        self.url = mask_url(url)  # what messages may name: never the password
        self._depth = 0
        self.skipped_drafts: list[str] = []
        self.conn = PgConnection(url, source)
        self._migrate()
        self.db_role = str(self.conn.execute("SELECT current_user").fetchone()[0])

    # ---- transactions ------------------------------------------------------------------------------------

    def _begin_write(self) -> None:
        self.conn.begin_write()

    def _begin_read(self) -> None:
        self.conn.begin_read()

    def _commit(self) -> None:
        self.conn.commit()

    def _end_read(self) -> None:
        self.conn.commit()

    def _rollback(self) -> None:
        self.conn.rollback()

    def may_set_policy(self) -> bool:
        """Whether this role may change the review policy: the tables' owner (or a superuser) or a member of
        draftmate_admin; drafters and reviewers, who may not write the policies table, may not."""
        (allowed,) = self.conn.execute(
            "SELECT pg_has_role(current_user, c.relowner, 'MEMBER') OR EXISTS (SELECT 1 FROM pg_roles r "
            "WHERE r.rolname = 'draftmate_admin' AND pg_has_role(current_user, r.oid, 'MEMBER')) "
            "FROM pg_class c WHERE c.oid = 'policies'::regclass"
        ).fetchone()
        return bool(allowed)

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """The rows of a long query through a server-side cursor, a batch at a time, in one read snapshot (so
        `verify` and `iter_audit` hold one batch, not the whole result, however long the chain is)."""
        with self.snapshot():
            yield from self.conn.stream(sql, params)

    # ---- migrations ----------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        if self._applied() == [
            name for name, _ in MIGRATIONS_PG
        ]:  # the common case, read without the writers' lock or any DDL privilege
            return
        with self.transaction():  # under the writers' lock: two first openers do not both migrate
            if self.conn.execute("SELECT to_regclass('_migrations')").fetchone()[0] is None:
                self.conn.execute(
                    "CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL, "
                    "rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE)"
                )
            applied = {r[0] for r in self.conn.execute("SELECT name FROM _migrations")}
            known = {name for name, _ in MIGRATIONS_PG}
            if applied - known:
                raise StoreError(
                    f"the database at {self.url} was written by a newer draftmate (migrations "
                    f"{sorted(applied - known)}); upgrade draftmate"
                )
            for name, sql in MIGRATIONS_PG:
                if name in applied:
                    continue
                try:
                    self.conn.execute(sql)
                except NotPermitted:  # a member's role, opening a store an older draftmate made
                    raise StoreError(
                        f"the store at {self.url} needs an upgrade (migration {name}) that only the owner of its "
                        "tables may make; ask them to run any draftmate command (`draftmate verify`) once"
                    ) from None
                except psycopg.Error as e:
                    raise StoreError(
                        f"migration {name} failed on {self.url} ({' '.join(str(e).split())[:160]}); "
                        "nothing was changed, report this"
                    ) from None
                self.conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, now()))

    def _applied(self) -> list[str]:
        if self.conn.execute("SELECT to_regclass('_migrations')").fetchone()[0] is None:
            return []
        return self.applied_migrations()

    # ---- search ----------------------------------------------------------------------------------------

    def _search_clause(self, search: str) -> tuple[str, str, str, list[Any]]:
        """Every word must occur, as in FTS5: each one a phrase of its tokens ('foo-bar' is 'foo' then 'bar').

        Words and content are folded alike (`draftmate_search_text`: no accents, no punctuation, lowercase), so
        'cafe' finds 'café' as FTS5's unicode61 tokenizer does.
        """
        terms = [t for t in search.split() if t]
        if not terms:
            return "drafts d", "d.rowid", "FALSE", []
        match = " && ".join("phraseto_tsquery('simple', draftmate_search_text(?))" for _ in terms)
        return "drafts_fts f JOIN drafts d ON d.rowid = f.rowid", "d.rowid", f"f.words @@ ({match})", terms

    def _unparsable_final_requests(self) -> str:
        """UNPARSABLE_REQUEST, or FALSE when one pass of the server's JSON parser over every final draft's request finds
        none that fails, the usual case: json_valid, a subtransaction per row, cost ~50 ms per 10,000 final drafts on
        every `export --all`."""
        if self.conn.in_transaction:  # a failed statement would abort the transaction around it
            return UNPARSABLE_REQUEST
        try:
            self.conn.execute(
                "SELECT count(*) FROM drafts WHERE status = ? AND json_typeof(request_json::json) IS NULL",
                (State.FINAL.value,),
            ).fetchone()
        except psycopg.errors.InvalidTextRepresentation:  # one does not parse: json_valid finds which
            return UNPARSABLE_REQUEST
        return "FALSE"

    # ---- sealed finals -----------------------------------------------------------------------------------

    def iter_sealed_finals(self) -> Iterator[tuple[str, tuple[bytes, bytes, bytes] | None]]:
        """As `SQLiteStore.iter_sealed_finals`: each final draft with its sealed line, or None to rebuild it; streamed
        by one COPY in this read snapshot (`pg_export`), each seal checked as SQLite's are (`audit.sealed_line`)."""
        from draftmate.store.pg_export import sealed_finals

        connection = self.conn
        with self.snapshot():
            counted = self._counting_triggers_in_place()
            yield from sealed_finals(connection, counted=counted)

    def _counting_triggers_in_place(self) -> bool:
        """Whether every trigger that counts writes to a draft is there, in this schema."""
        from draftmate.store.migrations import COUNTING_TRIGGERS

        names = {
            r[0]
            for r in self.conn.execute(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"
            )
        }
        return COUNTING_TRIGGERS <= names
