"""The store: drafts, versions, notes, reviews, predictions and a hash-chained audit log in SQLite.

`Store` is the narrow interface the rest of draftmate uses; `SQLiteStore` is the one implementation, and
`SQLiteStore.memory()` is its in-memory twin for tests. Every change and the audit event that records it are
written in one transaction, so a crash leaves either both or neither.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from draftmate import jsonfast
from draftmate.errors import AmbiguousId, NotFound, StoreError, UsageError
from draftmate.migrations import MIGRATIONS
from draftmate.vocabulary import DraftSummary, Kind, Origin, ReviewStatus, Severity, State

# The pydantic records are imported inside the functions that build them, so that `list` never loads pydantic.
if TYPE_CHECKING:
    from draftmate.models import AuditEvent, Confidence, Draft, Note, NoteResolution, Review, Version

GENESIS = "0" * 64

MIN_PREFIX = 4
BUSY_TIMEOUT_MS = 10_000
DRAFT_COLUMNS = (
    "id, title, kind, lang, status, created_at, updated_at, current_version, approved_sha256, "
    "approved_version, incomplete, confidence_level, confidence_score, request_json"
)


def now() -> str:
    """The current UTC time as ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    """A random 32-hex-digit ID; its first 8 digits are what people type."""
    return uuid.uuid4().hex


def canonical(value: Any) -> str:
    """Deterministic JSON, the form that is hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    """Hex sha256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def title_of(content: str) -> str:
    """A draft's title: its first non-blank line, without markdown heading marks."""
    for line in content.splitlines():
        cleaned = line.strip().lstrip("#/*-;").strip().strip("\"'`").strip()
        if cleaned:
            return cleaned[:80]
    return "(untitled)"


@dataclass
class DraftBundle:
    """A draft with every record its export reads, and what the tamper checks found wrong with them."""

    draft: Draft
    versions: list[Version]
    notes: list[Note]
    reviews: list[Review]
    outcomes: list[tuple[int, dict[str, Any]]]  # (version, outcome) of predictions that have one, oldest first
    problems: list[str] = field(default_factory=list)
    seals: list[dict[str, Any]] = field(default_factory=list)  # seal rows, oldest version first

    def sealed_tool_version(self, version: int) -> str | None:
        """The draftmate version that sealed `version`'s export record, if one did and it names one."""
        return next((sealed_tool_version(s) for s in self.seals if s["version"] == version), None)


@dataclass(slots=True)
class RowBundle:
    """A draft's rows as read (column -> value), for bulk export; `problems` holds the same tamper checks."""

    draft: dict[str, Any]
    versions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[tuple[int, str]] = field(default_factory=list)  # (version, outcome_json), oldest first
    seals: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def sealed_tool_version(seal: dict[str, Any]) -> str | None:
    """The draftmate version a seal row's provenance names (an imported draft's names none)."""
    generator = _loads(seal["head"] + '""' + seal["tail"])["provenance"]["generator"]
    return str(generator["tool_version"]) if generator else None


def bundle_of(rows: RowBundle) -> DraftBundle:
    """The validated models of a draft read as rows (single exports and refusals keep pydantic's checks)."""
    # the converters only index rows by column name, which a dict does as sqlite3.Row does
    return DraftBundle(
        draft=_draft(cast(sqlite3.Row, rows.draft)),
        versions=[_version(cast(sqlite3.Row, v)) for v in rows.versions],
        notes=[_note(cast(sqlite3.Row, n)) for n in rows.notes],
        reviews=[_review(cast(sqlite3.Row, r)) for r in rows.reviews],
        outcomes=[(version, json.loads(outcome)) for version, outcome in rows.outcomes],
        problems=list(rows.problems),
        seals=list(rows.seals),
    )


# The columns that decide what a draft is and whether it is final: what `_draft_digest` hashes.
_PINNED = ("id", "kind", "status", "current_version", "approved_sha256", "approved_version")


_canonical = jsonfast.compact_encoder(sort_keys=True)
_UNRECORDED = object()  # a row no audit event recorded (a recorded digest may be any JSON value, even null)


def _row_digest(value: Any) -> str:
    """sha256_hex(canonical(value)), the fingerprint the audit chain keeps, for rows read in bulk."""
    return hashlib.sha256(_canonical(value).encode("utf-8")).hexdigest()


_loads = jsonfast.loads

SEALED = "seal.recorded"  # the audit event of a seal; its payload's `row` is `_seal_digest` of the seal


def _seal_row_digest(row: dict[str, Any]) -> str:
    return _seal_digest(row["draft_id"], row["version"], row["content_sha256"], row["writes"], row["head"], row["tail"])


