"""The words of the domain (states, kinds, origins, severities, decisions) and the `list` row: no pydantic."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class State(StrEnum):
    """Where a draft is in its life; legal moves are in `workflow.TRANSITIONS`."""

    DRAFT = "draft"  # generated or imported, awaiting review
    IN_REVIEW = "in_review"  # a review has started; it can be resumed
    FINAL = "final"  # approved by a named person, pinned to the sha256 of its content
    REJECTED = "rejected"  # a reviewer rejected it; a new version starts it again
    CHANGES = "changes"  # a reviewer asked for changes; a new version answers them


class Kind(StrEnum):
    """What a draft is."""

    TEXT = "text"
    CODE = "code"


class Origin(StrEnum):
    """Who wrote a version."""

    MODEL = "model"
    HUMAN = "human"
    IMPORTED = "imported"


class Severity(StrEnum):
    """How much a note matters to the gate."""

    INFO = "info"
    VERIFY = "verify"
    BLOCKING = "blocking"


class Resolution(StrEnum):
    """How a reviewer closed a note."""

    VERIFIED = "verified"
    FIXED = "fixed"
    ACCEPTED_RISK = "accepted-risk"
    DISMISSED = "dismissed"


class Decision(StrEnum):
    """A reviewer's decision on one section."""

    ACCEPT = "accept"
    EDIT = "edit"  # edited by the reviewer, which accepts the edited text
    REJECT = "reject"


class ReviewStatus(StrEnum):
    """Where a review record is."""

    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES = "changes"


@dataclass(frozen=True)
class DraftSummary:
    """A row of `list`: enough to pick a draft."""

    id: str
    title: str
    kind: Kind
    status: State
    created_at: str
    current_version: int
    incomplete: bool = False
    confidence: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The row as the stable JSON of `list --json`."""
        row = asdict(self)
        row["kind"], row["status"] = self.kind.value, self.status.value
        return row
