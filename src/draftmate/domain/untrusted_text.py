"""Text from outside (drafts, store rows, file names, config, the environment) made safe to print, and names checked."""

from __future__ import annotations

import re

# What never reaches a terminal raw: C0 and C1 control characters except tab and newline (ESC, BEL and CSI are how
# terminals get hijacked); every Unicode format character (Cf: bidirectional overrides and isolates, "Trojan
# Source"; zero-width spaces and joiners; word joiner U+2060 and the invisible operators; soft hyphen; the Arabic
# letter mark U+061C; the byte-order mark; interlinear annotation marks); the whole tag block U+E0000-U+E007F;
# line and paragraph separators (Zl, Zp: some terminals break the line there); lone surrogates (a file name
# decoded with surrogateescape). Cf as of Unicode 15, so that an older Python's tables miss none of them.
UNSAFE_CHARS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f"
)
UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")
# The same, and tab and newline too: for text that must stay on its one line (a name, an `error:` line).
UNSAFE_IN_LINE = re.compile(f"[\t\n{UNSAFE_CHARS}]")
ESCAPE_NAMES = {"\x1b": "\\x1b", "\r": "\\r", "\n": "\\n", "\t": "\\t", "\x7f": "\\x7f"}
# Unicode categories a name may not hold, checked by the running Python's tables too (a newer Unicode's additions).
REFUSED_CATEGORIES = {"Cc": "control", "Cf": "format", "Cs": "surrogate", "Zl": "line separator", "Zp": "paragraph"}


def escape_char(char: str) -> str:
    """One character as a visible escape: `\\x1b`, `\\u202e`, `\\U000e0041`."""
    if char in ESCAPE_NAMES:
        return ESCAPE_NAMES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with every control and format character replaced by a visible escape; tab and newline kept."""
    return UNSAFE.sub(lambda m: escape_char(m.group(0)), text)


def one_line(text: str) -> str:
    """`text` made visible on a single line: newlines and tabs escaped as well."""
    return UNSAFE_IN_LINE.sub(lambda m: escape_char(m.group(0)), text)


def refused_char(name: str) -> str | None:
    """The first character a name may not hold (control, format, bidi, tag, separator, surrogate), or None."""
    import unicodedata

    found = UNSAFE_IN_LINE.search(name)
    if found:
        return found.group(0)
    return next((c for c in name if unicodedata.category(c) in REFUSED_CATEGORIES), None)


def check_name(value: str, *, what: str, fix: str) -> str:
    """A person's name from outside without its surrounding blanks; ValueError (`what` it was, `fix`) when blank or
    holding a character that could hide or disguise what it says."""
    bad = refused_char(value)  # before stripping: str.strip would quietly drop a trailing newline or U+001F
    if bad is not None:
        raise ValueError(
            f"{what} '{one_line(value)}' holds the invisible or control character {escape_char(bad)}, "
            f"which can disguise a name; {fix}"
        )
    name = value.strip()
    if not name:
        raise ValueError(f"{what} is blank; {fix}")
    return name
