"""The store's interface: every method the services and the CLI call on a store.

`SQLiteStore` (store/sqlite.py) is the one backend today; `store.backend.open_store` picks it. A second backend
(PostgreSQL) implements this protocol, and tests/unit/test_store_protocol.py checks each backend against it, so the
services, typed against `Store`, do not change.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from draftmate.domain.records import AuditEvent, Confidence, Draft, Note, NoteResolution, Review, Version
    from draftmate.domain.vocabulary import DraftSummary, Kind, Origin, Severity, State
    from draftmate.store.audit import DraftBundle, RowBundle


class Store(Protocol):
    """What the services and the CLI call on a store; every backend implements all of it."""

    skipped_drafts: list[str]  # IDs the last `list_drafts` left out: rows it could not read

    def transaction(self) -> contextlib.AbstractContextManager[None]: ...
    def snapshot(self) -> contextlib.AbstractContextManager[None]: ...
    def create_draft(
        self,
        content: str,
        *,
        kind: Kind,
        lang: str,
        origin: Origin,
        author: str,
        title: str | None = None,
        meta: dict[str, Any] | None = None,
        request: dict[str, Any] | None = None,
        incomplete: bool = False,
    ) -> Draft: ...
    def add_version(
        self,
        draft_id: str,
        content: str,
        *,
        origin: Origin,
        author: str,
        state: State,
        meta: dict[str, Any] | None = None,
        incomplete: bool = False,
    ) -> Version: ...
    def create_pending_draft(self, *, kind: Kind, lang: str, title: str, request: dict[str, Any]) -> Draft: ...
    def resolve_id(self, prefix: str) -> str: ...
    def get_draft(self, draft_id: str) -> Draft: ...
    def get_version(self, draft_id: str, number: int | None = None) -> Version: ...
    def list_versions(self, draft_id: str) -> list[Version]: ...
    def draft_rows(self, draft_id: str) -> RowBundle: ...
    def list_drafts(
        self, *, status: State | None = None, search: str | None = None, limit: int = 20, offset: int = 0
    ) -> list[DraftSummary]: ...
    def set_state(self, draft_id: str, state: State, *, actor: str, event: str, **fields: Any) -> Draft: ...
    def set_confidence(self, draft_id: str, confidence: Confidence) -> None: ...
    def set_title(self, draft_id: str, title: str) -> None: ...
    def update_request(self, draft_id: str, request: dict[str, Any]) -> None: ...
    def add_note(
        self,
        draft_id: str,
        *,
        version: int,
        kind: str,
        severity: Severity,
        why: str,
        source: str,
        author: str = "",
        lines: tuple[int, int] | None = None,
        quote: str = "",
        risk: float | None = None,
        signals: dict[str, Any] | None = None,
    ) -> Note: ...
    def list_notes(self, draft_id: str) -> list[Note]: ...
    def resolve_note(self, note_id: str, resolution: NoteResolution) -> Note: ...
    def open_review(self, draft_id: str, *, version: int, reviewer: str, editorial_responsibility: str) -> Review: ...
    def current_review(self, draft_id: str) -> Review | None: ...
    def list_reviews(self, draft_id: str) -> list[Review]: ...
    def get_review(self, review_id: str) -> Review: ...
    def save_review(self, review: Review, *, event: str, actor: str, detail: dict[str, Any] | None = None) -> None: ...
    def add_prediction(
        self,
        draft_id: str,
        *,
        version: int,
        model: str,
        kind: str,
        features: dict[str, Any],
        risk: float | None,
        level: str | None,
        calibrator: str = "default",
    ) -> int: ...
    def set_outcome(self, draft_id: str, outcome: dict[str, Any], *, version: int | None = None) -> int: ...
    def iter_predictions(self) -> Iterator[dict[str, Any]]: ...
    def add_seal(
        self,
        draft_id: str,
        *,
        version: int,
        content_sha256: str,
        tool_version: str,
        around: tuple[str, str],
        actor: str,
    ) -> None: ...
    def add_calibrator(
        self,
        *,
        method: str,
        params: dict[str, Any],
        thresholds: dict[str, Any],
        n_labels: int,
        metrics: dict[str, Any],
        activate: bool = True,
    ) -> dict[str, Any]: ...
    def active_calibrator(self) -> dict[str, Any] | None: ...
    def list_calibrators(self) -> list[dict[str, Any]]: ...
    def activate_calibrator(self, version: str | None) -> None: ...
    def add_ideas(
        self, topic: str, ideas: list[dict[str, Any]], made_with: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]: ...
    def get_idea(self, ref: str) -> dict[str, Any]: ...
    def iter_audit(self, draft_id: str | None = None) -> Iterator[AuditEvent]: ...
    def verify(self) -> list[str]: ...
    def iter_bundles(self, draft_ids: list[str], *, deep: bool = False, batch: int = 500) -> Iterator[DraftBundle]: ...
    def iter_bundle_rows(
        self, draft_ids: list[str], *, deep: bool = False, batch: int = 500
    ) -> Iterator[RowBundle]: ...
    def iter_sealed_finals(self) -> Iterator[tuple[str, tuple[bytes, bytes, bytes] | None]]: ...
    def close(self) -> None: ...
