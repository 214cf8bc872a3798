"""The one mapping from a stored row (column -> value) to a record's fields, however the row is read.

Each record's fields are listed once below, in its model's field order, each value read through a `Reader`:
- `MODEL` gives what the pydantic models take (store/rows.py builds the models from it);
- `EXACT` vouches that each value already has the exact plain type its field takes, else raises `Unusual`, and the
  caller goes through the models (the `show` fast path without pydantic, store/record_rows.py);
- `TRUSTED` takes each value as written from a validated model, enums as their values (the bulk export,
  provenance/formats.py).
Pure: no pydantic and no I/O here; the model reader imports the models when first used.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from draftmate.domain import jsonfast
from draftmate.domain.vocabulary import Decision, Kind, Origin, Resolution, ReviewStatus, Severity, State

E = TypeVar("E", bound=StrEnum)


class Unusual(Exception):
    """A value the fast path does not vouch for: the models decide what it is."""


class Reader:
    """How a row's values are read: as written (this base, the bulk export's), checked exactly, or for the models."""

    loads = staticmethod(jsonfast.loads)  # json.loads, same values and errors, faster on many small texts
    builds_models = False  # the models read nested JSON objects themselves (their own errors for odd keys)

    def text(self, value: Any) -> Any:
        return value

    def count(self, value: Any) -> Any:
        return value

    def risk(self, value: Any) -> Any:
        return value

    def score(self, value: Any) -> Any:
        return value

    def enum(self, kind: type[E], value: Any) -> Any:
        return value

    def mapping(self, text: Any) -> Any:
        return self.loads(text)

    def sequence(self, text: Any) -> Any:
        return self.loads(text)

    def texts(self, text: Any) -> Any:
        return self.loads(text)

    def keys(self, found: Any, allowed: frozenset[str], needed: frozenset[str]) -> Any:
        return found

    def model(self, name: str, found: Any) -> Any:
        raise NotImplementedError  # only the model reader builds models


class ExactReader(Reader):
    """Values pydantic would accept unchanged, with the same enum members; anything else raises `Unusual`."""

    def text(self, value: Any) -> str:
        if type(value) is not str:
            raise Unusual
        return value

    def count(self, value: Any) -> int:
        if type(value) is not int:  # not bool, not "3", not 3.0
            raise Unusual
        return value

    def risk(self, value: Any) -> float | None:
        if value is not None and not (type(value) is float and 0.0 <= value <= 1.0):
            raise Unusual
        return value

    def score(self, value: Any) -> float:
        if type(value) is not float:
            raise Unusual
        return value

    def enum(self, kind: type[E], value: Any) -> E:
        if type(value) is not str:
            raise Unusual
        return kind(value)  # an unknown value raises ValueError: the models raise it too

    def mapping(self, text: Any) -> dict[str, Any]:
        value = self.loads(text)
        if type(value) is not dict:
            raise Unusual
        return value

    def sequence(self, text: Any) -> list[Any]:
        value = self.loads(text)
        if type(value) is not list:
            raise Unusual
        return value

    def texts(self, text: Any) -> list[str]:
        return [self.text(s) for s in self.sequence(text)]

    def keys(self, found: Any, allowed: frozenset[str], needed: frozenset[str]) -> dict[str, Any]:
        if type(found) is not dict or not needed <= found.keys() <= allowed:
            raise Unusual
        return found


class ModelReader(Reader):
    """What the pydantic models are built from: enums as members, JSON parsed, nested records as models."""

    builds_models = True

    def enum(self, kind: type[E], value: Any) -> E:
        return kind(value)

    def model(self, name: str, found: Any) -> Any:
        from draftmate.domain import records

        return getattr(records, name)(**found)


TRUSTED, EXACT, MODEL = Reader(), ExactReader(), ModelReader()

# The keys a stored JSON object may have (the models forbid others), and which of them have no default.
_RESOLUTION_KEYS, _RESOLUTION_NEEDS = frozenset({"status", "by", "at", "comment"}), frozenset({"status", "by", "at"})
_DECISION_KEYS = frozenset({"index", "sha256", "decision", "reason", "at"})
_DECISION_NEEDS = frozenset({"index", "sha256", "decision", "at"})


def draft_fields(row: Any, read: Reader) -> dict[str, Any]:
    """`Draft`'s fields from a drafts row."""
    level, approved_sha256, approved_version = row["confidence_level"], row["approved_sha256"], row["approved_version"]
    return {
        "id": read.text(row["id"]),
        "title": read.text(row["title"]),
        "kind": read.enum(Kind, row["kind"]),
        "lang": read.text(row["lang"]),
        "status": read.enum(State, row["status"]),
        "created_at": read.text(row["created_at"]),
        "updated_at": read.text(row["updated_at"]),
        "current_version": read.count(row["current_version"]),
        "approved_sha256": None if approved_sha256 is None else read.text(approved_sha256),
        "approved_version": None if approved_version is None else read.count(approved_version),
        "incomplete": bool(row["incomplete"]),
        # an empty level is no confidence
        "confidence": confidence_fields(level, row["confidence_score"], read) if level else None,
        "request": read.mapping(row["request_json"]),
    }


