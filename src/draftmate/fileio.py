"""Reading input and writing files safely.

Input (`read_input`) is a file or stdin read bounded and refused unless it is UTF-8 text. Output is written
atomically, never over an existing file unless asked, and only ever a regular file.

The rule every writer goes through (`check_target`): a target is a regular file or absent; never a directory,
a device, a FIFO or a socket; never draftmate's own store or its -wal/-shm/-journal (by inode, so a symlink,
a hard link or another spelling of the path is caught too); a symbolic link only with `--force` and only when it
points at a regular file, which is then written in place of the link's target (the link is kept, as `>` would).
`-` (and `/dev/stdout`) is standard output, which the callers write themselves.

Temporary files are `.draftmate-<pid>-<random>.tmp` beside the target: short (a 255-byte name still fits), and
ours by name. SIGTERM or SIGHUP while one is being written removes it before exiting (143/129); one left by a
SIGKILLed run (its process gone) is removed by the next write to the same directory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from draftmate.errors import DraftmateError, UsageError

STDOUT_NAMES = frozenset({"-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"})
TEMP_PREFIX = ".draftmate-"
_OUR_TEMP = re.compile(r"\.draftmate-(\d+)-[A-Za-z0-9_]+\.tmp\Z")
_STORE_SUFFIXES = ("", "-wal", "-shm", "-journal")
_protected: set[Path] = set()


def is_stdout(output: str) -> bool:
    """Whether `-o output` means standard output: `-`, or a name of it (`/dev/stdout` resolves to a pipe's
    unnameable `/proc/…/pipe:[…]`, so writing "that file" is never what was meant)."""
    return output in STDOUT_NAMES


def protect(database: Path) -> None:
    """Never write over this database file (nor its -wal, -shm or -journal): a store registers itself here."""
    _protected.add(Path(database))


def _store_files() -> list[Path]:
    # every command that writes a file opens its store first, and an opened store registers itself (protect)
    return [db.with_name(db.name + suffix) for db in _protected for suffix in _STORE_SUFFIXES]


def check_target(path: Path, *, overwrite: bool, make_parents: bool = False) -> Path:
    """The file to write for `path`, or UsageError (exit 2) naming what is wrong and the fix.

    A symlink (with `overwrite`) gives the regular file it points to; anything else gives `path` itself.
    """
    path = Path(path)
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        _refuse_store(path, None)
        _check_directory(path, make_parents)
        return path
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}; choose another path") from None
    if stat.S_ISLNK(st.st_mode):
        return _check_link(path, overwrite)
    if stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{path} is a directory; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{path} is {kind_of(st.st_mode)}, not a regular file; give the path of a regular file")
    _refuse_store(path, st)
    if not overwrite:
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    _check_directory(path, make_parents)
    return path


def _check_link(path: Path, overwrite: bool) -> Path:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UsageError(
            f"{path} is a symbolic link to {os.readlink(path)}, which does not exist; "
            "remove the link or give another path"
        ) from None
    except OSError as e:
        raise UsageError(
            f"{path} is a symbolic link that cannot be followed ({e.strerror}); give another path"
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{path} is a symbolic link to a directory; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(
            f"{path} is a symbolic link to {kind_of(st.st_mode)}, not a regular file; give the path of a regular file"
        )
    _refuse_store(path, st)
    if not overwrite:
        raise UsageError(f"{path} exists (a symbolic link to a file); pass --force to overwrite the file it points to")
    return Path(os.path.realpath(path))  # write the file the link points to, as `>` would, and keep the link


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words (for messages)."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _refuse_store(path: Path, st: os.stat_result | None) -> None:
    """The store by identity (device and inode: any path, link or hard link to it), or by name when absent."""
    where = os.path.realpath(path)
    for store_file in _store_files():
        same = os.path.realpath(store_file) == where
        if not same and st is not None:
            with contextlib.suppress(OSError):
                other = os.stat(store_file)
                same = (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)
        if same:
            raise UsageError(
                f"{path} is draftmate's own store ({store_file}); writing there would destroy every draft and the "
                "audit log: choose another path"
            )


def _check_directory(path: Path, make_parents: bool) -> None:
    parent = path.parent
    if make_parents:
        return
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK):
        raise DraftmateError(f"cannot write {path}: directory {parent} is not writable; choose another path")


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
    given = path
    path = check_target(path, overwrite=overwrite, make_parents=make_parents)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {path.parent} does not exist; create it first")
    remove_leftovers(path.parent)
    temps: list[str] = []
    with _removed_on_termination(temps):
        try:
            import tempfile  # here: every opened store imports this module (protect), most commands write nothing

            fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=path.parent)
        except OSError as e:
            raise DraftmateError(f"cannot write {path}: {e.strerror}; choose a writable location") from None
        temps.append(tmp)
        try:
            count = _fill(fd, chunks)
            os.chmod(tmp, _mode_for(path, mode))
            if overwrite:
                check_target(given, overwrite=True, make_parents=True)  # what was checked is still there
                os.replace(tmp, path)
            else:
                os.link(tmp, path)  # fails if `path` appeared meanwhile, instead of replacing it
                os.unlink(tmp)
            temps.clear()
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


def _fill(fd: int, chunks: Iterable[bytes]) -> int:
    """Write the chunks to the temporary file and put them on disk; the count."""
    count = 0
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
    return count


def remove_leftovers(directory: Path) -> list[Path]:
    """Remove the temporary files of draftmate writes whose process is gone (killed mid-write); the ones removed."""
    removed = []
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            match = _OUR_TEMP.match(entry.name)
            if match is None or int(match.group(1)) == os.getpid() or _alive(int(match.group(1))):
                continue
            if entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process (or a number no process has): not ours to judge, keep its file
    return True


@contextlib.contextmanager
def _removed_on_termination(temps: list[str]) -> Iterator[None]:
    """While writing: SIGTERM or SIGHUP removes the temporary files in `temps`, then exits 128+signal.

    Installed only where the signal would otherwise kill the process without cleaning up (its default action),
    and only in the main thread (the only one Python lets set handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: object) -> None:
        for tmp in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        temps.clear()
        raise SystemExit(128 + signum)

    installed = []
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, on_signal)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            signal.signal(signum, signal.SIG_DFL)


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


