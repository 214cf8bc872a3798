"""No sequence of review inputs reaches `final` with an undecided or stale section or an open note."""

from __future__ import annotations

import io
from collections.abc import Callable
from itertools import cycle
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rich.console import Console

from draftmate.cli.review.loop import run_review
from draftmate.domain.lifecycle import BLOCKING_NEEDS_COMMENT, section_states
from draftmate.domain.records import Resolution, ReviewStatus, Severity, State
from draftmate.domain.sections import split_sections
from draftmate.errors import GateRefused
from draftmate.services.drafts import add_note, import_draft
from draftmate.store.sqlite import SQLiteStore

DRAFT = """# Sync 2.4

Uploads are 38% faster, says the benchmark.

## Compatibility

Clients older than 2.1 must upgrade before 1 June 2026.

## Thanks

Thanks to everyone.
"""

# Answers a reviewer might type, weighted towards the ones that move a review on, so runs reach the end.
KEYS = (
    ["y"] * 8
    + ["v", "", "a", "yes"] * 3
    + ["n", "a reason", "e", "r", "shorter", "u", "check this", "b", "i", "1-2", "j", "k", "g 1", "g 3", "g 9"]
    + ["/sync", "w", "p", "?", "f", "d", "ok", "c", "r", "x", "zz", "q", "no"]
)

# What an edit or a revision does to a section's text: changes that keep, split, shrink, grow or delete it.
CHANGES: list[Callable[[str], str]] = [
    lambda t: t.replace("38%", "35%"),
    lambda t: t + "Another line.\n",
    lambda t: t.upper(),
    lambda t: "",
    lambda t: t + "\n## New heading\n\nNew text.\n",
    lambda t: t,
    lambda t: "# Only this\n",
]


def assert_gate_held(store: SQLiteStore, draft_id: str) -> bool:
    """If the draft is final, everything the gate demands holds for what was approved; True when final."""
    draft = store.get_draft(draft_id)
    if draft.status is not State.FINAL:
        assert draft.approved_sha256 is None
        return False
    version = store.get_version(draft_id)
    assert draft.approved_sha256 == version.sha256 and draft.approved_version == version.number
    [approved] = [r for r in store.list_reviews(draft_id) if r.status is ReviewStatus.APPROVED]
    sections = split_sections(version.content, draft.kind.value, draft.lang)
    states = section_states(sections, approved.decisions)
    assert all(s in ("accept", "edit") for s in states), states  # none undecided, stale or rejected
    assert all(s.sha256 in approved.seen for s in sections)
    for note in store.list_notes(draft_id):
        assert note.resolution is not None, f"note {note.number} unresolved"
        if note.severity is Severity.BLOCKING and note.resolution.status in BLOCKING_NEEDS_COMMENT:
            assert note.resolution.comment.strip(), f"blocking note {note.number} closed without a comment"
    return True


def review_with(store: SQLiteStore, draft_id: str, keys: list[str], changes: list[int]) -> list[int]:
    """Feed `keys` to run_review, restarting after each save-and-quit as a person would; the exit codes."""
    picked = cycle([CHANGES[i] for i in changes] or [CHANGES[0]])
    stdin = io.StringIO("".join(k + "\n" for k in keys))
    out = Console(file=io.StringIO(), width=100, highlight=False, markup=False, emoji=False)
    codes = []
    while stdin.tell() < len(stdin.getvalue()) and store.get_draft(draft_id).status in (State.DRAFT, State.IN_REVIEW):
        try:
            codes.append(
                run_review(
                    store,
                    draft_id,
                    reviewer="Ann",
                    stdin=stdin,
                    out=out,
                    editor=lambda text, suffix: next(picked)(text),
                    reviser=lambda text, instruction: next(picked)(text),
                )
            )
        except GateRefused:
            codes.append(3)
    return codes


def new_draft(store: SQLiteStore, path: Path) -> str:
    """The test draft with its checks' notes and one blocking note of a person's."""
    draft = import_draft(store, str(path))
    add_note(store, draft.id, "is 2.1 the right cut-off?", severity=Severity.BLOCKING, lines=(7, 7), author="Bo")
    return draft.id


@st.composite
def perturbed_reviews(draw: st.DrawFn) -> list[str]:
    """A path that would approve, with random answers slipped in anywhere: most runs go far, many reach the end."""
    keys = ["y"] * 6 + ["v", ""] * 10 + ["a", "yes"] * 2
    for _ in range(draw(st.integers(0, 12))):
        at = draw(st.integers(0, len(keys)))
        keys[at:at] = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3))
    return keys


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    keys=st.one_of(perturbed_reviews(), st.lists(st.sampled_from(KEYS), max_size=80)),
    changes=st.lists(st.integers(0, len(CHANGES) - 1), max_size=6),
)
def test_no_input_sequence_reaches_final_past_the_gate(tmp_path: Path, keys: list[str], changes: list[int]) -> None:
    path = tmp_path / "sync.md"
    path.write_text(DRAFT)
    store = SQLiteStore.memory()
    draft_id = new_draft(store, path)
    codes = review_with(store, draft_id, keys, changes)
    assert set(codes) <= {0, 3}
    final = assert_gate_held(store, draft_id)
    event("final" if final else store.get_draft(draft_id).status.value)


def test_the_property_can_see_a_final_draft(tmp_path: Path) -> None:
    """A control: a sequence that does approve, with an edit, so the property above is not vacuous."""
    path = tmp_path / "sync.md"
    path.write_text(DRAFT)
    store = SQLiteStore.memory()
    draft_id = new_draft(store, path)
    notes = len(store.list_notes(draft_id))
    keys = ["y", "e", "y", "y", "y"] + ["v", ""] * notes + ["a", "yes"]
    assert review_with(store, draft_id, keys, [0]) == [0]
    assert assert_gate_held(store, draft_id)
    assert any(n.resolution and n.resolution.status is Resolution.VERIFIED for n in store.list_notes(draft_id))
