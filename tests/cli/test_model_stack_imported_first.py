"""A command that will ask a model imports langchain before typer, on the main thread; others never import it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from draftmate.cli import entry
from draftmate.settings.config import ENV_VARS
from draftmate.settings.endpoint import ENDPOINT_VARIABLES
from draftmate.settings.paths import config_path

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


def test_a_draft_imports_the_model_stack_before_typer(
    tmp_path: Path, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a bad --kind ends the command before any request; the import order is what is pinned
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://127.0.0.1:9/v1")
    modules = imported(tmp_path, "draft", "--kind", "poem", "Write one sentence about rivers.")
    assert "langchain_openai" in modules
    assert modules.index("langchain_openai") < modules.index("typer")


@pytest.mark.parametrize("where", ["--base-url", "config file", "OPENAI_API_KEY"])
def test_an_endpoint_from_a_flag_the_config_or_a_key_counts(
    tmp_path: Path, hermetic: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    args = ["draft", "--kind", "poem", "Write one sentence about rivers."]
    if where == "--base-url":
        args[1:1] = ["--base-url", "http://127.0.0.1:9/v1"]
    elif where == "config file":
        config = config_path(dict(os.environ))
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text('base_url = "http://127.0.0.1:9/v1"\n', encoding="utf-8")
    else:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert "langchain_openai" in imported(tmp_path, *args)


def test_no_endpoint_configured_is_said_without_loading_the_model_stack(tmp_path: Path, hermetic: Path) -> None:
    assert "langchain_openai" not in imported(tmp_path, "draft", "Write one sentence about rivers.")


def test_the_endpoint_variables_are_the_settings_ones() -> None:
    assert set(ENDPOINT_VARIABLES) == {*ENV_VARS["base_url"], *ENV_VARS["api_key"]}


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
    # entry.main turns the cyclic collector off for a model command: not for the rest of this test run
    monkeypatch.setattr(entry.gc, "disable", lambda: None)
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setattr(sys, "argv", ["draftmate", "draft", "Write one sentence."])
    with pytest.raises(SystemExit) as done:
        entry.main()
    assert done.value.code == 130
    assert capsys.readouterr().err == "interrupted; nothing was lost\n"
