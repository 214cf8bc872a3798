"""Named, append-only migrations: a blank store, an upgrade, and stores draftmate must refuse."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.domain.records import Kind, Origin
from draftmate.errors import StoreError
from draftmate.store import sqlite as store_module
from draftmate.store.migrations import COUNTING_TRIGGERS, MIGRATIONS
from draftmate.store.sqlite import SQLiteStore


def test_blank_store_records_every_migration(hermetic: Path) -> None:
    s = SQLiteStore(hermetic / "draftmate.db")
    assert s.applied_migrations() == [name for name, _ in MIGRATIONS]
    tables = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"drafts", "versions", "notes", "reviews", "audit", "predictions", "_migrations"} <= tables
    s.close()


def test_migration_names_are_unique_and_ordered() -> None:
    names = [name for name, _ in MIGRATIONS]
    assert len(names) == len(set(names))
    assert names == sorted(names)
    assert names[0] == "0001_initial"


def test_reopening_applies_nothing_twice(hermetic: Path) -> None:
    path = hermetic / "draftmate.db"
    SQLiteStore(path).close()
    s = SQLiteStore(path)
    assert s.applied_migrations() == [name for name, _ in MIGRATIONS]
    s.close()


def test_upgrade_keeps_rows_and_applies_the_new_migration(hermetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = hermetic / "draftmate.db"
    old = SQLiteStore(path)
    draft_id = old.create_draft("kept across the upgrade", kind=Kind.TEXT, lang="", origin=Origin.HUMAN, author="a").id
    old.close()

    extra = ("9000_test_extra", "CREATE TABLE test_extra (x INTEGER); INSERT INTO test_extra (x) VALUES (42)")
    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, extra])
    new = SQLiteStore(path)
    assert new.applied_migrations() == [name for name, _ in MIGRATIONS] + ["9000_test_extra"]
    assert new.get_version(draft_id).content == "kept across the upgrade"
    assert new.conn.execute("SELECT x FROM test_extra").fetchone()[0] == 42
    assert new.verify() == []
    new.close()


def test_upgrade_from_first_migration_to_the_shipped_list(hermetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = hermetic / "draftmate.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
    old = SQLiteStore(path)
    draft_id = old.create_draft("old content", kind=Kind.TEXT, lang="", origin=Origin.HUMAN, author="a").id
    old.close()
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    new = SQLiteStore(path)
    assert new.applied_migrations() == [name for name, _ in MIGRATIONS]
    assert new.get_draft(draft_id).title == "old content"
    assert new.verify() == []
    new.close()


def test_a_failed_migration_applies_nothing(hermetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = hermetic / "draftmate.db"
    SQLiteStore(path).close()
    broken = ("9001_broken", "CREATE TABLE half (x INTEGER); THIS IS NOT SQL")
    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, broken])
    with pytest.raises(StoreError, match="migration 9001_broken failed"):
        SQLiteStore(path)
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    s = SQLiteStore(path)
    assert "9001_broken" not in s.applied_migrations()
    assert s.conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").fetchone()[0] == 0
    s.close()


def test_a_newer_store_is_refused(hermetic: Path) -> None:
    path = hermetic / "draftmate.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO _migrations (name, applied_at) VALUES ('9999_from_the_future', 'x')")
    conn.close()
    with pytest.raises(StoreError, match="newer draftmate.*9999_from_the_future.*upgrade"):
        SQLiteStore(path)


def test_a_foreign_database_is_refused(hermetic: Path) -> None:
    path = hermetic / "draftmate.db"
    hermetic.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('kept')")
    conn.close()
    with pytest.raises(StoreError, match="did not create"):
        SQLiteStore(path)
    with sqlite3.connect(path) as conn:  # and it was left as it was
        assert conn.execute("SELECT name FROM customers").fetchall() == [("kept",)]
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = '_migrations'").fetchone()[0] == 0
    conn.close()


def test_a_corrupted_file_is_refused(hermetic: Path) -> None:
    path = hermetic / "draftmate.db"
    hermetic.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(8192))
    with pytest.raises(StoreError, match="not a readable draftmate database"):
        SQLiteStore(path)


@pytest.mark.parametrize("kind", ["corrupted", "foreign", "newer"])
def test_the_cli_reports_a_bad_store_in_one_line(hermetic: Path, runner: CliRunner, kind: str) -> None:
    path = hermetic / "draftmate.db"
    hermetic.mkdir(parents=True, exist_ok=True)
    if kind == "corrupted":
        path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    elif kind == "foreign":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE other (x)")
        conn.close()
    else:
        SQLiteStore(path).close()
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO _migrations (name, applied_at) VALUES ('9999_next', 'x')")
        conn.close()
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr


def test_an_unterminated_statement_fails_the_migration_instead_of_vanishing() -> None:
    with pytest.raises(ValueError, match="not terminated"):
        store_module._statements("CREATE TABLE a (x); CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1;")
    trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END"
    assert store_module._statements(f"CREATE TABLE a (x); {trigger};") == ["CREATE TABLE a (x);", f"{trigger};"]


def test_a_new_store_has_exactly_the_triggers_seals_rely_on(hermetic: Path) -> None:
    s = SQLiteStore(hermetic / "draftmate.db")
    names = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert names == COUNTING_TRIGGERS and len(names) == 16
    s.close()
