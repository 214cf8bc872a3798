"""`draftmate check` in a real git repository: signed exports check out with no store; edits, hand-written
provenance, unknown keys and forged signatures do not; `--commit` reads a commit's trailers and blobs."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_export import CODE, TEXT, approve, cli, imported
from typer.testing import CliRunner

from draftmate.provenance import signing

GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(GIT is None, reason="needs git")


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=check, timeout=60)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty git repository as the current directory, with a committer."""
    monkeypatch.delenv("GIT_DIR", raising=False)  # the hermetic fixture points it nowhere
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Ann Editor")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "ann@example.org")
    where = tmp_path / "repo"
    where.mkdir()
    git(where, "init", "-q", "-b", "main")
    monkeypatch.chdir(where)
    return where


def export(runner: CliRunner, tmp_path: Path, name: str, *args: str, text: str = TEXT) -> str:
    """Import `text`, approve it, export it into the repository as `name`; the draft's ID."""
    draft_id = imported(runner, tmp_path, text, Path(name).name)
    approve(runner, draft_id)
    result = cli(runner, "export", draft_id[:8], "-o", name, *args)
    assert result.exit_code == 0, result.stderr
    return draft_id


def trust(runner: CliRunner, repo: Path, name: str = "ann") -> Path:
    """Commit this store's public key into the repository's .draftmate/keys/."""
    shown = cli(runner, "key", "show")
    assert shown.exit_code == 0, shown.stderr
    path = repo / ".draftmate" / "keys" / f"{name}.pub"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(shown.stdout)
    return path


def commit_all(repo: Path, message: str = "docs", *extra: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, *extra)


def checked(runner: CliRunner, *args: str) -> tuple[Any, dict[str, Any]]:
    result = cli(runner, "check", "--json", *args)
    return result, json.loads(result.stdout)


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {f["path"]: f["verdict"] for f in report["files"]}


@pytest.fixture
def exported(runner: CliRunner, tmp_path: Path, repo: Path) -> Path:
    """A repository holding a committed md, code (with --disclose) and json export and the key that signed them."""
    (repo / "docs").mkdir()
    (repo / "src").mkdir()
    (repo / "README.txt").write_text("no provenance here\n")
    export(runner, tmp_path, "docs/notes.md")
    export(runner, tmp_path, "src/add.py", "--disclose", text=CODE)
    export(runner, tmp_path, "docs/record.json", "-f", "json")
    trust(runner, repo)
    commit_all(repo)
    return repo


def test_a_committed_export_checks_out_with_no_store(runner: CliRunner, exported: Path, hermetic: Path) -> None:
    shutil.rmtree(hermetic)  # no store, no config: a CI machine
    result = cli(runner, "check")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    for path in ("docs/notes.md", "src/add.py", "docs/record.json"):
        assert any(line.startswith(f"ok: {path}: approved and unchanged") and "key ann" in line for line in lines)
    assert "README.txt" not in result.stdout
    assert lines[-1] == "3 with draftmate provenance (6 files looked at): 3 ok, 0 failed"
    _, report = checked(runner)
    assert report["ok"] is True and report["keys"] == 1
    assert verdicts(report) == {"docs/notes.md": "approved", "src/add.py": "approved", "docs/record.json": "approved"}
    assert not hermetic.exists()


def test_editing_one_byte_fails_naming_the_file_and_both_hashes(runner: CliRunner, exported: Path) -> None:
    path = exported / "docs" / "notes.md"
    data = path.read_bytes()
    approved = json.loads(cli(runner, "check", "--json").stdout)["files"][0]["approved_sha256"]
    path.write_bytes(data.replace(b"42 requests", b"43 requests"))
    result = cli(runner, "check")
    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("FAIL")]
    assert line.startswith("FAIL docs/notes.md: changed after approval: its content has sha256 ")
    import hashlib

    now = hashlib.sha256(path.read_bytes().partition(b"\n---\n")[2]).hexdigest()
    assert now in line and approved in line
    _, report = checked(runner, "docs/notes.md")
    assert report["ok"] is False and verdicts(report) == {"docs/notes.md": "changed"}
    # the sidecar's pair too: a code export edited, and the --disclose line removed
    code = exported / "src" / "add.py"
    code.write_text(code.read_text().replace("a + b", "a - b"))
    assert verdicts(checked(runner, "src/add.py")[1]) == {"src/add.py": "changed"}
    git(exported, "checkout", "src/add.py")
    lines = code.read_text().split("\n")
    code.write_text("\n".join(line for line in lines if "draftmate" not in line))
    result, report = checked(runner, "src/add.py.provenance.json")  # a sidecar stands for its file
    assert verdicts(report) == {"src/add.py": "changed"} and "disclosure" in report["files"][0]["reason"]


