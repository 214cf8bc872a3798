"""The seal made at approval carries the signature, so `export --all` signs nothing per sealed draft; after a key
rotation, or for a seal made unsigned, the line is signed as it is written, as `--format json` would sign it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_export import approve, cli, imported
from typer.testing import CliRunner

from draftmate.provenance import signing
from draftmate.services.exports import BulkReport, iter_final_lines, store_signer
from draftmate.store.sqlite import SQLiteStore


def lines(store: SQLiteStore) -> list[dict[str, object]]:
    report = BulkReport()
    out = list(iter_final_lines(store, report, tool_version="0.1.0", signer=store_signer()))
    assert report.sealed == report.written == len(out)
    return [json.loads(line) for line in out]


def fingerprint(record: dict[str, object]) -> str:
    return str(record["provenance"]["signature"]["key_fingerprint"])  # type: ignore[index]


def test_sealed_drafts_are_written_signed_without_signing_again(
    runner: CliRunner, tmp_path: Path, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        approve(runner, imported(runner, tmp_path, f"# Doc {i}\n\nText {i}.\n", f"d{i}.md"))

    def not_again(line: bytes, signer: signing.Signer) -> bytes:
        raise AssertionError("a sealed line was signed again")

    monkeypatch.setattr(signing, "signed_line", not_again)
    records = lines(store)
    assert {fingerprint(r) for r in records} == {store_signer().public.fingerprint}


def test_after_a_rotation_export_all_signs_with_the_new_key(
    runner: CliRunner, tmp_path: Path, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft_id = imported(runner, tmp_path, "# Doc\n\nText.\n", "d.md")
    approve(runner, draft_id)
    old = store_signer().public.fingerprint
    assert cli(runner, "key", "rotate").exit_code == 0
    [record] = lines(store)
    assert fingerprint(record) == store_signer().public.fingerprint != old
    monkeypatch.chdir(tmp_path)
    assert cli(runner, "export", draft_id[:8], "-f", "json", "-o", "one.json").exit_code == 0
    assert json.loads((tmp_path / "one.json").read_text()) == record  # one record, one signature


def test_an_approval_with_an_unusable_key_still_seals_and_export_signs_later(
    runner: CliRunner, tmp_path: Path, store: SQLiteStore, hermetic: Path
) -> None:
    assert cli(runner, "key", "show").exit_code == 0
    key = hermetic / signing.KEY_FILE
    key.chmod(0o644)
    approve(runner, imported(runner, tmp_path, "# Doc\n\nText.\n", "d.md"))  # the approval does not fail for it
    key.chmod(0o600)
    [record] = lines(store)
    assert fingerprint(record) == store_signer().public.fingerprint
