"""What a review did to a draft, measured for calibration: pure functions, no I/O."""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the bulk export uses edit_distance without loading pydantic
    from draftmate.domain.records import Note

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


Opcode = tuple[str, int, int, int, int]
SMALL_DIFF = 250_000  # lines before × lines after up to which SequenceMatcher runs as is (~0.01 s on a draft)


def line_opcodes(a: list[str], b: list[str], *, small: int = SMALL_DIFF) -> list[Opcode]:
    """difflib-style opcodes turning lines `a` into lines `b`, anchored on lines found once on each side."""
    # SequenceMatcher over a whole draft is quadratic in how often a line recurs (blank lines: ~5 s on 1.3 MB);
    # its autojunk, or blank lines made unmatchable, let a repeated short line be matched far from its place and a
    # one-line edit measure as a rewrite. A patience diff anchors a large text on its unique lines, which no repeat
    # can steal; SequenceMatcher(autojunk=False) keeps the small runs (and small drafts: the same figures as before).
    if len(a) * len(b) <= small:
        return list(difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes())
    blocks: list[tuple[int, int, int]] = []  # (i, j, n): a[i:i+n] == b[j:j+n]
    todo = [(0, len(a), 0, len(b))]  # a stack, not recursion: nested runs can be deep
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        # the lines next to an anchor extend it, as SequenceMatcher extends a match: a run diffed without them
        # can align its repeated lines ("", "Example:") one paragraph off
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            blocks.append((alo, blo, 1))
            alo, blo = alo + 1, blo + 1
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
            ahi, bhi = ahi - 1, bhi - 1
            blocks.append((ahi, bhi, 1))
        if (ahi - alo) * (bhi - blo) > small and (anchors := _unique_anchors(a, alo, ahi, b, blo, bhi)):
            for i, j in anchors:
                blocks.append((i, j, 1))
                todo.append((alo, i, blo, j))
                alo, blo = i + 1, j + 1
            todo.append((alo, ahi, blo, bhi))
        elif alo < ahi and blo < bhi:
            matcher = difflib.SequenceMatcher(a=a[alo:ahi], b=b[blo:bhi], autojunk=False)
            blocks += [(alo + i, blo + j, n) for i, j, n in matcher.get_matching_blocks() if n]
    return _opcodes(sorted(blocks), len(a), len(b))


def _unique_anchors(a: list[str], alo: int, ahi: int, b: list[str], blo: int, bhi: int) -> list[tuple[int, int]]:
    """(i, j) of lines once in a[alo:ahi] and once in b[blo:bhi]: the longest run kept in order on both sides."""
    in_a, in_b = Counter(a[alo:ahi]), Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if in_b[b[j]] == 1 and in_a[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if a[i] in where_b]
    ends: list[int] = []  # ends[k]: the pair ending the best increasing run of length k + 1 (patience sorting)
    end_js: list[int] = []
    before = [-1] * len(pairs)
    for p, (_i, j) in enumerate(pairs):
        k = bisect.bisect_left(end_js, j)
        before[p] = ends[k - 1] if k else -1
        ends[k : k + 1], end_js[k : k + 1] = [p], [j]
    run, p = [], ends[-1] if ends else -1
    while p >= 0:
        run.append(pairs[p])
        p = before[p]
    return run[::-1]


def _opcodes(blocks: list[tuple[int, int, int]], len_a: int, len_b: int) -> list[Opcode]:
    """Opcodes as SequenceMatcher.get_opcodes gives them, from sorted non-overlapping matching blocks."""
    ops: list[Opcode] = []
    i = j = 0
    for ai, bj, n in [*blocks, (len_a, len_b, 0)]:
        if i < ai or j < bj:
            tag = "replace" if i < ai and j < bj else "delete" if i < ai else "insert"
            ops.append((tag, i, ai, j, bj))
        if n and ops and ops[-1][0] == "equal" and (ops[-1][2], ops[-1][4]) == (ai, bj):
            ops[-1] = ("equal", ops[-1][1], ai + n, ops[-1][3], bj + n)
        elif n:
            ops.append(("equal", ai, ai + n, bj, bj + n))
        i, j = ai + n, bj + n
    return ops


def _changed_tokens(a: list[str], b: list[str]) -> int:
    """Tokens changed between two texts' lines: lines first, then tokens inside each changed run of lines.

    A token diff of a whole long draft is quadratic in how often its common words recur (minutes for a large
    draft); anchored on the lines that did not change, only the changed runs are diffed token by token.
    """
    changed = 0
    for tag, i1, i2, j1, j2 in line_opcodes(a, b):
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
    for tag, i1, i2, _j1, _j2 in line_opcodes(a, b):
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
