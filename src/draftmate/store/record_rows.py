"""A draft's `show` record straight from its rows, without pydantic (importing it was half of `show`'s start-up).

`services.drafts.model_record` builds the record from validated models. `record_of_rows` builds the same dict from
rows through the one row mapping (domain/row_mapping.py) read `EXACT`: every value must already have the exact
plain type its model field takes (a str for a str, an int for an int, a float in range for a risk, JSON of the
right shape with no unknown keys). A row with anything else gives None, and the caller then goes through the
models, so a row pydantic refuses is still refused, with the same error. tests/test_record_rows.py holds the two
paths to equal records.
"""

from __future__ import annotations

from typing import Any

from draftmate.domain.row_mapping import EXACT, Unusual, note_fields, note_json, review_fields, version_fields
from draftmate.domain.vocabulary import Kind, State


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
            "versions": [version_fields(v, EXACT) for v in versions],
            "notes": [note_json(note_fields(n, EXACT)) for n in notes],
            "reviews": [review_fields(r, EXACT) for r in reviews],
        }
    except (Unusual, ValueError, TypeError):  # bad JSON, an unknown enum value, a malformed object
        return None


def _draft(row: dict[str, Any]) -> dict[str, Any]:
    """The draft's part of the `show` record (its own shape: confidence always there, no request)."""
    read = EXACT
    for name in ("id", "title", "lang", "created_at", "updated_at"):
        read.text(row[name])
    read.count(row["current_version"])
    approved_sha256, approved_version = row["approved_sha256"], row["approved_version"]
    if approved_sha256 is not None:
        read.text(approved_sha256)
    if approved_version is not None:
        read.count(approved_version)
    read.mapping(row["request_json"])  # not shown, but the model checks it
    level = row["confidence_level"]
    if level:  # as rows._draft: an empty level is no confidence
        confidence = {"level": read.text(level), "score": read.score(row["confidence_score"])}
    else:
        confidence = {"level": "unknown", "score": None}
    return {
        "id": row["id"],
        "title": row["title"],
        "status": read.enum(State, row["status"]).value,
        "kind": read.enum(Kind, row["kind"]).value,
        "lang": row["lang"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "incomplete": bool(row["incomplete"]),  # as rows._draft
        "current_version": row["current_version"],
        "approved_sha256": approved_sha256,
        "approved_version": approved_version,
        "confidence": confidence,
    }
