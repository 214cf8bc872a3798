"""Prompt templates: shipped ones, a user's overrides by name, validation, rendering, the CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.errors import ConfigError, NotFound
from draftmate.llm import prompts

REPO = Path(__file__).resolve().parents[2]
SHIPPED = {"brainstorm", "draft-text", "draft-code", "revise", "check-claims"}

OVERRIDE = """---
name: draft-text
version: 7
description: my house style
variables: [spec, context]
---
## system
Write like a pirate.
## user
{spec}
{context}
"""


def test_the_shipped_templates_load_with_their_front_matter() -> None:
    templates = prompts.load_all()
    assert set(templates) == SHIPPED
    for t in templates.values():
        assert t.origin == "builtin" and t.version and t.description and t.variables
        assert t.sha256 == hashlib.sha256(t.path.read_bytes()).hexdigest()
        assert [role for role, _ in t.sections][-1] == "user"


def test_templates_ship_in_the_wheel() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]["prompts"] == "draftmate/prompts"
    assert prompts.builtin_dir() == REPO / "prompts"  # an editable install falls back to the repository's copy


def test_a_user_template_overrides_by_name(hermetic: Path) -> None:
    (hermetic / "prompts").mkdir(parents=True)
    (hermetic / "prompts" / "mine.md").write_text(OVERRIDE)
    template = prompts.load("draft-text")
    assert template.origin == "user" and template.version == "7"
    assert template.render(spec="a poem", context="")[0] == ("system", "Write like a pirate.")
    assert prompts.load("revise").origin == "builtin"


def test_the_prompts_dir_setting_points_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text(OVERRIDE)
    assert prompts.load("draft-text", str(tmp_path)).origin == "user"


def test_rendering_fills_variables_and_keeps_literal_braces() -> None:
    template = prompts.load("brainstorm")
    messages = template.render(topic="a {tricky} topic", angle="simple", count="3", context="")
    user = messages[-1][1]
    assert "Topic: a {tricky} topic" in user
    assert '{"ideas": [{"title": "short name"' in user


def test_rendering_needs_every_variable() -> None:
    with pytest.raises(ValueError, match="needs count"):
        prompts.load("brainstorm").render(topic="t", angle="a", context="")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no front matter\n## user\n{spec}\n", "starts with front matter"),
        ("---\nname: x\nversion: 1\ndescription: d\n---\n## user\nhi\n", "lacks variables"),
        ("---\nname: x\nversion: 1\ndescription: d\nvariables: [spec]\n---\n## user\n{other}\n", "differ"),
        ("---\nname: x\nversion: 1\ndescription: d\nvariables: []\n---\n## system\nonly system\n", "'## user'"),
        ("---\nname: x\nversion: 1\nauthor: me\ndescription: d\nvariables: []\n---\n## user\nhi\n", "x.md:4"),
    ],
)
def test_a_malformed_template_names_the_file_and_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "x.md"
    with pytest.raises(ConfigError, match="x.md") as error:
        prompts.parse(text, path)
    assert problem in str(error.value)


def test_an_unknown_template_is_not_found() -> None:
    with pytest.raises(NotFound, match="prompts list"):
        prompts.load("nope")


def test_cli_prompts_list_and_show(runner: CliRunner, hermetic: Path) -> None:
    (hermetic / "prompts").mkdir(parents=True)
    (hermetic / "prompts" / "mine.md").write_text(OVERRIDE.replace("Write like a pirate.", "[bold]\x1b[31m"))
    listed = runner.invoke(app, ["prompts", "list", "--json"])
    assert listed.exit_code == 0, listed.stderr
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == SHIPPED and rows["draft-text"]["origin"] == "user" and rows["revise"]["origin"] == "builtin"
    table = runner.invoke(app, ["prompts", "list"])
    assert "draft-code" in table.stdout and "user" in table.stdout
    shown = runner.invoke(app, ["prompts", "show", "draft-text"])
    assert shown.exit_code == 0
    assert "[bold]\\x1b[31m" in shown.stdout and "\x1b" not in shown.stdout
    assert runner.invoke(app, ["prompts", "show", "nope"]).exit_code == 1


def test_prompts_list_does_not_load_the_model_stack() -> None:
    code = (
        "import sys; from typer.testing import CliRunner; from draftmate.cli.commands import app; "
        "r = CliRunner().invoke(app, ['prompts', 'list']); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('langchain_core.prompts.string', 'langchain_openai', 'openai', 'httpx2') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
