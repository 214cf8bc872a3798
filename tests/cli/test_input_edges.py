"""Inputs at the edges: huge page numbers, UTF-16 files, a DRAFTMATE_HOME that is a file, contradictory --resolve."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from reliability_support import REPO, one_line_error

DOC = REPO / "docs" / "bad-input.md"
TEXT = "# Plan\n\nShips on 3 March 2025 to 40 sites.\n"


@pytest.fixture
def imported(runner: CliRunner, tmp_path: Path) -> dict[str, Any]:
    """A draft with two notes, as `draft --json` prints it."""
    source = tmp_path / "plan.md"
    source.write_text(TEXT)
    result = runner.invoke(app, ["draft", "--from-file", str(source), "--json"])
    assert result.exit_code == 0, result.output
    record: dict[str, Any] = json.loads(result.stdout)
    assert len(record["notes"]) >= 2
    return record


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--page", "100000000000000000000"], "--page 100000000000000000000: use a page number from 1 to 1,000,000"),
        (["--page", "1000001"], "use a page number from 1 to 1,000,000"),
        (["-n", "100000000000000000000"], "show at most 1,000,000 drafts a page"),
        (["-n", "1000000", "--page", "1000000", "--search", "sites"], None),
    ],
)
def test_page_numbers_and_sizes_are_bounded(
    runner: CliRunner, imported: dict[str, Any], args: list[str], fragment: str | None
) -> None:
    result = runner.invoke(app, ["list", *args])
    if fragment is None:  # the largest allowed still works
        assert result.exit_code == 0 and "no drafts match" in result.stdout, result.output
    else:
        one_line_error(result, 2, fragment)


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE"), ("utf-32", "UTF-32")],
)
def test_utf16_text_is_named_with_the_conversion(
    runner: CliRunner, hermetic: Path, tmp_path: Path, encoding: str, named: str
) -> None:
    source = tmp_path / "wide.md"
    source.write_bytes(TEXT.encode(encoding))
    for args in (["draft", "--from-file", str(source)], ["draft", "a summary", "--context", str(source)]):
        one_line_error(
            runner.invoke(app, args), 2, f"{source} is {named} text, not UTF-8", f"iconv -f {named.lower()} -t utf-8"
        )
    piped = runner.invoke(app, ["draft", "--from-file", "-"], input=TEXT.encode("utf-16"))
    one_line_error(piped, 2, "standard input is UTF-16 text", "iconv -f utf-16 -t utf-8")
    assert not (hermetic / "draftmate.db").exists() or "no drafts yet" in runner.invoke(app, ["list"]).stdout


def test_a_binary_file_is_still_binary(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "blob.bin"
    source.write_bytes(bytes(range(256)) * 4)
    one_line_error(runner.invoke(app, ["draft", "--from-file", str(source)]), 2, "looks like a binary file")


def test_a_draftmate_home_that_is_a_file(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home-file"
    home.write_text("not a directory")
    monkeypatch.setenv("DRAFTMATE_HOME", str(home))
    for args in (["list"], ["config", "show"], ["config", "set", "model", "x"], ["show", "abcd"]):
        one_line_error(
            runner.invoke(app, args), 2, f"DRAFTMATE_HOME {home} is a file, not a directory", "set DRAFTMATE_HOME"
        )
    assert home.read_text() == "not a directory"


def test_a_contradictory_resolve_is_refused_naming_the_note(
    runner: CliRunner, hermetic: Path, imported: dict[str, Any]
) -> None:
    short = imported["id"][:8]
    first, second = (n["number"] for n in imported["notes"][:2])
    rest = [f"--resolve={n['number']}=verified" for n in imported["notes"][1:]]
    approve = ["review", short, "--decision", "approve", "--reviewer", "Ada"]
    for twice in ([f"--resolve={first}=dismissed:moot"], [f"--resolve=#{first}=verified:other comment"]):
        result = runner.invoke(app, [*approve, f"--resolve={first}=verified", *twice, *rest])
        one_line_error(result, 2, f"note {first} is resolved twice, differently", "give one --resolve")
        shown = json.loads(runner.invoke(app, ["show", short, "--json"]).stdout)
        assert shown["status"] == "draft" and all(n["resolution"] is None for n in shown["notes"])
    # an identical repeat, even spelled another way, is the same answer: accepted
    result = runner.invoke(app, [*approve, f"--resolve={first}=verified", f"--resolve=#{first}=verified", *rest])
    assert result.exit_code == 0, result.output
    assert second != first


def test_the_table_lists_the_edge_cases() -> None:
    """docs/bad-input.md has a row for each case tested here."""
    table = DOC.read_text()
    cases = ("--page 100000000000000000000", "UTF-16 text", "`DRAFTMATE_HOME` that is a regular file")
    for case in (*cases, "contradictory `--resolve`"):
        assert case in table, f"docs/bad-input.md has no row for {case!r}"
