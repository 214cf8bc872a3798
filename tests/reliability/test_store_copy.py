"""`draftmate store copy --to URL`: a SQLite store into PostgreSQL and back, verified, the same export bytes, and
an interrupted copy finished by running it again, without duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backends import fresh_database_url
from conftest import EXAMPLES
from draftmate.cli.app import app
from draftmate.store import copying
from draftmate.store.backend import open_url
from draftmate.store.sqlite import SQLiteStore
from reliability_support import one_line_error


def _make_store(runner: CliRunner, tmp_path: Path) -> str:
    """Three drafts, one final and exported; a policy and an assignment: every kind of record. The final's ID."""
    for _ in range(2):
        assert runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")]).exit_code == 0
    plain = tmp_path / "tea.md"
    plain.write_text("# Tea\n\nTea is a drink made from leaves.\n")
    made = runner.invoke(app, ["draft", "--from-file", str(plain), "--json"])
    draft_id = json.loads(made.stdout)["id"][:8]
    assert runner.invoke(app, ["review", draft_id, "--decision", "approve", "--reviewer", "Ann"]).exit_code == 0
    assert runner.invoke(app, ["policy", "set", "approvals.low=2", "--by", "Lead"]).exit_code == 0
    waiting = json.loads(runner.invoke(app, ["list", "--status", "draft", "--json"]).stdout)[0]["id"][:8]
    assert runner.invoke(app, ["assign", waiting, "Bob", "--by", "Lead"]).exit_code == 0
    return draft_id


def test_copy_into_postgresql_and_back_keeps_every_record_and_the_export_bytes(
    runner: CliRunner, tmp_path: Path, postgres_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft_id = _make_store(runner, tmp_path)
    assert runner.invoke(app, ["export", draft_id, "-o", str(tmp_path / "sqlite.md")]).exit_code == 0
    url = fresh_database_url(postgres_server_url)
    copied = runner.invoke(app, ["store", "copy", "--to", url])
    assert copied.exit_code == 0, copied.stderr
    assert "copied 3 drafts" in copied.stdout and "verifies" in copied.stdout

    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", url)
    assert runner.invoke(app, ["verify"]).exit_code == 0
    assert runner.invoke(app, ["export", draft_id, "-o", str(tmp_path / "pg.md")]).exit_code == 0
    assert (tmp_path / "pg.md").read_bytes() == (tmp_path / "sqlite.md").read_bytes()
    assert json.loads(runner.invoke(app, ["policy", "show", "--json"]).stdout)["approvals"]["low"] == 2
    assert "Bob" in runner.invoke(app, ["queue", "--for", "Bob"]).stdout
    found = runner.invoke(app, ["list", "--search", "tea leaves", "--json"])
    assert [d["id"][:8] for d in json.loads(found.stdout)] == [draft_id]
    pg = open_url(url)
    sealed = dict(pg.iter_sealed_finals())  # the seal survives the copy: the fast export path still holds
    assert len(sealed) == 1 and next(iter(sealed.values())) is not None
    pg.close()

    back = tmp_path / "back.db"
    assert runner.invoke(app, ["store", "copy", "--to", str(back)]).exit_code == 0
    returned = SQLiteStore(back)
    assert returned.verify() == [] and len(returned.list_drafts()) == 3
    returned.close()


def test_an_interrupted_copy_finishes_on_the_second_run_without_duplicates(
    runner: CliRunner, tmp_path: Path, postgres_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_store(runner, tmp_path)
    url = fresh_database_url(postgres_server_url)
    monkeypatch.setattr(copying, "BATCH", 1)
    real_insert = copying._insert
    calls = {"n": 0}

    def dies_after_a_while(store, table, row, conflict=""):  # type: ignore[no-untyped-def]
        calls["n"] += table != "audit"  # the events go first; count the drafts' rows
        if calls["n"] == 12:
            raise KeyboardInterrupt  # Ctrl-C in the middle of a draft's rows
        real_insert(store, table, row, conflict)

    with monkeypatch.context() as interrupted:
        interrupted.setattr(copying, "_insert", dies_after_a_while)
        assert runner.invoke(app, ["store", "copy", "--to", url]).exit_code == 130
    partial = open_url(url)
    assert 0 < len(partial.list_drafts()) < 3  # whole drafts only: the one cut short left nothing
    partial.close()
    finished = runner.invoke(app, ["store", "copy", "--to", url])
    assert finished.exit_code == 0, finished.stderr
    target = open_url(url)
    assert target.verify() == [] and len(target.list_drafts()) == 3
    target.close()


def test_copy_into_a_store_with_other_records_is_refused(
    runner: CliRunner, tmp_path: Path, postgres_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_database_url(postgres_server_url)
    with monkeypatch.context() as elsewhere:
        elsewhere.setenv("DRAFTMATE_DATABASE_URL", url)
        assert runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")]).exit_code == 0
    _make_store(runner, tmp_path)
    one_line_error(runner.invoke(app, ["store", "copy", "--to", url]), 1, "copy into an empty database or schema")
    target = open_url(url)
    assert len(target.list_drafts()) == 1 and target.verify() == []
    target.close()


def test_the_bad_input_table_has_the_copy_row() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text()
    assert "| a copy into a store that holds other records" in table
