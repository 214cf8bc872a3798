"""Bad input to `draftmate check`: one `error:` line, exit 2, nothing changed; docs/bad-input.md lists each case."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_export import approve, cli, imported
from test_repository_check import commit_all, git, repo, trust  # noqa: F401  (repo is a fixture)
from typer.testing import CliRunner

from reliability_support import one_line_error

DOC = Path(__file__).resolve().parents[2] / "docs" / "bad-input.md"


def snapshot(where: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(where.rglob("*")) if p.is_file() and ".git" not in p.parts}


@pytest.fixture
def signed(runner: CliRunner, tmp_path: Path, repo: Path) -> Path:  # noqa: F811
    draft_id = imported(runner, tmp_path, "# Notes\n\nPlain words here.\n", "notes.md")
    approve(runner, draft_id)
    assert cli(runner, "export", draft_id[:8], "-o", "notes.md").exit_code == 0
    trust(runner, repo)
    commit_all(repo)
    return repo


def test_bad_arguments_are_one_line_and_change_nothing(runner: CliRunner, signed: Path) -> None:
    before = snapshot(signed)
    head = git(signed, "rev-parse", "HEAD").stdout
    one_line_error(cli(runner, "check", "missing.md"), 2, "no file missing.md; check the path")
    for rev in ("nope", "-x", "HEAD~5"):
        one_line_error(cli(runner, "check", "--commit", rev), 2, f"--commit {rev!r}")
    one_line_error(cli(runner, "check", "notes.md", "--commit", "HEAD"), 2, "give paths or --commit, not both")
    one_line_error(
        cli(runner, "check", "--keys", "notes.md"), 2, "notes.md is a file; the public keys go in a directory"
    )
    assert snapshot(signed) == before and git(signed, "rev-parse", "HEAD").stdout == head


def test_a_key_file_that_is_not_a_key_is_skipped_with_a_warning(runner: CliRunner, signed: Path) -> None:
    (signed / ".draftmate" / "keys" / "junk.pub").write_text("ssh-rsa AAAAB3NzaC1yc2E junk\n")
    result = cli(runner, "check", "notes.md")
    assert result.exit_code == 0, result.stderr
    [warning] = result.stderr.splitlines()
    assert warning.startswith("warning: ") and "junk.pub: not an `ssh-ed25519 AAAA...` line" in warning
    assert warning.endswith("; skipped")


def test_the_table_lists_every_check_case() -> None:
    table = DOC.read_text()
    for case in (
        "a path that does not exist",
        "no paths, outside a git repository",
        "`--commit` naming no commit",
        "paths and `--commit` together",
        "`--keys` naming a file",
        "a `.pub` in the keys directory that is not",
        "a signing key readable by others",
        "a signing key file that is not an Ed25519 PEM key",
    ):
        assert case in table, f"docs/bad-input.md has no row for {case!r}"
