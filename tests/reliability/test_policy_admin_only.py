"""On a shared PostgreSQL store only an admin (a member of draftmate_admin) or the tables' owner may change the
review policy: `policy set` by a drafter or reviewer is refused in one line, and their role cannot write the
policies table with psql either. On SQLite (one person's file) `policy set` works as before."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from backends import fresh_database_url, login_as
from draftmate.cli.app import app
from draftmate.store.roles_pg import roles_sql
from reliability_support import one_line_error


def _policy(runner: CliRunner) -> dict[str, object]:
    shown = runner.invoke(app, ["policy", "show", "--json"])
    assert shown.exit_code == 0, shown.stderr
    return dict(json.loads(shown.stdout))


def test_a_reviewer_may_not_loosen_the_policy_an_admin_may(
    runner: CliRunner, postgres_server_url: str, monkeypatch: pytest.MonkeyPatch, hermetic: Path
) -> None:
    owner_url = fresh_database_url(postgres_server_url)
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", owner_url)
    assert runner.invoke(app, ["policy", "set", "approvals.low=2", "--by", "Owner"]).exit_code == 0  # the owner may
    member_url = login_as("dm_loosener", owner_url)
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", member_url)
    events = runner.invoke(app, ["verify"]).stdout

    refused = runner.invoke(app, ["policy", "set", "approvals.low=1", "--by", "Mallory"])
    one_line_error(refused, 3, "the database role dm_loosener may not change the review policy", "draftmate_admin")
    assert _policy(runner)["approvals"]["low"] == 2  # type: ignore[index]
    assert runner.invoke(app, ["verify"]).stdout == events  # no event recorded
    with psycopg.connect(member_url, autocommit=True) as conn:  # nor around draftmate, with psql
        for sql in ("UPDATE policies SET value_json = '{}'", "DELETE FROM policies", "TRUNCATE policies"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql.encode())

    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(b"GRANT draftmate_admin TO dm_loosener")
    try:
        allowed = runner.invoke(app, ["policy", "set", "approvals.low=1", "--by", "Lead"])
        assert allowed.exit_code == 0, allowed.stderr
        assert _policy(runner)["approvals"]["low"] == 1
        assert runner.invoke(app, ["verify"]).exit_code == 0
    finally:
        with psycopg.connect(owner_url, autocommit=True) as conn:
            conn.execute(b"REVOKE draftmate_admin FROM dm_loosener")


def test_policy_set_on_sqlite_needs_no_role(runner: CliRunner, hermetic: Path) -> None:
    assert runner.invoke(app, ["policy", "set", "approvals.low=2", "--by", "Ann"]).exit_code == 0
    assert _policy(runner)["approvals"]["low"] == 2  # type: ignore[index]


def test_the_roles_sql_takes_policy_writes_from_drafters_and_reviewers() -> None:
    assert "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON team.policies FROM draftmate_drafter" in roles_sql("team")


def test_the_bad_input_table_has_the_policy_row() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text()
    assert "| `policy set` by a PostgreSQL role that is not an admin" in table
