"""The private signing key stays in its file: not in the store, an export, a message, `--json` output or a cassette;
its file is private (0600); a key file readable by others, or not a key, is refused with one line."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, load_pem_private_key
from test_export import CODE, approve, cli, imported
from typer.testing import CliRunner

from draftmate.provenance import signing
from reliability_support import one_line_error

REPO = Path(__file__).resolve().parents[2]


def secret_forms(key_file: Path) -> list[bytes]:
    """Every form the private key could leak in: its raw 32 bytes, their hex and base64, the PEM and its body."""
    pem = key_file.read_bytes()
    key = load_pem_private_key(pem, password=None)
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    body = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
    return [raw, raw.hex().encode(), base64.b64encode(raw).rstrip(b"="), pem, body, b"PRIVATE KEY"]


def test_the_signing_key_reaches_no_store_export_output_or_cassette(
    runner: CliRunner, tmp_path: Path, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    outputs = []
    for name, text, args in (
        ("notes.md", "# Notes\n\nPlain words here.\n", []),
        ("add.py", CODE, ["--disclose"]),
        ("record.md", "# Record\n\nMore words.\n", ["-f", "json"]),
    ):
        draft_id = imported(runner, tmp_path, text, name)
        approve(runner, draft_id)
        done = cli(runner, "export", draft_id[:8], "-o", f"x-{name}", "--trailer", *args)
        assert done.exit_code == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    for args in (["export", "--all", "-o", "all.jsonl"], ["key", "show", "--all"], ["verify"], ["list", "--json"]):
        done = cli(runner, *args)
        assert done.exit_code == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    keys = out / ".draftmate" / "keys"
    keys.mkdir(parents=True)
    (keys / "me.pub").write_text(cli(runner, "key", "show").stdout)
    checked = cli(runner, "check", "--json", ".")
    assert json.loads(checked.stdout)["ok"] is True, checked.stdout + checked.stderr
    outputs.append(checked.stdout + checked.stderr)

    key_file = hermetic / signing.KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    forms = secret_forms(key_file)
    everything_else = [p for p in sorted(hermetic.rglob("*")) if p.is_file() and p != key_file]
    assert any(p.name == "draftmate.db" for p in everything_else)
    exported = [p for p in sorted(out.rglob("*")) if p.is_file()]
    assert len(exported) >= 5  # three exports, a sidecar, the JSON Lines, the public key
    cassettes = sorted((REPO / "cassettes").glob("*.yaml"))
    for path in [*everything_else, *exported, *cassettes]:
        data = path.read_bytes()
        for form in forms:
            assert form not in data, f"the signing key ({form[:6]!r}...) is in {path}"
    said = "\n".join(outputs).encode()
    for form in forms:
        assert form not in said
    assert repr(signing.signer(hermetic)).startswith("Signer(SHA256:")  # a traceback shows no key


def test_a_signing_key_readable_by_others_is_refused(runner: CliRunner, tmp_path: Path, hermetic: Path) -> None:
    draft_id = imported(runner, tmp_path, "# Notes\n\nPlain words here.\n", "notes.md")
    approve(runner, draft_id)
    assert cli(runner, "key", "show").exit_code == 0
    key_file = hermetic / signing.KEY_FILE
    before = key_file.read_bytes()
    os.chmod(key_file, 0o644)
    target = tmp_path / "notes-export.md"
    result = cli(runner, "export", draft_id[:8], "-o", str(target))
    one_line_error(result, 2, f"the signing key {key_file} is readable by others (mode 644); run: chmod 600")
    assert not target.exists() and key_file.read_bytes() == before
    one_line_error(cli(runner, "key", "show"), 2, "readable by others")


def test_a_signing_key_that_is_not_a_key_is_refused(runner: CliRunner, tmp_path: Path, hermetic: Path) -> None:
    draft_id = imported(runner, tmp_path, "# Notes\n\nPlain words here.\n", "notes.md")
    approve(runner, draft_id)
    key_file = hermetic / signing.KEY_FILE
    key_file.write_bytes(b"not a key\n")
    key_file.chmod(0o600)
    target = tmp_path / "notes-export.md"
    one_line_error(
        cli(runner, "export", draft_id[:8], "-o", str(target)),
        2,
        "is not an Ed25519 key draftmate wrote; move it aside and draftmate makes a new one",
    )
    assert not target.exists() and key_file.read_bytes() == b"not a key\n"
