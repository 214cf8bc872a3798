"""The SQL both backends share: drafts, versions and everything the audit chain, the records and the team records
hold, written once to mean the same in SQLite and PostgreSQL (`?` parameters, `rowid` order, RETURNING, ON CONFLICT).

`SqlStore` is the top of the shared layers: `connection.Connected` (the connection, its transactions, new IDs) <-
`audit.AuditChain` (the audit chain, its tamper checks, the bulk reads) <- `records.DraftRecords` (notes, reviews,
predictions, seals, calibrators, ideas) <- `team.TeamRecords` (policy, approvals, assignments) <- `SqlStore` here
(drafts and versions). A backend (`sqlite.SQLiteStore`, `postgres.PostgresStore`) adds only what differs: how it
connects and migrates, its errors, its transactions, full-text search, and the export's read of sealed finals.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from draftmate.domain.digests import canonical, sha256_hex
from draftmate.domain.ids import short_id
from draftmate.domain.vocabulary import DraftSummary, Kind, Origin, State
from draftmate.errors import AmbiguousId, NotFound, UsageError
from draftmate.store.audit import RowBundle
from draftmate.store.connection import C
from draftmate.store.rows import DRAFT_COLUMNS, DamagedRow, _draft, _version, now, title_of
from draftmate.store.team import TeamRecords

# The pydantic records are imported inside the functions that build them, so that `list` never loads pydantic.
if TYPE_CHECKING:
    from draftmate.domain.records import Confidence, Draft, Version

MIN_PREFIX = 4


# The condition on a drafts row that its request_json does not parse (json_valid: SQLite's own, a migration's function
# on PostgreSQL)
UNPARSABLE_REQUEST = "json_valid(request_json) = 0"


class SqlStore(TeamRecords[C]):
    """A store's shared SQL over its backend's connection `C`; a backend subclasses it with what differs."""

    skipped_drafts: list[str]  # IDs the last list_drafts left out: rows it could not read
    _search_errors: tuple[type[Exception], ...]  # what a search the database cannot parse raises

    def applied_migrations(self) -> list[str]:
        """Names of the migrations this store has, in order applied."""
        return [r[0] for r in self.conn.execute("SELECT name FROM _migrations ORDER BY rowid")]

    # ---- drafts and versions ---------------------------------------------------------------------------

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
    ) -> Draft:
        """A new draft in state `draft` with its first version."""
        draft_id, at = self._new_id(), now()
        with self.transaction():
            self.conn.execute(
                f"INSERT INTO drafts ({DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, NULL, ?, NULL, NULL, ?)",
                (
                    draft_id,
                    title or title_of(content),
                    kind.value,
                    lang,
                    State.DRAFT.value,
                    at,
                    at,
                    int(incomplete),
                    canonical(request or {}),
                ),
            )
            self._insert_version(draft_id, 1, content, origin, author, meta or {}, at, author or origin.value)
            rowid = self.conn.execute("SELECT rowid FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0]
            self.conn.execute("INSERT INTO drafts_fts (rowid, content) VALUES (?, ?)", (rowid, content))
        return self.get_draft(draft_id)

    def create_pending_draft(
        self, *, kind: Kind, lang: str, title: str, request: dict[str, Any], requested_by: str = ""
    ) -> Draft:
        """A draft with its request but no version yet, written before the model is called.

        If the process dies while the model streams, the request survives for `draft --retry`; the first version
        arrives through `add_version`. `requested_by` (who asked; its event's actor) is the draft's author.
        """
        draft_id, at = self._new_id(), now()
        with self.transaction():
            self.conn.execute(
                f"INSERT INTO drafts ({DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, 1, NULL, NULL, ?)",
                (draft_id, title, kind.value, lang, State.DRAFT.value, at, at, canonical(request)),
            )
            self.audit(
                "draft.requested",
                actor=requested_by or "model",
                draft_id=draft_id,
                payload={"state": State.DRAFT.value, "draft_row": self._draft_digest(draft_id)},
            )
        return self.get_draft(draft_id)

    def _insert_version(
        self,
        draft_id: str,
        number: int,
        content: str,
        origin: Origin,
        author: str,
        meta: dict[str, Any],
        at: str,
        actor: str,
    ) -> None:
        digest = sha256_hex(content)
        self.conn.execute(
            "INSERT INTO versions (draft_id, number, content, sha256, origin, author, created_at, meta_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (draft_id, number, content, digest, origin.value, author, at, canonical(meta)),
        )
        self.audit(
            "version.created",
            actor=actor,
            draft_id=draft_id,
            payload={
                "version": number,
                "sha256": digest,
                "origin": origin.value,
                "row": self._digest("versions", draft_id, number),
                "draft_row": self._draft_digest(draft_id),
            },
        )

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
        requested_by: str = "",
    ) -> Version:
        """A new version of a draft, moving the draft to `state`; `requested_by`, who asked the model for it, acts."""
        # the event's actor: a review policy counts who asked (`draft --retry`, a review's `r`) among the draft's
        # authors, as it counts their database role on PostgreSQL
        at = now()
        with self.transaction():
            draft = self.get_draft(draft_id)
            number = draft.current_version + 1
            self.conn.execute(
                "UPDATE drafts SET current_version = ?, status = ?, updated_at = ?, incomplete = ?, "
                "approved_sha256 = NULL, approved_version = NULL, confidence_level = NULL, "
                "confidence_score = NULL WHERE id = ?",
                (number, state.value, at, int(incomplete), draft_id),
            )
            actor = requested_by or author or origin.value
            self._insert_version(draft_id, number, content, origin, author, meta or {}, at, actor)
            rowid = self.conn.execute("SELECT rowid FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0]
            self.conn.execute("DELETE FROM drafts_fts WHERE rowid = ?", (rowid,))
            self.conn.execute("INSERT INTO drafts_fts (rowid, content) VALUES (?, ?)", (rowid, content))
        return self.get_version(draft_id, number)

    def resolve_id(self, prefix: str) -> str:
        """The full draft ID that `prefix` names, like git: unique prefixes of at least 4 hex digits."""
        key = prefix.strip().lower()
        if len(key) < MIN_PREFIX or any(c not in "0123456789abcdef" for c in key):
            raise UsageError(
                f"{prefix!r} is not a draft ID: use at least {MIN_PREFIX} hex digits from `draftmate list`"
            )
        rows = self.conn.execute(
            "SELECT id, title FROM drafts WHERE id >= ? AND id < ? ORDER BY id LIMIT 6", (key, key + "g")
        ).fetchall()
        if not rows:
            raise NotFound(f"no draft {prefix!r}; `draftmate list` shows the drafts there are")
        if len(rows) > 1:
            shown = ", ".join(f"{r['id'][:12]} ({r['title'][:30]})" for r in rows[:5])
            raise AmbiguousId(f"draft ID {prefix!r} is ambiguous; it could be {shown}; type more digits")
        return str(rows[0]["id"])

    def get_draft(self, draft_id: str) -> Draft:
        """A draft by its full ID."""
        row = self.conn.execute(f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            raise NotFound(f"no draft {draft_id!r}")
        return _draft(row)

    def get_version(self, draft_id: str, number: int | None = None) -> Version:
        """One version of a draft; the current one by default."""
        if number is None:
            number = self.get_draft(draft_id).current_version
        row = self.conn.execute(
            "SELECT * FROM versions WHERE draft_id = ? AND number = ?", (draft_id, number)
        ).fetchone()
        if row is None:
            raise NotFound(f"draft {short_id(draft_id)} has no version {number}")
        return _version(row)

    def list_versions(self, draft_id: str) -> list[Version]:
        """Every version of a draft, oldest first."""
        rows = self.conn.execute("SELECT * FROM versions WHERE draft_id = ? ORDER BY number", (draft_id,))
        return [_version(r) for r in rows]

    def draft_rows(self, draft_id: str) -> RowBundle:
        """A draft's own rows (draft, versions, notes, reviews) as column -> value dicts, read in one snapshot.

        No models are built and no tamper checks run: `show` builds its record from these without pydantic.
        """
        with self.snapshot():  # one consistent reading while other processes write
            found = self._dicts(f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = ?", (draft_id,))
            if not found:
                raise NotFound(f"no draft {draft_id!r}")
            return RowBundle(
                found[0],
                versions=self._dicts("SELECT * FROM versions WHERE draft_id = ? ORDER BY number", (draft_id,)),
                notes=self._dicts("SELECT * FROM notes WHERE draft_id = ? ORDER BY number", (draft_id,)),
                reviews=self._dicts("SELECT * FROM reviews WHERE draft_id = ? ORDER BY rowid", (draft_id,)),
            )

    def list_drafts(
        self, *, status: State | None = None, search: str | None = None, limit: int = 20, offset: int = 0
    ) -> list[DraftSummary]:
        """Drafts newest first, optionally by status and full-text search of their current content."""
        where, params = [], []
        source, order = "drafts d", "d.rowid"
        if search:
            source, order, match, terms = self._search_clause(search)
            where.append(match)
            params.extend(terms)
        if status is not None:
            where.append("d.status = ?")
            params.append(status.value)
        sql = (
            "SELECT d.id, d.title, d.kind, d.status, d.created_at, d.current_version, d.incomplete, "
            f"d.confidence_level FROM {source}"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {order} DESC LIMIT ? OFFSET ?"
        )
        try:
            rows = self.conn.execute(sql, (*params, limit, offset)).fetchall()
        except self._search_errors as e:
            raise UsageError(f"cannot search for {search!r}: {e}") from None
        # a plain dataclass: `list` must not pay for importing pydantic
        summaries: list[DraftSummary] = []
        self.skipped_drafts = []
        for r in rows:
            try:
                kind, state = Kind(r[2]), State(r[3])
            except ValueError:  # a row edited by hand: one bad row must not hide the rest of the store
                self.skipped_drafts.append(str(r[0]))
                continue
            summaries.append(
                DraftSummary(
                    id=r[0],
                    title=r[1],
                    kind=kind,
                    status=state,
                    created_at=r[4],
                    current_version=r[5],
                    incomplete=bool(r[6]),
                    confidence=r[7],
                )
            )
        return summaries

    @abstractmethod
    def _search_clause(self, search: str) -> tuple[str, str, str, list[Any]]:
        """How `list --search` finds drafts here: (FROM source, ORDER BY key, WHERE clause, its parameters)."""

    def iter_drafts(self, *, status: State | None = None) -> Iterator[Draft]:
        """Every draft, oldest first, one at a time (constant memory)."""
        sql = f"SELECT {DRAFT_COLUMNS} FROM drafts" + (" WHERE status = ?" if status else "") + " ORDER BY rowid"
        cursor = self.conn.execute(sql, (status.value,) if status else ())
        while batch := cursor.fetchmany(500):
            yield from (_draft(r) for r in batch)

    def unreadable_finals(self) -> list[tuple[str, str]]:
        """(ID, why) of each draft that may be final but whose drafts row cannot be read (`export --all` names them)."""
        # a status that is no state (edited from `final`, say), or a final one's columns no seal counts
        known = [s.value for s in State]
        marks = ", ".join("?" * len(known))
        odd = " OR ".join(f"({condition})" for condition, _ in self._odd_drafts)
        rows = self.conn.execute(
            f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE status IS NULL OR status NOT IN ({marks}) "
            f"OR (status = ? AND ({self._unparsable_final_requests()} OR {odd})) ORDER BY rowid",
            (*known, State.FINAL.value),
        ).fetchall()
        found = []
        for row in rows:
            try:
                _draft(row)
            except DamagedRow as e:
                found.append((str(row["id"]), str(e)))
        return found

    @abstractmethod
    def _unparsable_final_requests(self) -> str:
        """The SQL condition on a final draft's row that its request_json does not parse as JSON."""

    def set_state(self, draft_id: str, state: State, *, actor: str, event: str, **fields: Any) -> Draft:
        """Move a draft to `state` (the workflow decided it), with approved_sha256/approved_version if given."""
        allowed = {"approved_sha256", "approved_version"}
        if set(fields) - allowed:
            raise ValueError(f"cannot set {set(fields) - allowed}")
        with self.transaction():
            sets = ", ".join(f"{k} = ?" for k in fields)
            self.conn.execute(
                f"UPDATE drafts SET status = ?, updated_at = ?{', ' + sets if sets else ''} WHERE id = ?",
                (state.value, now(), *fields.values(), draft_id),
            )
            self.audit(
                event,
                actor=actor,
                draft_id=draft_id,
                payload={"state": state.value, **fields, "draft_row": self._draft_digest(draft_id)},
            )
        return self.get_draft(draft_id)

    def set_confidence(self, draft_id: str, confidence: Confidence) -> None:
        """Record the draft-level confidence of the current version."""
        with self.transaction():
            self.conn.execute(
                "UPDATE drafts SET confidence_level = ?, confidence_score = ? WHERE id = ?",
                (confidence.level, confidence.risk, draft_id),
            )

    def set_title(self, draft_id: str, title: str) -> None:
        """Name a draft after its content once the content exists."""
        with self.transaction():
            self.conn.execute("UPDATE drafts SET title = ? WHERE id = ?", (title, draft_id))

    def update_request(self, draft_id: str, request: dict[str, Any]) -> None:
        """Replace the stored request a draft was made from (for `draft --retry`)."""
        with self.transaction():
            self.conn.execute("UPDATE drafts SET request_json = ? WHERE id = ?", (canonical(request), draft_id))
