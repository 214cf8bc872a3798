"""The store's hash-chained audit log: its events, its digests of rows, and the tamper checks and bulk reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from draftmate.domain import jsonfast
from draftmate.domain.digests import canonical, canonical_digest, sha256_hex
from draftmate.domain.ids import short_id
from draftmate.domain.vocabulary import Kind, Origin, ReviewStatus, Severity, State
from draftmate.store.connection import C, Connected
from draftmate.store.rows import DRAFT_COLUMNS, _draft, _note, _review, _version, now

if TYPE_CHECKING:
    from draftmate.domain.records import AuditEvent, Draft, Note, Review, Version

GENESIS = "0" * 64


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
        """The draftmate version that sealed `version`'s export record, if one did."""
        return _sealed_tool_version(self.seals, version)


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

    def sealed_tool_version(self, version: int) -> str | None:
        """The draftmate version that sealed `version`'s export record, if one did."""
        return _sealed_tool_version(self.seals, version)


def _sealed_tool_version(seals: list[dict[str, Any]], version: int) -> str | None:
    return next((str(s["tool_version"]) for s in seals if s["version"] == version), None)


def bundle_of(rows: RowBundle) -> DraftBundle:
    """The validated models of a draft read as rows (single exports and refusals keep pydantic's checks)."""
    # the converters only index rows by column name, which a dict does as a database row does
    return DraftBundle(
        draft=_draft(rows.draft),
        versions=[_version(v) for v in rows.versions],
        notes=[_note(n) for n in rows.notes],
        reviews=[_review(r) for r in rows.reviews],
        outcomes=[(version, json.loads(outcome)) for version, outcome in rows.outcomes],
        problems=list(rows.problems),
        seals=list(rows.seals),
    )


# What `verify` checks every row can be read by: (table, key, enum columns, JSON columns).
_READ_CHECKS: tuple[tuple[str, str, tuple[tuple[str, Any], ...], tuple[str, ...]], ...] = (
    ("drafts", "id", (("status", State), ("kind", Kind)), ("request_json",)),
    ("versions", "draft_id || '/' || number", (("origin", Origin),), ("meta_json",)),
    ("notes", "id", (("severity", Severity),), ("signals_json", "resolution_json")),
    ("reviews", "id", (("status", ReviewStatus),), ("seen_json", "decisions_json")),
)


def _unreadable(table: str, key: str, owner: str, why: str) -> str:
    """A problem line for a row that cannot be read; it names the draft, so `verify ID` keeps it."""
    of_draft = "" if table == "drafts" else f" of draft {owner}"
    return f"{table[:-1]} {key}{of_draft} cannot be read ({why}; edited by hand?): restore it from a backup"


# The columns that decide what a draft is and whether it is final: what `_draft_digest` hashes.
_PINNED = ("id", "kind", "status", "current_version", "approved_sha256", "approved_version")


_UNRECORDED = object()  # a row no audit event recorded (a recorded digest may be any JSON value, even null)


_loads = jsonfast.loads

SEALED = "seal.recorded"  # the audit event of a seal; its payload's `row` is `_seal_row_digest` of the seal


def _seal_row_digest(row: dict[str, Any]) -> str:
    """The fingerprint of a seal row, what its audit event records."""
    key = (row["draft_id"], row["version"], row["content_sha256"], row["tool_version"], row["writes"])
    return seal_digest(*key, row["head"].encode("utf-8"), row["tail"].encode("utf-8"))


def seal_digest(
    draft_id: str, version: int, content_sha256: str, tool_version: str, writes: int, head: bytes, tail: bytes
) -> str:
    """sha256 of a seal's fields, its texts as the UTF-8 the database holds (bulk reads hash them unconverted)."""
    digest = hashlib.sha256(f"{draft_id}\n{version}\n{content_sha256}\n{tool_version}\n{writes}\n".encode())
    digest.update(head)
    digest.update(b"\n")
    digest.update(tail)
    return digest.hexdigest()


def seal_recorded(
    recorded: str | None,
    draft_id: str,
    version: int,
    pinned: str,
    tool_version: str,
    writes: int,
    head: bytes | None,
    tail: bytes | None,
) -> bool:
    """Whether there is a seal and it is the one its audit event recorded (`recorded`, the event's digest): the part
    of the seal check every bulk read makes, however it checks the content against its sha256."""
    return (
        head is not None
        and tail is not None
        and recorded == seal_digest(draft_id, version, pinned, tool_version, writes, head, tail)
    )


