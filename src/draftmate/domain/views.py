"""The draft view: what `show --json` prints and `show` renders, one draft with everything about it.

Built two ways with the same keys in the same order: from rows (store/record_rows.py, the fast path `show` takes)
and from validated models (services/drafts.py `model_record`); tests/unit/test_record_rows.py holds them equal.
"""

from __future__ import annotations

from typing import Any, TypedDict


class ConfidenceView(TypedDict):
    """The draft's confidence: a level, and the draft-level risk behind it, higher is worse (None when never scored)."""

    level: str
    risk: float | None


class DraftView(TypedDict):
    """One draft as `show --json` prints it; versions, notes and reviews are their records' JSON."""

    id: str
    title: str
    status: str
    kind: str
    lang: str
    created_at: str
    updated_at: str
    incomplete: bool
    current_version: int
    approved_sha256: str | None
    approved_version: int | None
    confidence: ConfidenceView
    versions: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