def _seal_digest(draft_id: str, version: int, content_sha256: str, writes: int, head: str, tail: str) -> str:
    """The fingerprint of a seal row: its texts' UTF-8 as stored, not canonical JSON (bulk reads hash the bytes)."""
    return sha256_hex(f"{draft_id}\n{version}\n{content_sha256}\n{writes}\n{head}\n{tail}")


class Store(Protocol):
    """What draftmate needs from a store; a PostgreSQL store for teams would implement the same."""

    def transaction(self) -> contextlib.AbstractContextManager[None]: ...
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
    def list_drafts(
        self, *, status: State | None = None, search: str | None = None, limit: int = 20, offset: int = 0
    ) -> list[DraftSummary]: ...
    def iter_drafts(self, *, status: State | None = None) -> Iterator[Draft]: ...
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
    def set_outcome(self, draft_id: str, outcome: dict[str, Any]) -> int: ...
    def iter_predictions(self) -> Iterator[dict[str, Any]]: ...
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
    def get_calibrator(self, version: str) -> dict[str, Any]: ...
    def active_calibrator(self) -> dict[str, Any] | None: ...
    def list_calibrators(self) -> list[dict[str, Any]]: ...
    def activate_calibrator(self, version: str | None) -> None: ...
    def audit(self, event: str, *, actor: str, draft_id: str | None, payload: dict[str, Any]) -> AuditEvent: ...
    def iter_audit(self, draft_id: str | None = None) -> Iterator[AuditEvent]: ...
    def verify(self) -> list[str]: ...
    def close(self) -> None: ...


