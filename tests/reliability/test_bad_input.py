"""Bad input: each case gets a one-line error naming the fix, the documented exit code, and loses nothing.

docs/bad-input.md lists the same cases with their messages; `test_the_table_lists_every_case` keeps the two together.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.store import rows as store_module  # new_id: the one ID maker the store calls
from reliability_support import REPO, clean_env, one_line_error, store_problems

BIG = 10 * 1024 * 1024
DOC = REPO / "docs" / "bad-input.md"


def state_of(home: Path) -> dict[str, Any]:
    """What must not change when a command fails: row counts, the audit head, the file's bytes."""
    db = home / "draftmate.db"
    if not db.exists():
        return {}
    conn = sqlite3.connect(db)
    try:
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("drafts", "notes", "audit")}
        head = conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return {**counts, "head": head[0] if head else None}


def sha(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def seeded(runner: CliRunner, hermetic: Path, tmp_path: Path) -> str:
    """A store with one draft in it; returns the draft's ID."""
    source = tmp_path / "seed.md"
    source.write_text("# Seed\n\nShips on 3 March 2025 to 40 sites.\n")
    result = runner.invoke(app, ["draft", "--from-file", str(source), "--json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


# ---- inputs to `draft` ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "stdin", "code", "fragment"),
    [
        (["draft", ""], None, 2, "say what to draft"),
        (["draft", "   "], None, 2, "say what to draft"),
        (["draft", "-"], "", 2, "standard input is empty"),
        (["draft", "-"], "x" * BIG, 2, "standard input is over the limit of 2,000,000 bytes"),
        (["draft", "--from-file", "-"], "\n\n  \n", 2, "standard input is empty"),
    ],
    ids=["empty-spec", "blank-spec", "empty-stdin", "10MB-stdin", "blank-import-stdin"],
)
def test_empty_and_huge_specs(
    runner: CliRunner, seeded: str, hermetic: Path, args: list[str], stdin: str | None, code: int, fragment: str
) -> None:
    before = state_of(hermetic)
    one_line_error(runner.invoke(app, args, input=stdin), code, fragment)
    assert state_of(hermetic) == before


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "is empty; give it some text"),
        (b"a" * BIG, "is over the limit of 2,000,000 bytes; split it up"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "looks like a binary file"),
        ("café au lait\n".encode("latin-1"), "is not valid UTF-8 (byte 3)"),
    ],
    ids=["empty", "10MB", "binary", "latin-1"],
)
@pytest.mark.parametrize("role", ["draft", "context", "model-context"])
def test_bad_files_as_draft_or_context(
    runner: CliRunner, seeded: str, hermetic: Path, tmp_path: Path, content: bytes, fragment: str, role: str
) -> None:
    bad = tmp_path / "input.md"
    bad.write_bytes(content)
    good = tmp_path / "good.md"
    good.write_text("# Fine\n\ntext\n")
    args = {
        "draft": ["draft", "--from-file", str(bad)],
        "context": ["draft", "--from-file", str(good), "--context", str(bad)],
        "model-context": ["draft", "write a summary", "--context", str(bad)],
    }[role]
    before = state_of(hermetic)
    one_line_error(runner.invoke(app, args), 2, str(bad) if role != "draft" else "input.md", fragment)
    assert state_of(hermetic) == before
    assert bad.read_bytes() == content


def test_missing_file_and_directory(runner: CliRunner, seeded: str, hermetic: Path, tmp_path: Path) -> None:
    before = state_of(hermetic)
    one_line_error(runner.invoke(app, ["draft", "--from-file", str(tmp_path / "nope.md")]), 2, "no file", "nope.md")
    one_line_error(runner.invoke(app, ["draft", "--from-file", str(tmp_path)]), 2, "is a directory; give a file")
    assert state_of(hermetic) == before


# ---- IDs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["show"],
        ["note", "{id}", "text"],
        ["review", "{id}", "--decision", "approve", "--reviewer", "R"],
        ["export", "{id}"],
        ["verify", "{id}"],
    ],
    ids=["show", "note", "review", "export", "verify"],
)
def test_unknown_and_malformed_ids(runner: CliRunner, seeded: str, hermetic: Path, command: list[str]) -> None:
    before = state_of(hermetic)
    unknown = "0000ffff" if not seeded.startswith("0000ffff") else "ffff0000"
    for ref, code, fragment in ((unknown, 1, f"no draft {unknown!r}"), ("zz", 2, "is not a draft ID")):
        args = [part.replace("{id}", ref) for part in command] + ([ref] if command == ["show"] else [])
        one_line_error(runner.invoke(app, args), code, fragment)
    assert state_of(hermetic) == before


