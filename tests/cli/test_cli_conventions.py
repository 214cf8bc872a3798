"""What people expect of a command line: -V, shell completion, quiet exit 141 into a closed pipe, config show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_closed_output import closed_stdout_run
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate import __version__
from draftmate.cli.commands import app

DRAFTMATE = [sys.executable, "-m", "draftmate"]
SCRIPT = Path(sys.executable).parent / "draftmate"  # completion is keyed to the installed command's name


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_short_and_long_version_flags(flag: str, runner: CliRunner) -> None:
    fast = subprocess.run([*DRAFTMATE, flag], capture_output=True, text=True, timeout=60)
    assert (fast.returncode, fast.stdout, fast.stderr) == (0, f"draftmate {__version__}\n", "")
    typer_path = runner.invoke(app, [flag])  # the same flag where typer parses it
    assert typer_path.exit_code == 0 and typer_path.stdout == f"draftmate {__version__}\n"


def test_the_shell_asks_typer_for_completions(hermetic: Path) -> None:
    env = {**os.environ, "_DRAFTMATE_COMPLETE": "complete_bash", "COMP_WORDS": "draftmate sh", "COMP_CWORD": "1"}
    # with no arguments, the fast path would print the help instead: the completion request must get past it
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["show"]
    env |= {"COMP_WORDS": "draftmate config s", "COMP_CWORD": "2"}
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert sorted(done.stdout.split()) == ["set", "show"]


def test_completion_scripts_are_offered_in_the_help(runner: CliRunner) -> None:
    shown = runner.invoke(app, ["--show-completion", "bash"])
    assert shown.exit_code == 0 and "_DRAFTMATE_COMPLETE=complete_bash" in shown.stdout
    helped = subprocess.run(
        [*DRAFTMATE, "--help"], capture_output=True, text=True, timeout=60, env=os.environ | {"COLUMNS": "100"}
    )
    assert "--install-completion" in helped.stdout and "-V, --version" in helped.stdout


def test_help_stays_on_the_fast_path_without_typer(tmp_path: Path) -> None:
    probe = "import sys; sys.argv = ['draftmate', '--help']\nfrom draftmate.cli.entry import main\nmain()\n"
    probe += "print('typer' in sys.modules, file=sys.stderr)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=os.environ | {"COLUMNS": "100"}
    )
    assert done.returncode == 0 and "--install-completion" in done.stdout
    assert done.stderr.strip() == "False"


def test_show_into_a_closed_pipe_exits_141_quietly_like_list(hermetic: Path) -> None:
    imported = subprocess.run(
        [*DRAFTMATE, "draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    draft_id = json.loads(imported.stdout)["id"][:8]
    for args in (["show", draft_id], ["list"]):
        result = closed_stdout_run([*DRAFTMATE, *args], dict(os.environ))
        assert (result.returncode, result.stderr) == (141, ""), args


def test_config_show_names_the_reviewer_git_will_give(
    hermetic: Path, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = runner.invoke(app, ["config", "show"]).stdout
    assert "`review` asks, or `config set reviewer NAME`" in shown  # no git identity in the hermetic suite
    gitconfig = tmp_path / "with-identity"
    gitconfig.write_text("[user]\n\tname = Ann Example\n\temail = ann@example.org\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    shown = runner.invoke(app, ["config", "show"]).stdout
    [line] = [ln for ln in shown.splitlines() if ln.startswith("reviewer ")]
    assert "Ann Example <ann@example.org>" in line and "(git user.name/user.email)" in line
    as_json = json.loads(runner.invoke(app, ["config", "show", "--json"]).stdout)
    assert as_json["reviewer"] == {"value": "Ann Example <ann@example.org>", "source": "git user.name/user.email"}
    monkeypatch.setenv("DRAFTMATE_REVIEWER", "Bo Reviewer")  # a setting still wins over git
    assert json.loads(runner.invoke(app, ["config", "show", "--json"]).stdout)["reviewer"]["value"] == "Bo Reviewer"
