"""`verify --file` accepts only what an export can be: its keys and values, a regular file of bounded size.

The `export` block is the one part of the provenance not compared with the store, so it is held to exactly what
export writes; a device, a FIFO, an oversized or deeply nested file gets one line, not a hang or a traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_export import CODE, cli, final_import
from typer.testing import CliRunner

from draftmate.provenance.reading import MAX_EXPORT_BYTES

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "bad-input.md"
EXPORT_BLOCK = 'export:\n  format: "md"\n  disclosure_line: null\n'


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "out"
    where.mkdir()
    monkeypatch.chdir(where)
    return where


def md_export(runner: CliRunner, tmp_path: Path) -> Path:
    draft_id = final_import(runner, tmp_path)
    assert cli(runner, "export", draft_id[:8], "-o", "x.md").exit_code == 0
    path = Path("x.md")
    assert EXPORT_BLOCK in path.read_text()
    assert cli(runner, "verify", "--file", "x.md").exit_code == 0
    return path


def fails(runner: CliRunner, path: Path | str, words: str) -> None:
    result = cli(runner, "verify", "--file", str(path))
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "ok:" not in result.stdout and "Traceback" not in result.stderr
    assert words in result.stderr, result.stderr


def one_line(runner: CliRunner, path: Path | str, code: int, words: str) -> None:
    result = cli(runner, "verify", "--file", str(path))
    assert result.exit_code == code, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr, result.stderr


# ---- the export block -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "words"),
    [
        (EXPORT_BLOCK + '  approved_by: "Legal"\n', "provenance field export.approved_by is not one draftmate writes"),
        (EXPORT_BLOCK.replace('"md"', '"forged"'), "provenance field export.format is 'forged'"),
        (EXPORT_BLOCK.replace('"md"', '"code"'), "provenance field export.format is 'code'"),
        ("", "its provenance has no export block"),
        ('export:\n  format: "md"\n', "provenance field export.disclosure_line is missing"),
        (
            'export:\n  format: "md"\n  disclosure_line:\n    number: 1\n    text: "x"\n',
            "export.disclosure_line is set; a md export has none",
        ),
    ],
    ids=["added-key", "forged-format", "other-format", "no-block", "missing-key", "disclosure-in-md"],
)
def test_a_changed_export_block_fails_naming_the_key(
    runner: CliRunner, tmp_path: Path, out: Path, block: str, words: str
) -> None:
    path = md_export(runner, tmp_path)
    path.write_text(path.read_text().replace(EXPORT_BLOCK, block))
    fails(runner, path, words)


def test_an_added_top_level_key_is_named(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    path = md_export(runner, tmp_path)
    path.write_text(path.read_text().replace(EXPORT_BLOCK, EXPORT_BLOCK + 'approved_by: "Legal"\n'))
    fails(runner, path, "provenance field approved_by is not one draftmate writes")


def test_a_sidecar_claiming_another_format_or_key_fails(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path, CODE, "add.py")
    assert cli(runner, "export", draft_id[:8], "-o", "a.py").exit_code == 0
    sidecar = out / "a.py.provenance.json"
    good = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps(good | {"export": {"format": "md", "disclosure_line": None}}))
    fails(runner, "a.py", "provenance field export.format is 'md'; this file can only be code or txt")
    sidecar.write_text(json.dumps(good | {"export": good["export"] | {"signed_off": "Legal"}}))
    fails(runner, "a.py", "provenance field export.signed_off is not one draftmate writes")
    sidecar.write_text(json.dumps(good | {"export": good["export"] | {"disclosure_line": {"number": "x"}}}))
    fails(runner, "a.py", "export.disclosure_line is {'number': 'x'}; not what draftmate writes")


def test_a_json_export_with_an_added_key_fails(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    assert cli(runner, "export", draft_id[:8], "-f", "json", "-o", "x.json").exit_code == 0
    record = json.loads(Path("x.json").read_text())
    Path("x.json").write_text(json.dumps(record | {"approved_by": "Legal"}))
    fails(runner, "x.json", "the json record has a key draftmate does not write: 'approved_by'")


# ---- what is read -----------------------------------------------------------------------------------------


def test_a_device_or_fifo_is_refused_unread(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    one_line(runner, "/dev/zero", 2, "/dev/zero is a character device, not a regular file; give the exported file")
    os.mkfifo(out / "pipe")  # no writer: reading it would wait forever
    one_line(runner, out / "pipe", 2, "pipe is a FIFO (named pipe), not a regular file")


def test_a_file_over_the_limit_is_not_read_whole(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    huge = out / "huge.md"
    with huge.open("wb") as f:  # sparse: 8 GB on the file system, nothing on disk
        f.write(b"---\n")
        f.truncate(8 << 30)
    one_line(runner, huge, 2, f"huge.md is over {MAX_EXPORT_BYTES:,} bytes, larger than any draftmate export")


@pytest.mark.parametrize("where", ["sidecar", "json", "front-matter"])
def test_deep_nesting_is_one_line_not_a_recursion_error(
    runner: CliRunner, tmp_path: Path, out: Path, where: str
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    if where == "sidecar":
        Path("a.py").write_text(CODE)
        Path("a.py.provenance.json").write_text(deep)
        target = "a.py"
    elif where == "json":
        Path("x.json").write_text('{"content": "", "provenance": ' + deep + "}")
        target = "x.json"
    else:
        Path("x.md").write_text(f'---\ndraft_id: "abcd"\ntitle: {deep}\n---\nhello\n')
        target = "x.md"
    one_line(runner, target, 1, "nested")
    shallow = "[" * 40 + "]" * 40  # parses, but deeper than any export: refused before anything walks it
    Path("x.json").write_text('{"content": "", "provenance": {"draft_id": "abcd", "x": ' + shallow + "}}")
    one_line(runner, "x.json", 1, "nested more than 32 deep")


# ---- line endings -----------------------------------------------------------------------------------------


def test_a_crlf_markdown_export_verifies_with_a_note(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    path = md_export(runner, tmp_path)
    crlf = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(crlf)
    result = cli(runner, "verify", "--file", str(path))
    assert result.exit_code == 0, result.stderr
    assert "note: its line endings are CRLF" in result.stdout and "ok: x.md" in result.stdout
    path.write_bytes(crlf.replace(b"handles 42", b"handles 43"))
    fails(runner, path, "its content differs from version 1 as approved")


def test_the_table_lists_every_case() -> None:
    """docs/bad-input.md has a row for each case tested here."""
    table = DOC.read_text()
    for case in (
        "export block changed",
        "a device or FIFO given to `verify --file`",
        "over 64,000,000 bytes",
        "nested deeper than any export",
        "CRLF line endings",
    ):
        assert case in table, f"docs/bad-input.md has no row for {case!r}"