def test_ambiguous_id(runner: CliRunner, hermetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = iter(["abcd1111" + "0" * 24, "abcd2222" + "0" * 24])
    original = store_module.new_id
    monkeypatch.setattr(store_module, "new_id", lambda: next(ids, None) or original())
    source = tmp_path / "a.md"
    source.write_text("# A\n\ntext\n")
    for _ in range(2):
        assert runner.invoke(app, ["draft", "--from-file", str(source)]).exit_code == 0
    before = state_of(hermetic)
    line = one_line_error(runner.invoke(app, ["show", "abcd"]), 2, "is ambiguous", "abcd1111", "abcd2222")
    assert "type more digits" in line
    one_line_error(
        runner.invoke(app, ["review", "abcd", "--decision", "approve", "--reviewer", "R"]), 2, "is ambiguous"
    )
    assert runner.invoke(app, ["show", "abcd2"]).exit_code == 0
    assert state_of(hermetic) == before


# ---- the database file ----------------------------------------------------------------------------------


def _damaged(home: Path, how: str) -> None:
    """Put a damaged or foreign database where the store lives."""
    home.mkdir(parents=True, exist_ok=True)
    db = home / "draftmate.db"
    if how == "random":
        db.write_bytes(os.urandom(64 * 1024))
    elif how == "text":
        db.write_text("this is my shopping list\n")
    elif how == "foreign":
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE customers (name TEXT)")
        conn.execute("INSERT INTO customers VALUES ('Ada')")
        conn.commit()
        conn.close()
    elif how == "truncated":
        db.unlink(missing_ok=True)
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        conn.execute("CREATE TABLE filler (x BLOB)")
        conn.executemany("INSERT INTO filler VALUES (?)", [(os.urandom(3000),) for _ in range(40)])
        conn.commit()
        conn.close()
        with db.open("r+b") as f:
            f.truncate(db.stat().st_size // 3)


@pytest.mark.parametrize(
    ("how", "fragment"),
    [
        ("random", "is not a readable draftmate database (file is not a database); move it aside"),
        ("text", "is not a readable draftmate database (file is not a database); move it aside"),
        ("foreign", "is a database draftmate did not create; move it aside or set DRAFTMATE_HOME"),
        ("truncated", "database disk image is malformed"),
    ],
)
@pytest.mark.parametrize("command", [["list"], ["draft", "--from-file", "{src}"], ["verify"], ["show", "abcd"]])
def test_corrupted_or_foreign_database(
    runner: CliRunner, hermetic: Path, tmp_path: Path, how: str, fragment: str, command: list[str]
) -> None:
    _damaged(hermetic, how)
    db = hermetic / "draftmate.db"
    before = sha(db)
    source = tmp_path / "s.md"
    source.write_text("# S\n\nbody\n")
    args = [part.replace("{src}", str(source)) for part in command]
    one_line_error(runner.invoke(app, args), 1, fragment)
    assert sha(db) == before, "draftmate changed a file it could not read"
    assert sorted(p.name for p in hermetic.iterdir()) == ["draftmate.db"]


def test_a_page_damaged_deep_inside_a_good_store(runner: CliRunner, hermetic: Path, tmp_path: Path) -> None:
    """The header reads fine, so the damage shows mid-query: still one line and exit 1, never a traceback."""
    rng = random.Random(7)
    source = tmp_path / "pad.md"
    marker, first = "", ""
    for n in range(30):
        body = rng.randbytes(3000).hex()
        marker = marker or body[:64]
        source.write_text(f"# Pad {n}\n\n{body}\n")
        result = runner.invoke(app, ["draft", "--from-file", str(source), "--json"])
        assert result.exit_code == 0
        first = first or json.loads(result.stdout)["id"]
    gc.collect()  # close the connections the in-process commands left, so the checkpoint moves everything
    db = hermetic / "draftmate.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = db.read_bytes()
    page = 4096 * (data.index(marker.encode()) // 4096)  # the page holding the first draft's text
    with db.open("r+b") as f:
        f.seek(page)
        f.write(rng.randbytes(4096))
    for args in (["verify"], ["show", first[:8]]):
        line = one_line_error(runner.invoke(app, args), 1)
        assert "damaged" in line or "not a readable draftmate database" in line, line


# ---- read-only data directory ---------------------------------------------------------------------------


def _read_only(target: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`draftmate ARGS` in a private mount namespace where `target` is a read-only bind mount.

    We run as root here, and root ignores permission bits, so a chmod would test nothing; a read-only mount
    refuses writes to everyone, root included. The namespace keeps the mount away from the rest of the machine.
    """
    command = [sys.executable, "-m", "draftmate", *args]
    script = (
        f"mount --make-rprivate / && mount --bind '{target}' '{target}' && "
        f"mount -o remount,ro,bind '{target}' '{target}' && exec \"$@\""
    )
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", *command],
        env=clean_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs none /mnt"], capture_output=True)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(
    not _can_mount(), reason="needs root and `unshare -m` to make a read-only bind mount (chmod does not bind root)"
)


class Completed:
    """A subprocess result shaped like CliRunner's, for one_line_error."""

    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.exit_code, self.stdout, self.stderr = done.returncode, done.stdout, done.stderr


def _copy_store(home: Path, to: Path) -> None:
    """A closed copy of the store, with no -wal/-shm files beside it (SQLite's backup, not a file copy)."""
    to.mkdir()
    source, target = sqlite3.connect(home / "draftmate.db"), sqlite3.connect(to / "draftmate.db")
    source.backup(target)
    target.execute("PRAGMA journal_mode = WAL")
    source.close()
    target.close()
    assert sorted(p.name for p in to.iterdir()) == ["draftmate.db"]


@needs_mount
def test_read_only_data_directory(runner: CliRunner, seeded: str, hermetic: Path, tmp_path: Path) -> None:
    """A read-only directory: every command says so in one line (exit 1); the store is untouched."""
    source = tmp_path / "s.md"
    source.write_text("# S\n\nbody\n")
    home = tmp_path / "copy"
    _copy_store(hermetic, home)
    before, digest = state_of(home), sha(home / "draftmate.db")
    for args in (["list"], ["show", seeded[:8]], ["draft", "--from-file", str(source)], ["verify"]):
        done = Completed(_read_only(home, home, *args))
        one_line_error(done, 1, "its directory is read-only", "set DRAFTMATE_HOME")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    one_line_error(Completed(_read_only(fresh, fresh / "home", "list")), 1, "Read-only file system")
    assert state_of(home) == before and sha(home / "draftmate.db") == digest
    assert sorted(p.name for p in home.iterdir()) == ["draftmate.db"] and list(fresh.iterdir()) == []


@needs_mount
def test_read_only_database_file(runner: CliRunner, seeded: str, hermetic: Path, tmp_path: Path) -> None:
    """Only the file read-only (the directory writable): reading works, a write fails in one line, exit 1."""
    db = hermetic / "draftmate.db"
    listed = _read_only(db, hermetic, "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout)[0]["id"] == seeded
    source = tmp_path / "s.md"
    source.write_text("# S\n\nbody\n")
    before = state_of(hermetic)
    for args in (["draft", "--from-file", str(source)], ["note", seeded[:8], "check this"]):
        one_line_error(Completed(_read_only(db, hermetic, *args)), 1, "the store is read-only", "writable")
    assert state_of(hermetic) == before and store_problems(db) == []


def test_data_directory_path_is_a_file(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    monkeypatch.setenv("DRAFTMATE_HOME", str(blocker / "home"))
    one_line_error(runner.invoke(app, ["list"]), 1, "cannot open the store", "Not a directory", "DRAFTMATE_HOME")
    assert blocker.read_text() == "a file, not a directory"


# ---- export targets ---------------------------------------------------------------------------------------


@pytest.fixture
def final_id(runner: CliRunner, seeded: str) -> str:
    """The seeded draft, approved."""
    shown = json.loads(runner.invoke(app, ["show", seeded[:8], "--json"]).stdout)
    resolve = [a for n in shown["notes"] for a in ("--resolve", f"{n['number']}=verified")]
    result = runner.invoke(app, ["review", seeded[:8], "--decision", "approve", "--reviewer", "R", *resolve])
    assert result.exit_code == 0, result.output
    return seeded


def test_export_into_a_missing_directory_or_onto_a_file(runner: CliRunner, final_id: str, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me")
    existing = tmp_path / "existing.md"
    existing.write_text("keep me too")
    cases = [
        (tmp_path / "missing" / "out.md", 2, "does not exist; create it first"),
        (blocker / "out.md", 2, "create it first"),
        (tmp_path, 2, "is a directory"),
        (existing, 2, "exists; pass --force to overwrite it"),
    ]
    for target, code, fragment in cases:
        one_line_error(runner.invoke(app, ["export", final_id[:8], "-o", str(target)]), code, fragment)
    for fmt in ("txt", "code"):
        sidecar_blocked = tmp_path / f"only-sidecar.{fmt}"
        Path(str(sidecar_blocked) + ".provenance.json").write_text("{}")
        one_line_error(
            runner.invoke(app, ["export", final_id[:8], "--format", fmt, "-o", str(sidecar_blocked)]), 2, "exists"
        )
        assert not sidecar_blocked.exists(), "half an export was left behind"
    assert blocker.read_text() == "keep me" and existing.read_text() == "keep me too"
    assert not (tmp_path / "missing").exists()


@needs_mount
def test_export_to_an_unwritable_place(runner: CliRunner, final_id: str, hermetic: Path, tmp_path: Path) -> None:
    target = tmp_path / "locked"
    target.mkdir()
    done = Completed(_read_only(target, hermetic, "export", final_id[:8], "-o", str(target / "out.md")))
    one_line_error(done, 1, "cannot write", "is not writable")
    assert list(target.iterdir()) == []


def test_export_refuses_a_draft_that_is_not_final(runner: CliRunner, seeded: str, tmp_path: Path) -> None:
    out = tmp_path / "out.md"
    result = runner.invoke(app, ["export", seeded[:8], "-o", str(out)])
    assert result.exit_code == 3 and result.stderr.startswith("error: ") and not out.exists()


# ---- configuration ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("model = [unclosed\n", "is not valid TOML"),
        ('temperature = "hot"\n', "invalid configuration: temperature"),
        ('colour = "blue"\n', "colour: unknown setting"),
        ("\x00\x01binary", "is not valid TOML"),
    ],
    ids=["syntax", "bad-value", "unknown-key", "binary"],
)
def test_malformed_config(runner: CliRunner, seeded: str, hermetic: Path, text: str, fragment: str) -> None:
    config = hermetic / "config.toml"
    config.write_text(text)
    before = state_of(hermetic)
    for args in (["config", "show"], ["draft", "write a haiku"], ["review", seeded[:8], "--decision", "approve"]):
        one_line_error(runner.invoke(app, args), 2, fragment, str(config))
    assert config.read_text() == text and state_of(hermetic) == before
    assert runner.invoke(app, ["list"]).exit_code == 0  # what needs no settings still works


# ---- review without a terminal, and the editor ----------------------------------------------------------------


def test_interactive_review_without_a_terminal(runner: CliRunner, seeded: str, hermetic: Path) -> None:
    before = state_of(hermetic)
    one_line_error(runner.invoke(app, ["review", seeded[:8]], input="y\n"), 2, "needs a terminal", "--decision")
    assert state_of(hermetic) == before


@pytest.mark.parametrize(
    ("editor", "fragment"),
    [
        (None, "no editor: set $VISUAL or $EDITOR"),
        ("/nonexistent/editor", "cannot run the editor"),
        ("false", "exited with status 1"),
        ("'unbalanced", "cannot run the editor"),
    ],
    ids=["unset", "missing", "failing", "unparseable"],
)
def test_missing_or_failing_editor(monkeypatch: pytest.MonkeyPatch, editor: str | None, fragment: str) -> None:
    from draftmate.cli.review.editor import edit_in_editor
    from draftmate.errors import UsageError

    if editor is not None:
        monkeypatch.setenv("EDITOR", editor)
    with pytest.raises(UsageError) as caught:
        edit_in_editor("text\n", ".md")
    assert fragment in str(caught.value) and "nothing was changed" in str(caught.value)
    assert "\n" not in str(caught.value)


# ---- the table ----------------------------------------------------------------------------------------------


def test_the_table_lists_every_case() -> None:
    """docs/bad-input.md has a row for each case tested here."""
    table = DOC.read_text()
    for case in (
        "empty spec",
        "10 MB",
        "binary file",
        "invalid UTF-8",
        "unknown ID",
        "ambiguous ID",
        "corrupted database",
        "foreign database",
        "read-only data directory",
        "missing directory",
        "unwritable path",
        "$EDITOR",
        "config.toml",
        "without a terminal",
    ):
        assert case in table, f"docs/bad-input.md has no row for {case!r}"
