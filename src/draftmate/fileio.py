"""Writing files safely: atomically, never over an existing file unless asked."""

from __future__ import annotations

import contextlib
import os
import tempfile
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
            for chunk in chunks:
                f.write(chunk)
                count += 1
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if `path` appeared meanwhile, instead of replacing it
            os.unlink(tmp)
    except FileExistsError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise UsageError(f"{path} exists; pass --force to overwrite it") from None
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise DraftmateError(f"cannot write {path}: {e.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return count
