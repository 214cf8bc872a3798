"""`verify --file` checks an export's signature with this machine's keys; an export without one still verifies."""

from __future__ import annotations

import base64
from pathlib import Path

from test_export import approve, cli, imported
from typer.testing import CliRunner

from draftmate.provenance.front_matter import from_yaml, front_matter


def exported(runner: CliRunner, tmp_path: Path) -> tuple[Path, dict[str, object], str]:
    draft_id = imported(runner, tmp_path, "# Notes\n\nPlain words here.\n", "notes.md")
    approve(runner, draft_id)
    path = tmp_path / "notes-export.md"
    assert cli(runner, "export", draft_id[:8], "-o", str(path)).exit_code == 0
    head, _, body = path.read_text()[4:].partition("\n---\n")
    return path, from_yaml(head), body


def test_a_changed_signature_fails_verify(runner: CliRunner, tmp_path: Path) -> None:
    path, record, body = exported(runner, tmp_path)
    assert cli(runner, "verify", "--file", str(path)).exit_code == 0
    record["signature"]["value"] = base64.b64encode(bytes(64)).decode()  # type: ignore[index]
    path.write_text(front_matter(record) + body)
    result = cli(runner, "verify", "--file", str(path))
    assert result.exit_code == 1
    assert "its signature does not match its provenance" in result.stderr


def test_an_export_without_a_signature_still_verifies_with_a_note(runner: CliRunner, tmp_path: Path) -> None:
    path, record, body = exported(runner, tmp_path)
    del record["signature"]
    path.write_text(front_matter(record) + body)
    result = cli(runner, "verify", "--file", str(path))
    assert result.exit_code == 0, result.stderr
    assert "note: it carries no signature (exported before draftmate signed exports)" in result.stdout
    assert "exactly as approved" in result.stdout


def test_an_export_signed_with_a_rotated_key_still_verifies(runner: CliRunner, tmp_path: Path) -> None:
    path, _, _ = exported(runner, tmp_path)
    assert cli(runner, "key", "rotate").exit_code == 0
    result = cli(runner, "verify", "--file", str(path))
    assert result.exit_code == 0, result.stderr
    assert "note:" not in result.stdout
