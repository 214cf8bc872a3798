"""The lifecycle of a draft and the review gate: pure rules, no I/O."""

from __future__ import annotations

import difflib
from enum import StrEnum
from typing import TYPE_CHECKING

from draftmate.domain.note_text import clip_words
from draftmate.domain.sections import Section
from draftmate.domain.vocabulary import Decision, Resolution, Severity, State
from draftmate.errors import GateRefused, IllegalTransition

# The records are only annotations here: `show` imports this module and must not load pydantic.
if TYPE_CHECKING:
    from draftmate.domain.records import Note, Review, SectionDecision


class Action(StrEnum):
    """Everything that can happen to a draft."""

    START_REVIEW = "start_review"
    DECIDE_SECTION = "decide_section"
    RESOLVE_NOTE = "resolve_note"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    NEW_VERSION = "new_version"
    ADD_NOTE = "add_note"


# The only legal moves: (state, action) -> next state. Approval also needs the gate to pass.
TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.DRAFT, Action.START_REVIEW): State.IN_REVIEW,
    (State.DRAFT, Action.NEW_VERSION): State.DRAFT,
    (State.DRAFT, Action.ADD_NOTE): State.DRAFT,
    (State.IN_REVIEW, Action.START_REVIEW): State.IN_REVIEW,  # resume
    (State.IN_REVIEW, Action.DECIDE_SECTION): State.IN_REVIEW,
    (State.IN_REVIEW, Action.RESOLVE_NOTE): State.IN_REVIEW,
    (State.IN_REVIEW, Action.NEW_VERSION): State.IN_REVIEW,  # an edit during review
    (State.IN_REVIEW, Action.ADD_NOTE): State.IN_REVIEW,
    (State.IN_REVIEW, Action.APPROVE): State.FINAL,
    (State.IN_REVIEW, Action.REJECT): State.REJECTED,
    (State.IN_REVIEW, Action.REQUEST_CHANGES): State.CHANGES,
    (State.CHANGES, Action.NEW_VERSION): State.DRAFT,
    (State.CHANGES, Action.ADD_NOTE): State.CHANGES,
    (State.REJECTED, Action.NEW_VERSION): State.DRAFT,
    (State.REJECTED, Action.ADD_NOTE): State.REJECTED,
    (State.FINAL, Action.NEW_VERSION): State.DRAFT,  # an approval never covers content it did not see
}

# What to do instead, by state, when an action is not legal there.
HINTS: dict[State, str] = {
    State.DRAFT: "start a review with `draftmate review ID`",
    State.IN_REVIEW: "finish the review with `draftmate review ID`",
    State.FINAL: "it is approved; export it, or change it with `draftmate draft --from-file FILE --version-of ID`",
    State.REJECTED: "it was rejected; start again with `draftmate draft --from-file FILE --version-of ID` "
    "(or `draft --retry ID` for a model draft)",
    State.CHANGES: "changes were requested; make a new version with `draftmate draft --from-file FILE --version-of ID` "
    "(or `draft --retry ID` for a model draft)",
}


def next_state(state: State, action: Action) -> State:
    """The state after `action`, or IllegalTransition naming the state and what to do."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        verb = action.value.replace("_", " ")
        raise IllegalTransition(f"cannot {verb}: the draft is {state.value}; {HINTS[state]}") from None


# Section states that still need the reviewer's decision (the others are the decision itself).
TO_DECIDE = frozenset({"undecided", "stale"})


def section_states(sections: list[Section], decisions: list[SectionDecision]) -> list[str]:
    """Per section: 'undecided', 'stale' (content changed since its decision) or the decision."""
    by_index = {d.index: d for d in decisions}
    states = []
    for section in sections:
        decided = by_index.get(section.index)
        if decided is None:
            states.append("undecided")
        elif decided.sha256 != section.sha256:
            states.append("stale")
        else:
            states.append(decided.decision.value)
    return states


def carry_decisions(old: list[Section], new: list[Section], decisions: list[SectionDecision]) -> list[SectionDecision]:
    """Move decisions to where their sections went in new content; changed sections become stale."""
    by_index = {d.index: d for d in decisions}
    matcher = difflib.SequenceMatcher(a=[s.sha256 for s in old], b=[s.sha256 for s in new], autojunk=False)
    carried = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):
            # equal: same sha, still decided; same-size replace: keeps its old sha, so it reads as stale
            for offset in range(a1 - a0):
                if (d := by_index.get(a0 + offset)) is not None:
                    carried.append(d.model_copy(update={"index": b0 + offset}))
    return carried


BLOCKING_NEEDS_COMMENT = (Resolution.ACCEPTED_RISK, Resolution.DISMISSED)


def needs_comment(severity: Severity, status: Resolution) -> bool:
    """Whether closing a note this way needs a comment: a blocking note accepted as a risk or dismissed."""
    return severity is Severity.BLOCKING and status in BLOCKING_NEEDS_COMMENT


def answerable_together(severity: Severity) -> bool:
    """Whether a note may be answered with others of its kind in one answer: never a blocking one."""
    return severity is not Severity.BLOCKING


def gate_problems(sections: list[Section], review: Review, notes: list[Note]) -> list[str]:
    """Everything that stands between this review and approval; empty means the gate passes."""
    problems = []
    if not review.reviewer.strip():
        problems.append("no reviewer named: pass --reviewer or set DRAFTMATE_REVIEWER")
    if not review.editorial_responsibility.strip():
        problems.append("no one named as holding editorial responsibility")
    if not any(section.text.strip() for section in sections):
        problems.append("the draft is empty: there is nothing to approve; reject it or make a new version")
    seen = set(review.seen)
    for section, state in zip(sections, section_states(sections, review.decisions), strict=True):
        where = f"section {section.index + 1} (lines {section.start}-{section.end})"
        if state == "undecided":
            problems.append(f"{where} is undecided")
        elif state == "stale":
            problems.append(f"{where} changed since it was decided")
        elif state == Decision.REJECT.value:
            problems.append(f"{where} was rejected")
        if section.sha256 not in seen:
            problems.append(f"{where} was never shown in full")
    for note in notes:
        label = f"note {note.number} ({note.severity.value}: {clip_words(note.why, 60)})"
        if note.resolution is None:
            problems.append(f"{label} is unresolved")
        elif needs_comment(note.severity, note.resolution.status) and not note.resolution.comment.strip():
            problems.append(f"blocking {label} was {note.resolution.status.value} without a comment")
    return problems


def check_gate(sections: list[Section], review: Review, notes: list[Note]) -> None:
    """Raise GateRefused listing what is missing unless the review may approve: the one place that decides."""
    problems = gate_problems(sections, review, notes)
    if problems:
        raise GateRefused("cannot approve yet:", problems)