# ---- reading input ------------------------------------------------------------------------------------------

MAX_INPUT_BYTES = 2_000_000


def wide_encoding(head: bytes) -> str | None:
    """The UTF-16 or UTF-32 encoding the bytes are text in (by byte-order mark, or the NULs of ASCII), else None."""
    import codecs

    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    even, odd = head[0::2], head[1::2]
    for zeros, text, order in ((odd, even, "LE"), (even, odd, "BE")):  # no mark: ASCII in UTF-16 is half NULs
        if len(head) >= 16 and zeros.count(0) >= 0.9 * len(zeros) and 0 not in text:
            return "UTF-16" + order
    return None


def decode_input(data: bytes, label: str) -> str:
    """Bytes from a file or stdin as text, refusing binary, invalid UTF-8, empty and oversized input."""
    if len(data) > MAX_INPUT_BYTES:
        # Only MAX_INPUT_BYTES + 1 bytes were read, so the true size is unknown: say "over", not a wrong number.
        raise UsageError(f"{label} is over the limit of {MAX_INPUT_BYTES:,} bytes; split it up")
    wide = wide_encoding(data[:8192])
    if wide:
        raise UsageError(f"{label} is {wide} text, not UTF-8; convert it, e.g. `iconv -f {wide.lower()} -t utf-8`")
    if b"\x00" in data[:8192]:
        raise UsageError(f"{label} looks like a binary file; give a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UsageError(
            f"{label} is not valid UTF-8 (byte {e.start}); convert it, e.g. `iconv -f latin1 -t utf-8`"
        ) from None
    if not text.strip():
        raise UsageError(f"{label} is empty; give it some text")
    return text.replace("\r\n", "\n")


def read_input(path: str) -> tuple[str, str]:
    """The text of a file (or stdin for '-') and a label for messages."""
    if path == "-":
        return decode_input(sys.stdin.buffer.read(MAX_INPUT_BYTES + 1), "standard input"), "stdin"
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{path} is a directory; give a file")
    try:
        with p.open("rb") as f:
            data = f.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"no file {path}; check the path") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    return decode_input(data, path), p.name
