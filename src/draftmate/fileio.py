"""Writing files safely: atomically, never over an existing file unless asked."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from draftmate.errors import DraftmateError, UsageError


def write_atomic(
    path: Path, data: str | bytes, *, mode: int = 0o644, overwrite: bool = False, make_parents: bool = False
) -> None:
    """Write `data` to exactly `path` via a temporary file and a rename; refuse to overwrite unless asked."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    _write(Path(path), [payload], mode=mode, overwrite=overwrite, make_parents=make_parents)


def write_lines_atomic(path: Path, lines: Iterable[str | bytes], *, mode: int = 0o644, overwrite: bool = False) -> int:
    """Stream `lines` (text, or UTF-8 already) to exactly `path` via a temporary file and a rename (constant
    memory); returns the count."""
    chunks = (line if isinstance(line, bytes) else line.encode("utf-8") for line in lines)
    return _write(Path(path), chunks, mode=mode, overwrite=overwrite)


def _write(path: Path, chunks: Iterable[bytes], *, mode: int, overwrite: bool, make_parents: bool = False) -> int:
    """The one atomic write: chunks into a temporary file beside `path`, fsync, then rename or link into place."""
    if path.is_dir():
        raise UsageError(f"{path} is a directory; give a file name")
    if overwrite and path.is_symlink():
        path = path.resolve()  # write the file the link points to, as `>` would, and keep the link
    if path.exists() and not overwrite:
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {path.parent} does not exist; create it first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise DraftmateError(f"cannot write {path}: {e.strerror}; choose a writable location") from None
    count = 0
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as f:
            syncing: _BackgroundSync | None = None
            try:
                unsynced = 0
                for chunk in chunks:
                    f.write(chunk)
                    count += 1
                    unsynced += len(chunk)
                    if unsynced >= _SYNC_EVERY:  # a long write: put what is written on disk meanwhile
                        f.flush()
                        syncing = syncing or _BackgroundSync(f.fileno())
                        syncing.request()
                        unsynced = 0
                f.flush()
            finally:
                if syncing is not None:
                    syncing.stop()  # before the file is closed: its descriptor must not be synced after
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(path, mode))
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if `path` appeared meanwhile, instead of replacing it
            os.unlink(tmp)
        _sync_directory(path.parent)
    except FileExistsError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise UsageError(f"{path} exists; pass --force to overwrite it") from None
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        fix = "; free some disk space" if e.errno in (errno.ENOSPC, errno.EDQUOT) else ""
        raise DraftmateError(f"cannot write {path}: {e.strerror}{fix}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return count


def _mode_for(path: Path, mode: int) -> int:
    """The new file's mode: that of the file it replaces (a private file stays private), else `mode` less the umask."""
    with contextlib.suppress(FileNotFoundError):
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0o077)  # reading the umask means setting it: set a strict one for the moment in between
    os.umask(umask)
    return mode & ~umask


def _sync_directory(directory: Path) -> None:
    """Put the rename itself on disk: without this, a crash soon after can leave the old file or none."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # a directory that cannot be opened for reading (or a platform without this) keeps the OS's timing
    try:
        with contextlib.suppress(OSError):  # some filesystems refuse to sync a directory; the file is synced
            os.fsync(fd)
    finally:
        os.close(fd)


_SYNC_EVERY = 32 << 20  # bytes written between background syncs of a long write


class _BackgroundSync:
    """Syncs a growing file to disk in a thread, so that its final fsync has little left to wait for.

    The disk then writes while draftmate computes the rest (fdatasync releases the GIL); errors are left for the
    final fsync, which reports them.
    """

    def __init__(self, fd: int) -> None:
        self.fd, self.stopping, self.wanted = fd, False, threading.Event()
        self.thread = threading.Thread(target=self._run, name="draftmate-sync", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            self.wanted.wait()
            self.wanted.clear()
            if self.stopping:
                return
            with contextlib.suppress(OSError):
                os.fdatasync(self.fd)

    def request(self) -> None:
        """Ask for a sync of what is written so far (one at a time; requests made meanwhile merge)."""
        self.wanted.set()

    def stop(self) -> None:
        """Let a running sync finish, then end the thread."""
        self.stopping = True
        self.wanted.set()
        self.thread.join()
