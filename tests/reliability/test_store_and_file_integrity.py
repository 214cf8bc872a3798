"""Data integrity, found in a review: locked and full stores name their fix; atomic writes keep what they replace."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from draftmate import fileio
from draftmate.domain.vocabulary import Kind, Origin, Severity
from draftmate.errors import StoreError, UsageError
from draftmate.store.sqlite import SQLiteStore
from reliability_support import clean_env


def _draft(store: SQLiteStore) -> str:
    return store.create_draft("# T\n\nbody\n", kind=Kind.TEXT, lang="en", origin=Origin.HUMAN, author="me").id


# ---- the store ----------------------------------------------------------------------------------------------


def test_a_store_locked_too_long_names_the_fix(store: SQLiteStore) -> None:
    """Another process holding the write lock past the busy timeout: the error says so and what to do."""
    draft_id = _draft(store)
    other = sqlite3.connect(store.conn.execute("PRAGMA database_list").fetchone()[2], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    store.conn.execute("PRAGMA busy_timeout = 50")
    try:
        with pytest.raises(StoreError, match="locked by another process.*try again"):
            store.add_note(draft_id, version=1, kind="k", severity=Severity.INFO, why="w", source="human")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.list_notes(draft_id) == [] and store.verify() == []


def test_an_error_that_rolled_back_by_itself_is_reported_not_masked(store: SQLiteStore) -> None:
    """SQLite ends the transaction itself on some errors (full disk, I/O, interrupt): report that error."""
    draft_id = _draft(store)
    fired: list[int] = []

    def interrupt_once() -> int:
        fired.append(1)
        return int(len(fired) == 1)

    with pytest.raises(sqlite3.OperationalError, match="interrupted"), store.transaction():
        store.conn.execute("UPDATE drafts SET title = 'half' WHERE id = ?", (draft_id,))
        store.conn.set_progress_handler(interrupt_once, 1)
        store.conn.execute("UPDATE drafts SET title = 'whole' WHERE id = ?", (draft_id,))
    store.conn.set_progress_handler(None, 1)
    assert not store.conn.in_transaction and store.get_draft(draft_id).title == "T"
    store.add_note(draft_id, version=1, kind="k", severity=Severity.INFO, why="w", source="human")  # usable again


def _can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs none /mnt"], capture_output=True)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs root and mount namespaces (unshare -m)")


def _on_a_full_disk(where: Path, home: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Each `draftmate` command run on a 1 MiB tmpfs at `where`, after a small draft and a file filling the rest."""
    where.mkdir()
    seed = where.parent / "seed.md"
    seed.write_text("# Seed\n\nbody\n")
    big = where.parent / "big.md"
    big.write_text("# Big\n\n" + "word " * 200_000)
    run = f"{sys.executable} -m draftmate"
    steps = [f"{run} draft --from-file '{seed}' >/dev/null", f"head -c 2000000 /dev/zero > '{where}/fill' 2>/dev/null"]
    for i, args in enumerate(commands):
        steps.append(
            f"{run} {' '.join(args)} >'{where.parent}/out{i}' 2>'{where.parent}/err{i}'; "
            f"echo $? >'{where.parent}/rc{i}'"
        )
    script = f"mount --make-rprivate / && mount -t tmpfs -o size=1m none '{where}' && " + "; ".join(steps)
    subprocess.run(["unshare", "-m", "sh", "-c", script], env=clean_env(home), timeout=120, check=True)
    return [
        subprocess.CompletedProcess(
            args,
            int((where.parent / f"rc{i}").read_text()),
            (where.parent / f"out{i}").read_text(),
            (where.parent / f"err{i}").read_text(),
        )
        for i, args in enumerate(commands)
    ]


@needs_mount
def test_a_full_disk_says_free_some_space_never_that_the_store_is_damaged(tmp_path: Path) -> None:
    """A full disk under the store: writes and reads fail in one line that names the fix, and do not call the file
    damaged (whose fix, moving it aside, would hide every draft)."""
    disk = tmp_path / "disk"
    big = str(tmp_path / "big.md")
    done = _on_a_full_disk(disk, disk / "home", ["draft", "--from-file", big], ["list"], ["verify"])
    for result in done:
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, (result.args, result.stderr)
        assert lines[0].startswith("error: ") and "free some disk space" in lines[0], result.stderr
        assert "rollback" not in lines[0] and "move it aside" not in lines[0], result.stderr


@needs_mount
def test_a_file_written_to_a_full_disk_names_the_fix(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    target = disk / "calibration.jsonl"
    (done,) = _on_a_full_disk(disk, tmp_path / "home", ["calibration", "--export", str(target)])
    assert done.returncode == 1 and "free some disk space" in done.stderr, done.stderr
    assert not target.exists()


# ---- atomic writes --------------------------------------------------------------------------------------------


def test_the_rename_is_made_durable_by_syncing_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is synced, then renamed; a crash right after loses the rename unless the directory is synced too."""
    synced_dirs: list[bool] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced_dirs.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    fileio.write_atomic(tmp_path / "new.md", "one")
    assert synced_dirs == [False, True]
    synced_dirs.clear()
    fileio.write_atomic(tmp_path / "new.md", "two", overwrite=True)
    assert synced_dirs == [False, True]


def test_overwriting_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    """--force over a private (0600) file must not make the new content readable by everyone."""
    target = tmp_path / "private.md"
    target.write_text("old")
    target.chmod(0o600)
    fileio.write_atomic(target, "new", overwrite=True)
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.fixture
def umask_077() -> Iterator[None]:
    old = os.umask(0o077)
    yield
    os.umask(old)


@pytest.mark.usefixtures("umask_077")
def test_a_new_file_honours_the_umask(tmp_path: Path) -> None:
    """A user with umask 077 keeps every file private; draftmate's exports should not be the exception."""
    fileio.write_atomic(tmp_path / "out.md", "x")
    fileio.write_lines_atomic(tmp_path / "out.jsonl", ["x\n"])
    assert stat.S_IMODE((tmp_path / "out.md").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o600


def test_overwriting_through_a_symlink_writes_the_file_it_points_to(tmp_path: Path) -> None:
    """`-o link --force` updates the linked file, as `>` would, instead of silently replacing the link."""
    real = tmp_path / "shared" / "report.md"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "report.md"
    link.symlink_to(real)
    fileio.write_atomic(link, "new", overwrite=True)
    assert link.is_symlink() and real.read_text() == "new"
    assert sorted(p.name for p in real.parent.iterdir()) == ["report.md"]


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_directory_as_the_target_is_named_as_such(tmp_path: Path, overwrite: bool) -> None:
    """Not "exists; pass --force" (which then fails) but what is wrong: it is a directory."""
    target = tmp_path / "where" / "out"
    target.mkdir(parents=True)
    with pytest.raises(UsageError, match="is a directory; give a file name"):
        fileio.write_atomic(target, "x", overwrite=overwrite)
    assert list(target.iterdir()) == [] and [p.name for p in target.parent.iterdir()] == ["out"]
