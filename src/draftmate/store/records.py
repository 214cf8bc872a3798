"""The records the store keeps around drafts: notes, reviews, predictions, seals, calibrators and ideas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from draftmate.domain.digests import canonical
from draftmate.domain.vocabulary import ReviewStatus, Severity
from draftmate.errors import AmbiguousId, NotFound
from draftmate.store.audit import SEALED, AuditChain, seal_digest
from draftmate.store.connection import C
from draftmate.store.rows import _calibrator, _note, _review, now

if TYPE_CHECKING:
    from draftmate.domain.records import Note, NoteResolution, Review


class DraftRecords(AuditChain[C]):
    """A store's records around a draft, each written with its audit event."""

    # ---- notes ---------------------------------------------------------------------------------------

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
    ) -> Note:
        """A new uncertainty note on a draft."""
        note_id = self._new_id()
        with self.transaction():
            number = self.conn.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM notes WHERE draft_id = ?", (draft_id,)
            ).fetchone()[0]
            self.conn.execute(
                "INSERT INTO notes (id, draft_id, number, version, kind, severity, line_start, line_end, quote, why, "
                "risk, signals_json, source, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    note_id,
                    draft_id,
                    number,
                    version,
                    kind,
                    severity.value,
                    lines[0] if lines else None,
                    lines[1] if lines else None,
                    quote,
                    why,
                    risk,
                    canonical(signals or {}),
                    source,
                    author,
                    now(),
                ),
            )
            self.audit(
                "note.added",
                actor=author or source,
                draft_id=draft_id,
                payload={
                    "note": note_id,
                    "number": number,
                    "severity": severity.value,
                    "row": self._digest("notes", note_id),
                },
            )
        return self._note(note_id)

    def _note(self, note_id: str) -> Note:
        row = self.conn.execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            raise NotFound(f"no note {note_id!r}")
        return _note(row)

    def list_notes(self, draft_id: str) -> list[Note]:
        """A draft's notes in the order they were made."""
        rows = self.conn.execute("SELECT * FROM notes WHERE draft_id = ? ORDER BY number", (draft_id,))
        return [_note(r) for r in rows]

    def resolve_note(self, note_id: str, resolution: NoteResolution) -> Note:
        """Close a note with a reviewer's resolution."""
        with self.transaction():
            note = self._note(note_id)
            self.conn.execute(
                "UPDATE notes SET resolution_json = ? WHERE id = ?", (canonical(resolution.model_dump()), note_id)
            )
            self.audit(
                "note.resolved",
                actor=resolution.by,
                draft_id=note.draft_id,
                payload={
                    "note": note_id,
                    "number": note.number,
                    "status": resolution.status.value,
                    "row": self._digest("notes", note_id),
                },
            )
        return self._note(note_id)

    # ---- reviews -------------------------------------------------------------------------------------

    def open_review(self, draft_id: str, *, version: int, reviewer: str, editorial_responsibility: str) -> Review:
        """Start a review record for a draft's version."""
        from draftmate.domain.records import Review

        review = Review(
            id=self._new_id(),
            draft_id=draft_id,
            version=version,
            reviewer=reviewer,
            editorial_responsibility=editorial_responsibility,
            status=ReviewStatus.OPEN,
            started_at=now(),
        )
        with self.transaction():
            self.conn.execute(
                "INSERT INTO reviews (id, draft_id, version, reviewer, editorial_responsibility, status, started_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    review.id,
                    draft_id,
                    version,
                    reviewer,
                    editorial_responsibility,
                    review.status.value,
                    review.started_at,
                ),
            )
            self.audit(
                "review.started",
                actor=reviewer,
                draft_id=draft_id,
                payload={"review": review.id, "version": version, "row": self._digest("reviews", review.id)},
            )
        return review

    def current_review(self, draft_id: str) -> Review | None:
        """The open review of a draft, if there is one."""
        row = self.conn.execute(
            "SELECT * FROM reviews WHERE draft_id = ? AND status = 'open' ORDER BY rowid DESC LIMIT 1", (draft_id,)
        ).fetchone()
        return _review(row) if row else None

    def list_reviews(self, draft_id: str) -> list[Review]:
        """Every review of a draft, oldest first."""
        rows = self.conn.execute("SELECT * FROM reviews WHERE draft_id = ? ORDER BY rowid", (draft_id,))
        return [_review(r) for r in rows]

    def get_review(self, review_id: str) -> Review:
        """A review by its full ID."""
        row = self.conn.execute("SELECT * FROM reviews WHERE id = ?", (review_id,)).fetchone()
        if row is None:
            raise NotFound(f"no review {review_id!r}")
        return _review(row)

    def save_review(self, review: Review, *, event: str, actor: str, detail: dict[str, Any] | None = None) -> None:
        """Write a review's current state (each decision as it is made) with its audit event."""
        with self.transaction():
            self.conn.execute(
                "UPDATE reviews SET version = ?, reviewer = ?, editorial_responsibility = ?, status = ?, "
                "finished_at = ?, reason = ?, seen_json = ?, decisions_json = ? WHERE id = ?",
                (
                    review.version,
                    review.reviewer,
                    review.editorial_responsibility,
                    review.status.value,
                    review.finished_at,
                    review.reason,
                    canonical(review.seen),
                    canonical([d.model_dump() for d in review.decisions]),
                    review.id,
                ),
            )
            self.audit(
                event,
                actor=actor,
                draft_id=review.draft_id,
                payload={"review": review.id, **(detail or {}), "row": self._digest("reviews", review.id)},
            )

    # ---- predictions and outcomes --------------------------------------------------------------------

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
    ) -> int:
        """Log a confidence prediction with the features behind it."""
        with self.transaction():
            # RETURNING, not lastrowid: both SQLite and PostgreSQL answer it
            (prediction_id,) = self.conn.execute(
                "INSERT INTO predictions (draft_id, version, created_at, model, kind, calibrator, features_json, "
                "risk, level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (draft_id, version, now(), model, kind, calibrator, canonical(features), risk, level),
            ).fetchone()
            return int(prediction_id)

    def set_outcome(self, draft_id: str, outcome: dict[str, Any], *, version: int | None = None) -> int:
        """Attach a review outcome to the draft's predictions (of one version, if given) still without one."""
        params: tuple[str | int, ...] = (draft_id,)
        where = "draft_id = ? AND outcome_json IS NULL"
        if version is not None:
            where, params = where + " AND version = ?", (draft_id, version)
        with self.transaction():
            cursor = self.conn.execute(
                f"UPDATE predictions SET outcome_json = ?, outcome_at = ? WHERE {where}",
                (canonical(outcome), now(), *params),
            )
            return cursor.rowcount

    def iter_predictions(self) -> Iterator[dict[str, Any]]:
        """Every logged prediction with its outcome, oldest first."""
        cursor = self.conn.execute("SELECT * FROM predictions ORDER BY id")
        while batch := cursor.fetchmany(500):
            for r in batch:
                row = dict(r)
                row["features"] = json.loads(row.pop("features_json"))
                outcome = row.pop("outcome_json")
                row["outcome"] = json.loads(outcome) if outcome else None
                yield row

    # ---- seals: a final draft's export record, made once -------------------------------------------------

    def add_seal(
        self,
        draft_id: str,
        *,
        version: int,
        content_sha256: str,
        tool_version: str,
        around: tuple[str, str],
        actor: str,
    ) -> None:
        """Record the export record of a version just made final: its JSON line around the content, as two texts."""
        head, tail = around
        with self.transaction():
            (writes,) = self.conn.execute("SELECT writes FROM drafts WHERE id = ?", (draft_id,)).fetchone()
            key = (draft_id, version, content_sha256, tool_version, writes)
            digest = seal_digest(*key, head.encode("utf-8"), tail.encode("utf-8"))
            event = self.audit(SEALED, actor=actor, draft_id=draft_id, payload={"version": version, "row": digest})
            # a version is approved once; were it ever approved again, the newer record is the one to export
            self.conn.execute(
                "INSERT INTO seals (draft_id, version, content_sha256, tool_version, writes, audit_seq, "
                "head, tail) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (draft_id, version) DO UPDATE SET "
                "content_sha256 = excluded.content_sha256, tool_version = excluded.tool_version, "
                "writes = excluded.writes, audit_seq = excluded.audit_seq, head = excluded.head, tail = excluded.tail",
                (*key, event.seq, head, tail),
            )

    # ---- calibrators (issue 7: fitted recalibrations of draft risk, versioned; one active) -------------

    def add_calibrator(
        self,
        *,
        method: str,
        params: dict[str, Any],
        thresholds: dict[str, Any],
        n_labels: int,
        metrics: dict[str, Any],
        activate: bool = True,
    ) -> dict[str, Any]:
        """Store a fitted calibrator under the next version name, e.g. `platt-3`; make it the active one."""
        with self.transaction():
            count = self.conn.execute("SELECT COUNT(*) FROM calibrators").fetchone()[0]
            version = f"{method}-{count + 1}"
            if activate:
                self.conn.execute("UPDATE calibrators SET active = 0 WHERE active = 1")
            self.conn.execute(
                "INSERT INTO calibrators (version, created_at, method, params_json, thresholds_json, n_labels, "
                "metrics_json, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    version,
                    now(),
                    method,
                    canonical(params),
                    canonical(thresholds),
                    n_labels,
                    canonical(metrics),
                    int(activate),
                ),
            )
            self.audit(
                "calibrator.fitted",
                actor="draftmate",
                draft_id=None,
                payload={"version": version, "method": method, "n_labels": n_labels, "active": activate},
            )
        return self.get_calibrator(version)

    def get_calibrator(self, version: str) -> dict[str, Any]:
        """A stored calibrator by version."""
        row = self.conn.execute("SELECT * FROM calibrators WHERE version = ?", (version,)).fetchone()
        if row is None:
            raise NotFound(f"no calibrator {version!r}; `draftmate calibration --fit` makes one")
        return _calibrator(row)

    def active_calibrator(self) -> dict[str, Any] | None:
        """The calibrator new drafts are scored with, if one was fitted."""
        row = self.conn.execute("SELECT * FROM calibrators WHERE active = 1").fetchone()
        return _calibrator(row) if row else None

    def list_calibrators(self) -> list[dict[str, Any]]:
        """Every stored calibrator, oldest first."""
        return [_calibrator(r) for r in self.conn.execute("SELECT * FROM calibrators ORDER BY rowid")]

    def activate_calibrator(self, version: str | None) -> None:
        """Make `version` the active calibrator; None goes back to the built-in thresholds."""
        with self.transaction():
            if version is not None:
                self.get_calibrator(version)
            self.conn.execute("UPDATE calibrators SET active = 0 WHERE active = 1")
            if version is not None:
                self.conn.execute("UPDATE calibrators SET active = 1 WHERE version = ?", (version,))
            self.audit("calibrator.activated", actor="draftmate", draft_id=None, payload={"version": version})

    # ---- ideas ---------------------------------------------------------------------------------------

    def add_ideas(
        self, topic: str, ideas: list[dict[str, Any]], made_with: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Store a brainstorm's ideas, numbered from 1, and how they were made (in the audit); returns them with IDs."""
        batch, at, stored = self._new_id(), now(), []
        with self.transaction():
            for number, idea in enumerate(ideas, start=1):
                idea_id = self._new_id()
                self.conn.execute(
                    "INSERT INTO ideas (id, batch, number, topic, title, rationale, risks_json, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        idea_id,
                        batch,
                        number,
                        topic,
                        idea["title"],
                        idea["rationale"],
                        canonical(idea.get("risks", [])),
                        at,
                    ),
                )
                stored.append({"id": idea_id, "number": number, **idea})
            payload = {"batch": batch, "count": len(ideas)} | ({"made_with": made_with} if made_with else {})
            self.audit("ideas.added", actor="model", draft_id=None, payload=payload)
        return stored

    def get_idea(self, ref: str) -> dict[str, Any]:
        """An idea by its number in the latest brainstorm, or by a unique ID prefix of at least 4 digits."""
        key = ref.strip().lstrip("#").lower()
        row = None
        if key.isascii() and key.isdigit() and len(key) < 10:  # ASCII: int("²") fails; long: an ID prefix
            row = self.conn.execute(
                "SELECT * FROM ideas WHERE batch = (SELECT batch FROM ideas ORDER BY rowid DESC LIMIT 1) "
                "AND number = ?",
                (int(key),),
            ).fetchone()
        # an ID is random hex and may be all digits: when no number matches, try it as an ID prefix
        if row is None and len(key) >= 4:
            rows = self.conn.execute(
                "SELECT * FROM ideas WHERE id >= ? AND id < ? LIMIT 2", (key, key + "g")
            ).fetchall()
            if len(rows) > 1:
                raise AmbiguousId(f"idea ID {ref!r} is ambiguous; type more digits")
            row = rows[0] if rows else None
        if row is None:
            latest = self.conn.execute(
                "SELECT count(*) FROM ideas WHERE batch = (SELECT batch FROM ideas ORDER BY rowid DESC LIMIT 1)"
            ).fetchone()[0]
            if not latest:
                raise NotFound(f"no idea {ref!r}: there are no ideas yet; run `draftmate brainstorm TOPIC` first")
            raise NotFound(f"no idea {ref!r}: the latest brainstorm has ideas 1-{latest}; pick one of those")
        idea = dict(row)
        idea["risks"] = json.loads(idea.pop("risks_json"))
        return idea