def test_hand_written_front_matter_without_a_signature_is_unsigned(runner: CliRunner, repo: Path) -> None:
    (repo / "fake.md").write_text(
        '---\nprovenance_version: 1\ndraft_id: "'
        + "ab" * 16
        + '"\ncontent_sha256: "'
        + "00" * 32
        + '"\nhuman_review:\n  reviewer: "Nobody"\n---\nWords.\n'
    )
    (repo / "jekyll.md").write_text("---\ntitle: not ours\n---\nText.\n")  # front matter, but not draftmate's
    sentence = "This code was drafted with AI assistance (gpt-4o, via draftmate) and reviewed and approved by Ann."
    (repo / "tool.py").write_text(f"# {sentence}\nprint('hi')\n")  # a --disclose line, its sidecar not there
    commit_all(repo)
    result = cli(runner, "check")
    assert result.exit_code == 1
    assert result.stderr.startswith("FAIL fake.md: provenance present but unsigned: its provenance carries no")
    assert "jekyll.md" not in result.stdout + result.stderr
    assert verdicts(checked(runner)[1]) == {"fake.md": "unsigned", "tool.py": "unsigned"}
    assert "FAIL tool.py: provenance present but unsigned: it has a draftmate disclosure line but no" in result.stderr


def test_an_old_export_without_a_signature_is_unsigned_here_and_still_verifies(
    runner: CliRunner, tmp_path: Path, repo: Path
) -> None:
    export(runner, tmp_path, "old.md")
    trust(runner, repo)
    path = repo / "old.md"
    text = path.read_text()
    head, _, body = text[4:].partition("\n---\n")
    kept = [
        line
        for line in head.split("\n")
        if not line.startswith(("signature:", "  algorithm:", "  key_fin", "  value:"))
    ]
    path.write_text("---\n" + "\n".join(kept) + "\n---\n" + body)
    assert "signature" not in path.read_text()
    verified = cli(runner, "verify", "--file", "old.md")
    assert verified.exit_code == 0, verified.stderr
    assert verdicts(checked(runner, "old.md")[1]) == {"old.md": "unsigned"}


def test_a_signature_by_an_unknown_key_is_refused(runner: CliRunner, exported: Path, tmp_path: Path) -> None:
    stranger = signing.signer(tmp_path / "stranger")  # another store's key, the only one the repository trusts
    (exported / ".draftmate" / "keys" / "ann.pub").write_text(stranger.public.openssh_line("bob") + "\n")
    result, report = checked(runner, "docs/notes.md")
    assert result.exit_code == 1
    [entry] = report["files"]
    assert entry["verdict"] == "unknown-key" and entry["key_fingerprint"].startswith("SHA256:")
    assert "is not in" in entry["reason"] and ".draftmate/keys" in entry["reason"]
    shutil.rmtree(exported / ".draftmate")
    plain = cli(runner, "check", "docs/notes.md")
    assert plain.exit_code == 1 and "signed by a key not in the keys directory" in plain.stderr
    assert "(there is none)" in plain.stderr


