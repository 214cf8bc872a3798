"""On PostgreSQL an audit event's db_role is checked by the server: a team member with psql and INSERT on audit
cannot append an event (an approval, say) naming another role, or none; the owner of the tables copies a store's
events as they were recorded."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from backends import fresh_database_url, login_as, with_schema
from conftest import EXAMPLES
from draftmate.cli.app import app
from draftmate.domain.digests import canonical
from draftmate.store.audit import _event_hash
from draftmate.store.backend import open_store, open_url
from reliability_support import one_line_error


def _append(url: str, event: str, draft_id: str, payload: dict[str, object]) -> None:
    """Append a well-formed, correctly chained event over psql-like raw SQL, as an insider could."""
    with psycopg.connect(url, autocommit=True) as conn:
        seq, prev = conn.execute(b"SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        at = "2026-12-04T23:00:00.000Z"
        digest = _event_hash(seq + 1, at, "Ann", event, draft_id, payload, prev)
        conn.execute(
            b"INSERT INTO audit (seq, at, actor, event, draft_id, payload_json, prev_hash, hash) "
            b"VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (seq + 1, at, "Ann", event, draft_id, canonical(payload), prev, digest),
        )


def test_a_member_cannot_append_an_event_naming_another_role(
    runner: CliRunner, postgres_server_url: str, monkeypatch: pytest.MonkeyPatch, hermetic: Path
) -> None:
    owner_url = fresh_database_url(postgres_server_url)
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", owner_url)
    made = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    draft_id = json.loads(made.stdout)["id"]
    member_url = login_as("dm_forger", owner_url)
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", member_url)
    assert runner.invoke(app, ["assign", draft_id[:8], "Ann", "--by", "Lead"]).exit_code == 0  # its own events pass
    before = [e.seq for e in open_store().iter_audit()]

    for payload in ({"review": "r1", "db_role": "dm_lead"}, {"review": "r1"}):
        with pytest.raises(psycopg.errors.RaiseException, match="names database role"):
            _append(member_url, "review.approved", draft_id, payload)

    assert [e.seq for e in open_store().iter_audit()] == before
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_the_owner_of_the_tables_copies_events_written_by_others(
    runner: CliRunner, postgres_server_url: str, hermetic: Path
) -> None:
    assert runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")]).exit_code == 0
    schema = f"owned_{Path(str(hermetic)).parent.name[-8:]}".replace("-", "_")
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(b"DO $$ BEGIN CREATE ROLE dm_owner LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())
        conn.execute(f'CREATE SCHEMA "{schema}" AUTHORIZATION dm_owner'.encode())
    owner_url = with_schema(postgres_server_url.replace("://postgres@", "://dm_owner@", 1), schema)
    copied = runner.invoke(app, ["store", "copy", "--to", owner_url])  # SQLite's events name no role
    assert copied.exit_code == 0, copied.stderr
    assert "verifies" in copied.stdout
    assert urllib.parse.urlsplit(owner_url).username == "dm_owner"


def test_a_member_copying_a_store_in_is_refused_before_anything_is_written(
    runner: CliRunner, postgres_server_url: str, hermetic: Path
) -> None:
    assert runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")]).exit_code == 0
    owner_url = fresh_database_url(postgres_server_url)
    open_url(owner_url).close()  # the tables, made by their owner
    copied = runner.invoke(app, ["store", "copy", "--to", login_as("dm_copier", owner_url)])
    one_line_error(copied, 1, "audit event 1 names database role (none), but dm_copier is writing it")
    target = open_url(owner_url)
    assert target.list_drafts() == [] and list(target.iter_audit()) == []
    target.close()


def test_the_bad_input_table_has_the_forged_event_row() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text()
    assert "| a copy into PostgreSQL by a role that does not own its tables" in table
