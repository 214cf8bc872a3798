"""A section edited in the person's own editor ($VISUAL or $EDITOR), and its text made comparable to the original."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from draftmate.errors import UsageError

Editor = Callable[[str, str], str]  # (text, file suffix) -> the text as the person left it

# the temporary file's suffix by draft language, so the editor highlights it
SUFFIX = {"python": ".py", "markdown": ".md", "javascript": ".js", "typescript": ".ts", "go": ".go", "rust": ".rs"}


def edit_in_editor(text: str, suffix: str = ".txt") -> str:
    """`text` after the person edited it in $VISUAL or $EDITOR; UsageError (nothing changed) when that fails."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not command:
        raise UsageError("no editor: set $VISUAL or $EDITOR (e.g. `export EDITOR=nano`); nothing was changed")
    fd, name = tempfile.mkstemp(prefix="draftmate-section-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        try:
            done = subprocess.run([*shlex.split(command), str(path)], check=False)
        except (OSError, ValueError) as e:
            raise UsageError(
                f"cannot run the editor {command!r} ({e}): fix $VISUAL/$EDITOR; nothing was changed"
            ) from None
        if done.returncode != 0:
            raise UsageError(f"the editor {command!r} exited with status {done.returncode}; nothing was changed")
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UsageError("the edited text is not valid UTF-8; nothing was changed") from None
    finally:
        path.unlink(missing_ok=True)


def normalized(before: str, after: str) -> str:
    """An edited text with the line endings of the original, so a trailing newline alone is not a change."""
    after = after.replace("\r\n", "\n")
    if not before.endswith("\n"):
        after = after.rstrip("\n")
    elif after and not after.endswith("\n"):
        after += "\n"
    return after
