"""The review gate is one rule in domain/lifecycle.py: approval, the CLI and export all ask it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXAMPLES
from draftmate.domain.lifecycle import gate_problems, needs_comment
from draftmate.domain.records import Decision, Resolution, Severity, State
from draftmate.errors import GateRefused
from draftmate.services.drafts import import_draft
from draftmate.services.reviews import begin_review
from draftmate.store.sqlite import SQLiteStore

SRC = Path(__file__).resolve().parents[2] / "src" / "draftmate"


def test_approve_refuses_with_exactly_what_the_gate_lists(store: SQLiteStore) -> None:
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    session = begin_review(store, draft_id, reviewer="Ann")
    first = session.sections[0]
    session.mark_seen(first.index)
    session.decide(first.index, Decision.ACCEPT)
    expected = gate_problems(session.sections, session.review, session.notes())
    assert expected  # the other sections are undecided and unseen
    with pytest.raises(GateRefused) as refused:
        session.approve()
    assert refused.value.message == "cannot approve yet:"
    assert refused.value.reasons == expected
    assert store.get_draft(draft_id).status is State.IN_REVIEW


def test_the_gate_is_decided_in_one_place() -> None:
    # a second copy of the rule (its refusal, its blocking-note test) is how the two drift apart
    for needle in ('"cannot approve yet:"', "Resolution.ACCEPTED_RISK, Resolution.DISMISSED", '"undecided", "stale"'):
        holders = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if needle in p.read_text("utf-8"))
        assert holders == ["domain/lifecycle.py"], needle


@pytest.mark.parametrize("status", list(Resolution))
@pytest.mark.parametrize("severity", list(Severity))
def test_only_a_blocking_note_accepted_as_a_risk_or_dismissed_needs_a_comment(
    severity: Severity, status: Resolution
) -> None:
    expected = severity is Severity.BLOCKING and status in (Resolution.ACCEPTED_RISK, Resolution.DISMISSED)
    assert needs_comment(severity, status) is expected
