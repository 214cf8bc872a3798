"""How long the outcome of a review takes to measure on a large draft: the edit distance logged at approval.

Baselines (measured in the same run): one token-level diff over the whole draft, as `outcomes.edit_distance` did
before it anchored on unchanged lines (skipped above 1,000 paragraphs: minutes); and the line diff by
SequenceMatcher(autojunk=False), as it did before `outcomes.line_opcodes` (quadratic in recurring blank lines).
Run: `.venv/bin/python bench/outcome_large.py [PARAGRAPHS ...]` (default 400 and 4000, a ~1.3 MB draft).
"""

from __future__ import annotations

import difflib
import random
import sys
import time

from draftmate.domain.outcomes import changed_lines, edit_distance, line_opcodes, tokens

WORDS = "the a of and to in is that for it with as was on be by this are sync batch record upload".split()


def whole_token_diff(before: str, after: str) -> float:
    """The baseline: one token diff of the whole texts."""
    a, b = tokens(before), tokens(after)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return min(1.0, changed / max(len(a), len(b), 1))


def sequence_matcher_lines(before: str, after: str) -> tuple[float, set[int]]:
    """The line baseline: edit_distance and changed_lines with SequenceMatcher(autojunk=False) as the line diff."""
    a, b = before.splitlines(), after.splitlines()
    opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    changed, lines = 0, set()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        ta, tb = tokens("\n".join(a[i1:i2])), tokens("\n".join(b[j1:j2]))
        matcher = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
        changed += sum(max(x2 - x1, y2 - y1) for op, x1, x2, y1, y2 in matcher.get_opcodes() if op != "equal")
        if tag == "insert":
            lines.add(max(i1, 1))
        else:
            lines.update(range(i1 + 1, i2 + 1))
    size = max(len(tokens(before)), len(tokens(after)))
    return min(1.0, changed / size), lines


def draft_pair(paragraphs: int) -> tuple[str, str]:
    """A draft of PARAGRAPHS paragraphs and the same with one in fifty rewritten."""
    rng = random.Random(5)
    paras = [" ".join(rng.choices(WORDS, k=80)) + "." for _ in range(paragraphs)]
    before = "\n\n".join(paras) + "\n"
    edited = list(paras)
    for i in rng.sample(range(paragraphs), k=max(1, paragraphs // 50)):
        edited[i] = " ".join(rng.choices(WORDS, k=60)) + "."
    return before, "\n\n".join(edited) + "\n"


def run(paragraphs: int) -> None:
    """Print the time of the baselines and of outcomes' functions on one draft."""
    before, after = draft_pair(paragraphs)
    print(f"draft: {len(before):,} characters, {len(tokens(before)):,} tokens, {paragraphs} paragraphs")
    if paragraphs <= 1000:
        started = time.perf_counter()
        baseline = whole_token_diff(before, after)
        print(f"  baseline whole token diff:          {time.perf_counter() - started:7.3f} s  distance {baseline:.4f}")
    started = time.perf_counter()
    old_distance, old_lines = sequence_matcher_lines(before, after)
    old_s = time.perf_counter() - started
    print(
        f"  old: SequenceMatcher line diff:     {old_s:7.3f} s  distance {old_distance:.4f}  ({len(old_lines)} lines)"
    )
    started = time.perf_counter()
    anchored = edit_distance(before, after)
    lines = changed_lines(before, after)
    new_s = time.perf_counter() - started
    print(f"  new: edit_distance+changed_lines:   {new_s:7.3f} s  distance {anchored:.4f}  ({len(lines)} lines)")
    started = time.perf_counter()
    line_opcodes(before.splitlines(), after.splitlines())
    print(f"  of which one line_opcodes:          {time.perf_counter() - started:7.3f} s")
    print(f"  same changed lines as old: {lines == old_lines};  speed-up x{old_s / max(new_s, 1e-9):.0f}")
    started = time.perf_counter()
    edit_distance(after, after)
    print(f"  unchanged (approved as predicted):  {time.perf_counter() - started:7.4f} s")


def main() -> None:
    """Run on each PARAGRAPHS given, or on 400 and 4000 (a ~1.3 MB draft)."""
    for paragraphs in [int(arg) for arg in sys.argv[1:]] or [400, 4000]:
        run(paragraphs)


if __name__ == "__main__":
    main()
