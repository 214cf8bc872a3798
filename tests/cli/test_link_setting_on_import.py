"""A `check_links` (or `check_packages_online`) value that is not a boolean stops `draft --from-file` with one
error line and exit 2, as it stops every other command that reads settings; it no longer leaves the check off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_bad_input import DOC, state_of
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli.commands import app
from reliability_support import one_line_error


@pytest.mark.parametrize(
    ("variable", "example"),
    [("DRAFTMATE_CHECK_LINKS", "release-notes.md"), ("DRAFTMATE_CHECK_PACKAGES_ONLINE", "slugify.py")],
)
def test_a_bad_check_setting_in_the_environment_refuses_the_import(
    runner: CliRunner, hermetic: Path, monkeypatch: pytest.MonkeyPatch, variable: str, example: str
) -> None:
    seeded = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    assert seeded.exit_code == 0, seeded.stderr
    before = state_of(hermetic)
    monkeypatch.setenv(variable, "maybe")
    setting = variable.removeprefix("DRAFTMATE_").lower()
    result = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / example)])
    one_line_error(result, 2, f"{setting}: Input should be a valid boolean", f"(from {variable})")
    assert state_of(hermetic) == before


def test_a_bad_check_links_in_config_refuses_a_new_version_too(
    runner: CliRunner, hermetic: Path, tmp_path: Path
) -> None:
    first = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    assert first.exit_code == 0, first.stderr
    draft_id = json.loads(first.stdout)["id"]
    (hermetic / "config.toml").write_text('check_links = "maybe"\n', encoding="utf-8")  # DRAFTMATE_HOME holds both
    changed = tmp_path / "notes.md"
    changed.write_text((EXAMPLES / "release-notes.md").read_text() + "\nOne more line.\n", encoding="utf-8")
    before = state_of(hermetic)
    result = runner.invoke(app, ["draft", "--from-file", str(changed), "--version-of", draft_id])
    one_line_error(result, 2, "check_links: Input should be a valid boolean")
    assert state_of(hermetic) == before


def test_the_bad_input_rows_say_the_import_is_refused() -> None:
    rows = [line for line in DOC.read_text().splitlines() if line.startswith(("| `check_links` not", "| `check_pa"))]
    assert len(rows) == 2
    for row in rows:
        assert "`draft --from-file F`" in row and "| 2 |" in row and "stays off" not in row, row