def test_a_forged_signature_is_refused(runner: CliRunner, exported: Path, tmp_path: Path) -> None:
    path = exported / "docs" / "notes.md"
    original = path.read_text()
    # the provenance edited (another reviewer named), the signature left as it was
    path.write_text(original.replace('reviewer: "Ann Editor"', 'reviewer: "Mallory"'))
    result = cli(runner, "check", "docs/notes.md")
    assert result.exit_code == 1
    assert "FAIL docs/notes.md: signature invalid: its signature does not match its provenance" in result.stderr
    # a signature made by another key, claiming the trusted key's fingerprint
    stranger = signing.signer(tmp_path / "stranger")
    head, _, body = original[4:].partition("\n---\n")
    from draftmate.provenance.front_matter import from_yaml, front_matter

    record = from_yaml(head)
    forged = stranger.signature(record)
    record["signature"]["value"] = forged["value"]
    path.write_text(front_matter(record) + body)
    assert verdicts(checked(runner, "docs/notes.md")[1]) == {"docs/notes.md": "signature-invalid"}
    # a signature field that is not draftmate's
    record["signature"]["value"] = base64.b64encode(b"x" * 10).decode()
    path.write_text(front_matter(record) + body)
    result, report = checked(runner, "docs/notes.md")
    assert verdicts(report) == {"docs/notes.md": "signature-invalid"} and "64-byte" in report["files"][0]["reason"]


def test_commit_reads_the_trailers_and_the_files_as_the_commit_has_them(
    runner: CliRunner, tmp_path: Path, repo: Path
) -> None:
    trust(runner, repo)
    commit_all(repo, "keys")
    draft_id = imported(runner, tmp_path, TEXT, "notes.md")
    approve(runner, draft_id)
    result = cli(runner, "export", draft_id[:8], "-o", "notes.md", "--trailer")
    assert result.exit_code == 0, result.stderr
    trailer = result.stdout.strip()
    assert trailer == "Assisted-by: draftmate:imported"
    commit_all(repo, "Add notes", "--trailer", trailer)
    assert git(repo, "log", "-1", "--format=%(trailers:key=Assisted-by,valueonly)").stdout.strip() == (
        "draftmate:imported"
    )
    ok = cli(runner, "check", "--commit", "HEAD")
    assert ok.exit_code == 0, ok.stderr
    assert ok.stdout.startswith("ok: notes.md: approved and unchanged")
    notes = repo / "notes.md"
    notes.write_text(notes.read_text().replace("42 requests", "43 requests"))  # the working tree is not checked
    assert cli(runner, "check", "--commit", "HEAD").exit_code == 0
    # a commit that claims draftmate but changes no export
    (repo / "other.txt").write_text("hand-written\n")
    git(repo, "add", "other.txt")
    git(repo, "commit", "-q", "-m", "Other", "--trailer", "Assisted-by: draftmate:gpt-4o")
    claimed = cli(runner, "check", "--commit", "HEAD")
    assert claimed.exit_code == 1
    assert "its trailer Assisted-by: draftmate:gpt-4o names draftmate, but none of the files" in claimed.stderr
    # the bad edit committed: the commit's own blob is judged
    git(repo, "add", "notes.md")
    git(repo, "commit", "-q", "-m", "Edit")
    edited = cli(runner, "check", "--commit", "HEAD")
    assert edited.exit_code == 1 and "FAIL notes.md: changed after approval" in edited.stderr


