"""The records draftmate keeps: drafts, versions, notes, reviews, audit events."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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


class Strict(BaseModel):
    """Base for records: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class NoteResolution(Strict):
    """Who closed a note, how and when."""

    status: Resolution
    by: str
    at: str
    comment: str = ""


class Note(Strict):
    """An uncertainty note: where a draft may be wrong and why."""

    id: str
    draft_id: str
    number: int
    version: int
    kind: str
    severity: Severity
    lines: tuple[int, int] | None = None
    quote: str = ""
    why: str
    risk: float | None = Field(default=None, ge=0.0, le=1.0)
    signals: dict[str, Any] = Field(default_factory=dict)
    source: str
    author: str = ""
    created_at: str
    resolution: NoteResolution | None = None


class Version(Strict):
    """One immutable version of a draft's content."""

    draft_id: str
    number: int
    content: str
    sha256: str
    origin: Origin
    created_at: str
    author: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)


class Confidence(Strict):
    """The draft-level confidence: a level and the risk score behind it."""

    level: str
    score: float | None = None


class Draft(Strict):
    """A draft and where it stands."""

    id: str
    title: str
    kind: Kind
    lang: str = ""
    status: State
    created_at: str
    updated_at: str
    current_version: int
    approved_sha256: str | None = None
    approved_version: int | None = None
    incomplete: bool = False
    confidence: Confidence | None = None
    request: dict[str, Any] = Field(default_factory=dict)


class SectionDecision(Strict):
    """A reviewer's decision on one section, pinned to the section's hash."""

    index: int
    sha256: str
    decision: Decision
    reason: str = ""
    at: str


class Review(Strict):
    """A review record: who reviewed which version, section by section, and the outcome."""

    id: str
    draft_id: str
    version: int
    reviewer: str
    editorial_responsibility: str
    status: ReviewStatus
    started_at: str
    finished_at: str | None = None
    reason: str = ""
    seen: list[str] = Field(default_factory=list)  # sha256 of each section shown in full
    decisions: list[SectionDecision] = Field(default_factory=list)


class AuditEvent(Strict):
    """One link of the tamper-evident audit chain."""

    seq: int
    at: str
    actor: str
    event: str
    draft_id: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class DraftSummary(Strict):
    """A row of `list`: enough to pick a draft."""

    id: str
    title: str
    kind: Kind
    status: State
    created_at: str
    current_version: int
    incomplete: bool = False
    confidence: str | None = None
