"""The README stays a true guide: its command reference matches --help, and CI runs its set-up commands."""

from __future__ import annotations

import importlib.util
import re

from conftest import REPO


def load_reference_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("reference", REPO / "docs" / "reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_reference_matches_help(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    reference = load_reference_module()
    monkeypatch.setenv("COLUMNS", reference.WIDTH)
    readme = (REPO / "README.md").read_text()
    assert reference.updated(readme) == readme, "run: python docs/reference.py"


def test_every_command_is_in_the_reference() -> None:
    reference = load_reference_module()
    readme = (REPO / "README.md").read_text()
    for args in reference.commands():
        assert f"### `draftmate {' '.join(args)}`" in readme


def test_ci_runs_the_readme_set_up_commands() -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Set up", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2, commands
    ci = (REPO / ".ci" / "run").read_text()
    for command in commands:
        assert command in ci, f"README set-up command not run by .ci/run: {command}"
    assert re.search(r"pytest", commands[1])
