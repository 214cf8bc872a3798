"""A draft's `show` record straight from its rows, without pydantic (importing it was half of `show`'s start-up).

`drafting.model_record` builds the record from validated models. `record_of_rows` builds the same dict from rows
in which every value already has the exact plain type its model field takes: a str for a str, an int for an int,
a float in range for a risk, JSON of the right shape with no unknown keys. A row with anything else gives None,
and the caller then goes through the models, so a row pydantic refuses is still refused, with the same error.
tests/test_record_rows.py holds the two paths to equal records; the key order below is the models' field order.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, TypeVar

from draftmate.domain.vocabulary import Decision, Kind, Origin, Resolution, ReviewStatus, Severity, State

E = TypeVar("E", bound=StrEnum)

# The keys a stored JSON object may have (the models forbid others), and which of them have no default.
_RESOLUTION_KEYS, _RESOLUTION_NEEDS = {"status", "by", "at", "comment"}, {"status", "by", "at"}
_DECISION_KEYS, _DECISION_NEEDS = {"index", "sha256", "decision", "reason", "at"}, {"index", "sha256", "decision", "at"}


class _Unusual(Exception):
    """A value the fast path does not vouch for: the models decide what it is."""


def record_of_rows(
    draft: dict[str, Any],
    versions: list[dict[str, Any]],
    notes: list[dict[str, Any]],
    reviews: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The `show --json` record of a draft's rows, or None when a value is not plainly what its model takes."""
    try:
        return {
            **_draft(draft),
            "versions": [_version(v) for v in versions],
            "notes": [_note(n) for n in notes],
            "reviews": [_review(r) for r in reviews],
        }
    except (_Unusual, ValueError, TypeError):  # bad JSON, an unknown enum value, a malformed object
        return None


def _draft(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("id", "title", "lang", "created_at", "updated_at"):
        _text(row[name])
    _count(row["current_version"])
    _optional(_text, row["approved_sha256"])
    _optional(_count, row["approved_version"])
    _mapping(json.loads(row["request_json"]))  # not shown, but the model checks it
    level = row["confidence_level"]
    if level:  # as store_rows._draft: an empty level is no confidence
        confidence = {"level": _text(level), "score": _optional(_fraction, row["confidence_score"])}
    else:
        confidence = {"level": "unknown", "score": None}
    return {
        "id": row["id"],
        "title": row["title"],
        "status": _enum(State, row["status"]).value,
        "kind": _enum(Kind, row["kind"]).value,
        "lang": row["lang"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "incomplete": bool(row["incomplete"]),  # as store_rows._draft
        "current_version": row["current_version"],
        "approved_sha256": row["approved_sha256"],
        "approved_version": row["approved_version"],
        "confidence": confidence,
    }


def _version(row: dict[str, Any]) -> dict[str, Any]:
    """`Version.model_dump()` of a versions row."""
    return {
        "draft_id": _text(row["draft_id"]),
        "number": _count(row["number"]),
        "content": _text(row["content"]),
        "sha256": _text(row["sha256"]),
        "origin": _enum(Origin, row["origin"]),
        "created_at": _text(row["created_at"]),
        "author": _text(row["author"]),
        "meta": _mapping(json.loads(row["meta_json"])),
    }


def _note(row: dict[str, Any]) -> dict[str, Any]:
    """`Note.as_json()` of a notes row."""
    for name in ("draft_id", "author", "created_at"):  # not shown, but the model checks them
        _text(row[name])
    risk = row["risk"]
    if risk is not None and not (type(risk) is float and 0.0 <= risk <= 1.0):
        raise _Unusual
    start = row["line_start"]  # as store_rows._note: no start, no lines
    resolution = row["resolution_json"]
    return {
        "id": _text(row["id"]),
        "number": _count(row["number"]),
        "version": _count(row["version"]),
        "kind": _text(row["kind"]),
        "severity": _enum(Severity, row["severity"]).value,
        "lines": None if start is None else [_count(start), _count(row["line_end"])],
        "quote": _text(row["quote"]),
        "why": _text(row["why"]),
        "risk": risk,
        "signals": _mapping(json.loads(row["signals_json"])),
        "source": _text(row["source"]),
        "resolution": _resolution(json.loads(resolution)) if resolution else None,
    }


def _resolution(found: Any) -> dict[str, Any]:
    """`NoteResolution.model_dump(mode="json")` of a parsed resolution_json."""
    _keys(found, _RESOLUTION_KEYS, _RESOLUTION_NEEDS)
    return {
        "status": _enum(Resolution, found["status"]).value,
        "by": _text(found["by"]),
        "at": _text(found["at"]),
        "comment": _text(found.get("comment", "")),
    }


def _review(row: dict[str, Any]) -> dict[str, Any]:
    """`Review.model_dump()` of a reviews row."""
    seen = json.loads(row["seen_json"])
    if type(seen) is not list:
        raise _Unusual
    return {
        "id": _text(row["id"]),
        "draft_id": _text(row["draft_id"]),
        "version": _count(row["version"]),
        "reviewer": _text(row["reviewer"]),
        "editorial_responsibility": _text(row["editorial_responsibility"]),
        "status": _enum(ReviewStatus, row["status"]),
        "started_at": _text(row["started_at"]),
        "finished_at": _optional(_text, row["finished_at"]),
        "reason": _text(row["reason"]),
        "seen": [_text(s) for s in seen],
        "decisions": [_decision(d) for d in _sequence(json.loads(row["decisions_json"]))],
    }


def _decision(found: Any) -> dict[str, Any]:
    """`SectionDecision.model_dump()` of one parsed decision."""
    _keys(found, _DECISION_KEYS, _DECISION_NEEDS)
    return {
        "index": _count(found["index"]),
        "sha256": _text(found["sha256"]),
        "decision": _enum(Decision, found["decision"]),
        "reason": _text(found.get("reason", "")),
        "at": _text(found["at"]),
    }


# ---- exact types: what pydantic would accept unchanged (anything it would coerce goes through the models) ------


def _text(value: Any) -> str:
    if type(value) is not str:
        raise _Unusual
    return value


def _count(value: Any) -> int:
    if type(value) is not int:  # not bool, not "3", not 3.0
        raise _Unusual
    return value


def _fraction(value: Any) -> float:
    if type(value) is not float:
        raise _Unusual
    return value


def _optional(check: Any, value: Any) -> Any:
    return None if value is None else check(value)


def _mapping(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise _Unusual
    return value


def _sequence(value: Any) -> list[Any]:
    if type(value) is not list:
        raise _Unusual
    return value


def _keys(found: Any, allowed: set[str], needed: set[str]) -> None:
    if type(found) is not dict or not needed <= found.keys() <= allowed:
        raise _Unusual


def _enum(kind: type[E], value: Any) -> E:
    if type(value) is not str:
        raise _Unusual
    return kind(value)  # an unknown value raises ValueError: the models raise it too
