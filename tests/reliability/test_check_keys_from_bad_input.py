"""Bad input to `check --keys-from` and `check --staged`: one `error:` line, exit 2, nothing changed; each case has
its row in docs/bad-input.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_check_bad_input import DOC, signed, snapshot  # noqa: F401  (signed is a fixture)
from test_export import cli
from test_repository_check import git, repo  # noqa: F401  (repo is a fixture)
from typer.testing import CliRunner

from reliability_support import one_line_error


def test_bad_keys_from_and_staged_arguments_are_one_line_and_change_nothing(runner: CliRunner, signed: Path) -> None:  # noqa: F811
    git(signed, "add", "-A")
    before = snapshot(signed)
    index = (signed / ".git" / "index").read_bytes()
    for rev in ("nope", "HEAD~5"):
        one_line_error(
            cli(runner, "check", "--keys-from", rev),
            2,
            f"--keys-from {rev!r} names no commit in this repository; give the commit whose keys to trust",
            "fetch-depth: 0",
        )
    one_line_error(cli(runner, "check", "--keys-from", "-x"), 2, "--keys-from '-x': give a commit")
    one_line_error(
        cli(runner, "check", "--keys", ".", "--keys-from", "HEAD"), 2, "give --keys or --keys-from, not both"
    )
    one_line_error(cli(runner, "check", "--staged", "--commit", "HEAD"), 2, "give --commit or --staged, not both")
    one_line_error(
        cli(runner, "check", "--staged", "notes.md"), 2, "--staged checks the files staged for commit: give no paths"
    )
    assert snapshot(signed) == before and (signed / ".git" / "index").read_bytes() == index


def test_keys_from_and_staged_outside_a_repository(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    where = tmp_path / "plain"
    where.mkdir()
    (where / "a.txt").write_text("plain\n")
    monkeypatch.chdir(where)
    one_line_error(
        cli(runner, "check", "--staged"), 2, "--staged needs a git repository; run it inside one (or give the paths"
    )
    one_line_error(
        cli(runner, "check", ".", "--keys-from", "HEAD"), 2, "--keys-from needs a git repository; run it inside one"
    )
    assert [p.name for p in where.iterdir()] == ["a.txt"]


def test_the_table_lists_every_keys_from_and_staged_case() -> None:
    table = DOC.read_text()
    for case in (
        "`--keys-from` naming no commit",
        "`--keys-from` outside a git repository",
        "`--keys` and `--keys-from` together",
        "`--staged` outside a git repository",
        "`--staged` with paths or `--commit`",
    ):
        assert case in table, f"docs/bad-input.md has no row for {case!r}"
