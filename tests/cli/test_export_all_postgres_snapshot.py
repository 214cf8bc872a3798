"""`export --all` on PostgreSQL streams its sealed lines by COPY on a second connection: in the export's own
snapshot (a write committed after it began is not in the export), and that connection is closed when the export
ends or stops early, the store's connection usable meanwhile and after."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from backends import fresh_database_url
from draftmate.cli.commands import app
from draftmate.store.backend import open_store
from draftmate.store.protocol import Store


@pytest.fixture
def pg_store(postgres_server_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A PostgreSQL store in a fresh schema, the one the CLI opens too (SQLite's read has no second connection)."""
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", fresh_database_url(postgres_server_url))
    store = open_store()
    yield store
    store.close()


def final_drafts(runner: CliRunner, tmp_path: Path, count: int) -> list[str]:
    """`count` drafts imported and approved through the CLI, oldest first."""
    ids = []
    for i in range(count):
        source = tmp_path / f"d{i}.md"
        source.write_text(f"# Doc {i}\n\nText {i}.\n")
        made = runner.invoke(app, ["draft", "--from-file", str(source), "--json"])
        assert made.exit_code == 0, made.stderr
        draft_id = json.loads(made.stdout)["id"]
        notes = json.loads(runner.invoke(app, ["show", draft_id, "--json"]).stdout)["notes"]
        review = ["review", draft_id, "--decision", "approve", "--reviewer", "Ann Editor"]
        for note in notes:
            review += ["--resolve", f"{note['number']}=verified"]
        approved = runner.invoke(app, review)
        assert approved.exit_code == 0 and "final" in approved.stdout, approved.stderr
        ids.append(draft_id)
    return ids


def other_backends(store: Store, settled_at: int | None = None) -> int:
    """Connections to this database other than the store's own; waiting up to 5 s for them to be `settled_at` (a
    closed connection's server process leaves pg_stat_activity a moment after the client closed it)."""
    deadline = time.monotonic() + 5
    while True:
        (count,) = store.conn.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        ).fetchone()
        if settled_at is None or count == settled_at or time.monotonic() > deadline:
            return int(count)
        time.sleep(0.05)


def test_a_write_committed_after_the_export_began_is_not_in_it(
    runner: CliRunner, tmp_path: Path, pg_store: Store
) -> None:
    first, second = final_drafts(runner, tmp_path, 2)
    url = pg_store.conn.url  # type: ignore[attr-defined]
    with pg_store.snapshot():
        pg_store.conn.execute("SELECT COUNT(*) FROM drafts").fetchone()  # the snapshot is taken here
        with psycopg.connect(url, autocommit=True) as other:  # meanwhile, another machine tampers with a draft
            other.execute("UPDATE versions SET content = 'evil' WHERE draft_id = %s", (second,))
        rows = dict(pg_store.iter_sealed_finals())
    assert list(rows) == [first, second]
    assert all(line is not None for line in rows.values())  # the content each seal holds, as the snapshot had it
    assert rows[second] is not None and b"Text 1." in rows[second][1]
    after = dict(pg_store.iter_sealed_finals())
    assert after[first] is not None and after[second] is None  # a new export sees the tampering: rebuilt, refused


def test_the_second_connection_closes_when_the_export_ends_or_stops(
    runner: CliRunner, tmp_path: Path, pg_store: Store
) -> None:
    ids = final_drafts(runner, tmp_path, 3)
    before = other_backends(pg_store)
    rows = pg_store.iter_sealed_finals()
    assert next(rows)[0] == ids[0]
    assert other_backends(pg_store) == before + 1  # the COPY's; the store's connection answers meanwhile
    rows.close()  # the caller stopped early (a full disk, say)
    assert other_backends(pg_store, settled_at=before) == before
    assert [draft_id for draft_id, _line in pg_store.iter_sealed_finals()] == ids
    assert other_backends(pg_store, settled_at=before) == before
