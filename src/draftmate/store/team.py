"""The store's records for teams: the review policy, who approved and who wrote a draft, and review assignments."""

from __future__ import annotations

import json
from typing import Any

from draftmate.domain.digests import canonical
from draftmate.errors import StoreError
from draftmate.store.connection import C
from draftmate.store.records import DraftRecords
from draftmate.store.rows import now

POLICY = "review"


class TeamRecords(DraftRecords[C]):
    """Policy, approvals, authorship and assignments, on both backends."""

    def review_policy(self) -> dict[str, Any]:
        """The stored review policy ({} when none was set: the default), checked against its audit event."""
        row = self.conn.execute("SELECT value_json, audit_seq FROM policies WHERE name = ?", (POLICY,)).fetchone()
        if row is None:
            return {}
        event = self.conn.execute(
            "SELECT payload_json FROM audit WHERE seq = ? AND event = 'policy.set'", (row[1],)
        ).fetchone()
        value = json.loads(row[0])
        if event is None or json.loads(event[0]).get("policy") != value:
            raise StoreError(
                "the review policy differs from what its audit event recorded (edited by hand?); "
                "set it again with `draftmate policy set` after checking `draftmate verify`"
            )
        return dict(value)

    def set_review_policy(self, policy: dict[str, Any], *, actor: str) -> None:
        """Store the review policy with the audit event that records it and who set it."""
        with self.transaction():
            before = self.review_policy()
            event = self.audit("policy.set", actor=actor, draft_id=None, payload={"policy": policy, "before": before})
            self.conn.execute(
                "INSERT INTO policies (name, value_json, audit_seq) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE "
                "SET value_json = excluded.value_json, audit_seq = excluded.audit_seq",
                (POLICY, canonical(policy), event.seq),
            )

    def approvals(self, draft_id: str, version: int) -> list[tuple[str, str | None]]:
        """(reviewer name, database role) of each approved review of this version, oldest first."""
        found = []
        rows = self.conn.execute(
            "SELECT actor, payload_json FROM audit WHERE draft_id = ? AND event = 'review.approved' ORDER BY seq",
            (draft_id,),
        ).fetchall()
        approved = {
            r[0]: r[1]
            for r in self.conn.execute(
                "SELECT id, reviewer FROM reviews WHERE draft_id = ? AND version = ? AND status = 'approved'",
                (draft_id, version),
            )
        }
        for actor, payload_json in rows:
            payload = json.loads(payload_json)
            if payload.get("review") in approved:
                found.append((str(actor), payload.get("db_role")))
        return found

    def draft_authors(self, draft_id: str) -> list[tuple[str, str | None]]:
        """(name, database role) of whoever wrote or imported a version of the draft (not the model)."""
        found = []
        for actor, payload_json in self.conn.execute(
            "SELECT actor, payload_json FROM audit WHERE draft_id = ? AND event IN ('version.created', "
            "'draft.requested') ORDER BY seq",
            (draft_id,),
        ):
            role = json.loads(payload_json).get("db_role")
            name = "" if actor in ("model", "imported", "human") else str(actor)
            if name or role:
                found.append((name, role))
        return found

    def assign(self, draft_id: str, assignee: str, *, actor: str) -> None:
        """Ask `assignee` to review a draft (replacing an earlier assignment), with its audit event."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO assignments (draft_id, assignee, assigned_by, assigned_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (draft_id) DO UPDATE SET assignee = excluded.assignee, "
                "assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
                (draft_id, assignee, actor, now()),
            )
            self.audit("draft.assigned", actor=actor, draft_id=draft_id, payload={"assignee": assignee})

    def review_queue(self, *, assignee: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Drafts waiting for a review (draft or in_review), oldest first, with whom each is assigned to."""
        sql = (
            "SELECT d.id, d.title, d.status, d.created_at, d.confidence_level, a.assignee FROM drafts d "
            "LEFT JOIN assignments a ON a.draft_id = d.id WHERE d.status IN ('draft', 'in_review') "
            "AND d.current_version > 0"
        )
        params: list[Any] = []
        if assignee is not None:
            sql += " AND a.assignee = ?"
            params.append(assignee)
        sql += " ORDER BY d.created_at, d.id LIMIT ?"
        params.append(limit)
        names = ("id", "title", "status", "created_at", "confidence", "assignee")
        return [dict(zip(names, tuple(r), strict=True)) for r in self.conn.execute(sql, params)]
