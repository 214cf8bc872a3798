"""The records draftmate keeps: drafts, versions, notes, reviews, audit events."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from draftmate.domain.row_mapping import note_json

# The vocabulary lives in `vocabulary` so that fast paths (list) need not import pydantic; re-exported here.
from draftmate.domain.vocabulary import (
    Decision,
    DraftSummary,
    Kind,
    Origin,
    Resolution,
    ReviewStatus,
    Severity,
    State,
)

__all__ = [
    "Decision",
    "DraftSummary",
    "Kind",
    "Origin",
    "Resolution",
    "ReviewStatus",
    "Severity",
    "State",
]


class Strict(BaseModel):
    """Base for records: unknown fields are an error."""

    # defer_build: a validator is built on a model's first use, not at import, so `list` pays only for its rows
    model_config = ConfigDict(extra="forbid", defer_build=True)


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

    def as_json(self) -> dict[str, Any]:
        """The note as `show --json` and exports give it."""
        resolution = self.resolution.model_dump(mode="json") if self.resolution else None
        return note_json({**self.__dict__, "resolution": resolution})


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
    """The draft-level confidence: a level and the risk behind it (higher is worse)."""

    level: str
    # Named `score` before 0.x: a reader took 0.15 for low confidence, so it is `risk` now; the old name still reads.
    risk: float | None = Field(default=None, validation_alias=AliasChoices("risk", "score"))


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
