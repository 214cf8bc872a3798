"""Record IDs as people see and type them."""

from __future__ import annotations

SHORT_ID_LENGTH = 8  # long enough to be unique in practice; a shorter unique prefix is accepted too


def short_id(record_id: str) -> str:
    """The first digits of an ID, the ones shown and typed (`draftmate show 1a2b3c4d`)."""
    return record_id[:SHORT_ID_LENGTH]
