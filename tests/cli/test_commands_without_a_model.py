"""The commands that need no model, through typer's runner: exit codes, output, and what gets stored."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate import __version__
from draftmate.cli.commands import app
from draftmate.domain.records import State
from draftmate.store.sqlite import SQLiteStore

RELEASE_NOTES = EXAMPLES / "release-notes.md"


def run(runner: CliRunner, *args: str, input: str | bytes | None = None, code: int = 0) -> Any:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == code, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert "Traceback" not in result.output
    return result


def imported(runner: CliRunner, path: Path = RELEASE_NOTES, *extra: str) -> dict[str, Any]:
    """Import a file with --json and return the stored record."""
    return json.loads(run(runner, "draft", "--from-file", str(path), "--json", *extra).stdout)


def drafts_in(home: Path) -> int:
    db = home / "draftmate.db"
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    count = conn.execute("SELECT COUNT(*) FROM drafts").fetchone()[0]
    conn.close()
    return int(count)


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_version_and_help(runner: CliRunner) -> None:
    assert run(runner, "--version").stdout.strip() == f"draftmate {__version__}"
    out = run(runner, "--help").stdout
    for command in ("draft", "list", "show", "note", "review", "verify", "config"):
        assert command in out


# ---- draft --from-file -----------------------------------------------------------------------------


def test_import_stores_a_draft_with_notes(runner: CliRunner, hermetic: Path) -> None:
    record = imported(runner)
    assert record["status"] == "draft" and record["kind"] == "text" and record["lang"] == "markdown"
    assert record["versions"][0]["content"] == RELEASE_NOTES.read_text()
    assert record["versions"][0]["origin"] == "imported"
    assert len(record["notes"]) >= 3  # the figures, dates, URL and quote in the release notes
    assert drafts_in(hermetic) == 1


def test_import_human_output_names_the_draft(runner: CliRunner) -> None:
    out = run(runner, "draft", "--from-file", str(RELEASE_NOTES)).stdout
    assert "stored draft" in out and "draftmate review" in out


def test_kind_and_lang_are_guessed_and_overridable(runner: CliRunner) -> None:
    code = imported(runner, EXAMPLES / "slugify.py")
    assert (code["kind"], code["lang"]) == ("code", "python")
    forced = imported(runner, EXAMPLES / "slugify.py", "--kind", "text")
    assert (forced["kind"], forced["lang"]) == ("text", "")
    lang = imported(runner, RELEASE_NOTES, "--kind", "code", "--lang", "Rust")
    assert (lang["kind"], lang["lang"]) == ("code", "rust")


def test_bad_kind_is_refused(runner: CliRunner, hermetic: Path) -> None:
    result = run(runner, "draft", "--from-file", str(RELEASE_NOTES), "--kind", "poem", code=2)
    assert "--kind" in one_error_line(result.stderr)
    assert drafts_in(hermetic) == 0


def test_import_from_stdin(runner: CliRunner) -> None:
    record = json.loads(run(runner, "draft", "--from-file", "-", "--json", input="# From stdin\n\nHello.\n").stdout)
    assert record["title"] == "From stdin"
    assert record["versions"][0]["content"] == "# From stdin\n\nHello.\n"


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("empty.md", b"", "empty"),
        ("blank.md", b"  \n\n\t\n", "empty"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("latin1.md", "caf\xe9 cr\xe8me\n".encode("latin-1"), "UTF-8"),
        ("missing.md", None, "no file"),
        ("a-directory", "dir", "directory"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_stores_nothing(
    runner: CliRunner, hermetic: Path, tmp_path: Path, name: str, data: bytes | str | None, says: str
) -> None:
    path = tmp_path / name
    if data == "dir":
        path.mkdir()
    elif isinstance(data, bytes):
        path.write_bytes(data)
    result = run(runner, "draft", "--from-file", str(path), code=2)
    assert says in one_error_line(result.stderr)
    assert result.stdout == ""
    assert drafts_in(hermetic) == 0


@pytest.mark.parametrize(("data", "says"), [(b"", "empty"), (b"\x00\x01\x02", "binary"), (b"\xff\xfe\xfa", "UTF-8")])
def test_bad_stdin_is_refused(runner: CliRunner, hermetic: Path, data: bytes, says: str) -> None:
    result = run(runner, "draft", "--from-file", "-", input=data, code=2)
    assert says in one_error_line(result.stderr)
    assert drafts_in(hermetic) == 0


def test_utf8_bom_and_crlf_are_normalised(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes("\ufeffline one\r\nline two\r\n".encode())
    record = imported(runner, path)
    assert record["versions"][0]["content"] == "line one\nline two\n"


# ---- list -----------------------------------------------------------------------------------------------


def test_list_newest_first_human_and_json(runner: CliRunner, tmp_path: Path) -> None:
    ids = []
    for i in range(3):
        path = tmp_path / f"d{i}.md"
        path.write_text(f"# Draft number {i}\n\nword{i} shared\n")
        ids.append(imported(runner, path)["id"])
    listed = json.loads(run(runner, "list", "--json").stdout)
    assert [d["id"] for d in listed] == ids[::-1]
    assert set(listed[0]) >= {"id", "title", "kind", "status", "created_at", "current_version"}
    human = run(runner, "list").stdout
    assert human.index(ids[2][:8]) < human.index(ids[1][:8]) < human.index(ids[0][:8])
    assert "Draft number 2" in human


def test_list_status_search_and_pages(runner: CliRunner, tmp_path: Path) -> None:
    ids = []
    for i in range(5):
        path = tmp_path / f"d{i}.md"
        path.write_text(f"# Draft {i}\n\n{'apple' if i % 2 else 'pear'} number{i}\n")
        ids.append(imported(runner, path)["id"])
    run(runner, "review", ids[1][:8], "--decision", "changes", "--reviewer", "Ada", "--reason", "shorter")

    def listed(*args: str) -> list[str]:
        return [d["id"] for d in json.loads(run(runner, "list", "--json", *args).stdout)]

    assert listed("--status", "changes") == [ids[1]]
    assert listed("--status", "draft") == [ids[4], ids[3], ids[2], ids[0]]
    assert listed("--search", "apple") == [ids[3], ids[1]]
    assert listed("--search", "apple", "--status", "draft") == [ids[3]]
    assert listed("--search", 'apple "number3"') == [ids[3]]
    assert listed("--search", "AND") == []
    assert listed("-n", "2") == [ids[4], ids[3]]
    assert listed("-n", "2", "--page", "2") == [ids[2], ids[1]]
    assert listed("--limit", "2", "--page", "3") == [ids[0]]
    assert listed("-n", "2", "--page", "4") == []


def test_list_refuses_an_unknown_status(runner: CliRunner) -> None:
    result = run(runner, "list", "--status", "done", code=2)
    assert "in_review" in one_error_line(result.stderr)


def test_list_of_an_empty_store(runner: CliRunner) -> None:
    assert json.loads(run(runner, "list", "--json").stdout) == []
    run(runner, "list")


# ---- show -------------------------------------------------------------------------------------------


def test_show_json_has_the_documented_keys(runner: CliRunner) -> None:
    draft_id = imported(runner)["id"]
    record = json.loads(run(runner, "show", draft_id[:8], "--json").stdout)
    assert {"id", "status", "kind", "versions", "notes", "confidence", "reviews"} <= set(record)
    assert record["id"] == draft_id
    assert set(record["confidence"]) >= {"level", "risk"}
    assert record["confidence"]["level"] in ("low", "medium", "high", "unknown")
    note = record["notes"][0]
    assert {"id", "kind", "severity", "lines", "quote", "why", "risk", "signals", "resolution"} <= set(note)
    assert note["resolution"] is None
    assert record["reviews"] == []


def test_show_human_shows_content_and_notes(runner: CliRunner) -> None:
    draft_id = imported(runner)["id"]
    out = run(runner, "show", draft_id[:6]).stdout
    assert "Release notes: draftmate-sync 2.4" in out
    assert "500 records" in out


def test_show_errors(runner: CliRunner) -> None:
    imported(runner)
    assert "not a draft ID" in one_error_line(run(runner, "show", "xyz", code=2).stderr)
    assert "no draft" in one_error_line(run(runner, "show", "00000000", code=1).stderr)


def test_show_ambiguous_prefix(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from draftmate.store import rows as store_module

    original = store_module.new_id
    for first in ("1234aaaa" + "0" * 24, "1234bbbb" + "0" * 24):  # each draft's ID is the first one made
        ids = iter([first])
        monkeypatch.setattr(store_module, "new_id", lambda ids=ids: next(ids, None) or original())
        imported(runner)
    line = one_error_line(run(runner, "show", "1234", code=2).stderr)
    assert "ambiguous" in line and "1234aaaa" in line and "1234bbbb" in line


# ---- note -------------------------------------------------------------------------------------------


def test_note_adds_a_human_note_with_its_quote(runner: CliRunner) -> None:
    draft_id = imported(runner)["id"]
    before = len(imported_notes(runner, draft_id))
    out = run(runner, "note", draft_id[:8], "Is 38% right?", "--severity", "blocking", "--lines", "5-6").stdout
    assert "added note" in out and "(blocking)" in out
    notes = imported_notes(runner, draft_id)
    assert len(notes) == before + 1
    added = notes[-1]
    assert (added["kind"], added["severity"], added["lines"], added["why"]) == (
        "human",
        "blocking",
        [5, 6],
        "Is 38% right?",
    )
    assert "38%" in added["quote"]


def imported_notes(runner: CliRunner, draft_id: str) -> list[dict[str, Any]]:
    return list(json.loads(run(runner, "show", draft_id, "--json").stdout)["notes"])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--severity", "urgent"], "--severity"),
        (["--lines", "7-3"], "--lines"),
        (["--lines", "a-b"], "--lines"),
        (["--lines", "0-2"], "--lines"),
        (["--lines", "1-999"], "outside the draft"),
    ],
)
def test_note_validation(runner: CliRunner, args: list[str], says: str) -> None:
    draft_id = imported(runner)["id"]
    before = len(imported_notes(runner, draft_id))
    result = run(runner, "note", draft_id[:8], "text", *args, code=2)
    assert says in one_error_line(result.stderr)
    assert len(imported_notes(runner, draft_id)) == before


def test_empty_note_is_refused(runner: CliRunner) -> None:
    draft_id = imported(runner)["id"]
    assert "empty" in one_error_line(run(runner, "note", draft_id[:8], "   ", code=2).stderr)


# ---- review without a terminal, and verify --------------------------------------------------------------


def audit_count(home: Path) -> int:
    s = SQLiteStore(home / "draftmate.db")
    count = sum(1 for _ in s.iter_audit())
    s.close()
    return count


def test_approval_is_refused_while_notes_are_open_and_writes_nothing(runner: CliRunner, hermetic: Path) -> None:
    record = imported(runner)
    draft_id = record["id"]
    events = audit_count(hermetic)
    result = run(runner, "review", draft_id[:8], "--decision", "approve", "--reviewer", "Ada", code=3)
    assert "cannot approve" in result.stderr and "unresolved" in result.stderr
    after = json.loads(run(runner, "show", draft_id, "--json").stdout)
    assert after["status"] == "draft"
    assert after["reviews"] == []
    assert all(n["resolution"] is None for n in after["notes"])
    assert audit_count(hermetic) == events

    # resolving only some notes is refused as well
    first = str(record["notes"][0]["number"])
    run(
        runner,
        "review",
        draft_id[:8],
        "--decision",
        "approve",
        "--reviewer",
        "Ada",
        "--resolve",
        f"{first}=verified",
        code=3,
    )
    assert json.loads(run(runner, "show", draft_id, "--json").stdout)["status"] == "draft"

    resolves = [arg for n in record["notes"] for arg in ("--resolve", f"{n['number']}=verified:checked")]
    out = run(runner, "review", draft_id[:8], "--decision", "approve", "--reviewer", "Ada", *resolves).stdout
    assert "final" in out
    final = json.loads(run(runner, "show", draft_id, "--json").stdout)
    assert final["status"] == State.FINAL.value
    assert final["approved_sha256"] == final["versions"][-1]["sha256"]
    assert all(n["resolution"]["status"] == "verified" and n["resolution"]["by"] == "Ada" for n in final["notes"])
    assert final["reviews"][-1]["reviewer"] == "Ada" and final["reviews"][-1]["status"] == "approved"
    assert "intact" in run(runner, "verify").stdout
    # once final, a second approval is illegal
    again = run(runner, "review", draft_id[:8], "--decision", "approve", "--reviewer", "Ada", code=3)
    assert "final" in again.stderr


def test_blocking_note_dismissed_needs_a_comment(runner: CliRunner) -> None:
    path = EXAMPLES / "slugify.py"
    record = imported(runner, path)
    draft_id = record["id"]
    run(runner, "note", draft_id[:8], "unsure about unicode", "--severity", "blocking")
    numbers = [n["number"] for n in imported_notes(runner, draft_id)]
    bare = [arg for n in numbers for arg in ("--resolve", f"{n}=dismissed")]
    result = run(runner, "review", draft_id[:8], "--decision", "approve", "--reviewer", "Ada", *bare, code=2)
    assert "blocking" in result.stderr
    explained = [arg for n in numbers for arg in ("--resolve", f"{n}=dismissed:not applicable here")]
    run(runner, "review", draft_id[:8], "--decision", "approve", "--reviewer", "Ada", *explained)
    assert json.loads(run(runner, "show", draft_id, "--json").stdout)["status"] == "final"


def test_review_needs_a_reviewer(runner: CliRunner, hermetic: Path) -> None:
    draft_id = imported(runner)["id"]
    result = run(runner, "review", draft_id[:8], "--decision", "approve", code=2)
    assert "reviewer" in one_error_line(result.stderr)


def test_bad_resolve_spec(runner: CliRunner) -> None:
    draft_id = imported(runner)["id"]
    result = run(
        runner, "review", draft_id[:8], "--decision", "approve", "--reviewer", "A", "--resolve", "1=maybe", code=2
    )
    assert "--resolve" in one_error_line(result.stderr)


def test_verify_on_an_empty_and_a_used_store(runner: CliRunner) -> None:
    assert "intact" in run(runner, "verify").stdout
    draft_id = imported(runner)["id"]
    run(runner, "note", draft_id[:8], "a note")
    assert "intact" in run(runner, "verify").stdout
    assert "intact" in run(runner, "verify", draft_id[:8]).stdout
