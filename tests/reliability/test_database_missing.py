"""A server that answers but has no such database: one line saying to create it, not 'cannot reach … start it'."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.app import app
from reliability_support import one_line_error


def test_a_missing_database_says_to_create_it(
    runner: CliRunner, hermetic: Path, postgres_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = postgres_server_url.split("?", 1)[0].rsplit("/", 1)[0]
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", f"{base}/no_such_drafts")
    line = one_line_error(runner.invoke(app, ["list"]), 1, "has no database no_such_drafts", "createdb no_such_drafts")
    assert "start it" not in line and "DRAFTMATE_DATABASE_URL" in line


def test_copy_into_a_missing_database_says_to_create_it(
    runner: CliRunner, hermetic: Path, postgres_server_url: str
) -> None:
    base = postgres_server_url.split("?", 1)[0].rsplit("/", 1)[0]
    one_line_error(
        runner.invoke(app, ["store", "copy", "--to", f"{base}/no_such_copy"]), 1, "createdb no_such_copy", "--to"
    )


def test_the_table_has_the_missing_database_row() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text()
    assert "| a PostgreSQL server that answers but has no such database |" in table
