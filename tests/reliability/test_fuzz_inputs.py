"""Random bytes, names and paths fed to the commands that take input from outside: never a traceback, always a
documented exit code, a store that `verify` finds sound, and no file touched outside the working directory."""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from draftmate.cli.commands import app

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3}
FUZZ = settings(
    max_examples=int(os.environ.get("DRAFTMATE_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text from outside as an attacker writes it: controls, escapes, bidi and format characters, surrogate-free Unicode.
HOSTILE = st.sampled_from(
    ["\x1b[2J", "\x1b]0;t\x07", "\u202e", "\u2066", "\u200b", "\u00ad", "\U000e0041", "\r", "\x00"]
)
TEXT = st.lists(st.one_of(st.text(max_size=20), HOSTILE), max_size=8).map("".join)
# File names: no '/' and no NUL (the OS refuses them), otherwise anything, including dots, spaces and escapes.
NAME = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=40
).filter(lambda n: n not in (".", "..") and len(n.encode("utf-8", "surrogateescape")) <= 200)
# Paths below the working directory: a name, or a name in a sub-directory that may not exist.
RELATIVE_PATH = st.one_of(NAME, st.tuples(NAME, NAME).map(lambda p: f"{p[0]}/{p[1]}"))
CONTENT = st.one_of(st.binary(max_size=400), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
EXAMPLE_DRAFT = "# Notes\n\nThe river is 42 km long, said Ann Example in 2019.\n\ndef f():\n    return 1\n"


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under `root` (links not followed) with its mode and content hash."""
    found: dict[str, tuple[int, str]] = {}
    for path in sorted(root.rglob("*")):
        st_ = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        found[str(path.relative_to(root))] = (st_.st_mode, hashlib.sha256(data).hexdigest())
    return found


@contextmanager
def workplace(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A fresh store, a working directory to run in, and an outside directory nothing may touch."""
    with tempfile.TemporaryDirectory() as top:
        base = Path(top)
        home, work, outside = base / "home", base / "work", base / "outside"
        work.mkdir()
        outside.mkdir()
        (outside / "precious.txt").write_text("do not touch\n")
        os.symlink(outside / "precious.txt", work / "link-out")
        os.symlink(outside / "missing.txt", work / "dangling-out")
        before = snapshot(outside)
        with monkeypatch.context() as m:
            m.setenv("DRAFTMATE_HOME", str(home))
            m.chdir(work)
            yield work, home
        assert snapshot(outside) == before, "a file outside the working directory was touched"
        assert not (outside / "missing.txt").exists(), "a dangling link's target was created"


def invoke(args: list[str], stdin: str | None = None) -> Result:
    """Run one command in-process and check the outcome is documented, with no traceback."""
    result = CliRunner().invoke(app, args, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback from {args!r}") from result.exception
    assert result.exit_code in DOCUMENTED_EXIT_CODES, (args, result.exit_code, result.stderr)
    if result.exit_code != 0:
        first = next((line for line in result.stderr.splitlines() if line.strip()), "")
        assert first.startswith(("error: ", "FAIL ")), (args, result.stderr)
        assert "Traceback" not in result.stderr
    shown = result.stdout + result.stderr
    assert "\x1b" not in shown and not BIDI & set(shown), ("outside text reached the terminal raw", args, shown)
    for arg in args:
        if any(unicodedata.category(c) in ("Cc", "Cf") for c in arg) and len(arg) > 1:
            assert arg not in shown, ("an argument with control characters was printed raw", args, shown)
    return result


def assert_sound() -> None:
    """The audit chain and every row check out."""
    result = invoke(["verify"])
    assert result.exit_code == 0, result.stderr


def new_draft(text: str = EXAMPLE_DRAFT) -> str:
    """An imported draft's ID."""
    Path("seed.md").write_text(text)
    result = invoke(["draft", "--from-file", "seed.md", "--json"])
    assert result.exit_code == 0, result.stderr
    import json

    return str(json.loads(result.stdout)["id"])


def approved_draft() -> str:
    """A final draft's ID, approved with every note resolved."""
    import json

    draft_id = new_draft()
    notes = json.loads(invoke(["show", draft_id, "--json"]).stdout)["notes"]
    resolve = [f"--resolve={n['number']}=verified" for n in notes]
    result = invoke(["review", draft_id, "--decision", "approve", "--reviewer", "Fuzz Tester", *resolve])
    assert result.exit_code == 0, result.stderr
    return draft_id


@FUZZ
@given(name=NAME, content=CONTENT)
@example(name="\n", content=b"")  # found by this test: the file name reached the error line raw
def test_draft_from_file_takes_any_bytes_under_any_name(
    monkeypatch: pytest.MonkeyPatch, name: str, content: bytes
) -> None:
    with workplace(monkeypatch) as (work, _home):
        target = work / name
        if target.exists() or target.is_symlink():
            return
        target.write_bytes(content)
        invoke(["draft", "--from-file", name, "--json"])
        assert target.read_bytes() == content
        assert_sound()


@FUZZ
@given(text=TEXT, severity=st.one_of(st.sampled_from(["info", "verify", "blocking"]), TEXT), lines=TEXT)
def test_note_takes_any_text(monkeypatch: pytest.MonkeyPatch, text: str, severity: str, lines: str) -> None:
    with workplace(monkeypatch):
        draft_id = new_draft()
        args = ["note", draft_id, text, "--severity", severity]
        if lines:
            args += ["--lines", lines]
        invoke(args)
        assert_sound()


@FUZZ
@given(
    decision=st.one_of(st.sampled_from(["approve", "reject", "changes"]), TEXT),
    reviewer=TEXT,
    reason=TEXT,
    resolves=st.lists(
        st.one_of(TEXT, st.sampled_from(["1=verified", "1=dismissed:x", "2=fixed", "1=bogus"])), max_size=4
    ),
)
def test_review_decision_takes_any_names(
    monkeypatch: pytest.MonkeyPatch, decision: str, reviewer: str, reason: str, resolves: list[str]
) -> None:
    with workplace(monkeypatch):
        draft_id = new_draft()
        args = ["review", draft_id, "--decision", decision, "--reviewer", reviewer]
        if reason:
            args += ["--reason", reason]
        for r in resolves:
            args += ["--resolve", r]
        result = invoke(args)
        if result.exit_code == 0:
            shown = invoke(["show", draft_id]).stdout
            assert "\x1b" not in shown and "\u202e" not in shown, "outside text reached the terminal raw"
        assert_sound()


@FUZZ
@given(
    path=st.one_of(RELATIVE_PATH, st.sampled_from(["link-out", "dangling-out", "-", ".", "seed.md"])),
    force=st.booleans(),
    fmt=st.sampled_from([None, "md", "txt", "json", "code"]),
)
@example(path=".", force=False, fmt="txt")  # found by this test: a sidecar name was made from a directory (traceback)
@example(path="0/\n", force=True, fmt=None)
def test_export_writes_only_where_asked(
    monkeypatch: pytest.MonkeyPatch, path: str, force: bool, fmt: str | None
) -> None:
    # With --force a link to a regular file is written through, as `>` would: that one may leave the directory.
    assume(not (force and path == "link-out"))
    with workplace(monkeypatch) as (work, home):
        draft_id = approved_draft()
        store_before = (home / "draftmate.db").stat().st_ino
        args = ["export", draft_id, "-o", path]
        if force:
            args.append("--force")
        if fmt:
            args += ["--format", fmt]
        invoke(args)
        assert (home / "draftmate.db").stat().st_ino == store_before, "the store was replaced"
        assert_sound()


@FUZZ
@given(data=st.data())
def test_verify_file_takes_any_bytes(monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> None:
    with workplace(monkeypatch) as (work, _home):
        draft_id = approved_draft()
        assert invoke(["export", draft_id, "-o", "out.md"]).exit_code == 0
        exported = (work / "out.md").read_bytes()
        body_starts = exported.index(b"\n---\n", 3) + len(b"\n---\n")  # after the front matter
        choice = data.draw(st.sampled_from(["random", "mutated", "inserted"]))
        in_body = False
        if choice == "random":
            content = data.draw(CONTENT)
        elif choice == "mutated":
            at = data.draw(st.integers(0, len(exported) - 1))
            content = exported[:at] + bytes([data.draw(st.integers(0, 255))]) + exported[at + 1 :]
            in_body = at >= body_starts
        else:
            at = data.draw(st.integers(0, len(exported)))
            content = exported[:at] + data.draw(CONTENT) + exported[at:]
            in_body = at >= body_starts
        (work / "candidate.md").write_bytes(content)
        result = invoke(["verify", "--file", "candidate.md"])
        if in_body and content != exported:
            assert result.exit_code != 0, "an export whose content changed still verified"
        assert (work / "candidate.md").read_bytes() == content
        assert_sound()
