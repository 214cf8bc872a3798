"""A review policy counts a person by their name, and git gives a name as `Name <email>`: the author imported under
their git identity who approves as `--reviewer 'Name'` is still the author, and the two spellings are one person
when counting approvals (they were two)."""

from __future__ import annotations

from draftmate.domain.policy import Approver, ReviewPolicy

GIT = "Ann Example <ann@example.com>"


def test_the_author_under_their_git_identity_is_the_author_by_name_alone() -> None:
    policy = ReviewPolicy.from_dict({"author_may_approve_alone": False})
    missing = policy.missing("high", [Approver("ann example")], [Approver(GIT)])
    assert missing is not None and "author may not approve" in missing
    assert policy.missing("high", [Approver(GIT)], [Approver("Ann Example")]) is not None
    assert policy.missing("high", [Approver("Bob Other")], [Approver(GIT)]) is None


def test_a_name_and_its_git_identity_are_one_approver() -> None:
    policy = ReviewPolicy.from_dict({"approvals": {"high": 2}})
    assert policy.missing("high", [Approver("Ann Example"), Approver(GIT)], []) is not None
    assert policy.missing("high", [Approver("Bob Other"), Approver(GIT)], []) is None
