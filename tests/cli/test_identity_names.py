"""Names of people (reviewer, responsible person, note author) refuse characters that hide or disguise them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, REPO
from draftmate.cli import reviewing as cli
from draftmate.cli.commands import app
from draftmate.domain.records import State
from draftmate.errors import UsageError
from draftmate.services.reviews import begin_review
from draftmate.store.sqlite import SQLiteStore

DOC = REPO / "docs" / "bad-input.md"
DISGUISED = {
    "right-to-left override": ("\u202eelpmaxE nnA\u202c", "\\u202e"),
    "word joiner": ("Ann\u2060Example", "\\u2060"),
    "soft hyphen": ("Ann\xadExample", "\\xad"),
    "Arabic letter mark": ("\u061cAnn Example", "\\u061c"),
    "tag characters": ("Ann Example\U000e0041\U000e007f", "\\U000e0041"),
    "escape sequence": ("Ann\x1b[2J", "\\x1b"),
    "newline": ("Ann\nerror: forged", "\\n"),
    "line separator": ("Ann\u2028Example", "\\u2028"),
    "zero-width space": ("Ann\u200bExample", "\\u200b"),
}


def import_example(runner: CliRunner) -> str:
    result = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


def refused(result: object, *words: str) -> str:
    """The one `error:` line of a refusal with exit 2, which names the fix."""
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for word in words:
        assert word in lines[0], lines[0]
    return str(lines[0])


def unchanged(runner: CliRunner, store: SQLiteStore, draft_id: str) -> None:
    assert store.get_draft(draft_id).status is State.DRAFT
    assert store.list_reviews(draft_id) == []
    assert runner.invoke(app, ["verify"]).exit_code == 0


@pytest.mark.parametrize("name,escape", DISGUISED.values(), ids=DISGUISED.keys())
def test_a_disguised_reviewer_name_is_refused(runner: CliRunner, store: SQLiteStore, name: str, escape: str) -> None:
    draft_id = import_example(runner)
    result = runner.invoke(app, ["review", draft_id[:8], "--decision", "reject", "--reason", "x", "--reviewer", name])
    line = refused(result, "--reviewer", escape, "plain text")
    assert "\u202e" not in line and "\x1b" not in line
    unchanged(runner, store, draft_id)


@pytest.mark.parametrize("name", ["", "   ", "\xa0\u3000"])
def test_a_blank_reviewer_name_is_refused(runner: CliRunner, store: SQLiteStore, name: str) -> None:
    draft_id = import_example(runner)
    result = runner.invoke(app, ["review", draft_id[:8], "--decision", "reject", "--reason", "x", "--reviewer", name])
    refused(result, "--reviewer is blank")
    unchanged(runner, store, draft_id)


def test_surrounding_blanks_are_stripped(runner: CliRunner, store: SQLiteStore) -> None:
    draft_id = import_example(runner)
    result = runner.invoke(
        app,
        ["review", draft_id[:8], "--decision", "reject", "--reason", "x", "--reviewer", "  Ann Example "],
        env={"DRAFTMATE_REVIEWER": None},
    )
    assert result.exit_code == 0, result.stderr
    [review] = store.list_reviews(draft_id)
    assert review.reviewer == "Ann Example" and review.editorial_responsibility == "Ann Example"


def test_a_disguised_responsible_name_is_refused(runner: CliRunner, store: SQLiteStore) -> None:
    draft_id = import_example(runner)
    result = runner.invoke(
        app,
        ["review", draft_id[:8], "--decision", "reject", "--reason", "x", "--reviewer", "Ann"]
        + ["--responsible", "\u202eelpmaxE nnA\u202c"],
    )
    refused(result, "--responsible", "\\u202e")
    unchanged(runner, store, draft_id)


def test_draftmate_reviewer_from_the_environment_is_checked(runner: CliRunner, store: SQLiteStore) -> None:
    draft_id = import_example(runner)
    result = runner.invoke(
        app,
        ["review", draft_id[:8], "--decision", "reject", "--reason", "x"],
        env={"DRAFTMATE_REVIEWER": "Ann\u2060Example"},
    )
    refused(result, "reviewer:", "\\u2060", "from DRAFTMATE_REVIEWER")
    unchanged(runner, store, draft_id)


@pytest.mark.parametrize("key", ["reviewer", "editorial_responsibility"])
def test_config_set_refuses_a_disguised_name_and_writes_nothing(runner: CliRunner, hermetic: Path, key: str) -> None:
    assert runner.invoke(app, ["config", "set", key, "Ann Example"]).exit_code == 0
    before = (hermetic / "config.toml").read_bytes()
    result = runner.invoke(app, ["config", "set", key, "Ann\U000e0041"])
    refused(result, f"{key}:", "\\U000e0041", "config set")
    assert (hermetic / "config.toml").read_bytes() == before


def test_a_disguised_name_in_config_toml_is_refused(runner: CliRunner, store: SQLiteStore, hermetic: Path) -> None:
    draft_id = import_example(runner)
    (hermetic / "config.toml").write_text('reviewer = "\\u202eelpmaxE nnA\\u202c"\n')
    result = runner.invoke(app, ["review", draft_id[:8], "--decision", "reject", "--reason", "x"])
    refused(result, "reviewer:", "\\u202e", "config.toml")
    unchanged(runner, store, draft_id)


def test_a_disguised_git_user_name_is_refused(runner: CliRunner, store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = import_example(runner)
    gitconfig = tmp_path / "gitconfig"
    subprocess.run(["git", "config", "--file", str(gitconfig), "user.name", "Ann\u202eExample"], check=True)
    result = runner.invoke(app, ["review", draft_id[:8], "--decision", "reject", "--reason", "x"])
    refused(result, "git's user.name", "\\u202e", "--reviewer NAME")
    unchanged(runner, store, draft_id)


def test_a_note_author_is_checked(runner: CliRunner, store: SQLiteStore) -> None:
    draft_id = import_example(runner)
    result = runner.invoke(app, ["note", draft_id[:8], "check this", "--reviewer", "Ann\xadExample"])
    refused(result, "--reviewer", "\\xad")
    assert store.list_notes(draft_id) == [] or all(n.author != "Ann\xadExample" for n in store.list_notes(draft_id))


def test_a_name_typed_at_the_prompt_is_checked(
    runner: CliRunner, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    draft_id = import_example(runner)
    result = runner.invoke(app, ["review", draft_id[:8]], input="\u202eelpmaxE nnA\u202c\n")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("error: the name typed '\\u202eelpmaxE nnA\\u202c'")
    unchanged(runner, store, draft_id)


def test_the_library_refuses_a_disguised_name_whoever_calls(store: SQLiteStore, runner: CliRunner) -> None:
    draft_id = import_example(runner)
    with pytest.raises(UsageError, match=r"reviewer name .*\\u202e"):
        begin_review(store, draft_id, reviewer="\u202eelpmaxE nnA\u202c")
    with pytest.raises(UsageError, match=r"editorial responsibility .*\\u2060"):
        begin_review(store, draft_id, reviewer="Ann", editorial_responsibility="B\u2060b")
    unchanged(runner, store, draft_id)


def test_plain_names_of_any_script_are_kept(runner: CliRunner, store: SQLiteStore) -> None:
    for name in ("Zoë Ångström", "عائشة", "李小龙", "O'Brien-Smith, Jr.", "Ann <ann@example.org>"):
        draft_id = import_example(runner)
        result = runner.invoke(
            app, ["review", draft_id[:8], "--decision", "reject", "--reason", "x", "--reviewer", name]
        )
        assert result.exit_code == 0, result.stderr
        assert store.list_reviews(draft_id)[0].reviewer == name


def test_the_table_lists_every_case() -> None:
    """docs/bad-input.md has a row for each refusal tested here."""
    table = DOC.read_text()
    for case in (
        "reviewer name with a control or format character",
        "blank reviewer name",
        "`DRAFTMATE_REVIEWER` or `config.toml` name",
        "`config set reviewer`",
        "git `user.name`",
        "name typed at the reviewer prompt",
    ):
        assert case in table, case
