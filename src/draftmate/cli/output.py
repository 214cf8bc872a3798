"""What commands write: escaped lines, the `error:` line, JSON, and what happens when standard output fails."""

from __future__ import annotations

import sys
from typing import Any

import typer


def echo(text: str = "", *, err: bool = False) -> None:
    """Print one line; every line goes through the one escaping, because most quote something from outside (a
    name, a file name, a setting, a store row) that could otherwise move the cursor, clear the screen, start a
    forged `error:` line or read backwards."""
    from draftmate.domain.untrusted_text import one_line

    typer.echo(one_line(text), err=err)


def echo_error(error: Exception) -> None:
    """The `error:` line; a gate refusal's reasons follow it, one escaped line each; an interruption says what was
    kept; a failure the command already listed adds nothing."""
    from draftmate.errors import AlreadyReported, GateRefused, Interrupted

    if isinstance(error, AlreadyReported):
        return
    if isinstance(error, Interrupted):
        echo(f"interrupted: {error}", err=True)
        return
    if isinstance(error, GateRefused):
        echo(f"error: {error.message}", err=True)
        for reason in error.reasons:
            echo(f"  - {reason}", err=True)
        return
    echo(f"error: {error}", err=True)


def stdout_failed(error: BaseException) -> bool:
    """Whether `error` came from writing standard output: a frame it passed through was writing to stdout.

    (A failed write leaves nothing buffered to retry, so the stream itself cannot tell; the frames can.)"""
    targets = {id(sys.stdout), id(getattr(sys.stdout, "buffer", None))}
    tb, innermost = error.__traceback__, None
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if id(value) in targets or id(getattr(value, "file", None)) in targets:  # typer.echo's file, a Console
                return True
        innermost = tb.tb_frame
        tb = tb.tb_next
    # `sys.stdout.write(...)` or `sys.stdout.buffer.write(...)` called directly by the function that failed
    return innermost is not None and "stdout" in innermost.f_code.co_names


def output_failed(error: OSError) -> None:
    """Say once, on stderr, that the output was lost, then point stdout at /dev/null so the exit is quiet."""
    from draftmate.cli.render import silence_stdout

    reason = error.strerror or str(error)
    typer.echo(f"error: cannot write to standard output ({reason}); free some space or send it elsewhere", err=True)
    silence_stdout()


def print_json(value: Any) -> None:
    """`value` as indented JSON on stdout, with what a terminal would obey escaped."""
    import json

    from draftmate.domain.untrusted_text import UNSAFE

    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    # an output that cannot hold all of Unicode (PYTHONIOENCODING=ascii, LANG=C) gets JSON's own \u escapes
    text = json.dumps(value, indent=2, ensure_ascii=not encoding.startswith("utf"))
    # json escapes C0 controls but not DEL, C1 (a one-byte CSI), format and bidi characters or lone surrogates, which
    # a terminal may obey (or fail to encode): the same ones `visible` escapes, as JSON's own \u escapes, so the
    # data is unchanged (outside strings JSON holds only ASCII, so every match is inside one)
    sys.stdout.write(UNSAFE.sub(lambda m: _json_escape(m.group(0)), text) + "\n")


def _json_escape(char: str) -> str:
    """A character as JSON's \\uXXXX escape (a surrogate pair above U+FFFF)."""
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
