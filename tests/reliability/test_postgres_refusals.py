"""PostgreSQL refusing a statement (a role without grants, a schema it cannot use, a connection lost while
committing) is one `error:` line saying what to do, never a psycopg traceback."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from backends import fresh_database_url, login_as
from conftest import EXAMPLES
from draftmate.cli.app import app
from draftmate.store.backend import open_store
from reliability_support import one_line_error


def _schema(url: str) -> str:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["options"].partition("=")[2]


def _role(owner_url: str, role: str, *grants: str) -> str:
    """`owner_url` logged in as a new role `role`, given `grants` (SQL, `{schema}` filled in) and nothing else."""
    schema = _schema(owner_url)
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(
            f"DO $$ BEGIN CREATE ROLE {role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$".encode()
        )
        for grant in grants:
            conn.execute(grant.format(schema=schema, role=role).encode())
    return owner_url.replace("://postgres@", f"://{role}@", 1)


@pytest.fixture
def owner_url(postgres_server_url: str, monkeypatch: pytest.MonkeyPatch, hermetic: Path) -> str:
    """A store made by its owner (the server's superuser), with one draft in it."""
    url = fresh_database_url(postgres_server_url)
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", url)
    made = CliRunner().invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")])
    assert made.exit_code == 0, made.stderr
    return url


def test_a_role_without_grants_is_told_to_ask_an_admin(
    runner: CliRunner, owner_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "DRAFTMATE_DATABASE_URL", _role(owner_url, "dm_no_grants", "GRANT USAGE ON SCHEMA {schema} TO {role}")
    )
    for command in (["list"], ["verify"], ["policy", "show"]):
        line = one_line_error(runner.invoke(app, command), 1, "the database role dm_no_grants may not read the table")
        assert "`draftmate store roles`" in line and "ask an admin" in line


def test_a_role_that_may_only_read_is_told_so_when_it_writes(
    runner: CliRunner, owner_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = _role(
        owner_url,
        "dm_reader",
        "GRANT USAGE ON SCHEMA {schema} TO {role}",
        "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
    )
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", reader)
    assert runner.invoke(app, ["list"]).exit_code == 0
    made = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")])
    one_line_error(made, 1, "the database role dm_reader may not write to the table drafts", "`draftmate store roles`")
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", owner_url)
    assert runner.invoke(app, ["verify"]).exit_code == 0
    assert len(open_store().list_drafts()) == 1  # nothing of the refused draft was kept


def test_a_role_that_cannot_use_the_schema_is_told_so(
    runner: CliRunner, owner_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", _role(owner_url, "dm_outsider"))
    line = one_line_error(runner.invoke(app, ["list"]), 1, "the database role dm_outsider")
    assert "`draftmate store roles`" in line


def test_a_connection_lost_while_committing_may_have_kept_the_write(
    runner: CliRunner, owner_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(owner_url, autocommit=True) as conn:  # the server drops the line inside COMMIT
        conn.execute(
            b"CREATE FUNCTION die_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            b"PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); RETURN NULL; END $$"
        )
        conn.execute(
            b"CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON drafts DEFERRABLE INITIALLY DEFERRED "
            b"FOR EACH ROW EXECUTE FUNCTION die_at_commit()"
        )
    made = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")])
    line = one_line_error(made, 1, "was lost while saving", "may have been kept", "`draftmate verify`")
    assert "was not kept" not in line
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(b"DROP TRIGGER die_at_commit ON drafts")
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_the_bad_input_table_has_the_refusal_rows() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text()
    assert "| a PostgreSQL role without the grants a command needs" in table
    assert "| the connection to PostgreSQL lost while a write commits" in table


def test_a_member_opening_a_store_that_needs_an_upgrade_is_told_to_ask_the_owner(
    runner: CliRunner, owner_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(owner_url, autocommit=True) as conn:  # the store as an older draftmate left it
        conn.execute(b"DROP TRIGGER audit_names_its_writer ON audit")
        conn.execute(b"DROP FUNCTION draftmate_audit_names_its_writer()")
        conn.execute(b"DELETE FROM _migrations WHERE name = '0005_audit_names_its_writer'")
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", login_as("dm_late", owner_url))
    one_line_error(runner.invoke(app, ["list"]), 1, "needs an upgrade (migration 0005", "ask them to run")
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", owner_url)
    assert runner.invoke(app, ["list"]).exit_code == 0  # the owner's next command upgrades it
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", login_as("dm_late", owner_url))
    assert runner.invoke(app, ["list"]).exit_code == 0
