"""A mistyped command line is one `error:` line naming the help to read, exit 2, as every other bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app

REPO = Path(__file__).resolve().parents[2]


def run_cli(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    """One command in-process, stderr apart."""
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--bogus"], "error: no such option: --bogus (see 'draftmate list -h')"),
        (["--bogus"], "error: no such option: --bogus (see 'draftmate -h')"),
        (["show"], "error: missing argument 'ID' (see 'draftmate show -h')"),
        (["nosuch"], "error: no such command 'nosuch' (see 'draftmate -h')"),
        (["list", "-n", "x"], "error: invalid value for '-n' / '--limit': 'x' is not a valid int range"),
    ],
)
def test_a_mistyped_command_line_is_one_error_line(
    hermetic: Path, runner: CliRunner, args: list[str], message: str
) -> None:
    result = run_cli(runner, *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(message)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Usage:" not in result.stderr


def test_text_that_starts_with_a_dash_says_to_put_double_dash_before_it(hermetic: Path, runner: CliRunner) -> None:
    draft = run_cli(runner, "draft", "--from-file", str(REPO / "examples" / "release-notes.md"), "--json")
    draft_id = draft.stdout.split('"id": "')[1][:8]
    result = run_cli(runner, "note", draft_id, "-0")
    assert result.exit_code == 2
    hint = "to pass a value that starts with '-', put '--' before it"
    assert result.stderr == f"error: no such option: -0 (see 'draftmate note -h'; {hint})\n"
    assert run_cli(runner, "note", draft_id, "--", "-0").exit_code == 0


def test_a_bare_group_still_prints_its_help(hermetic: Path, runner: CliRunner) -> None:
    # through typer (the installed command answers a bare group before typer: tests/cli/test_entry.py)
    result = run_cli(runner, "config")
    assert "Usage: draftmate config" in result.output
    assert "error:" not in result.output


def test_the_table_lists_the_case() -> None:
    table = (REPO / "docs" / "bad-input.md").read_text()
    assert "a mistyped command line" in table
