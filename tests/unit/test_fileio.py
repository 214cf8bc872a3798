"""fileio: atomic writes land whole or not at all; long ones are synced to disk as they go."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from draftmate import fileio
from draftmate.errors import UsageError


def lines(n: int) -> Iterator[bytes]:
    for i in range(n):
        yield f"line {i:05}\n".encode()


def sync_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "draftmate-sync"]


def test_a_long_write_is_synced_as_it_goes_and_lands_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fileio, "_SYNC_EVERY", 1000)  # a sync every ~90 lines
    synced: list[int] = []
    real = os.fdatasync
    first_sync = threading.Event()
    monkeypatch.setattr(os, "fdatasync", lambda fd: (synced.append(fd), real(fd), first_sync.set()))

    def paced() -> Iterator[bytes]:
        for i, line in enumerate(lines(5000)):
            if i == 2500:  # on a loaded machine the thread may not run before the write ends: give it its turn
                first_sync.wait(timeout=30)
            yield line

    target = tmp_path / "out.jsonl"
    assert fileio.write_lines_atomic(target, paced()) == 5000
    assert target.read_bytes() == b"".join(lines(5000))
    assert synced and not sync_threads()  # it synced in the background, and the thread has ended


def test_a_failed_long_write_stops_syncing_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fileio, "_SYNC_EVERY", 1000)

    def failing() -> Iterator[bytes]:
        yield from lines(3000)
        raise RuntimeError("the source failed midway")

    where = tmp_path / "exports"
    where.mkdir()
    with pytest.raises(RuntimeError):
        fileio.write_lines_atomic(where / "out.jsonl", failing())
    assert list(where.iterdir()) == [] and not sync_threads()


def test_a_short_write_starts_no_thread(tmp_path: Path) -> None:
    before = threading.active_count()
    fileio.write_lines_atomic(tmp_path / "a.txt", ["one\n", "two\n"])
    assert (tmp_path / "a.txt").read_text() == "one\ntwo\n" and threading.active_count() == before
    with pytest.raises(UsageError, match="exists"):
        fileio.write_lines_atomic(tmp_path / "a.txt", ["three\n"])
