"""`export --all`'s read on PostgreSQL: every final draft's sealed line, streamed by one COPY in the export's snapshot.

`COPY (SELECT ...) TO STDOUT` sends the rows as one stream: the server makes them while the export writes them, with
no round trip per batch and no fetching thread (a server-side cursor makes nothing until the next FETCH asks), and
libpq holds one row at a time, not a batch. A connection in a COPY can run nothing else until it ends, and the
export rebuilds the drafts whose seal does not hold from their rows as it goes, on the store's connection: so the
COPY runs on a second connection, in the store's read transaction's snapshot (pg_export_snapshot, then SET
TRANSACTION SNAPSHOT): one point in time, as with SQLite. Binary format: the texts arrive as the UTF-8 bytes the
line is written in and hashed in (psycopg's C bytea loader keeps them undecoded), the numbers unparsed."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from psycopg.types.string import ByteaBinaryLoader

from draftmate.store.audit import SEALED_FINALS_FROM, sealed_line
from draftmate.store.postgres import PgConnection

SealedFinal = tuple[str, tuple[bytes, bytes, bytes] | None]  # a draft's id, and its sealed line's parts or None

# The row `audit.sealed_line` checks, as SQLite's read gives it: the server neither quotes the content (to_json)
# nor hashes it (sha256): its CPU, not the export's, bounded the stream (~40 of its ~190 ms for 10,000 drafts, while
# the export waited), and json.dumps and hashlib do both here in less, on the export's own core.
# Each column is cast to the type it is read as: binary COPY does not say what it sends, so the cast keeps the
# query and the loaders in step if a column's type ever changes. `text` loads as bytes (below), `varchar` as str.
_COLUMNS = (
    ("d.id", "varchar"),
    ("d.approved_sha256", "varchar"),
    ("v.content", "text"),
    ("NULL", "text"),  # no content quoted by the database: `sealed_line` quotes it
    ("s.version", "int8"),
    ("s.tool_version", "varchar"),
    ("s.writes", "int8"),
    ("s.head", "text"),
    ("s.tail", "text"),
    ("a.payload_json::json ->> 'row'", "varchar"),  # the digest the seal's audit event recorded
)

_QUERY = f"""
    SELECT {", ".join(f"({expression})::{kind}" for expression, kind in _COLUMNS)}
    {SEALED_FINALS_FROM}
"""

# A COPY is planned for its whole result, not its first rows as a cursor is: hash joins, then a sort of the wide
# rows (spilling to disk), so the first row came after ~150 ms of 10,000 drafts while the export waited. Without
# them the plan is SQLite's, and a cursor's: drafts walked in rowid order, each one's rows looked up by key,
# streamed from the first. JIT (the plan's cost crosses jit_above_cost near 100,000 drafts) compiles for longer
# than it saves on a query that mostly copies texts.
_STREAMING_PLAN = ("enable_hashjoin", "enable_mergejoin", "enable_sort", "jit")


def sealed_finals(connection: PgConnection, *, counted: bool) -> Iterator[SealedFinal]:
    """Each final draft, oldest first: (id, its sealed line as head, JSON-quoted content, tail), or (id, None) unless
    the seal holds (`audit.sealed_line`, as for SQLite; `counted`: every counting trigger is in place). Call inside a
    REPEATABLE READ transaction on `connection`: the rows are that transaction's, though read on a second
    connection, and `connection` stays free meanwhile."""
    exported = connection.execute("SELECT pg_export_snapshot()").fetchone()
    snapshot = str(exported[0]) if exported is not None else ""
    if not re.fullmatch(r"[0-9A-F-]+", snapshot):  # SET TRANSACTION SNAPSHOT takes a literal, not a parameter
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    reader = PgConnection(connection.url, connection.source)
    try:
        yield from _copied(reader, snapshot, counted=counted)
    finally:
        reader.close()


def _copied(reader: PgConnection, snapshot: str, *, counted: bool) -> Iterator[SealedFinal]:
    """The rows of one COPY on `reader`, in the transaction snapshot `snapshot`, each through `sealed_line`."""
    raw = reader.raw
    # one round trip; the settings are this transaction's only, on the export's own connection
    begin = [
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        f"SET TRANSACTION SNAPSHOT '{snapshot}'",
        *(f"SET LOCAL {setting} = off" for setting in _STREAMING_PLAN),
    ]
    reader._guard(lambda: raw.execute("; ".join(begin).encode()))
    cursor = raw.cursor()
    cursor.adapters.register_loader("text", ByteaBinaryLoader)  # text in binary is its UTF-8: kept as bytes
    with contextlib.ExitStack() as started:
        # the COPY starts on entering its block: a server gone by then is a StoreError too
        copy = reader._guard(lambda: started.enter_context(cursor.copy(f"COPY ({_QUERY}) TO STDOUT (FORMAT BINARY)")))
        copy.set_types([kind for _, kind in _COLUMNS])
        while (row := reader._guard(copy.read_row)) is not None:
            yield sealed_line(row, counted)
