"""Text from a model or a file is shown literally: markup stays text, control sequences are made visible."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli import reviewing as cli
from draftmate.cli.commands import app

MARKUP = "[bold red]x[/bold red]"
CLEAR = "\x1b[2J"  # would wipe the screen
TITLE = "\x1b]0;title\x07"  # would set the terminal's title
HOSTILE = f"# Notes {MARKUP} {TITLE}\n\nStep one {CLEAR} then {MARKUP}.\n\n## More\n\nSee {TITLE} for 42 details.\n"


@pytest.fixture
def hostile(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> str:
    """A draft imported from a file full of markup and escape sequences; its ID."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)  # no colour codes of rich's own in the output either
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "hostile.md"
    path.write_text(HOSTILE)
    result = runner.invoke(app, ["draft", "--from-file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


def assert_literal(output: str) -> None:
    """Every hostile piece is there as visible text, and no raw ESC or BEL byte reached the output."""
    assert MARKUP in output
    assert "\\x1b[2J" in output
    assert "\\x1b]0;title\\x07" in output
    assert "\x1b" not in output
    assert "\x07" not in output


def test_show_renders_markup_and_escapes_literally(runner: CliRunner, hostile: str) -> None:
    result = runner.invoke(app, ["show", hostile[:8]])
    assert result.exit_code == 0, result.output
    assert_literal(result.stdout)
    assert f"Notes {MARKUP} \\x1b]0;title\\x07" in result.stdout  # the title line too


def test_review_renders_sections_notes_diffs_and_search_literally(
    runner: CliRunner, hostile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\nfrom pathlib import Path\np = Path(sys.argv[1])\n"
        "p.write_text(p.read_text() + 'added \\x1b[2J and [bold red]x[/bold red]\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    answers = ["p", "/bold red", "u [bold red]x[/bold red] \x1b]0;title\x07", "i", "", "e", "y", "w", "g 1", "q"]
    result = runner.invoke(app, ["review", hostile[:8], "--reviewer", "Ann"], input="".join(a + "\n" for a in answers))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert_literal(out)
    assert "section 1, line 3: Step one \\x1b[2J then [bold red]x[/bold red]." in out  # a search result
    assert "+added \\x1b[2J and [bold red]x[/bold red]" in out  # the diffs of e and w
    assert "reviewing " in out and f"Notes {MARKUP} \\x1b]0;title\\x07" in out  # the title


def test_notes_phase_renders_quotes_and_reasons_literally(
    runner: CliRunner, hostile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    add = ["note", hostile[:8], f"check {MARKUP} {CLEAR}", "--lines", "3-3", "--severity", "info"]
    assert runner.invoke(app, add).exit_code == 0
    result = runner.invoke(app, ["review", hostile[:8], "--reviewer", "Ann"], input="y\ny\n" + "v\n\n" * 3 + "q\n")
    assert result.exit_code == 0, result.output
    assert "notes: " in result.stdout and f"why: check {MARKUP} \\x1b[2J" in result.stdout
    assert_literal(result.stdout)


def test_bidi_overrides_and_zero_width_characters_are_made_visible() -> None:
    from draftmate.cli.render import visible

    trojan = 'access = "user\u202e \u2066// admin\u2069 \u2066"\u200b\ufeff'
    shown = visible(trojan)
    for char in "\u202e\u2066\u2069\u200b\ufeff":
        assert char not in shown
    assert "\\u202e" in shown and "\\u2066" in shown and "\\u200b" in shown
