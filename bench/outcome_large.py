"""How long the outcome of a review takes to measure on a large draft: the edit distance logged at approval.

Baseline (measured in the same run): one token-level diff over the whole draft, as `outcomes.edit_distance` did
before it anchored on unchanged lines. Run: `.venv/bin/python bench/outcome_large.py [PARAGRAPHS]`.
"""

from __future__ import annotations

import difflib
import random
import sys
import time

from draftmate.outcomes import changed_lines, edit_distance, tokens

WORDS = "the a of and to in is that for it with as was on be by this are sync batch record upload".split()


def whole_token_diff(before: str, after: str) -> float:
    """The baseline: one token diff of the whole texts."""
    a, b = tokens(before), tokens(after)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return min(1.0, changed / max(len(a), len(b), 1))


def main() -> None:
    """Print the time of both on a draft of PARAGRAPHS paragraphs with a few edited ones."""
    paragraphs = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    rng = random.Random(5)
    paras = [" ".join(rng.choices(WORDS, k=80)) + "." for _ in range(paragraphs)]
    before = "\n\n".join(paras) + "\n"
    edited = list(paras)
    for i in rng.sample(range(paragraphs), k=max(1, paragraphs // 50)):
        edited[i] = " ".join(rng.choices(WORDS, k=60)) + "."
    after = "\n\n".join(edited) + "\n"
    print(f"draft: {len(before):,} characters, {len(tokens(before)):,} tokens, {paragraphs} paragraphs")
    started = time.perf_counter()
    baseline = whole_token_diff(before, after)
    base_s = time.perf_counter() - started
    started = time.perf_counter()
    anchored = edit_distance(before, after)
    lines = changed_lines(before, after)
    new_s = time.perf_counter() - started
    print(f"baseline whole token diff: {base_s:8.3f} s  distance {baseline:.4f}")
    print(f"edit_distance+changed_lines: {new_s:6.3f} s  distance {anchored:.4f}  ({len(lines)} changed lines)")
    started = time.perf_counter()
    edit_distance(after, after)
    print(f"unchanged (approved as predicted): {time.perf_counter() - started:.4f} s")


if __name__ == "__main__":
    main()
