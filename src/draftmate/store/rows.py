"""Rows in and out of the store: IDs, timestamps, and the converters from rows to records."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from draftmate.domain.ids import short_id
from draftmate.domain.row_mapping import MODEL, draft_fields, note_fields, review_fields, version_fields
from draftmate.errors import StoreError

# The pydantic records are imported inside the functions that build them, so that `list` never loads pydantic.
if TYPE_CHECKING:
    from draftmate.domain.records import Draft, Note, Review, Version

T = TypeVar("T")


class Row(Protocol):
    """A row as both backends give it (sqlite3.Row, PgRow): by index or column name, unpacked, or as dict(row)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> list[str]: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...


class ByColumn(Protocol):
    """A row read by column name: a database `Row`, or a dict of its columns."""

    def __getitem__(self, column: str, /) -> Any: ...


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


def _readable(table: str) -> Callable[[Callable[[ByColumn], T]], Callable[[ByColumn], T]]:
    """Decorate a row converter so that a row it cannot convert is a DamagedRow, not a traceback."""

    def wrap(convert: Callable[[ByColumn], T]) -> Callable[[ByColumn], T]:
        @functools.wraps(convert)
        def converted(row: ByColumn) -> T:
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
def _draft(row: ByColumn) -> Draft:
    from draftmate.domain.records import Draft

    return Draft(**draft_fields(row, MODEL))


@_readable("versions")
def _version(row: ByColumn) -> Version:
    from draftmate.domain.records import Version

    return Version(**version_fields(row, MODEL))


@_readable("notes")
def _note(row: ByColumn) -> Note:
    from draftmate.domain.records import Note

    return Note(**note_fields(row, MODEL))


def _calibrator(row: Row) -> dict[str, Any]:
    found = dict(row)
    for name in ("params", "thresholds", "metrics"):
        found[name] = json.loads(found.pop(name + "_json"))
    found["active"] = bool(found["active"])
    return found


@_readable("reviews")
def _review(row: ByColumn) -> Review:
    from draftmate.domain.records import Review

    return Review(**review_fields(row, MODEL))
