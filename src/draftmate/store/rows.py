"""Rows in and out of the store: IDs, timestamps, and the converters from rows to records."""

from __future__ import annotations

import functools
import json
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from draftmate.domain.ids import short_id
from draftmate.domain.row_mapping import MODEL, draft_fields, note_fields, review_fields, version_fields
from draftmate.errors import StoreError

# The pydantic records are imported inside the functions that build them, so that `list` never loads pydantic.
if TYPE_CHECKING:
    from draftmate.domain.records import Draft, Note, Review, Version

T = TypeVar("T")
BUSY_TIMEOUT_MS = 10_000
DRAFT_COLUMNS = (
    "id, title, kind, lang, status, created_at, updated_at, current_version, approved_sha256, "
    "approved_version, incomplete, confidence_level, confidence_score, request_json"
)


def now() -> str:
    """The current UTC time as ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    """A random 32-hex-digit ID; its first 8 digits are what people type."""
    return uuid.uuid4().hex


def title_of(content: str) -> str:
    """A draft's title: its first non-blank line, without markdown heading marks."""
    for line in content.splitlines():
        cleaned = line.strip().lstrip("#/*-;").strip().strip("\"'`").strip()
        if cleaned:
            return cleaned[:80]
    return "(untitled)"


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


class DamagedRow(StoreError):
    """A stored row draftmate cannot read (an unknown state, malformed JSON): edited by hand or damaged."""


def damaged_row(table: str, row: Any, error: BaseException) -> DamagedRow:
    """The one-line error for a row of `table` that does not convert, naming its draft and `draftmate verify`."""
    try:
        owner = str(row["id"] if table == "drafts" else row["draft_id"])
    except (KeyError, IndexError, TypeError):
        owner = "?"
    # one line, and short: a damaged JSON value can be long, and pydantic's messages span lines
    reason = ("malformed JSON: " if isinstance(error, json.JSONDecodeError) else "") + " ".join(str(error).split())
    reason = reason[:100]
    return DamagedRow(
        f"draft {short_id(owner)} has a damaged row in {table} ({reason}); "
        "`draftmate verify` lists what is wrong; restore it from a backup"
    )


def _readable(table: str) -> Callable[[Callable[[sqlite3.Row], T]], Callable[[sqlite3.Row], T]]:
    """Decorate a row converter so that a row it cannot convert is a DamagedRow, not a traceback."""

    def wrap(convert: Callable[[sqlite3.Row], T]) -> Callable[[sqlite3.Row], T]:
        @functools.wraps(convert)
        def converted(row: sqlite3.Row) -> T:
            try:
                return convert(row)
            except (ValueError, TypeError, KeyError) as e:  # bad JSON and pydantic's errors are ValueErrors
                raise damaged_row(table, row, e) from None

        return converted

    return wrap


def fts_query(text: str) -> str:
    """User words as an FTS5 query that matches all of them, with no FTS syntax of their own."""
    terms = [t for t in text.split() if t]
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms) or '""'


@_readable("drafts")
def _draft(row: sqlite3.Row) -> Draft:
    from draftmate.domain.records import Draft

    return Draft(**draft_fields(row, MODEL))


@_readable("versions")
def _version(row: sqlite3.Row) -> Version:
    from draftmate.domain.records import Version

    return Version(**version_fields(row, MODEL))


@_readable("notes")
def _note(row: sqlite3.Row) -> Note:
    from draftmate.domain.records import Note

    return Note(**note_fields(row, MODEL))


def _calibrator(row: sqlite3.Row) -> dict[str, Any]:
    found = dict(row)
    for name in ("params", "thresholds", "metrics"):
        found[name] = json.loads(found.pop(name + "_json"))
    found["active"] = bool(found["active"])
    return found


@_readable("reviews")
def _review(row: sqlite3.Row) -> Review:
    from draftmate.domain.records import Review

    return Review(**review_fields(row, MODEL))