class SQLiteStore:
    """The SQLite store: WAL, a busy timeout, file mode 0600, migrations applied on open."""

    def __init__(self, path: Path | str, *, _conn: sqlite3.Connection | None = None) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        self._depth = 0
        self.conn = _conn if _conn is not None else self._connect(Path(path))
        self._migrate()

    @classmethod
    def memory(cls) -> SQLiteStore:
        """An empty store in memory, for tests and benchmarks."""
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.row_factory = sqlite3.Row
        return cls(":memory:", _conn=conn)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _refuse_foreign(conn, path)  # before the switch to WAL, which would already change someone else's file
            mode = _journal_wal(conn)
            if mode != "wal" and os.access(path, os.W_OK):
                raise StoreError(f"{path}: could not switch to WAL journaling")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            return conn
        except PermissionError as e:
            raise StoreError(
                f"cannot open the store at {path}: {e.strerror}; make the directory writable or set DRAFTMATE_HOME"
            ) from None
        except sqlite3.DatabaseError as e:
            if not os.access(path.parent, os.W_OK):  # SQLite must create -wal/-shm beside the file; not a bad file
                raise StoreError(
                    f"cannot open the store at {path}: its directory is read-only; make {path.parent} writable "
                    "or set DRAFTMATE_HOME"
                ) from None
            raise StoreError(
                f"{path} is not a readable draftmate database ({e}); move it aside or set DRAFTMATE_HOME"
            ) from None
        except OSError as e:
            raise StoreError(f"cannot open the store at {path}: {e.strerror}; set DRAFTMATE_HOME elsewhere") from None

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    # ---- transactions and migrations -------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested uses join the outer one."""
        if self._depth == 0:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                raise self._store_error(e) from None
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self.conn.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as e:
                self.conn.execute("ROLLBACK")
                raise self._store_error(e) from None

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction, so several SELECTs see the same committed state; joins an open transaction."""
        if self.conn.in_transaction:
            yield
            return
        try:
            self.conn.execute("BEGIN")
        except sqlite3.OperationalError as e:
            raise self._store_error(e) from None
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _store_error(self, e: sqlite3.Error) -> StoreError:
        text = str(e)
        if "readonly" in text or "read-only" in text:
            return StoreError(f"the store at {self.path} is read-only; make it writable or set DRAFTMATE_HOME")
        return StoreError(f"store error at {self.path}: {text}")

    def _migrate(self) -> None:
        try:
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as e:
            raise StoreError(
                f"{self.path} is not a readable draftmate database ({e}); move it aside or set DRAFTMATE_HOME"
            ) from None
        if tables and "_migrations" not in tables:
            raise StoreError(f"{self.path} is a database draftmate did not create; move it aside or set DRAFTMATE_HOME")
        applied = set()
        if "_migrations" in tables:
            applied = {r[0] for r in self.conn.execute("SELECT name FROM _migrations")}
        known = {name for name, _ in MIGRATIONS}
        if applied - known:
            raise StoreError(
                f"{self.path} was written by a newer draftmate (migrations {sorted(applied - known)}); "
                "upgrade draftmate"
            )
        pending = [(name, sql) for name, sql in MIGRATIONS if name not in applied]
        if not pending:
            return
        with self.transaction():
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            # Another process may have migrated while this one waited for the write lock: look again.
            applied = {r[0] for r in self.conn.execute("SELECT name FROM _migrations")}
            pending = [(name, sql) for name, sql in MIGRATIONS if name not in applied]
            for name, sql in pending:
                try:
                    for statement in _statements(sql):
                        self.conn.execute(statement)
                except sqlite3.Error as e:
                    raise StoreError(
                        f"migration {name} failed on {self.path} ({e}); nothing was changed, report this"
                    ) from None
                self.conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, now()))

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
        draft_id, at = new_id(), now()
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
            self._insert_version(draft_id, 1, content, origin, author, meta or {}, at)
            rowid = self.conn.execute("SELECT rowid FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0]
            self.conn.execute("INSERT INTO drafts_fts (rowid, content) VALUES (?, ?)", (rowid, content))
        return self.get_draft(draft_id)

    def create_pending_draft(self, *, kind: Kind, lang: str, title: str, request: dict[str, Any]) -> Draft:
        """A draft with its request but no version yet, written before the model is called.

        If the process dies while the model streams, the request survives for `draft --retry`; the first version
        arrives through `add_version`.
        """
        draft_id, at = new_id(), now()
        with self.transaction():
            self.conn.execute(
                f"INSERT INTO drafts ({DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, 1, NULL, NULL, ?)",
                (draft_id, title, kind.value, lang, State.DRAFT.value, at, at, canonical(request)),
            )
            self.audit(
                "draft.requested",
                actor="model",
                draft_id=draft_id,
                payload={"state": State.DRAFT.value, "draft_row": self._draft_digest(draft_id)},
            )
        return self.get_draft(draft_id)

    def _insert_version(
        self, draft_id: str, number: int, content: str, origin: Origin, author: str, meta: dict[str, Any], at: str
    ) -> None:
        digest = sha256_hex(content)
        self.conn.execute(
            "INSERT INTO versions (draft_id, number, content, sha256, origin, author, created_at, meta_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (draft_id, number, content, digest, origin.value, author, at, canonical(meta)),
        )
        self.audit(
            "version.created",
            actor=author or origin.value,
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
    ) -> Version:
        """A new version of a draft, moving the draft to `state` (the workflow decided it)."""
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
            self._insert_version(draft_id, number, content, origin, author, meta or {}, at)
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
            raise NotFound(f"draft {draft_id[:8]} has no version {number}")
        return _version(row)

    def list_versions(self, draft_id: str) -> list[Version]:
        """Every version of a draft, oldest first."""
        rows = self.conn.execute("SELECT * FROM versions WHERE draft_id = ? ORDER BY number", (draft_id,))
        return [_version(r) for r in rows]

    def list_drafts(
        self, *, status: State | None = None, search: str | None = None, limit: int = 20, offset: int = 0
    ) -> list[DraftSummary]:
        """Drafts newest first, optionally by status and full-text search of their current content."""
        where, params = [], []
        source, order = "drafts d", "d.rowid"
        if search:
            # ordering by the FTS table's own rowid lets FTS5 hand matches over newest first and stop at the
            # limit; ordering by d.rowid sorted every match first (75 ms for a common word in 100k drafts)
            source, order = "drafts_fts f JOIN drafts d ON d.rowid = f.rowid", "f.rowid"
            where.append("drafts_fts MATCH ?")
            params.append(fts_query(search))
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
        except sqlite3.OperationalError as e:
            raise UsageError(f"cannot search for {search!r}: {e}") from None
        # a plain dataclass: `list` must not pay for importing pydantic
        return [
            DraftSummary(
                id=r[0],
                title=r[1],
                kind=Kind(r[2]),
                status=State(r[3]),
                created_at=r[4],
                current_version=r[5],
                incomplete=bool(r[6]),
                confidence=r[7],
            )
            for r in rows
        ]

    def iter_drafts(self, *, status: State | None = None) -> Iterator[Draft]:
        """Every draft, oldest first, one at a time (constant memory)."""
        sql = f"SELECT {DRAFT_COLUMNS} FROM drafts" + (" WHERE status = ?" if status else "") + " ORDER BY rowid"
        cursor = self.conn.execute(sql, (status.value,) if status else ())
        while batch := cursor.fetchmany(500):
            yield from (_draft(r) for r in batch)

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
                (confidence.level, confidence.score, draft_id),
            )

    def set_title(self, draft_id: str, title: str) -> None:
        """Name a draft after its content once the content exists."""
        with self.transaction():
            self.conn.execute("UPDATE drafts SET title = ? WHERE id = ?", (title, draft_id))

    def update_request(self, draft_id: str, request: dict[str, Any]) -> None:
        """Replace the stored request a draft was made from (for `draft --retry`)."""
        with self.transaction():
            self.conn.execute("UPDATE drafts SET request_json = ? WHERE id = ?", (canonical(request), draft_id))

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
        note_id = new_id()
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
        from draftmate.models import Review

        review = Review(
            id=new_id(),
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
            cursor = self.conn.execute(
                "INSERT INTO predictions (draft_id, version, created_at, model, kind, calibrator, features_json, "
                "risk, level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (draft_id, version, now(), model, kind, calibrator, canonical(features), risk, level),
            )
            return int(cursor.lastrowid or 0)

    def set_outcome(self, draft_id: str, outcome: dict[str, Any]) -> int:
        """Attach a review outcome to the draft's predictions still without one; returns how many."""
        with self.transaction():
            cursor = self.conn.execute(
                "UPDATE predictions SET outcome_json = ?, outcome_at = ? WHERE draft_id = ? AND outcome_json IS NULL",
                (canonical(outcome), now(), draft_id),
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
        self, draft_id: str, *, version: int, content_sha256: str, around: tuple[str, str], actor: str
    ) -> None:
        """Record the export record of a version just made final: its JSON line around the content, as two texts."""
        head, tail = around
        with self.transaction():
            (writes,) = self.conn.execute("SELECT writes FROM drafts WHERE id = ?", (draft_id,)).fetchone()
            digest = _seal_digest(draft_id, version, content_sha256, writes, head, tail)
            event = self.audit(SEALED, actor=actor, draft_id=draft_id, payload={"version": version, "row": digest})
            self.conn.execute(
                "INSERT OR REPLACE INTO seals (draft_id, version, content_sha256, writes, audit_seq, head, tail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (draft_id, version, content_sha256, writes, event.seq, head, tail),
            )

    def iter_sealed_finals(self) -> Iterator[tuple[str, tuple[bytes, bytes, bytes] | None]]:
        """Every final draft, oldest first, in one snapshot: (id, its sealed line as head, content, tail) or (id, None).

        The bulk export's read, in UTF-8 bytes as the line is written (no decoding and encoding back), the content
        already a JSON string. The parts are None unless the seal still holds: made for the approved version, no
        write to the draft's rows since (`writes`), matching the digest its audit event recorded, and the content
        its sha256. Then nothing else needs reading; any other draft is the caller's to rebuild and check.
        """
        # SQLite's json_quote writes what json.dumps(ensure_ascii=False) writes, checked here once: where it does
        # not, the content is quoted in Python
        quoted = "CAST(json_quote(v.content) AS BLOB)" if self._json_quote_matches() else "NULL"
        sql = f"""
            SELECT d.id, d.approved_sha256, CAST(v.content AS BLOB), {quoted}, s.version, s.writes,
                CAST(s.head AS BLOB), CAST(s.tail AS BLOB), json_extract(a.payload_json, '$.row')
            FROM drafts d
            LEFT JOIN seals s ON s.draft_id = d.id AND s.version = d.approved_version AND s.writes = d.writes
                AND d.current_version = d.approved_version AND s.content_sha256 = d.approved_sha256
            LEFT JOIN audit a ON a.seq = s.audit_seq
            LEFT JOIN versions v ON v.draft_id = d.id AND v.number = d.approved_version
            WHERE d.status = '{State.FINAL.value}' ORDER BY d.rowid
        """
        sha256 = hashlib.sha256
        with self.snapshot():
            cursor = self.conn.cursor()
            cursor.row_factory = None
            for draft_id, pinned, content, as_json, version, writes, head, tail, recorded in cursor.execute(sql):
                if head is None or content is None:
                    yield draft_id, None
                    continue
                digest = sha256(f"{draft_id}\n{version}\n{pinned}\n{writes}\n".encode())
                digest.update(head)
                digest.update(b"\n")
                digest.update(tail)
                if digest.hexdigest() != recorded or sha256(content).hexdigest() != pinned:
                    yield draft_id, None
                    continue
                if as_json is None:
                    as_json = _canonical(content.decode("utf-8")).encode("utf-8")
                yield draft_id, (head, as_json, tail)

    def _json_quote_matches(self) -> bool:
        probe = "".join(map(chr, range(0xA1))) + '\u2028\u2029\ufeff\u200b\U0001f600 é \\ / "'
        (quoted,) = self.conn.execute("SELECT json_quote(?)", (probe,)).fetchone()
        return bool(quoted == _canonical(probe))

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

    def add_ideas(self, topic: str, ideas: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Store a brainstorm's ideas, numbered from 1; returns them with their IDs."""
        batch, at, stored = new_id(), now(), []
        with self.transaction():
            for number, idea in enumerate(ideas, start=1):
                idea_id = new_id()
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
            self.audit("ideas.added", actor="model", draft_id=None, payload={"batch": batch, "count": len(ideas)})
        return stored

    def get_idea(self, ref: str) -> dict[str, Any]:
        """An idea by its number in the latest brainstorm, or by ID prefix."""
        if ref.isdigit():
            row = self.conn.execute(
                "SELECT * FROM ideas WHERE batch = (SELECT batch FROM ideas ORDER BY rowid DESC LIMIT 1) "
                "AND number = ?",
                (int(ref),),
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT * FROM ideas WHERE id >= ? AND id < ? LIMIT 1", (ref.lower(), ref.lower() + "g")
            ).fetchone()
        if row is None:
            raise NotFound(f"no idea {ref!r}; run `draftmate brainstorm TOPIC` first")
        idea = dict(row)
        idea["risks"] = json.loads(idea.pop("risks_json"))
        return idea

    # ---- audit chain ---------------------------------------------------------------------------------

    def audit(self, event: str, *, actor: str, draft_id: str | None, payload: dict[str, Any]) -> AuditEvent:
        """Append an event to the chain; call inside the transaction that made the change."""
        from draftmate.models import AuditEvent

        with self.transaction():
            last = self.conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
            at = now()
            digest = _event_hash(seq, at, actor, event, draft_id, payload, prev)
            self.conn.execute(
                "INSERT INTO audit (seq, at, actor, event, draft_id, payload_json, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, at, actor, event, draft_id, canonical(payload), prev, digest),
            )
        return AuditEvent(
            seq=seq, at=at, actor=actor, event=event, draft_id=draft_id, payload=payload, prev_hash=prev, hash=digest
        )

    def iter_audit(self, draft_id: str | None = None) -> Iterator[AuditEvent]:
        """The audit events in order, all or one draft's."""
        from draftmate.models import AuditEvent

        sql = "SELECT * FROM audit" + (" WHERE draft_id = ?" if draft_id else "") + " ORDER BY seq"
        cursor = self.conn.execute(sql, (draft_id,) if draft_id else ())
        while batch := cursor.fetchmany(1000):
            for r in batch:
                yield AuditEvent(
                    seq=r["seq"],
                    at=r["at"],
                    actor=r["actor"],
                    event=r["event"],
                    draft_id=r["draft_id"],
                    payload=json.loads(r["payload_json"]),
                    prev_hash=r["prev_hash"],
                    hash=r["hash"],
                )

    def verify(self) -> list[str]:
        """Problems found: a broken link in the chain, or a row that differs from what its last event recorded."""
        # One snapshot: read in separate statements, a write committed in between looks like tampering.
        with self.snapshot():
            return self._verify()

    def _verify(self) -> list[str]:
        problems: list[str] = []
        prev, expected_seq = GENESIS, 1
        last_row_digest: dict[tuple[str, str], tuple[int, str, str]] = {}
        for r in self.conn.execute("SELECT * FROM audit ORDER BY seq"):
            payload = json.loads(r["payload_json"])
            if r["seq"] != expected_seq:
                problems.append(f"audit event {expected_seq} is missing (the next one is {r['seq']})")
                return problems
            if r["prev_hash"] != prev:
                problems.append(f"audit event {r['seq']} ({r['event']}) does not follow event {r['seq'] - 1}")
                return problems
            recomputed = _event_hash(r["seq"], r["at"], r["actor"], r["event"], r["draft_id"], payload, prev)
            if recomputed != r["hash"]:
                problems.append(f"audit event {r['seq']} ({r['event']}) was altered after it was written")
                return problems
            if "row" in payload:
                row_key = _row_key(r["event"], r["draft_id"], payload)
                last_row_digest[row_key] = (r["seq"], payload["row"], str(r["draft_id"]))
            if "draft_row" in payload:
                last_row_digest[("drafts", str(r["draft_id"]))] = (r["seq"], payload["draft_row"], str(r["draft_id"]))
            prev, expected_seq = r["hash"], expected_seq + 1
        for (table, key), (seq, recorded, owner) in sorted(last_row_digest.items()):
            if table == "drafts":
                current = self._draft_digest(key)
            elif table in ("versions", "seals"):
                draft_part, number = key.split("/")
                current = self._digest(table, draft_part, int(number))
            else:
                current = self._digest(table, key)
            if current != recorded:
                # notes and reviews name their draft too, so `verify ID` and export find them
                of_draft = f" of draft {owner}" if table in ("notes", "reviews") else ""
                problems.append(
                    f"{table[:-1]} {key}{of_draft} differs from what audit event {seq} recorded (edited by hand?)"
                )
        unrecorded: tuple[tuple[str, str, str], ...] = (
            ("drafts", "id", "id"),
            ("versions", "draft_id || '/' || number", "draft_id"),
        )
        unrecorded += (("notes", "id", "draft_id"), ("reviews", "id", "draft_id"))
        unrecorded += (("seals", "draft_id || '/' || version", "draft_id"),)
        for table, key_sql, owner_sql in unrecorded:
            for key, owner in self.conn.execute(f"SELECT {key_sql}, {owner_sql} FROM {table}"):
                if (table, key) not in last_row_digest:
                    of_draft = f" of draft {owner}" if table in ("notes", "reviews") else ""
                    problems.append(f"{table[:-1]} {key}{of_draft} has no audit event (added by hand?)")
        for r in self.conn.execute("SELECT draft_id, number, content, sha256 FROM versions"):
            if sha256_hex(r["content"]) != r["sha256"]:
                problems.append(f"version {r['draft_id'][:8]}/{r['number']}: content does not match its sha256")
        return problems

    def _draft_digest(self, draft_id: str) -> str | None:
        """sha256 of the columns that decide what a draft is and whether it is final."""
        row = self.conn.execute(
            "SELECT id, kind, status, current_version, approved_sha256, approved_version FROM drafts WHERE id = ?",
            (draft_id,),
        ).fetchone()
        return None if row is None else sha256_hex(canonical(list(row)))

    def iter_bundles(
        self, draft_ids: list[str] | None = None, *, status: State | None = None, deep: bool = False, batch: int = 500
    ) -> Iterator[DraftBundle]:
        """Drafts with their versions, notes, reviews and outcomes, read in batches (constant memory).

        Each bundle carries the per-draft tamper checks: every row against the digest its last audit event
        recorded, every version against its sha256, and no row without an audit record. `deep` also re-hashes
        the draft's audit events and their links to the events before them (one draft: cheap; every draft:
        that is `verify`'s job).
        """
        for rows in self.iter_bundle_rows(draft_ids, status=status, deep=deep, batch=batch):
            yield bundle_of(rows)

    def iter_bundle_rows(
        self, draft_ids: list[str] | None = None, *, status: State | None = None, deep: bool = False, batch: int = 500
    ) -> Iterator[RowBundle]:
        """What `iter_bundles` reads, with the same tamper checks, as plain rows: no models built (bulk export).

        Each batch is read in one snapshot, so a write committed in between cannot look like tampering.
        """
        if draft_ids is not None:
            for start in range(0, len(draft_ids), batch):
                chunk = draft_ids[start : start + batch]
                marks = ",".join("?" * len(chunk))
                with self.snapshot():
                    rows = self._dicts(f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE id IN ({marks})", chunk)
                    order = {d: i for i, d in enumerate(chunk)}
                    bundles = self._row_bundles(sorted(rows, key=lambda r: order[r["id"]]), deep)
                yield from bundles
            return
        last = -1
        where = "rowid > ?" + (" AND status = ?" if status else "")
        while True:
            with self.snapshot():
                rows = self._dicts(
                    f"SELECT rowid AS _rowid, {DRAFT_COLUMNS} FROM drafts WHERE {where} ORDER BY rowid LIMIT ?",
                    (last, *((status.value,) if status else ()), batch),
                )
                bundles = self._row_bundles(rows, deep)
            if not rows:
                return
            last = rows[-1]["_rowid"]
            yield from bundles

    def _dicts(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """Rows as column -> value dicts: what a row digest hashes, and cheaper to read than sqlite3.Row."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        cursor.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    def _row_bundles(self, drafts: list[dict[str, Any]], deep: bool) -> list[RowBundle]:
        """One batch of drafts with their rows: a few queries for the whole batch, not a few per draft."""
        if not drafts:
            return []
        ids = [d["id"] for d in drafts]
        marks = ",".join("?" * len(ids))
        bundles = {d["id"]: RowBundle(d) for d in drafts}
        # ORDER BY draft_id first walks each index in its own order (no sort); only the order within a draft counts
        for r in self._dicts(f"SELECT * FROM versions WHERE draft_id IN ({marks}) ORDER BY draft_id, number", ids):
            bundles[r["draft_id"]].versions.append(r)
        for r in self._dicts(f"SELECT * FROM notes WHERE draft_id IN ({marks}) ORDER BY draft_id, number", ids):
            bundles[r["draft_id"]].notes.append(r)
        for r in self._dicts(f"SELECT * FROM reviews WHERE draft_id IN ({marks}) ORDER BY draft_id, rowid", ids):
            bundles[r["draft_id"]].reviews.append(r)
        for r in self._dicts(
            f"SELECT draft_id, version, outcome_json FROM predictions WHERE draft_id IN ({marks}) "
            "AND outcome_json IS NOT NULL ORDER BY draft_id, id",
            ids,
        ):
            bundles[r["draft_id"]].outcomes.append((r["version"], r["outcome_json"]))
        for r in self._dicts(f"SELECT * FROM seals WHERE draft_id IN ({marks}) ORDER BY draft_id, version", ids):
            bundles[r["draft_id"]].seals.append(r)
        events: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        columns = "*" if deep else "event, draft_id, payload_json"
        for r in self._dicts(f"SELECT {columns} FROM audit WHERE draft_id IN ({marks}) ORDER BY draft_id, seq", ids):
            events[r["draft_id"]].append(r)
        for draft_id, bundle in bundles.items():
            bundle.problems = self._bundle_problems(bundle, events[draft_id], deep)
        return list(bundles.values())

    def _bundle_problems(self, bundle: RowBundle, events: list[dict[str, Any]], deep: bool) -> list[str]:
        """What is wrong with one draft's rows, judged against its own audit events."""
        row = bundle.draft
        short, problems = row["id"][:8], []
        recorded: dict[tuple[str, str], str | None] = {}
        for event in events:
            payload = _loads(event["payload_json"])
            if "row" in payload:
                recorded[_row_key(event["event"], event["draft_id"], payload)] = payload["row"]
            if "draft_row" in payload:
                recorded[("drafts", row["id"])] = payload["draft_row"]
            if deep:
                problems += self._event_problems(event, payload)
        current = {("drafts", row["id"]): _row_digest([row[c] for c in _PINNED])}
        for v in bundle.versions:
            current[("versions", f"{v['draft_id']}/{v['number']}")] = _row_digest(v)
            if sha256_hex(v["content"]) != v["sha256"]:
                problems.append(f"version {short}/{v['number']}: content does not match its sha256")
        for table, rows in (("notes", bundle.notes), ("reviews", bundle.reviews)):
            for r in rows:
                current[(table, r["id"])] = _row_digest(r)
        for r in bundle.seals:
            current[("seals", f"{r['draft_id']}/{r['version']}")] = _seal_row_digest(r)
        for key, digest in current.items():
            found = recorded.get(key, _UNRECORDED)
            if found == digest:
                continue
            name = f"{key[0][:-1]} {key[1] if key[0] != 'drafts' else short}"
            if found is _UNRECORDED:
                problems.append(f"{name} of draft {short} has no audit record (written by hand?)")
            else:
                problems.append(f"{name} of draft {short} differs from what the audit log recorded (edited by hand?)")
        return problems

    def _event_problems(self, event: dict[str, Any], payload: dict[str, Any]) -> list[str]:
        """Whether one audit event still hashes to itself and follows the event before it."""
        seq = event["seq"]
        digest = _event_hash(
            seq, event["at"], event["actor"], event["event"], event["draft_id"], payload, event["prev_hash"]
        )
        if digest != event["hash"]:
            return [f"audit event {seq} ({event['event']}) was altered after it was written"]
        before = self.conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq - 1,)).fetchone()
        expected = GENESIS if seq == 1 else (before[0] if before else None)
        if event["prev_hash"] != expected:
            return [f"audit event {seq} ({event['event']}) does not follow event {seq - 1}"]
        return []

    def _digest(self, table: str, *key: Any) -> str | None:
        """sha256 of a row's canonical JSON, the fingerprint the audit chain keeps."""
        where = {"versions": "draft_id = ? AND number = ?", "notes": "id = ?", "reviews": "id = ?"}
        where["seals"] = "draft_id = ? AND version = ?"
        row = self.conn.execute(f"SELECT * FROM {table} WHERE {where[table]}", key).fetchone()
        if row is None:
            return None
        return _seal_row_digest(dict(row)) if table == "seals" else sha256_hex(canonical(dict(row)))


def as_store_error(error: BaseException) -> StoreError | None:
    """A database failure that escaped a query (damaged file, full disk, lock held too long) as a StoreError."""
    if type(error) not in (sqlite3.DatabaseError, sqlite3.OperationalError):
        return None  # IntegrityError, ProgrammingError and the like are bugs: let them show a traceback
    # One line, and short: a message about a damaged row can quote the row's content.
    text = " ".join(str(error).split())[:120]
    where = "`draftmate config path` shows where it is"
    if "malformed" in text or "not a database" in text or "Could not decode" in text:
        text = "database disk image is malformed" if "Could not decode" in text else text
        return StoreError(f"the store's database file is damaged ({text}); restore a backup or move it aside ({where})")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"the store is read-only ({text}); make it writable or set DRAFTMATE_HOME ({where})")
    if "locked" in text or "busy" in text:
        return StoreError(f"the store stayed locked by another process for {BUSY_TIMEOUT_MS // 1000} s; try again")
    if "full" in text or "I/O" in text:
        return StoreError(f"the store cannot be written ({text}); free some disk space ({where})")
    return StoreError(f"store error: {text} ({where})")


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """Stop, without writing, at a database with tables that draftmate did not create."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "_migrations" not in tables:
        conn.close()
        raise StoreError(f"{path} is a database draftmate did not create; move it aside or set DRAFTMATE_HOME")


def _journal_wal(conn: sqlite3.Connection) -> str:
    """Switch to WAL; the switch ignores the busy handler, so wait for a concurrent opener by hand."""
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _row_key(event: str, draft_id: str | None, payload: dict[str, Any]) -> tuple[str, str]:
    if event.startswith("version."):
        return ("versions", f"{draft_id}/{payload['version']}")
    if event == SEALED:
        return ("seals", f"{draft_id}/{payload['version']}")
    if event.startswith("note."):
        return ("notes", str(payload["note"]))
    return ("reviews", str(payload["review"]))


def _event_hash(
    seq: int, at: str, actor: str, event: str, draft_id: str | None, payload: dict[str, Any], prev: str
) -> str:
    body = canonical(
        {"seq": seq, "at": at, "actor": actor, "event": event, "draft_id": draft_id, "payload": payload, "prev": prev}
    )
    return sha256_hex(body)


def fts_query(text: str) -> str:
    """User words as an FTS5 query that matches all of them, with no FTS syntax of their own."""
    terms = [t for t in text.split() if t]
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms) or '""'


def _statements(sql: str) -> list[str]:
    """A migration's statements, one by one; a trigger's BEGIN ... END keeps the semicolons inside it."""
    statements, pending = [], ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    return statements


def _draft(row: sqlite3.Row) -> Draft:
    from draftmate.models import Confidence, Draft

    confidence = (
        Confidence(level=row["confidence_level"], score=row["confidence_score"]) if row["confidence_level"] else None
    )
    return Draft(
        id=row["id"],
        title=row["title"],
        kind=Kind(row["kind"]),
        lang=row["lang"],
        status=State(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        current_version=row["current_version"],
        approved_sha256=row["approved_sha256"],
        approved_version=row["approved_version"],
        incomplete=bool(row["incomplete"]),
        confidence=confidence,
        request=json.loads(row["request_json"]),
    )


def _version(row: sqlite3.Row) -> Version:
    from draftmate.models import Version

    return Version(
        draft_id=row["draft_id"],
        number=row["number"],
        content=row["content"],
        sha256=row["sha256"],
        origin=Origin(row["origin"]),
        created_at=row["created_at"],
        author=row["author"],
        meta=json.loads(row["meta_json"]),
    )


def _note(row: sqlite3.Row) -> Note:
    from draftmate.models import Note, NoteResolution

    lines = (row["line_start"], row["line_end"]) if row["line_start"] is not None else None
    resolution = NoteResolution(**json.loads(row["resolution_json"])) if row["resolution_json"] else None
    return Note(
        id=row["id"],
        draft_id=row["draft_id"],
        number=row["number"],
        version=row["version"],
        kind=row["kind"],
        severity=Severity(row["severity"]),
        lines=lines,
        quote=row["quote"],
        why=row["why"],
        risk=row["risk"],
        signals=json.loads(row["signals_json"]),
        source=row["source"],
        author=row["author"],
        created_at=row["created_at"],
        resolution=resolution,
    )


def _calibrator(row: sqlite3.Row) -> dict[str, Any]:
    found = dict(row)
    for name in ("params", "thresholds", "metrics"):
        found[name] = json.loads(found.pop(name + "_json"))
    found["active"] = bool(found["active"])
    return found


def _review(row: sqlite3.Row) -> Review:
    from draftmate.models import Review, SectionDecision

    return Review(
        id=row["id"],
        draft_id=row["draft_id"],
        version=row["version"],
        reviewer=row["reviewer"],
        editorial_responsibility=row["editorial_responsibility"],
        status=ReviewStatus(row["status"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        reason=row["reason"],
        seen=json.loads(row["seen_json"]),
        decisions=[SectionDecision(**d) for d in json.loads(row["decisions_json"])],
    )


def open_store(path: Path | None = None) -> SQLiteStore:
    """The store at `path`, or the default one in the data directory."""
    if path is None:
        from draftmate.paths import data_dir

        path = data_dir() / "draftmate.db"
    return SQLiteStore(path)
