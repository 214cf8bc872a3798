"""The SQLite store: how it opens, short IDs, listing, full-text search and paging."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from draftmate.domain.records import Kind, Origin, State
from draftmate.errors import AmbiguousId, NotFound, UsageError
from draftmate.store import rows as store_module  # new_id: the one ID maker the store calls
from draftmate.store.sqlite import BUSY_TIMEOUT_MS, SQLiteStore, fts_query

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite and on PostgreSQL


def add(store: SQLiteStore, content: str, kind: Kind = Kind.TEXT) -> str:
    return store.create_draft(content, kind=kind, lang="", origin=Origin.IMPORTED, author="t").id


@pytest.mark.sqlite_only
def test_opens_in_wal_mode_with_busy_timeout(store: SQLiteStore) -> None:
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    assert BUSY_TIMEOUT_MS >= 1000


@pytest.mark.sqlite_only
def test_file_is_private(hermetic: Path) -> None:
    path = hermetic / "sub" / "draftmate.db"
    s = SQLiteStore(path)
    add(s, "hello")
    s.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.sqlite_only
def test_a_writer_waits_for_another_writer_instead_of_failing(hermetic: Path) -> None:
    path = hermetic / "draftmate.db"
    s = SQLiteStore(path)
    locked = threading.Event()
    released: list[float] = []

    def hold_the_write_lock() -> None:  # another process, busy writing for a moment
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(0.6)
        released.append(time.monotonic())
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    assert locked.wait(5)
    draft_id = add(s, "written after the wait")
    # it waited for the lock rather than failing with "database is locked": it finished only after the release
    # (timed by the holder, not by this thread, so a slow machine cannot make the wait look short)
    assert released and time.monotonic() > released[0]
    holder.join()
    assert s.get_draft(draft_id).title == "written after the wait"
    s.close()


# ---- short IDs ------------------------------------------------------------------------------------------


@pytest.fixture
def fixed_ids(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Draft IDs handed out in this order, so prefixes can be made to collide."""
    ids = ["abcd1111" + "0" * 24, "abcd2222" + "0" * 24, "beef0000" + "0" * 24]
    pending = list(ids)
    original = store_module.new_id

    def next_id() -> str:
        return pending.pop(0) if pending else original()

    monkeypatch.setattr(store_module, "new_id", next_id)
    return ids


def test_unique_prefix_resolves(store: SQLiteStore, fixed_ids: list[str]) -> None:
    for i in range(3):
        add(store, f"draft {i}")
    assert store.resolve_id("beef") == fixed_ids[2]
    assert store.resolve_id("ABCD1") == fixed_ids[0]
    assert store.resolve_id(fixed_ids[1]) == fixed_ids[1]
    assert store.resolve_id("  abcd2222 ") == fixed_ids[1]


def test_ambiguous_prefix_lists_candidates(store: SQLiteStore, fixed_ids: list[str]) -> None:
    add(store, "first draft")
    add(store, "second draft")
    with pytest.raises(AmbiguousId) as caught:
        store.resolve_id("abcd")
    message = str(caught.value)
    assert "ambiguous" in message
    assert "abcd11110000" in message and "abcd22220000" in message
    assert "first draft" in message and "second draft" in message
    assert caught.value.exit_code == 2


def test_unknown_prefix_is_not_found(store: SQLiteStore) -> None:
    add(store, "x")
    with pytest.raises(NotFound, match="draftmate list"):
        store.resolve_id("ffffffff")


@pytest.mark.parametrize("bad", ["abc", "", "zzzz", "abcd-1", "12 34", "ab%d"])
def test_malformed_prefix_is_a_usage_error(store: SQLiteStore, bad: str) -> None:
    with pytest.raises(UsageError, match="not a draft ID") as caught:
        store.resolve_id(bad)
    assert type(caught.value) is UsageError


def test_prefix_wildcards_do_not_match(store: SQLiteStore, fixed_ids: list[str]) -> None:
    add(store, "only")
    with pytest.raises(UsageError):
        store.resolve_id("abc_")
    with pytest.raises(UsageError):
        store.resolve_id("abc%")


# ---- listing ------------------------------------------------------------------------------------------


def test_list_is_newest_first(store: SQLiteStore) -> None:
    ids = [add(store, f"draft number {i}") for i in range(5)]
    assert [d.id for d in store.list_drafts()] == ids[::-1]


