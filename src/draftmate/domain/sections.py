"""Split a draft into the sections a reviewer decides on, one by one."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

HEADING = re.compile(r"^#{1,6}\s+\S")
FENCE = re.compile(r"^\s*(```|~~~)")
CODE_START = re.compile(r"^(async\s+)?(def|class|func|fn|function|pub\s+fn|impl|struct|interface|type)\b")
MAX_LINES = 40
TEXT_GROUP_LINES = 12
CODE_GROUP_LINES = 30


@dataclass(frozen=True)
class Section:
    """A contiguous run of a draft's lines; lines are 1-based and inclusive."""

    index: int
    start: int
    end: int
    text: str
    title: str

    @property
    def sha256(self) -> str:
        """The hash a decision on this section is pinned to."""
        from draftmate.domain.digests import sha256_hex  # hashlib and json: not for `show`, which hashes nothing

        return sha256_hex(self.text)


def split_sections(content: str, kind: str, lang: str = "") -> list[Section]:
    """Sections covering every line of `content` exactly once, in order."""
    lines = content.splitlines(keepends=True)
    if not lines:
        return [Section(0, 1, 1, content, "(empty)")]
    if kind == "code":
        starts = _python_starts(content, lines) if lang in ("python", "py", "") else None
        if starts is None:
            starts = _block_starts(lines, CODE_GROUP_LINES, CODE_START)
    else:
        starts = _text_starts(lines)
    return _build(lines, starts)


def display_spans(content: str) -> list[tuple[int, int]] | None:
    """Per line as Python, editors and `split("\\n")` count them, the lines `splitlines` (sections, the review,
    notes) numbers it as; None when both numberings agree, as they do unless the text holds a form feed, a
    vertical tab, U+2028 or another character that `splitlines` also breaks at."""
    pieces = content.split("\n")
    if len(content.splitlines()) == len(pieces) - (1 if pieces[-1] == "" else 0):
        return None
    spans, first = [], 1
    for i, piece in enumerate(pieces):
        count = len((piece + "\n").splitlines()) if i < len(pieces) - 1 else len(piece.splitlines())
        spans.append((first, first + max(count, 1) - 1))
        first += count
    return spans


def replace_section(content: str, section: Section, new_text: str) -> str:
    """`content` with one section's lines replaced by `new_text`."""
    lines = content.splitlines(keepends=True)
    if section.text.endswith("\n") and new_text and not new_text.endswith("\n"):
        new_text += "\n"
    return "".join(lines[: section.start - 1]) + new_text + "".join(lines[section.end :])


def _build(lines: list[str], starts: list[int]) -> list[Section]:
    starts = sorted({0, *starts})
    sections = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(lines)
        chunk = lines[start:end]
        title = next((line.strip() for line in chunk if line.strip()), "(blank)")
        sections.append(Section(i, start + 1, end, "".join(chunk), title[:80]))
    return sections


def _paragraph_starts(lines: list[str], lo: int, hi: int) -> list[int]:
    """Indexes in [lo, hi) where a paragraph begins (a non-blank line after a blank one)."""
    starts, in_fence = [], False
    for i in range(lo, hi):
        if FENCE.match(lines[i]):
            in_fence = not in_fence
        if not in_fence and i > lo and lines[i].strip() and not lines[i - 1].strip():
            starts.append(i)
    return starts


def _group(boundaries: list[int], lo: int, hi: int, target: int) -> list[int]:
    """Keep boundaries so each group holds about `target` lines, never more than MAX_LINES."""
    kept, group_start = [], lo
    for i, b in enumerate(boundaries):
        nxt = boundaries[i + 1] if i + 1 < len(boundaries) else hi
        if b - group_start >= target or nxt - group_start > MAX_LINES:
            kept.append(b)
            group_start = b
    return kept


def _text_starts(lines: list[str]) -> list[int]:
    headings, in_fence = [], False
    for i, line in enumerate(lines):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and HEADING.match(line):
            headings.append(i)
    if not headings:
        return _group(_paragraph_starts(lines, 0, len(lines)), 0, len(lines), TEXT_GROUP_LINES)
    starts = list(headings)
    bounds = [0, *headings, len(lines)]
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        if hi - lo > MAX_LINES:
            starts += _group(_paragraph_starts(lines, lo, hi), lo, hi, MAX_LINES // 2)
    return starts


def _block_starts(lines: list[str], target: int, start_pattern: re.Pattern[str]) -> list[int]:
    blocks = _paragraph_starts(lines, 0, len(lines))
    definitions = [b for b in blocks if start_pattern.match(lines[b])]
    if definitions:
        return definitions + [b for b in _group(blocks, 0, len(lines), target) if b not in definitions]
    return _group(blocks, 0, len(lines), target)


def _python_starts(content: str, lines: list[str]) -> list[int] | None:
    """One section per top-level def or class (with its decorators and leading comments)."""
    try:
        tree = ast.parse(content)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # nesting too deep for the parser too: sections by blocks, as for code that does not parse
    starts: list[int] = []
    previous_was_definition = False
    for node in tree.body:
        is_definition = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        if is_definition or previous_was_definition:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
            while first > 0 and lines[first - 1].lstrip().startswith("#"):
                first -= 1
            starts.append(first)
        previous_was_definition = is_definition
    return starts