# Where the sealed-finals read finds each final draft's seal, the seal's audit event and the approved version: the
# joins both backends run (each selects the columns `sealed_line` takes, in its own types)
SEALED_FINALS_FROM = f"""
    FROM drafts d
    LEFT JOIN seals s ON s.draft_id = d.id AND s.version = d.approved_version AND s.writes = d.writes
        AND d.current_version = d.approved_version AND s.content_sha256 = d.approved_sha256
    LEFT JOIN audit a ON a.seq = s.audit_seq AND a.draft_id = d.id AND a.event = '{SEALED}'
    LEFT JOIN versions v ON v.draft_id = d.id AND v.number = d.approved_version
    WHERE d.status = '{State.FINAL.value}' ORDER BY d.rowid
"""


def sealed_line(row: Sequence[Any], counted: bool) -> tuple[str, tuple[bytes, bytes, bytes] | None]:
    """One row of the sealed-finals read as (draft id, its line as head, JSON-quoted content, tail), or (id, None)
    unless the seal holds: every counting trigger in place, the digest its audit event recorded, the content its
    sha256 (the same check on both backends)."""
    draft_id, pinned, content, as_json, version, tool_version, writes, head, tail, recorded = row
    holds = (
        counted
        and content is not None
        and seal_recorded(recorded, draft_id, version, pinned, tool_version, writes, head, tail)
        and hashlib.sha256(content).hexdigest() == pinned
    )
    if not holds:
        return draft_id, None
    if as_json is None:  # the database's own JSON quoting differs from json.dumps's: quote it here
        as_json = canonical(bytes(content).decode("utf-8")).encode("utf-8")
    # bytes() of bytes is the same object: only PostgreSQL's memoryviews are copied
    return draft_id, (bytes(head), bytes(as_json), bytes(tail))


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
    return canonical_digest(
        {"seq": seq, "at": at, "actor": actor, "event": event, "draft_id": draft_id, "payload": payload, "prev": prev}
    )


