"""The lifecycle table, the review gate, carried decisions, and the property that only a person makes work final."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from draftmate.domain.lifecycle import Action, carry_decisions, check_gate, gate_problems, next_state, section_states
from draftmate.domain.records import (
    Decision,
    Kind,
    Note,
    NoteResolution,
    Origin,
    Resolution,
    Review,
    ReviewStatus,
    SectionDecision,
    Severity,
    State,
)
from draftmate.domain.sections import Section, split_sections
from draftmate.errors import DraftmateError, GateRefused, IllegalTransition
from draftmate.services.reviews import ReviewSession, begin_review
from draftmate.store.sqlite import SQLiteStore, sha256_hex

# The lifecycle of DESIGN.md, written out independently of workflow.TRANSITIONS.
EXPECTED: dict[tuple[State, Action], State] = {
    (State.DRAFT, Action.START_REVIEW): State.IN_REVIEW,
    (State.DRAFT, Action.NEW_VERSION): State.DRAFT,
    (State.DRAFT, Action.ADD_NOTE): State.DRAFT,
    (State.IN_REVIEW, Action.START_REVIEW): State.IN_REVIEW,
    (State.IN_REVIEW, Action.DECIDE_SECTION): State.IN_REVIEW,
    (State.IN_REVIEW, Action.RESOLVE_NOTE): State.IN_REVIEW,
    (State.IN_REVIEW, Action.NEW_VERSION): State.IN_REVIEW,
    (State.IN_REVIEW, Action.ADD_NOTE): State.IN_REVIEW,
    (State.IN_REVIEW, Action.APPROVE): State.FINAL,
    (State.IN_REVIEW, Action.REJECT): State.REJECTED,
    (State.IN_REVIEW, Action.REQUEST_CHANGES): State.CHANGES,
    (State.CHANGES, Action.NEW_VERSION): State.DRAFT,
    (State.CHANGES, Action.ADD_NOTE): State.CHANGES,
    (State.REJECTED, Action.NEW_VERSION): State.DRAFT,
    (State.REJECTED, Action.ADD_NOTE): State.REJECTED,
    (State.FINAL, Action.NEW_VERSION): State.DRAFT,
}
ALL_PAIRS = list(itertools.product(State, Action))


@pytest.mark.parametrize(("state", "action"), ALL_PAIRS, ids=[f"{s.value}-{a.value}" for s, a in ALL_PAIRS])
def test_every_state_action_pair(state: State, action: Action) -> None:
    if (state, action) in EXPECTED:
        assert next_state(state, action) is EXPECTED[(state, action)]
        return
    with pytest.raises(IllegalTransition) as caught:
        next_state(state, action)
    message = str(caught.value)
    assert f"the draft is {state.value}" in message
    assert action.value.replace("_", " ") in message
    assert "draftmate" in message or "version" in message or "export" in message  # says what to do instead
    assert caught.value.exit_code == 3


def test_only_approval_from_in_review_reaches_final() -> None:
    into_final = [(s, a) for (s, a), target in EXPECTED.items() if target is State.FINAL]
    assert into_final == [(State.IN_REVIEW, Action.APPROVE)]
    for state in State:
        if state is not State.IN_REVIEW:
            with pytest.raises(IllegalTransition):
                next_state(state, Action.APPROVE)


def test_final_only_leaves_by_a_new_version_into_draft() -> None:
    for action in Action:
        if action is Action.NEW_VERSION:
            assert next_state(State.FINAL, action) is State.DRAFT
        else:
            with pytest.raises(IllegalTransition, match="the draft is final"):
                next_state(State.FINAL, action)


# ---- the gate ----------------------------------------------------------------------------------------

TEXT = "# One\n\nfirst part\n\n# Two\n\nsecond part\n"
AT = "2026-01-01T00:00:00.000Z"


def _sections() -> list[Section]:
    sections = split_sections(TEXT, "text")
    assert len(sections) == 2
    return sections


def _review(sections: list[Section], **changes: object) -> Review:
    """A review in which everything was seen and accepted; `changes` take parts away."""
    values: dict[str, object] = {
        "id": "r" * 32,
        "draft_id": "d" * 32,
        "version": 1,
        "reviewer": "Ada",
        "editorial_responsibility": "Ada",
        "status": ReviewStatus.OPEN,
        "started_at": AT,
        "seen": [s.sha256 for s in sections],
        "decisions": [
            SectionDecision(index=s.index, sha256=s.sha256, decision=Decision.ACCEPT, at=AT) for s in sections
        ],
    }
    values.update(changes)
    return Review.model_validate(values)


def _note(number: int = 1, severity: Severity = Severity.VERIFY, resolution: NoteResolution | None = None) -> Note:
    return Note(
        id=f"{number:032x}",
        draft_id="d" * 32,
        number=number,
        version=1,
        kind="number",
        severity=severity,
        why="check the figure",
        source="checks",
        created_at=AT,
        resolution=resolution,
    )


def _resolved(status: Resolution, comment: str = "") -> NoteResolution:
    return NoteResolution(status=status, by="Ada", at=AT, comment=comment)


def test_gate_passes_when_everything_is_done() -> None:
    sections = _sections()
    notes = [_note(1, resolution=_resolved(Resolution.VERIFIED))]
    assert gate_problems(sections, _review(sections), notes) == []
    check_gate(sections, _review(sections), notes)


def test_gate_undecided_section() -> None:
    sections = _sections()
    review = _review(sections, decisions=[_review(sections).decisions[0]])
    problems = gate_problems(sections, review, [])
    assert problems == ["section 2 (lines 5-7) is undecided"]


def test_gate_stale_section() -> None:
    sections = _sections()
    decisions = _review(sections).decisions
    decisions[1] = decisions[1].model_copy(update={"sha256": sha256_hex("what it said before")})
    problems = gate_problems(sections, _review(sections, decisions=decisions), [])
    assert problems == ["section 2 (lines 5-7) changed since it was decided"]


def test_gate_rejected_section() -> None:
    sections = _sections()
    decisions = _review(sections).decisions
    decisions[0] = decisions[0].model_copy(update={"decision": Decision.REJECT, "reason": "wrong"})
    assert gate_problems(sections, _review(sections, decisions=decisions), []) == ["section 1 (lines 1-4) was rejected"]


def test_gate_unseen_section() -> None:
    sections = _sections()
    review = _review(sections, seen=[sections[1].sha256])
    assert gate_problems(sections, review, []) == ["section 1 (lines 1-4) was never shown in full"]


def test_gate_unresolved_note() -> None:
    sections = _sections()
    problems = gate_problems(sections, _review(sections), [_note(3, Severity.INFO)])
    assert problems == ["note 3 (info: check the figure) is unresolved"]


@pytest.mark.parametrize("status", [Resolution.ACCEPTED_RISK, Resolution.DISMISSED])
def test_gate_blocking_note_closed_without_comment(status: Resolution) -> None:
    sections = _sections()
    bare = _note(1, Severity.BLOCKING, _resolved(status))
    problems = gate_problems(sections, _review(sections), [bare])
    assert problems == [f"blocking note 1 (blocking: check the figure) was {status.value} without a comment"]
    explained = _note(1, Severity.BLOCKING, _resolved(status, "checked with the author"))
    assert gate_problems(sections, _review(sections), [explained]) == []


@pytest.mark.parametrize("status", [Resolution.VERIFIED, Resolution.FIXED])
def test_gate_blocking_note_verified_or_fixed_needs_no_comment(status: Resolution) -> None:
    sections = _sections()
    assert gate_problems(sections, _review(sections), [_note(1, Severity.BLOCKING, _resolved(status))]) == []


def test_gate_missing_reviewer_and_responsibility() -> None:
    sections = _sections()
    problems = gate_problems(sections, _review(sections, reviewer=" ", editorial_responsibility=""), [])
    assert len(problems) == 2
    assert "no reviewer" in problems[0]
    assert "editorial responsibility" in problems[1]


def test_check_gate_lists_every_problem() -> None:
    sections = _sections()
    review = _review(sections, seen=[], decisions=[])
    with pytest.raises(GateRefused) as caught:
        check_gate(sections, review, [_note(1)])
    assert caught.value.exit_code == 3
    assert len(caught.value.reasons) == 5  # two undecided, two unseen, one note
    assert "note 1" in str(caught.value)


# ---- carried decisions --------------------------------------------------------------------------------

CODE = "def a():\n    return 1\n\n\ndef b():\n    return 2\n\n\ndef c():\n    return 3\n"


def _decide_all(sections: list[Section]) -> list[SectionDecision]:
    return [SectionDecision(index=s.index, sha256=s.sha256, decision=Decision.ACCEPT, at=AT) for s in sections]


def test_carry_decisions_follows_sections_that_shift() -> None:
    old = split_sections(CODE, "code", "python")
    new = split_sections("def z():\n    return 0\n\n\n" + CODE, "code", "python")
    assert len(old) == 3 and len(new) == 4
    carried = carry_decisions(old, new, _decide_all(old))
    assert [d.index for d in carried] == [1, 2, 3]
    assert section_states(new, carried) == ["undecided", "accept", "accept", "accept"]


def test_carry_decisions_marks_a_changed_section_stale() -> None:
    old = split_sections(CODE, "code", "python")
    new = split_sections(CODE.replace("return 2", "return 22"), "code", "python")
    carried = carry_decisions(old, new, _decide_all(old))
    assert section_states(new, carried) == ["accept", "stale", "accept"]


def test_carry_decisions_drops_decisions_of_deleted_sections() -> None:
    old = split_sections(CODE, "code", "python")
    new = split_sections(CODE.replace("def b():\n    return 2\n\n\n", ""), "code", "python")
    carried = carry_decisions(old, new, _decide_all(old))
    assert section_states(new, carried) == ["accept", "accept"]
    assert [d.sha256 for d in carried] == [old[0].sha256, old[2].sha256]


def test_carry_decisions_keeps_undecided_undecided() -> None:
    old = split_sections(CODE, "code", "python")
    only_first = _decide_all(old)[:1]
    new = split_sections(CODE + "\n\ndef d():\n    return 4\n", "code", "python")
    assert section_states(new, carry_decisions(old, new, only_first)) == [
        "accept",
        "undecided",
        "undecided",
        "undecided",
    ]


# ---- through the real store and review session ---------------------------------------------------------

DOC = "# Intro\n\nThe batch holds 500 records.\n\n# Details\n\nUploads use parts.\n\n# End\n\nThanks.\n"


def _draft_with_note(store: SQLiteStore, severity: Severity = Severity.VERIFY) -> str:
    draft = store.create_draft(DOC, kind=Kind.TEXT, lang="markdown", origin=Origin.MODEL, author="")
    store.add_note(
        draft.id, version=1, kind="number", severity=severity, why="check 500", source="checks", lines=(3, 3)
    )
    return draft.id


def _complete(session: ReviewSession) -> None:
    """Everything a person does before approving: read, decide, resolve."""
    for section in session.sections:
        session.mark_seen(section.index)
        session.decide(section.index, Decision.ACCEPT)
    for note in session.open_notes():
        session.resolve(str(note.number), Resolution.VERIFIED)


def test_approval_pins_the_content_and_a_new_version_unpins_it() -> None:
    store = SQLiteStore.memory()
    draft_id = _draft_with_note(store)
    session = begin_review(store, draft_id, reviewer="Ada")
    with pytest.raises(GateRefused):
        session.approve()
    assert store.get_draft(draft_id).status is State.IN_REVIEW
    _complete(session)
    final = session.approve()
    assert final.status is State.FINAL
    assert final.approved_sha256 == store.get_version(draft_id).sha256 == sha256_hex(DOC)
    assert final.approved_version == 1
    session.replace_content(DOC.replace("500", "600"), Origin.MODEL, {"revision": "r"})
    after = store.get_draft(draft_id)
    assert after.status is State.DRAFT
    assert after.approved_sha256 is None and after.approved_version is None
    assert store.verify() == []


def test_a_resumed_review_keeps_its_decisions() -> None:
    store = SQLiteStore.memory()
    draft_id = _draft_with_note(store)
    first = begin_review(store, draft_id, reviewer="Ada")
    first.mark_seen(0)
    first.decide(0, Decision.ACCEPT)
    again = begin_review(store, draft_id, reviewer="Ada")
    assert again.review.id == first.review.id
    assert again.states()[0] == "accept"


# Operations a run may try, in any order; none of them is an approval.
NON_APPROVAL_OPS = st.sampled_from(
    [
        "start_review",
        "see",
        "accept",
        "reject_section",
        "resolve",
        "resolve_blocking_bare",
        "add_note",
        "add_blocking_note",
        "edit",
        "model_revision",
        "reject",
        "request_changes",
        "complete",
    ]
)


# Weighted toward the steps of a full approval, so runs reach `final` and then change content.
TOWARD_APPROVAL = st.sampled_from(["approve", "full_review", "full_review", "edit", "model_revision"])


class Run:
    """Drives one draft through the real store and review session, refusals included."""

    def __init__(self) -> None:
        self.store = SQLiteStore.memory()
        self.draft_id = _draft_with_note(self.store)
        self.session: ReviewSession | None = None
        self.edits = 0

    def status(self) -> State:
        return self.store.get_draft(self.draft_id).status

    def apply(self, op: str, index: int) -> None:
        """Try one operation; expected refusals (DraftmateError) are part of the run."""
        try:
            self._apply(op, index)
        except DraftmateError:
            pass

    def _apply(self, op: str, index: int) -> None:
        if op == "start_review":
            self.session = begin_review(self.store, self.draft_id, reviewer="Ada")
            return
        if op == "add_note" or op == "add_blocking_note":
            severity = Severity.BLOCKING if op == "add_blocking_note" else Severity.INFO
            draft = self.store.get_draft(self.draft_id)
            next_state(draft.status, Action.ADD_NOTE)
            self.store.add_note(
                self.draft_id,
                version=draft.current_version,
                kind="model",
                severity=severity,
                why="model says",
                source="model",
            )
            return
        session = self.session
        if session is None:
            return
        i = index % len(session.sections)
        if op == "see":
            session.mark_seen(i)
        elif op == "accept":
            session.decide(i, Decision.ACCEPT)
        elif op == "reject_section":
            session.decide(i, Decision.REJECT, "not right")
        elif op == "resolve":
            for note in session.open_notes()[:1]:
                session.resolve(str(note.number), Resolution.VERIFIED)
        elif op == "resolve_blocking_bare":
            for note in session.open_notes()[:1]:
                session.resolve(str(note.number), Resolution.DISMISSED)
        elif op == "edit":
            self.edits += 1
            session.mark_seen(i)
            session.edit(i, session.sections[i].text.rstrip("\n") + f" edited {self.edits}\n")
        elif op == "model_revision":
            self.edits += 1
            session.replace_content(session.version.content + f"\nMore {self.edits}.\n", Origin.MODEL, {})
        elif op == "reject":
            session.reject("not usable")
        elif op == "request_changes":
            session.request_changes("shorter")
        elif op == "complete":
            _complete(session)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(NON_APPROVAL_OPS, st.integers(0, 5)), max_size=25))
def test_no_sequence_without_an_approval_reaches_final(ops: list[tuple[str, int]]) -> None:
    run = Run()
    for op, index in ops:
        run.apply(op, index)
        assert run.status() is not State.FINAL
    assert run.store.get_draft(run.draft_id).approved_sha256 is None
    assert run.store.verify() == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.one_of(NON_APPROVAL_OPS, TOWARD_APPROVAL), st.integers(0, 5)), max_size=25))
def test_final_only_by_approval_and_only_for_the_content_approved(ops: list[tuple[str, int]]) -> None:
    run = Run()
    for op, index in ops:
        before = run.store.get_draft(run.draft_id)
        if op in ("approve", "full_review"):
            try:
                if op == "full_review":  # a person reads, decides, resolves, then approves
                    run.apply("start_review", index)
                    run.apply("complete", index)
                if run.session is not None:
                    run.session.approve()
            except DraftmateError:
                pass
        else:
            run.apply(op, index)
        after = run.store.get_draft(run.draft_id)
        if after.status is State.FINAL:
            event("reached final")
            # final only through an approval just now, or it already was and the content did not change
            assert op in ("approve", "full_review") or (
                before.status is State.FINAL and before.current_version == after.current_version
            )
            current = run.store.get_version(run.draft_id)
            assert after.approved_sha256 == current.sha256
            assert after.approved_version == current.number
            review = run.store.list_reviews(run.draft_id)[-1]
            assert review.status is ReviewStatus.APPROVED and review.reviewer == "Ada"
            assert all(n.resolution is not None for n in run.store.list_notes(run.draft_id))
        if after.current_version != before.current_version:
            # content changed: whatever it was before, it is not final now
            if before.status is State.FINAL:
                event("changed content after approval")
            assert after.status is not State.FINAL
            assert after.approved_sha256 is None
    assert run.store.verify() == []


@pytest.mark.parametrize("change", ["edit", "model_revision"])
def test_changing_content_after_approval_leaves_the_draft_non_final(change: str) -> None:
    run = Run()
    run.apply("start_review", 0)
    run.apply("complete", 0)
    assert run.session is not None
    assert run.session.approve().status is State.FINAL
    run.apply(change, 1)
    draft = run.store.get_draft(run.draft_id)
    assert draft.current_version == 2
    assert draft.status is State.DRAFT
    assert draft.approved_sha256 is None


def test_an_approved_review_record_is_not_changed_by_a_later_version() -> None:
    run = Run()
    run.apply("start_review", 0)
    run.apply("complete", 0)
    assert run.session is not None
    run.session.approve()
    (approved,) = run.store.list_reviews(run.draft_id)
    run.apply("edit", 1)
    run.apply("model_revision", 0)
    assert run.store.get_draft(run.draft_id).current_version == 3
    assert run.store.list_reviews(run.draft_id) == [approved]  # still says what it approved, and when
    assert run.store.verify() == []