def test_export_trailer_is_one_git_understands(runner: CliRunner, tmp_path: Path, repo: Path) -> None:
    draft_id = imported(runner, tmp_path, TEXT, "notes.md")
    approve(runner, draft_id)
    trailer = cli(runner, "export", draft_id[:8], "-o", "notes.md", "--trailer").stdout.strip()
    message = f"Add notes\n\nBody text.\n\n{trailer}\n"
    parsed = subprocess.run(
        ["git", "interpret-trailers", "--parse"], input=message, capture_output=True, text=True, check=True
    )
    assert parsed.stdout == "Assisted-by: draftmate:imported\n"
    added = subprocess.run(
        ["git", "interpret-trailers", "--trailer", trailer],
        input="Add notes\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert added.stdout.endswith("\n\nAssisted-by: draftmate:imported\n")


def test_the_signing_key_is_private_and_rotation_keeps_old_exports_valid(
    runner: CliRunner, tmp_path: Path, repo: Path, hermetic: Path
) -> None:
    export(runner, tmp_path, "first.md")
    key = hermetic / signing.KEY_FILE
    assert key.stat().st_mode & 0o777 == 0o600
    old = trust(runner, repo, "ann-2026")
    rotated = cli(runner, "key", "rotate")
    assert rotated.exit_code == 0, rotated.stderr
    assert key.stat().st_mode & 0o777 == 0o600
    export(runner, tmp_path, "second.md")
    assert verdicts(checked(runner, ".")[1]) == {"first.md": "approved", "second.md": "unknown-key"}
    trust(runner, repo, "ann-2027")
    assert verdicts(checked(runner, ".")[1]) == {"first.md": "approved", "second.md": "approved"}
    shown = cli(runner, "key", "show", "--all")
    assert old.read_text().split()[1] in shown.stdout  # the retired public key, for old exports


def test_check_outside_a_repository_needs_paths(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    where = tmp_path / "plain"
    where.mkdir()
    monkeypatch.chdir(where)
    from reliability_support import one_line_error

    one_line_error(cli(runner, "check"), 2, "not inside a git repository; give the paths to check")
    (where / "a.txt").write_text("plain\n")
    result = cli(runner, "check", ".")
    assert result.exit_code == 0 and "no file carries draftmate provenance (1 file looked at)" in result.stdout
    assert os.listdir(where) == ["a.txt"]


def test_export_all_json_lines_check_record_by_record(runner: CliRunner, tmp_path: Path, repo: Path) -> None:
    for i in range(3):
        approve(runner, imported(runner, tmp_path, f"# Doc {i}\n\nText {i}.\n", f"d{i}.md"))
    assert cli(runner, "export", "--all", "-o", "all.jsonl").exit_code == 0
    trust(runner, repo)
    result = cli(runner, "check", "all.jsonl")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: all.jsonl: approved and unchanged (3 records (JSON Lines), key ann)")
    path = repo / "all.jsonl"
    path.write_text(path.read_text().replace("Text 1.", "Text 7."))
    failed = cli(runner, "check", "all.jsonl")
    assert failed.exit_code == 1
    assert "FAIL all.jsonl: changed after approval: record 2 of 3 (JSON Lines): its content has sha256" in failed.stderr


def test_check_from_a_subdirectory_checks_the_whole_repository(
    runner: CliRunner, exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(exported / "docs")
    result = cli(runner, "check")
    assert result.exit_code == 0, result.stderr
    assert "ok: ../src/add.py: approved and unchanged" in result.stdout and "ok: notes.md:" in result.stdout


def test_commit_with_spaces_in_names_and_deleted_files(runner: CliRunner, tmp_path: Path, repo: Path) -> None:
    (repo / "gone.md").write_text("to be deleted\n")
    trust(runner, repo)
    commit_all(repo, "start")
    export(runner, tmp_path, "my notes.md")
    export(runner, tmp_path, "a b.py", text=CODE)
    (repo / "gone.md").unlink()
    commit_all(repo, "exports")
    result, report = checked(runner, "--commit", "HEAD")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert verdicts(report) == {"a b.py": "approved", "my notes.md": "approved"}
    assert len(report["commit"]) == 40


@pytest.mark.parametrize("model", ["gpt-4o", "a: b", "x#y", "Qwen/Qwen2.5 7B", "naïve—model", "m\ttab", "line\nbreak"])
def test_the_trailer_parses_back_as_itself_for_any_model_name(model: str) -> None:
    from draftmate.provenance.record import trailer

    line = trailer({"generator": {"model": model}})  # type: ignore[typeddict-item]
    message = f"Subject\n\nBody.\n\n{line}\n"
    parsed = subprocess.run(
        ["git", "interpret-trailers", "--parse"], input=message, capture_output=True, text=True, check=True
    )
    assert parsed.stdout == line + "\n" and line.startswith("Assisted-by: draftmate:") and "\n" not in line