class AuditChain(Connected[C]):
    """The audit chain of a store: appending events, reading them, and checking every row against them."""

    db_role: str | None = None  # the database's authenticated role (PostgreSQL); SQLite vouches for no one
    # drafts rows `show` cannot read beyond a state, kind or JSON that does not parse: (SQL condition, why); a
    # backend adds its own
    _odd_drafts: tuple[tuple[str, str], ...] = (
        (
            "substr(ltrim(request_json), 1, 1) <> '{' AND json_valid(request_json) = 1",
            "request_json is not a JSON object",
        ),
    )

    # ---- audit chain ---------------------------------------------------------------------------------

    def audit(self, event: str, *, actor: str, draft_id: str | None, payload: dict[str, Any]) -> AuditEvent:
        """Append an event to the chain; call inside the transaction that made the change.

        Where the database vouches for who acts (PostgreSQL), the event records its role beside the name given."""
        from draftmate.domain.records import AuditEvent

        if self.db_role is not None:
            payload = {**payload, "db_role": self.db_role}
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
        from draftmate.domain.records import AuditEvent

        sql = "SELECT * FROM audit" + (" WHERE draft_id = ?" if draft_id else "") + " ORDER BY seq"
        for r in self._stream(sql, (draft_id,) if draft_id else ()):
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

    # ---- tamper checks and bulk reads ---------------------------------------------------------------

    def verify(self) -> list[str]:
        """Problems found: a broken link in the chain, or a row that differs from what its last event recorded."""
        # One snapshot: read in separate statements, a write committed in between looks like tampering.
        with self.snapshot():
            return self._verify()

    def _verify(self) -> list[str]:
        problems: list[str] = []
        prev, expected_seq = GENESIS, 1
        last_row_digest: dict[tuple[str, str], tuple[int, str, str]] = {}
        for r in self._stream("SELECT * FROM audit ORDER BY seq"):
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
            for key, owner in self._stream(f"SELECT {key_sql}, {owner_sql} FROM {table}"):
                if (table, key) not in last_row_digest:
                    of_draft = f" of draft {owner}" if table in ("notes", "reviews") else ""
                    problems.append(f"{table[:-1]} {key}{of_draft} has no audit event (added by hand?)")
        for r in self._stream("SELECT draft_id, number, content, sha256 FROM versions"):
            if sha256_hex(r["content"]) != r["sha256"]:
                problems.append(f"version {short_id(r['draft_id'])}/{r['number']}: content does not match its sha256")
        return problems + self._unreadable_rows()

    def _unreadable_rows(self) -> list[str]:
        """Rows `show` and `list` cannot read: a state or kind draftmate does not know, JSON that does not parse."""
        problems = []
        for table, key_sql, enums, json_columns in _READ_CHECKS:
            owner_sql = "id" if table == "drafts" else "draft_id"
            for column, kind in enums:
                known = tuple(k.value for k in kind)
                marks = ", ".join("?" * len(known))
                sql = f"SELECT {key_sql}, {owner_sql}, {column} FROM {table} WHERE {column} NOT IN ({marks})"
                for key, owner, value in self._stream(sql, known):
                    why = f"{column} {str(value)[:40]!r} is not a known value"
                    problems.append(_unreadable(table, key, owner, why))
            for column in json_columns:
                sql = f"SELECT {key_sql}, {owner_sql} FROM {table} WHERE {column} <> '' AND json_valid({column}) = 0"
                for key, owner in self._stream(sql):
                    problems.append(_unreadable(table, key, owner, f"{column} is not valid JSON"))
        for condition, why in self._odd_drafts:
            for (key,) in self._stream(f"SELECT id FROM drafts WHERE {condition}"):
                problems.append(_unreadable("drafts", key, key, why))
        return problems

    def _draft_digest(self, draft_id: str) -> str | None:
        """sha256 of the columns that decide what a draft is and whether it is final."""
        row = self.conn.execute(
            "SELECT id, kind, status, current_version, approved_sha256, approved_version FROM drafts WHERE id = ?",
            (draft_id,),
        ).fetchone()
        return None if row is None else canonical_digest(list(row))

    def iter_bundles(self, draft_ids: list[str], *, deep: bool = False, batch: int = 500) -> Iterator[DraftBundle]:
        """Drafts with their versions, notes, reviews and outcomes, read in batches (constant memory).

        Each bundle carries the per-draft tamper checks: every row against the digest its last audit event
        recorded, every version against its sha256, and no row without an audit record. `deep` also re-hashes
        the draft's audit events and their links to the events before them (one draft: cheap; every draft:
        that is `verify`'s job).
        """
        for rows in self.iter_bundle_rows(draft_ids, deep=deep, batch=batch):
            yield bundle_of(rows)

    def iter_bundle_rows(self, draft_ids: list[str], *, deep: bool = False, batch: int = 500) -> Iterator[RowBundle]:
        """What `iter_bundles` reads, with the same tamper checks, as plain rows: no models built (bulk export).

        Each batch is read in one snapshot (or the caller's), so a write committed in between cannot look like
        tampering.
        """
        for start in range(0, len(draft_ids), batch):
            chunk = draft_ids[start : start + batch]
            marks = ",".join("?" * len(chunk))
            with self.snapshot():
                rows = self._dicts(f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE id IN ({marks})", chunk)
                order = {d: i for i, d in enumerate(chunk)}
                bundles = self._row_bundles(sorted(rows, key=lambda r: order[r["id"]]), deep)
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
        short, problems = short_id(row["id"]), []
        recorded: dict[tuple[str, str], str | None] = {}
        for event in events:
            payload = _loads(event["payload_json"])
            if "row" in payload:
                recorded[_row_key(event["event"], event["draft_id"], payload)] = payload["row"]
            if "draft_row" in payload:
                recorded[("drafts", row["id"])] = payload["draft_row"]
            if deep:
                problems += self._event_problems(event, payload)
        current = {("drafts", row["id"]): canonical_digest([row[c] for c in _PINNED])}
        for v in bundle.versions:
            current[("versions", f"{v['draft_id']}/{v['number']}")] = canonical_digest(v)
            if sha256_hex(v["content"]) != v["sha256"]:
                problems.append(f"version {short}/{v['number']}: content does not match its sha256")
        for table, rows in (("notes", bundle.notes), ("reviews", bundle.reviews)):
            for r in rows:
                current[(table, r["id"])] = canonical_digest(r)
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
        return _seal_row_digest(dict(row)) if table == "seals" else canonical_digest(dict(row))
