"""The roles of a shared PostgreSQL store (`draftmate store roles`): a team member's role may append to the audit
log but never change or delete an event, and what it does is recorded under its own name (current_user)."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from backends import fresh_database_url, login_as
from conftest import EXAMPLES
from draftmate.cli.app import app
from draftmate.store.backend import open_store


def test_a_member_role_appends_but_cannot_update_or_delete_audit_events(
    runner: CliRunner, postgres_server_url: str, monkeypatch: pytest.MonkeyPatch, hermetic: Path
) -> None:
    owner_url = fresh_database_url(postgres_server_url)
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", owner_url)
    open_store().close()  # the tables, made by the owner
    member_url = login_as("dm_member", owner_url)
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", member_url)
    made = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")])
    assert made.exit_code == 0, made.stderr
    store = open_store()
    assert store.db_role == "dm_member"
    assert {e.payload.get("db_role") for e in store.iter_audit()} == {"dm_member"}
    store.close()
    with psycopg.connect(member_url, autocommit=True) as conn:
        for sql in ("UPDATE audit SET actor = 'Mallory'", "DELETE FROM audit", "TRUNCATE audit"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql.encode())
    with psycopg.connect(owner_url, autocommit=True) as conn:  # the owner too meets the trigger
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute(b"UPDATE audit SET actor = 'Mallory'")
    assert runner.invoke(app, ["verify"]).exit_code == 0
    assert os.environ["DRAFTMATE_DATABASE_URL"] == member_url


def test_store_roles_prints_sql_for_the_schema_and_refuses_a_strange_name(runner: CliRunner) -> None:
    printed = runner.invoke(app, ["store", "roles", "--schema", "team"])
    assert printed.exit_code == 0 and "REVOKE UPDATE, DELETE, TRUNCATE ON team.audit" in printed.stdout
    refused = runner.invoke(app, ["store", "roles", "--schema", "x; DROP TABLE drafts"])
    assert refused.exit_code == 2 and refused.stderr.startswith("error: ") and len(refused.stderr.splitlines()) == 1


def test_the_bad_input_table_has_the_schema_row() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text()
    assert "| a schema name that is not a plain identifier" in table
