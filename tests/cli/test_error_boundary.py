"""One error boundary around every command: an expected failure is one `error:` line and its exit code, wherever
it is raised; a bug keeps its traceback."""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.core
import typer.main
from typer.models import CommandInfo
from typer.testing import CliRunner

from draftmate.cli.app import app
from draftmate.errors import (
    AlreadyReported,
    ConfigError,
    DraftmateError,
    GateRefused,
    Interrupted,
    NotFound,
    UsageError,
)

REPO = Path(__file__).resolve().parents[2]


def leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command a user can run, by its words (`config set`), walking the tree --help shows."""
    if isinstance(command, typer.core.TyperGroup):
        for name, sub in command.commands.items():
            yield from leaves(sub, (*path, name))
    else:
        yield path, command


def command_infos(typer_app: typer.Typer) -> Iterator[CommandInfo]:
    """Every command registered on the app and its groups."""
    yield from typer_app.registered_commands
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        yield from command_infos(group.typer_instance)


COMMANDS = dict(leaves(typer.main.get_command(app)))


def argv(path: tuple[str, ...]) -> list[str]:
    """The command's words and a placeholder for each required argument, so it parses and runs."""
    required = [p for p in COMMANDS[path].params if isinstance(p, typer.core.TyperArgument) and p.required]
    options = [p for p in COMMANDS[path].params if isinstance(p, typer.core.TyperOption) and p.required]
    return [*path, *("x" for _ in required), *(word for p in options for word in (p.opts[0], "x"))]


@pytest.fixture
def every_command_raises(monkeypatch: pytest.MonkeyPatch) -> Callable[[BaseException], None]:
    """Make every command raise `error` as soon as it runs (typer still reads each one's own parameters)."""

    def arrange(error: BaseException) -> None:
        for info in command_infos(app):
            original = info.callback
            assert original is not None

            @functools.wraps(original)
            def fail(*args: Any, **kwargs: Any) -> None:
                raise error

            monkeypatch.setattr(info, "callback", fail)

    return arrange


def run(args: list[str]) -> Any:
    return CliRunner().invoke(app, args)


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path in COMMANDS}
    expected = {"brainstorm", "draft", "list", "show", "note", "review", "export", "verify", "calibration", "doctor"}
    expected |= {"config show", "config set", "config path", "prompts list", "prompts show"}
    expected |= {"check", "key show", "key rotate"}
    expected |= {"queue", "assign", "policy show", "policy set", "store copy", "store roles"}  # teams (issue 17)
    assert names == expected
    assert len(list(command_infos(app))) == len(COMMANDS)  # one registration behind each command


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_command_answers_an_expected_failure_with_one_line(
    path: tuple[str, ...], every_command_raises: Callable[[BaseException], None]
) -> None:
    every_command_raises(UsageError("bad \x1b[2J input\nerror: forged"))
    result = run(argv(path))
    assert result.exit_code == 2, result.output
    assert result.stderr == "error: bad \\x1b[2J input\\nerror: forged\n"
    assert result.stdout == ""
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_command_lets_a_bug_show_its_traceback(
    path: tuple[str, ...], every_command_raises: Callable[[BaseException], None]
) -> None:
    every_command_raises(RuntimeError("a bug"))
    result = run(argv(path))
    assert isinstance(result.exception, RuntimeError)  # not swallowed into an `error:` line
    assert "error:" not in result.stderr


@pytest.mark.parametrize(
    ("error", "code", "stderr"),
    [
        (NotFound("no draft 'abcd'"), 1, "error: no draft 'abcd'\n"),
        (ConfigError("bad setting"), 2, "error: bad setting\n"),
        (
            GateRefused("not approved", ["note 1 \x1b]open", "note 2"]),
            3,
            "error: not approved\n  - note 1 \\x1b]open\n  - note 2\n",
        ),
        (Interrupted("kept draft abcd1234"), 130, "interrupted: kept draft abcd1234\n"),
        (KeyboardInterrupt(), 130, "interrupted; nothing was lost\n"),
        (AlreadyReported(), 1, ""),
        (AlreadyReported(ConfigError), 2, ""),
        (AlreadyReported(Interrupted), 130, ""),
        (sqlite3.OperationalError("database is locked"), 1, "error: the store stayed locked by another process"),
        (sqlite3.DatabaseError("database disk image is malformed"), 1, "error: the store's database file is damaged"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else None,
)
def test_the_boundary_maps_each_failure_to_its_line_and_code(
    every_command_raises: Callable[[BaseException], None], error: BaseException, code: int, stderr: str
) -> None:
    every_command_raises(error)
    result = run(["list"])
    assert result.exit_code == code
    if stderr == "" or stderr.endswith("\n"):
        assert result.stderr == stderr
    else:  # a store error: its message goes on to say how to fix it, on the same line
        assert result.stderr.startswith(stderr) and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_a_database_bug_is_not_dressed_as_a_store_error(every_command_raises: Callable[[BaseException], None]) -> None:
    every_command_raises(sqlite3.IntegrityError("UNIQUE constraint failed"))
    result = run(["show", "abcd"])
    assert isinstance(result.exception, sqlite3.IntegrityError)


def test_only_the_boundary_picks_exit_codes() -> None:
    # the codes the docs promise are carried by the error classes; commands raise those and pick no number
    assert (DraftmateError.exit_code, UsageError.exit_code, GateRefused.exit_code) == (1, 2, 3)
    assert Interrupted.exit_code == 130
    cli = REPO / "src" / "draftmate" / "cli"
    # entry.py answers --help and --version before typer (and so the boundary) is loaded
    picking = [p.name for p in cli.glob("*.py") if p.name not in ("app.py", "entry.py")]
    picking = [
        name for name in picking if re.search(r"(typer\.Exit|SystemExit|sys\.exit)\((?!\))", (cli / name).read_text())
    ]
    assert picking == []


def test_the_table_lists_ctrl_c() -> None:
    table = (REPO / "docs" / "bad-input.md").read_text()
    assert "| Ctrl-C in any command" in table and "`interrupted; nothing was lost`" in table
