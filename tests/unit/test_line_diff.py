"""The anchored line diff under edit_distance and changed_lines: a valid edit script, close to difflib's figures."""

from __future__ import annotations

import difflib
import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from draftmate.domain.outcomes import SMALL_DIFF, changed_lines, edit_distance, line_opcodes, tokens

# a small alphabet so lines recur: blank ones, a repeated short "Example:", a few paragraphs
LINES = st.sampled_from(["", "", "Example:", "alpha beta.", "gamma delta.", "epsilon.", "zeta eta theta."])
WORDS = "the a of and to in is that for it with as was on be by this are sync batch record upload".split()


def _apply(opcodes: list[tuple[str, int, int, int, int]], a: list[str], b: list[str]) -> list[str]:
    """The lines the opcodes make of `a`, checking they cover both sides contiguously and equal ranges are equal."""
    out: list[str] = []
    i = j = 0
    for tag, i1, i2, j1, j2 in opcodes:
        assert (i1, j1) == (i, j), "ranges must be contiguous"
        assert i1 <= i2 and j1 <= j2 and (i1, j1) != (i2, j2)
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2] and i2 - i1 == j2 - j1
            out += a[i1:i2]
        else:
            assert tag == {(True, True): "replace", (True, False): "delete", (False, True): "insert"}[i1 < i2, j1 < j2]
            out += b[j1:j2]
        i, j = i2, j2
    assert (i, j) == (len(a), len(b)), "opcodes must cover both sides"
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=30), st.lists(LINES, max_size=30))
def test_line_opcodes_are_a_valid_edit_script(a: list[str], b: list[str]) -> None:
    assert _apply(line_opcodes(a, b), a, b) == b
    # small=0: the unique-line anchoring meant for large drafts, forced on every run of these small lists
    assert _apply(line_opcodes(a, b, small=0), a, b) == b


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=60), st.lists(LINES, max_size=60))
def test_a_small_draft_gets_sequence_matchers_opcodes_unchanged(a: list[str], b: list[str]) -> None:
    # figures logged before the anchoring stay comparable: small drafts are diffed exactly as they were
    assert line_opcodes(a, b) == difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()


def test_anchoring_keeps_a_repeated_short_line_in_its_place() -> None:
    # the text of _paragraphs() below: 240 lines, "Example:" three times, one of them deleted
    paras = [f"Paragraph {i} says something about topic {i} at some length." for i in range(120)]
    for at in (10, 60, 100):
        paras[at] = "Example:"
    a, b = _text(paras).splitlines(), _text(paras[:10] + paras[11:]).splitlines()
    edits = [op for op in line_opcodes(a, b, small=0) if op[0] != "equal"]
    assert edits in ([("delete", 19, 21, 19, 19)], [("delete", 20, 22, 20, 20)])


def _old_distance(before: str, after: str) -> float:
    """edit_distance as it was, with SequenceMatcher(autojunk=False) as the line diff."""
    a, b = before.splitlines(), after.splitlines()
    changed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            ta, tb = tokens("\n".join(a[i1:i2])), tokens("\n".join(b[j1:j2]))
            ops = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes()
            changed += sum(max(x2 - x1, y2 - y1) for op, x1, x2, y1, y2 in ops if op != "equal")
    return min(1.0, changed / max(len(tokens(before)), len(tokens(after))))


def _draft(rng: random.Random, paragraphs: int) -> list[str]:
    """Paragraphs as bench/outcome_large.py makes them, with a short line that recurs."""
    paras = [" ".join(rng.choices(WORDS, k=rng.randint(5, 80))) + "." for _ in range(paragraphs)]
    for at in rng.sample(range(paragraphs), k=paragraphs // 10):
        paras[at] = "Example:"
    return paras


def _text(paras: list[str]) -> str:
    """Paragraphs between blank lines."""
    return "\n\n".join(paras) + "\n"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(260, 500), st.integers(1, 5))
def test_edit_distance_stays_near_the_sequence_matcher_figure(seed: int, paragraphs: int, edits: int) -> None:
    rng = random.Random(seed)
    paras = _draft(rng, paragraphs)
    edited = list(paras)
    for _ in range(edits):
        at = rng.randrange(len(edited))
        kind = rng.choice(["rewrite", "delete", "insert", "word"])
        if kind == "rewrite":
            edited[at] = " ".join(rng.choices(WORDS, k=40)) + "."
        elif kind == "delete" and len(edited) > 1:
            del edited[at]
        elif kind == "insert":
            edited.insert(at, rng.choice(["Example:", " ".join(rng.choices(WORDS, k=30)) + "."]))
        else:
            edited[at] = edited[at].replace(" ", " sync ", 1)
    before, after = _text(paras), _text(edited)
    assert len(before.splitlines()) * len(after.splitlines()) > SMALL_DIFF  # large: the anchoring runs
    assert abs(edit_distance(before, after) - _old_distance(before, after)) <= 0.02


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(260, 500), st.integers(1, 5))
@example(seed=465, paragraphs=465, edits=3)  # a rewrite between two "Example:" lines, diffed without context
def test_changed_lines_marks_exactly_the_rewritten_paragraphs(seed: int, paragraphs: int, edits: int) -> None:
    rng = random.Random(seed)
    paras = _draft(rng, paragraphs)
    edited = list(paras)
    rewritten = set(rng.sample(range(paragraphs), k=edits))
    for at in rewritten:
        edited[at] = " ".join(rng.choices(WORDS, k=60)) + " rewritten."
    assert len(_text(paras).splitlines()) ** 2 > SMALL_DIFF  # large: the anchoring runs
    # paragraph k sits on line 2k + 1 (blank lines between)
    assert changed_lines(_text(paras), _text(edited)) == {2 * at + 1 for at in rewritten}


def test_deleting_a_paragraph_marks_it_and_one_blank_line_beside_it() -> None:
    rng = random.Random(7)
    paras = _draft(rng, 300)
    for at in (0, 10, 141, 299):
        after = _text(paras[:at] + paras[at + 1 :])
        line = 2 * at + 1
        assert changed_lines(_text(paras), after) in ({line - 1, line}, {line, line + 1})
        assert 0 < edit_distance(_text(paras), after) < 0.05


def _paragraphs(skip: int | None = None) -> str:
    """A 240-line text: paragraphs between blank lines, one short line ("Example:") used three times."""
    paras = [f"Paragraph {i} says something about topic {i} at some length." for i in range(120)]
    for at in (10, 60, 100):
        paras[at] = "Example:"
    return "\n\n".join(p for i, p in enumerate(paras) if i != skip) + "\n"


def test_deleting_one_short_paragraph_of_a_long_text_is_a_small_edit() -> None:
    # difflib's autojunk (on for 200+ lines) made the blank lines anchor nothing and matched the first "Example:"
    # with a later one: a 1-token deletion was measured as 0.9 of the text rewritten, a confident error
    before, after = _paragraphs(), _paragraphs(skip=10)
    assert 0 < edit_distance(before, after) < 0.01
    # the deleted paragraph (line 21) and one blank line beside it; autojunk marked 178 lines
    assert changed_lines(before, after) in ({20, 21}, {21, 22})
