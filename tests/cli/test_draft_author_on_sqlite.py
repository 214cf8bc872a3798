"""On SQLite the author of a draft is whoever imported it or asked the model for it, by the name a review would
give them (DRAFTMATE_REVIEWER, config, git): with `author_may_approve_alone=false` their own approval does not
count. Drafts stored before authors were recorded (none is known) are approved as they always were."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_bad_input import DOC, state_of
from test_draft_killed import start_server, stop
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli.commands import app
from reliability_support import one_line_error

TEA = "# Tea\n\nTea is a drink made from leaves.\n"


@pytest.fixture
def author_alone_refused(runner: CliRunner, tmp_path: Path) -> Path:
    """The policy that the author may not approve alone, and a plain draft to import."""
    assert runner.invoke(app, ["policy", "set", "author_may_approve_alone=false", "--by", "Lead"]).exit_code == 0
    source = tmp_path / "tea.md"
    source.write_text(TEA, encoding="utf-8")
    return source


def _approve(runner: CliRunner, record: dict[str, Any], *reviewer: str) -> Any:
    """`review --decision approve`, every open note resolved as verified."""
    resolves = [f"--resolve={n['number']}=verified:checked" for n in record["notes"] if not n["resolution"]]
    args = ["review", str(record["id"])[:8], "--decision", "approve", *reviewer, *resolves]
    return runner.invoke(app, args)


def _status(runner: CliRunner, draft_id: str) -> str:
    return str(json.loads(runner.invoke(app, ["show", draft_id[:8], "--json"]).stdout)["status"])


def _refused_then_final(runner: CliRunner, record: dict[str, Any], *own: str) -> None:
    """The author's approval is recorded but does not count; another person's makes the draft final."""
    mine = _approve(runner, record, *own)
    assert mine.exit_code == 0, mine.stderr
    assert "approval recorded" in mine.stdout and "approval 0 of 1" in mine.stdout, mine.stdout
    assert "the draft's author may not approve it" in mine.stdout
    assert _status(runner, str(record["id"])) == "in_review"
    other = _approve(runner, record, "--reviewer", "Bob Other")
    assert other.exit_code == 0 and "is now final" in other.stdout, (other.stdout, other.stderr)
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_an_import_by_the_configured_reviewer_is_theirs(
    runner: CliRunner, author_alone_refused: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTMATE_REVIEWER", "Ann Example")
    imported = runner.invoke(app, ["draft", "--from-file", str(author_alone_refused), "--json"])
    assert imported.exit_code == 0, imported.stderr
    record = json.loads(imported.stdout)
    assert record["versions"][0]["author"] == "Ann Example"
    _refused_then_final(runner, record)  # the review takes the same name from DRAFTMATE_REVIEWER


def test_an_import_under_a_git_identity_is_theirs(
    runner: CliRunner, author_alone_refused: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gitconfig = tmp_path / "gitconfig"  # the hermetic fixture's empty global git config
    gitconfig.write_text("[user]\n\tname = Ann Example\n\temail = ann@example.com\n", encoding="utf-8")
    imported = runner.invoke(app, ["draft", "--from-file", str(author_alone_refused), "--json"])
    assert imported.exit_code == 0, imported.stderr
    record = json.loads(imported.stdout)
    assert record["versions"][0]["author"] == "Ann Example <ann@example.com>"
    _refused_then_final(runner, record, "--reviewer", "Ann Example <ann@example.com>")


@pytest.fixture
def local_model(hermetic: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """bench/oai_server.py as the configured model."""
    server, url = start_server(latency=0.0)
    monkeypatch.setenv("DRAFTMATE_BASE_URL", url)
    monkeypatch.setenv("DRAFTMATE_MODEL", "test-model")
    monkeypatch.setenv("DRAFTMATE_API_KEY", "sk-local-only")
    try:
        yield
    finally:
        stop(server)


def test_a_model_draft_is_the_author_of_whoever_asked_for_it(
    runner: CliRunner, author_alone_refused: Path, local_model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTMATE_REVIEWER", "Ann Example")
    drafted = runner.invoke(app, ["draft", "two short paragraphs about tea", "--samples", "0", "--json"])
    assert drafted.exit_code == 0, drafted.stderr
    record = json.loads(drafted.stdout)
    assert record["versions"][0]["author"] == "model"  # the model wrote it; Ann asked for it
    _refused_then_final(runner, record, "--reviewer", "Ann Example")


def test_a_draft_with_no_known_author_is_approved_as_before(
    runner: CliRunner, author_alone_refused: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # stored with no name at all before the policy (under it, `draft` now refuses to store one)
    assert runner.invoke(app, ["policy", "set", "author_may_approve_alone=true", "--by", "Lead"]).exit_code == 0
    imported = runner.invoke(app, ["draft", "--from-file", str(author_alone_refused), "--json"])
    assert runner.invoke(app, ["policy", "set", "author_may_approve_alone=false", "--by", "Lead"]).exit_code == 0
    record = json.loads(imported.stdout)
    assert record["versions"][0]["author"] == ""  # as every import stored before authors were recorded
    monkeypatch.setenv("DRAFTMATE_REVIEWER", "Ann Example")
    approved = _approve(runner, record)
    assert approved.exit_code == 0 and "is now final" in approved.stdout, (approved.stdout, approved.stderr)


def test_a_git_name_with_a_control_character_refuses_the_draft(
    runner: CliRunner, hermetic: Path, tmp_path: Path
) -> None:
    seeded = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")])
    assert seeded.exit_code == 0, seeded.stderr
    (tmp_path / "gitconfig").write_text("[user]\n\tname = Ann\u202eelpmaxE\n", encoding="utf-8")
    before = state_of(hermetic)
    result = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")])
    one_line_error(result, 2, "git's user.name/user.email", "\\u202e", "draftmate config set reviewer NAME")
    assert state_of(hermetic) == before


def test_the_bad_input_table_has_the_draft_author_row() -> None:
    assert "| git `user.name`/`user.email` with such a character, on a draft" in DOC.read_text()
