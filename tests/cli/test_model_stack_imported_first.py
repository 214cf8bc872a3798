"""A command that will ask a model imports langchain before typer, on the main thread; others never import it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from draftmate.cli import entry

# Runs the `draftmate` entry point (letting it return), then reports the modules in the order they were imported.
PROBE = """
import json, sys
report = sys.argv[1]
sys.argv = ["draftmate", *sys.argv[2:]]
from draftmate.cli import entry
entry.leave_at_once = lambda code: None  # it would end the process before the report is written
code = 0
try:
    entry.main()
except SystemExit as e:
    code = e.code or 0
with open(report, "w") as f:
    json.dump({"code": code, "modules": list(sys.modules)}, f)
"""


def imported(tmp_path: Path, *args: str) -> list[str]:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert report.exists(), done.stderr
    modules: list[str] = json.loads(report.read_text())["modules"]
    return modules


def test_a_draft_imports_the_model_stack_before_typer(tmp_path: Path, hermetic: Path) -> None:
    # no endpoint is configured, so the command ends with an error; the import order is what is pinned
    modules = imported(tmp_path, "draft", "Write one sentence about rivers.")
    assert "langchain_openai" in modules
    assert modules.index("langchain_openai") < modules.index("typer")


@pytest.mark.parametrize(
    "args",
    [["draft", "--from-file", "FILE"], ["draft", "--from-file=FILE"], ["draft", "--help"], ["brainstorm", "-h"]],
)
def test_a_model_command_that_asks_no_model_does_not_import_it(tmp_path: Path, hermetic: Path, args: list[str]) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text("# Notes\n\nA short draft.\n", encoding="utf-8")
    argv = [a.replace("FILE", str(draft)) for a in args]
    assert "langchain_openai" not in imported(tmp_path, *argv)


def test_ctrl_c_while_the_model_stack_loads_says_nothing_was_lost(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import draftmate.llm.chat

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(draftmate.llm.chat, "import_model_stack", interrupted)
    monkeypatch.setattr(sys, "argv", ["draftmate", "draft", "Write one sentence."])
    with pytest.raises(SystemExit) as done:
        entry.main()
    assert done.value.code == 130
    assert capsys.readouterr().err == "interrupted; nothing was lost\n"
