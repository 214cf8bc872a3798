"""What a review did to a draft, measured for calibration: pure functions, no I/O."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the bulk export uses edit_distance without loading pydantic
    from draftmate.models import Note

TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """Words and punctuation marks, the unit edits are counted in."""
    return TOKEN.findall(text)


def edit_distance(before: str, after: str) -> float:
    """Normalized token edit distance in [0, 1]: 0 unchanged, 1 entirely rewritten."""
    if before == after:
        return 0.0
    size = max(len(tokens(before)), len(tokens(after)))
    if not size:
        return 0.0
    return min(1.0, _changed_tokens(before.splitlines(), after.splitlines()) / size)


def _changed_tokens(a: list[str], b: list[str]) -> int:
    """Tokens changed between two texts' lines: lines first, then tokens inside each changed run of lines.

    A token diff of a whole long draft is quadratic in how often its common words recur (minutes for a large
    draft); anchored on the lines that did not change, only the changed runs are diffed token by token.
    """
    changed = 0
    # no autojunk: with it, lines that recur (blank ones) anchor nothing, a line that appears twice can then be
    # matched far from its place, and a one-line edit of a long draft measured as a rewrite (distance 1.0)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        ta, tb = tokens("\n".join(a[i1:i2])), tokens("\n".join(b[j1:j2]))
        matcher = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
        changed += sum(max(x2 - x1, y2 - y1) for op, x1, x2, y1, y2 in matcher.get_opcodes() if op != "equal")
    return changed


def changed_lines(before: str, after: str) -> set[int]:
    """1-based line numbers of `before` that were changed or deleted in `after`."""
    if before == after:
        return set()
    a, b = before.splitlines(), after.splitlines()
    changed: set[int] = set()
    # no autojunk, as in _changed_tokens: it can align a repeated line far from its place and mark untouched lines
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            changed.update(range(i1 + 1, i2 + 1))
        elif tag == "insert":
            changed.add(max(i1, 1))  # an insertion touches the line it follows
    return changed


def note_outcomes(notes: list[Note], before: str, after: str) -> dict[str, bool]:
    """Per note ID: whether the reviewer changed the span it pointed at."""
    changed = changed_lines(before, after)
    result = {}
    for note in notes:
        if note.lines is None:
            continue
        result[note.id] = any(line in changed for line in range(note.lines[0], note.lines[1] + 1))
    return result


def review_outcome(
    *, decision: str, original: str, final: str, counts: dict[str, int], notes: list[Note]
) -> dict[str, Any]:
    """The outcome record logged against a draft's predictions after review."""
    return {
        "decision": decision,
        "edit_distance": round(edit_distance(original, final), 4),
        "sections": counts,
        "notes_changed": note_outcomes(notes, original, final),
    }
