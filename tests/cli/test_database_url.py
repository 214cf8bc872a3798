"""Choosing the PostgreSQL store by URL: a malformed URL exits 2, a server that is down exits 1, and the
password in the URL is shown nowhere and written nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from backends import fresh_database_url
from conftest import EXAMPLES
from draftmate.cli.app import app
from draftmate.settings.database import mask_url
from reliability_support import one_line_error

REPO = Path(__file__).resolve().parents[2]
SECRET = "s3cret-Pw"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://ann:{SECRET}@db.example:5x/drafts",
        f"mysql://ann:{SECRET}@db.example/drafts",
        f"postgresql://ann:{SECRET}@db.example:5432/",
        "postgresql://ann@db example/drafts",
    ],
)
def test_a_malformed_url_exits_2_without_its_password(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", url)
    result = runner.invoke(app, ["list"])
    line = one_line_error(result, 2, "database URL", "postgresql://USER@HOST:5432/DATABASE")
    assert SECRET not in result.stderr + result.stdout, line


def test_a_server_that_is_down_is_one_line_naming_host_and_setting(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", f"postgresql://ann:{SECRET}@127.0.0.1:1/drafts")
    for command in (["list"], ["verify"], ["draft", "--from-file", str(EXAMPLES / "release-notes.md")]):
        result = runner.invoke(app, command)
        one_line_error(result, 1, "cannot reach the database server at 127.0.0.1:1", "DRAFTMATE_DATABASE_URL")
        assert SECRET not in result.stderr


def test_the_configured_url_names_its_setting_when_the_server_is_down(runner: CliRunner) -> None:
    assert runner.invoke(app, ["config", "set", "database_url", "postgresql://ann@127.0.0.1:1/drafts"]).exit_code == 0
    one_line_error(runner.invoke(app, ["list"]), 1, "127.0.0.1:1", "database_url")


def test_config_show_and_path_mask_the_password(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", f"postgresql://ann:{SECRET}@db.example/drafts")
    for command in (["config", "show"], ["config", "show", "--json"], ["config", "path"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.stderr
        assert SECRET not in result.stdout and "postgresql://ann:****@db.example/drafts" in result.stdout


def test_a_password_is_never_written_to_config_toml(runner: CliRunner, hermetic: Path) -> None:
    result = runner.invoke(app, ["config", "set", "database_url", f"postgresql://ann:{SECRET}@db.example/drafts"])
    one_line_error(result, 2, "~/.pgpass", "postgresql://ann:****@db.example/drafts")
    assert not (hermetic / "config.toml").exists()


def test_mask_url_hides_passwords_in_the_query_too() -> None:
    assert mask_url(f"postgresql://db/x?password={SECRET}&sslmode=require") == (
        "postgresql://db/x?password=****&sslmode=require"
    )


def test_the_password_is_in_no_record_and_no_export(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, postgres_server_url: str, tmp_path: Path
) -> None:
    # trust authentication accepts any password: the one given must still appear nowhere draftmate writes
    url = fresh_database_url(postgres_server_url).replace("postgres@", f"postgres:{SECRET}@")
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", url)
    made = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    assert made.exit_code == 0, made.stderr
    import json

    draft_id = json.loads(made.stdout)["id"][:8]
    show = runner.invoke(app, ["show", draft_id, "--json"])
    resolve = [f"--resolve={n['number']}=verified" for n in json.loads(show.stdout)["notes"]]
    review = runner.invoke(app, ["review", draft_id, "--decision", "approve", "--reviewer", "Ann", *resolve])
    assert review.exit_code == 0, review.stderr
    out = tmp_path / "out.md"
    assert runner.invoke(app, ["export", draft_id, "-o", str(out)]).exit_code == 0
    assert SECRET not in out.read_text()
    import psycopg

    with psycopg.connect(postgres_server_url) as conn:
        schema = url.rpartition("search_path%3D")[2]
        dump = conn.execute(f"SELECT string_agg(payload_json || actor, '') FROM \"{schema}\".audit").fetchone()
    assert dump is not None and SECRET not in str(dump[0])


def test_the_bad_input_table_has_the_database_rows() -> None:
    table = (REPO / "docs" / "bad-input.md").read_text()
    for case in ("malformed database URL", "a database URL with a password", "the PostgreSQL server is down"):
        assert f"| {case}" in table


def test_a_broken_config_toml_that_may_name_a_database_stops_store_commands(runner: CliRunner, hermetic: Path) -> None:
    hermetic.mkdir(parents=True, exist_ok=True)
    (hermetic / "config.toml").write_text('database_url = "postgresql://ann@db/x\n')  # unclosed: which store?
    one_line_error(runner.invoke(app, ["list"]), 2, "is not valid TOML")
    (hermetic / "config.toml").write_text("model = [unclosed\n")  # names no database: the SQLite file it is
    assert runner.invoke(app, ["list"]).exit_code == 0


def test_a_socket_url_names_its_directory_and_port() -> None:
    from draftmate.settings.database import host_of

    assert host_of("postgresql:///drafts?host=/var/run/postgresql&port=5433") == "/var/run/postgresql:5433"
    assert host_of("postgresql://db.example/drafts") == "db.example:5432"
