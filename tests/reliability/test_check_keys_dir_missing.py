"""`check --keys DIR` with no such directory: a typo, one `error:` line (exit 2), not every file failing as
`unknown-key`; the default `.draftmate/keys/` may still be absent (then every signed file is unknown-key)."""

from __future__ import annotations

from pathlib import Path

from test_check_bad_input import DOC, signed, snapshot  # noqa: F401  (signed is a fixture)
from test_export import cli
from test_repository_check import repo  # noqa: F401  (a fixture signed needs)
from typer.testing import CliRunner

from reliability_support import one_line_error


def test_a_keys_directory_that_is_not_there_is_one_error(runner: CliRunner, signed: Path) -> None:  # noqa: F811
    before = snapshot(signed)
    one_line_error(
        cli(runner, "check", "--keys", ".draftmate/kyes"), 2, "no directory .draftmate/kyes", "NAME.pub files"
    )
    assert snapshot(signed) == before


def test_the_default_keys_directory_may_be_missing(runner: CliRunner, signed: Path) -> None:  # noqa: F811
    for key in (signed / ".draftmate" / "keys").iterdir():
        key.unlink()
    (signed / ".draftmate" / "keys").rmdir()
    result = cli(runner, "check", "notes.md")
    assert result.exit_code == 1 and "signed by a key not in the keys directory" in result.stderr


def test_the_table_has_the_missing_keys_directory_row() -> None:
    assert "| `--keys` naming no directory" in DOC.read_text()