def confidence_fields(level: Any, score: Any, read: Reader) -> Any:
    """`Confidence`'s fields from a drafts row's two columns (the model itself, for the model reader)."""
    found = {"level": read.text(level), "risk": None if score is None else read.score(score)}
    return read.model("Confidence", found) if read.builds_models else found


def draft_json(fields: dict[str, Any]) -> dict[str, Any]:
    """A draft's own part of `show --json`, from its fields: no request, and a confidence even when there is none."""
    return {
        "id": fields["id"],
        "title": fields["title"],
        "status": str(fields["status"]),  # a StrEnum member's str is its value
        "kind": str(fields["kind"]),
        "lang": fields["lang"],
        "created_at": fields["created_at"],
        "updated_at": fields["updated_at"],
        "incomplete": fields["incomplete"],
        "current_version": fields["current_version"],
        "approved_sha256": fields["approved_sha256"],
        "approved_version": fields["approved_version"],
        "confidence": fields["confidence"] or {"level": "unknown", "risk": None},
    }


def version_fields(row: Any, read: Reader) -> dict[str, Any]:
    """`Version`'s fields from a versions row."""
    return {
        "draft_id": read.text(row["draft_id"]),
        "number": read.count(row["number"]),
        "content": read.text(row["content"]),
        "sha256": read.text(row["sha256"]),
        "origin": read.enum(Origin, row["origin"]),
        "created_at": read.text(row["created_at"]),
        "author": read.text(row["author"]),
        "meta": read.mapping(row["meta_json"]),
    }


def note_fields(row: Any, read: Reader) -> dict[str, Any]:
    """`Note`'s fields from a notes row."""
    start, resolution = row["line_start"], row["resolution_json"]
    return {
        "id": read.text(row["id"]),
        "draft_id": read.text(row["draft_id"]),
        "number": read.count(row["number"]),
        "version": read.count(row["version"]),
        "kind": read.text(row["kind"]),
        "severity": read.enum(Severity, row["severity"]),
        "lines": None if start is None else (read.count(start), read.count(row["line_end"])),  # no start, no lines
        "quote": read.text(row["quote"]),
        "why": read.text(row["why"]),
        "risk": read.risk(row["risk"]),
        "signals": read.mapping(row["signals_json"]),
        "source": read.text(row["source"]),
        "author": read.text(row["author"]),
        "created_at": read.text(row["created_at"]),
        "resolution": resolution_fields(read.loads(resolution), read) if resolution else None,
    }


def resolution_fields(found: Any, read: Reader) -> Any:
    """`NoteResolution`'s fields from a parsed resolution_json (the model itself, for the model reader)."""
    if read.builds_models:
        return read.model("NoteResolution", found)
    found = read.keys(found, _RESOLUTION_KEYS, _RESOLUTION_NEEDS)
    return {
        "status": read.enum(Resolution, found["status"]),
        "by": read.text(found["by"]),
        "at": read.text(found["at"]),
        "comment": read.text(found.get("comment", "")),
    }


def note_json(fields: dict[str, Any]) -> dict[str, Any]:
    """A note as `show --json` and exports give it, from its fields (`Note.as_json` is this of the model)."""
    lines, resolution = fields["lines"], fields["resolution"]
    return {
        "id": fields["id"],
        "number": fields["number"],
        "version": fields["version"],
        "kind": fields["kind"],
        "severity": str(fields["severity"]),  # a StrEnum member's str is its value
        "lines": list(lines) if lines else None,
        "quote": fields["quote"],
        "why": fields["why"],
        "risk": fields["risk"],
        "signals": fields["signals"],
        "source": fields["source"],
        "resolution": None if resolution is None else {k: str(v) for k, v in resolution.items()},
    }


def review_fields(row: Any, read: Reader) -> dict[str, Any]:
    """`Review`'s fields from a reviews row."""
    finished = row["finished_at"]
    return {
        "id": read.text(row["id"]),
        "draft_id": read.text(row["draft_id"]),
        "version": read.count(row["version"]),
        "reviewer": read.text(row["reviewer"]),
        "editorial_responsibility": read.text(row["editorial_responsibility"]),
        "status": read.enum(ReviewStatus, row["status"]),
        "started_at": read.text(row["started_at"]),
        "finished_at": None if finished is None else read.text(finished),
        "reason": read.text(row["reason"]),
        "seen": read.texts(row["seen_json"]),
        "decisions": [decision_fields(d, read) for d in read.sequence(row["decisions_json"])],
    }


def decision_fields(found: Any, read: Reader) -> Any:
    """`SectionDecision`'s fields from one parsed decision (the model itself, for the model reader)."""
    if read.builds_models:
        return read.model("SectionDecision", found)
    found = read.keys(found, _DECISION_KEYS, _DECISION_NEEDS)
    return {
        "index": read.count(found["index"]),
        "sha256": read.text(found["sha256"]),
        "decision": read.enum(Decision, found["decision"]),
        "reason": read.text(found.get("reason", "")),
        "at": read.text(found["at"]),
    }