def test_list_filters_by_status(store: SQLiteStore) -> None:
    ids = [add(store, f"draft {i}") for i in range(4)]
    store.set_state(ids[1], State.IN_REVIEW, actor="t", event="draft.in_review")
    store.set_state(ids[3], State.IN_REVIEW, actor="t", event="draft.in_review")
    assert [d.id for d in store.list_drafts(status=State.IN_REVIEW)] == [ids[3], ids[1]]
    assert [d.id for d in store.list_drafts(status=State.DRAFT)] == [ids[2], ids[0]]
    assert store.list_drafts(status=State.FINAL) == []


def test_list_pages(store: SQLiteStore) -> None:
    ids = [add(store, f"draft {i}") for i in range(7)][::-1]
    assert [d.id for d in store.list_drafts(limit=3, offset=0)] == ids[0:3]
    assert [d.id for d in store.list_drafts(limit=3, offset=3)] == ids[3:6]
    assert [d.id for d in store.list_drafts(limit=3, offset=6)] == ids[6:7]
    assert store.list_drafts(limit=3, offset=9) == []


def test_search_matches_all_words_of_current_content(store: SQLiteStore) -> None:
    a = add(store, "The sync engine batches writes.")
    b = add(store, "The engine of a car.")
    add(store, "Nothing related.")
    assert [d.id for d in store.list_drafts(search="engine")] == [b, a]
    assert [d.id for d in store.list_drafts(search="sync engine")] == [a]
    assert [d.id for d in store.list_drafts(search="ENGINE batches")] == [a]
    store.add_version(a, "Rewritten about trains.", origin=Origin.HUMAN, author="t", state=State.DRAFT)
    assert [d.id for d in store.list_drafts(search="engine")] == [b]
    assert [d.id for d in store.list_drafts(search="trains")] == [a]


def test_search_combines_with_status_and_paging(store: SQLiteStore) -> None:
    ids = [add(store, f"common word {i}") for i in range(5)]
    store.set_state(ids[2], State.IN_REVIEW, actor="t", event="draft.in_review")
    assert [d.id for d in store.list_drafts(search="common", status=State.IN_REVIEW)] == [ids[2]]
    assert [d.id for d in store.list_drafts(search="common", limit=2, offset=2)] == [ids[2], ids[1]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"quoted', [0]),
        ("it's", [1]),
        ("AND", [2]),
        ("OR NOT", [2]),
        ("NEAR(a b)", []),
        ("star*", []),
        ("*", []),
        ("-minus", [3]),
        ("well-known", [3]),
        ("col:umn", []),
        ("^caret", []),
        ("(paren", []),
    ],
)
def test_search_treats_fts_syntax_as_words(store: SQLiteStore, query: str, expected: list[int]) -> None:
    ids = [
        add(store, 'He said "quoted words" here.'),
        add(store, "it's fine"),
        add(store, "salt AND pepper OR NOT"),
        add(store, "a well-known minus sign"),
    ]
    assert [d.id for d in store.list_drafts(search=query)] == [ids[i] for i in expected][::-1]


@pytest.mark.sqlite_only
def test_fts_query_quotes_every_word() -> None:
    assert fts_query('a "b" AND c*') == '"a" """b""" "AND" "c*"'
    assert fts_query("   ") == '""'


def test_list_summaries_carry_what_a_row_needs(store: SQLiteStore) -> None:
    draft_id = add(store, "# Heading here\n\nbody", Kind.TEXT)
    (row,) = store.list_drafts()
    assert (row.id, row.title, row.kind, row.status, row.current_version) == (
        draft_id,
        "Heading here",
        Kind.TEXT,
        State.DRAFT,
        1,
    )


@pytest.mark.sqlite_only
def test_memory_store_works_like_a_file_store() -> None:
    s = SQLiteStore.memory()
    draft_id = add(s, "in memory")
    assert s.get_draft(draft_id).status is State.DRAFT
    assert s.verify() == []


def test_versions_are_kept_in_order(store: SQLiteStore) -> None:
    draft_id = add(store, "v1")
    store.add_version(draft_id, "v2", origin=Origin.HUMAN, author="t", state=State.DRAFT)
    versions = store.list_versions(draft_id)
    assert [(v.number, v.content, v.origin) for v in versions] == [(1, "v1", Origin.IMPORTED), (2, "v2", Origin.HUMAN)]
    assert store.get_version(draft_id).number == 2
    assert store.get_draft(draft_id).current_version == 2
    with pytest.raises(NotFound):
        store.get_version(draft_id, 9)


def test_a_failed_transaction_leaves_nothing(store: SQLiteStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        add(store, "never stored")
        raise RuntimeError("boom")
    assert store.list_drafts() == []
    assert list(store.iter_audit()) == []
