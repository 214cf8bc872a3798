"""Copying a whole store to another (SQLite into PostgreSQL and back), checked before and after, resumable.

The source is read in one snapshot for the whole copy, so the copy is of one point in time however long it takes
while others go on writing (a write committed meanwhile goes over on the next run). The audit events go first, in
batches (a target that refuses them, on PostgreSQL a role that does not own its tables, is refused before anything
else is written); then the drafts, each with all its rows in one transaction, so an interrupted copy leaves whole
drafts. A second run appends the events the target lacks, after checking that the target's chain is the start of
the source's, skips the drafts already there unchanged and copies again those changed since. Rows are written as
read, so every digest the audit chain recorded still matches; each draft's write count is set so that its seal
(the fast export path) still holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from draftmate.errors import StoreError
from draftmate.store.protocol import Store
from draftmate.store.sql import SqlStore

BATCH = 200
AUDIT_BATCH = 5000
COUNTED_CHILDREN = ("versions", "notes", "reviews", "predictions")  # each inserted row bumps drafts.writes
CHILDREN = (*COUNTED_CHILDREN, "seals")
# the order each table's rows are read and written in: the order the store reads them back in
CHILD_ORDER = {
    "versions": "draft_id, number",
    "notes": "draft_id, number",
    "reviews": "rowid",
    "predictions": "id",
    "seals": "draft_id, version",
}
SMALL_TABLES = (("calibrators", "version"), ("ideas", "id"), ("policies", "name"), ("assignments", "draft_id"))


@dataclass
class CopyReport:
    """What a copy did."""

    drafts_copied: int = 0
    drafts_already_there: int = 0
    events_copied: int = 0
    events_already_there: int = 0


def _rows(store: SqlStore[Any], sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
    return store._dicts(sql, params)


def _insert(store: SqlStore[Any], table: str, row: dict[str, Any], conflict: str = "") -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    store.conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks}){conflict}", tuple(row.values()))


def copy_store(source: Store, target: Store, *, progress: Callable[[str], None] | None = None) -> CopyReport:
    """Copy every record of `source` into `target`; StoreError when either chain is broken or they diverge."""
    return _copy(_sql(source), _sql(target), progress or (lambda _text: None))


def _sql(store: Store) -> SqlStore[Any]:
    """The store as its SQL tables: the copy reads and writes them row by row, on either backend."""
    if not isinstance(store, SqlStore):
        raise TypeError(f"cannot copy a {type(store).__name__}: a store copies only between SQL databases")
    return store


def _copy(source: SqlStore[Any], target: SqlStore[Any], say: Callable[[str], None]) -> CopyReport:
    report = CopyReport()
    with source.snapshot():  # one point in time: batches read apart would mix states a writer left between them
        problems = source.verify()
        if problems:
            raise StoreError(
                f"the store to copy has {len(problems)} problem(s), e.g. {problems[0]}; `draftmate verify` lists them"
            )
        _check_prefix(source, target)
        _copy_events(source, target, report, say)
        ids = [r["id"] for r in _rows(source, "SELECT id FROM drafts ORDER BY rowid")]
        for start in range(0, len(ids), BATCH):
            _copy_drafts(source, target, ids[start : start + BATCH], report)
            say(f"drafts: {min(start + BATCH, len(ids))} of {len(ids)}")
        for table, key in SMALL_TABLES:
            order = "rowid" if table in ("calibrators", "ideas") else key
            rows = _rows(source, f"SELECT * FROM {table} ORDER BY {order}")
            with target.transaction():
                if table == "calibrators":  # one active at a time: the source's is set again below
                    target.conn.execute("UPDATE calibrators SET active = 0 WHERE active = 1")
                for row in rows:
                    updates = ", ".join(f"{column} = excluded.{column}" for column in row if column != key)
                    _insert(target, table, row, f" ON CONFLICT ({key}) DO UPDATE SET {updates}")
    problems = target.verify()
    if problems:
        raise StoreError(f"the copy does not verify ({len(problems)} problem(s), e.g. {problems[0]}); report this")
    return report


def _copy_events(source: SqlStore[Any], target: SqlStore[Any], report: CopyReport, say: Callable[[str], None]) -> None:
    """Append the source's audit events the target lacks, a batch per transaction."""
    report.events_already_there = _last_seq(target)
    while True:
        last = _last_seq(target)
        events = _rows(source, "SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (last, AUDIT_BATCH))
        if not events:
            return
        with target.transaction():
            if _last_seq(target) != last:
                raise StoreError("another draftmate wrote to the target store during the copy; run the copy again")
            for event in events:
                _insert(target, "audit", event)
        report.events_copied += len(events)
        say(f"audit events: {events[-1]['seq']}")


def _copy_drafts(source: SqlStore[Any], target: SqlStore[Any], chunk: list[str], report: CopyReport) -> None:
    """Copy a batch of drafts with all their rows; one already there is kept if unchanged, else copied again."""
    marks = ",".join("?" * len(chunk))
    drafts = _rows(source, f"SELECT * FROM drafts WHERE id IN ({marks}) ORDER BY rowid", chunk)
    children = {
        t: _rows(source, f"SELECT * FROM {t} WHERE draft_id IN ({marks}) ORDER BY {order}", chunk)
        for t, order in CHILD_ORDER.items()
    }
    contents = {
        r["draft_id"]: r["content"]
        for r in _rows(
            source,
            f"SELECT v.draft_id, v.content FROM versions v JOIN drafts d ON d.id = v.draft_id "
            f"AND v.number = d.current_version WHERE d.id IN ({marks})",
            chunk,
        )
    }
    with target.transaction():
        there = {r["id"]: r for r in _rows(target, f"SELECT * FROM drafts WHERE id IN ({marks})", chunk)}
        for draft in drafts:
            row: dict[str, Any] = dict(draft)
            if draft["id"] in there:
                # every write to a draft's rows bumps its `writes`, so the drafts row alone tells a changed draft
                if there[draft["id"]] == draft:
                    report.drafts_already_there += 1
                    continue
                row["rowid"] = _remove_draft(target, draft["id"])  # changed since: copied again, in its place
            bumps = sum(1 for t in COUNTED_CHILDREN for r in children[t] if r["draft_id"] == draft["id"])
            _insert(target, "drafts", {**row, "writes": draft["writes"] - bumps})
            for table in CHILDREN:
                for child in children[table]:
                    if child["draft_id"] == draft["id"]:
                        _insert(target, table, {k: v for k, v in child.items() if k != "id" or table != "predictions"})
            if draft["id"] in contents:
                target.conn.execute(
                    "INSERT INTO drafts_fts (rowid, content) SELECT rowid, ? FROM drafts WHERE id = ?",
                    (contents[draft["id"]], draft["id"]),
                )
            report.drafts_copied += 1


def _remove_draft(target: SqlStore[Any], draft_id: str) -> int:
    """Delete a draft and its rows from the target (to copy it again); its rowid, to keep its place in order."""
    (rowid,) = target.conn.execute("SELECT rowid FROM drafts WHERE id = ?", (draft_id,)).fetchone()
    target.conn.execute("DELETE FROM drafts_fts WHERE rowid = ?", (rowid,))
    for table in ("assignments", *CHILDREN):  # the source's assignments are copied after the drafts
        target.conn.execute(f"DELETE FROM {table} WHERE draft_id = ?", (draft_id,))
    target.conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
    return int(rowid)


def _last_seq(store: SqlStore[Any]) -> int:
    row = store.conn.execute("SELECT max(seq) FROM audit").fetchone()
    return int(row[0] or 0)


def _check_prefix(source: SqlStore[Any], target: SqlStore[Any]) -> None:
    """The target's audit chain must be the start of the source's (empty, or an interrupted copy of it)."""
    last = _last_seq(target)
    if last == 0:
        return
    mine = target.conn.execute("SELECT hash FROM audit WHERE seq = ?", (last,)).fetchone()
    theirs = source.conn.execute("SELECT hash FROM audit WHERE seq = ?", (last,)).fetchone()
    if theirs is None or theirs[0] != mine[0]:
        raise StoreError(
            "the target store already holds other records (its audit chain is not the start of this store's); "
            "copy into an empty database or schema"
        )
