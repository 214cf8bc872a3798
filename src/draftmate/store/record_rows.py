"""A draft's `show` record straight from its rows, without pydantic (importing it was half of `show`'s start-up).

`services.drafts.model_record` builds the record from validated models. `record_of_rows` builds the same dict from
rows through the one row mapping (domain/row_mapping.py) read `EXACT`: every value must already have the exact
plain type its model field takes (a str for a str, an int for an int, a float in range for a risk, JSON of the
right shape with no unknown keys). A row with anything else gives None, and the caller then goes through the
models, so a row pydantic refuses is still refused, with the same error. tests/unit/test_record_rows.py holds the two
paths to equal records.
"""

from __future__ import annotations

from typing import Any

from draftmate.domain.row_mapping import (
    EXACT,
    Unusual,
    draft_fields,
    draft_json,
    note_fields,
    note_json,
    review_fields,
    version_fields,
)


def record_of_rows(
    draft: dict[str, Any],
    versions: list[dict[str, Any]],
    notes: list[dict[str, Any]],
    reviews: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The `show --json` record of a draft's rows, or None when a value is not plainly what its model takes."""
    try:
        return {
            **draft_json(draft_fields(draft, EXACT)),
            "versions": [version_fields(v, EXACT) for v in versions],
            "notes": [note_json(note_fields(n, EXACT)) for n in notes],
            "reviews": [review_fields(r, EXACT) for r in reviews],
        }
    except (Unusual, ValueError, TypeError):  # bad JSON, an unknown enum value, a malformed object
        return None
