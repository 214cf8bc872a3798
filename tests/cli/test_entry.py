"""The fast entry point: its pre-rendered --help is typer's own, and it answers without importing typer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from draftmate.cli._help import ROOT_HELP
from draftmate.cli.commands import app
from draftmate.cli.entry import GROUPS, columns

PROBE = """
import sys
sys.argv = ["draftmate", *sys.argv[1:]]
from draftmate.cli.entry import main
try:
    main()
finally:
    sys.stderr.write("typer loaded" if "typer" in sys.modules else "no typer")
"""


@pytest.mark.parametrize("width", ["80", "120", "200"])
def test_pre_rendered_help_is_what_typer_prints(width: str) -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": width})
    assert result.stdout == ROOT_HELP, "run: python docs/reference.py"


def run(*args: str, columns_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": columns_env}
    return subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=60)


def test_help_and_version_answer_without_typer() -> None:
    helped = run("--help", columns_env="100")
    assert helped.stdout == ROOT_HELP and helped.stderr.endswith("no typer")
    versioned = run("--version", columns_env="100")
    assert versioned.stdout.startswith("draftmate ") and versioned.stderr.endswith("no typer")


def test_a_narrow_terminal_and_other_commands_go_through_typer() -> None:
    narrow = run("--help", columns_env="60")
    assert narrow.stdout != ROOT_HELP and "Usage: draftmate" in narrow.stdout
    assert narrow.stderr.endswith("typer loaded")


def test_columns_follows_shutils_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "91")
    assert columns() == 91
    monkeypatch.setenv("COLUMNS", "junk")
    assert columns() >= 1


@pytest.mark.parametrize("width", ["100", "60"])
def test_no_arguments_prints_the_help_and_succeeds(width: str) -> None:
    bare = run(columns_env=width)
    assert bare.returncode == 0, bare.stderr
    assert bare.stdout.startswith("Usage: draftmate") and "Commands" in bare.stdout


def test_a_group_alone_prints_its_help_and_succeeds() -> None:
    assert set(GROUPS) == {group.name for group in app.registered_groups}
    for group in GROUPS:
        alone = run(group, columns_env="100")
        assert alone.returncode == 0, alone.stderr
        assert alone.stdout.startswith(f"Usage: draftmate {group}") and "Commands" in alone.stdout
