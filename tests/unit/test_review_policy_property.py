"""Review policies, as a property: over random sequences of imports, new versions and approvals by several people,
no draft reaches `final` without the approvals its policy asks for; and the policy commands on both backends."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backends import fresh_database_url, login_as
from draftmate.cli.app import app
from draftmate.domain.policy import Approver, ReviewPolicy
from draftmate.domain.records import State
from draftmate.errors import DraftmateError
from draftmate.services.drafts import import_draft, import_version
from draftmate.services.reviews import review_non_interactive, set_policy
from draftmate.store.protocol import Store
from draftmate.store.sqlite import SQLiteStore
from reliability_support import one_line_error

# "ann" is Ann under another spelling: one person; "Robert" is Bob under another name, the same person on PostgreSQL
# (his database role says so) and another on SQLite (a name is all it has)
PEOPLE = ["Ann", "ann", "Bob", "Robert", "Cy"]
TEXTS = ["# Tea\n\nTea is a drink made from leaves.\n", "# Tea\n\nTea is a drink made from dried leaves.\n"]

actions = st.lists(
    st.one_of(
        st.tuples(st.just("import"), st.sampled_from(PEOPLE), st.integers(0, 3)),
        st.tuples(st.just("version"), st.sampled_from(PEOPLE), st.integers(0, 3)),
        st.tuples(st.just("approve"), st.sampled_from(PEOPLE), st.integers(0, 3)),
    ),
    min_size=1,
    max_size=25,
)


# examples per backend: each PostgreSQL example makes a schema and logs in as three roles; derandomized, so CI runs
# the same examples every time (a random failure there would be a flake, not a finding)
EXAMPLES = {"sqlite": 60, "postgres": 12}
ROLES = {"ann": "dm_ann", "bob": "dm_bob", "robert": "dm_bob", "cy": "dm_cy"}  # each person's login on PostgreSQL


def person_stores(backend: str, request: pytest.FixtureRequest) -> tuple[Store, dict[str, Store]]:
    """A new empty store, and the store each person acts through: the same one on SQLite, their own login on
    PostgreSQL (where a database role, not a name, is a person)."""
    if backend == "sqlite":
        store = SQLiteStore.memory()
        return store, dict.fromkeys(PEOPLE, store)
    from draftmate.store.postgres import PostgresStore

    url = fresh_database_url(request.getfixturevalue("postgres_server_url"))
    owner = PostgresStore(url)  # makes the tables, so the roles can be granted them
    logins = {role: PostgresStore(login_as(role, url)) for role in sorted(set(ROLES.values()))}
    return owner, {person: logins[ROLES[person.casefold()]] for person in PEOPLE}


def test_no_draft_is_final_without_the_policys_approvals(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    @settings(max_examples=EXAMPLES[backend], derandomize=True, database=None, deadline=None)
    @given(needed=st.integers(1, 3), author_alone=st.booleans(), steps=actions)
    def holds(needed: int, author_alone: bool, steps: list[tuple[str, str, int]]) -> None:
        store, acting = person_stores(backend, request)
        try:
            check_policy_holds(store, acting, tmp_path, needed, author_alone, steps)
        finally:
            for opened in {id(s): s for s in [store, *acting.values()]}.values():
                opened.close()

    holds()


def is_author(approver: Approver, authors: list[Approver]) -> bool:
    """Whether an approver wrote or imported the draft: the same name, or on PostgreSQL the same database role."""
    same_role = approver.role is not None and approver.role in {x.role for x in authors}
    return same_role or approver.name.casefold() in {x.name.casefold() for x in authors}


def check_policy_holds(
    store: Store,
    acting: dict[str, Store],
    tmp_path: Path,
    needed: int,
    author_alone: bool,
    steps: list[tuple[str, str, int]],
) -> None:
    """Run `steps`, each by its person through their own store, checking after each that no draft is final
    without `needed` approvals (by others than its authors unless `author_alone`)."""
    source = tmp_path / "d.md"
    policy = [("approvals", str(needed)), ("author_may_approve_alone", str(author_alone).lower())]
    set_policy(store, policy, actor="Lead")
    rule = ReviewPolicy.from_dict(store.review_policy())
    drafts: list[str] = []
    for action, person, pick in steps:
        mine = acting[person]
        try:
            if action == "import" or not drafts:
                source.write_text(TEXTS[pick % 2])
                drafts.append(import_draft(mine, str(source), author=person).id)
            elif action == "version":
                source.write_text(TEXTS[pick % 2] + f"\nMore from {person}.\n")
                import_version(mine, drafts[pick % len(drafts)], str(source), author=person)
            else:
                review_non_interactive(
                    mine,
                    drafts[pick % len(drafts)],
                    decision="approve",
                    reviewer=person,
                    editorial_responsibility=None,
                    reason="",
                    resolutions=[],
                )
        except DraftmateError:
            pass  # a refusal (already approved, final, in review) is the gate working
        for draft_id in drafts:
            draft = store.get_draft(draft_id)
            if draft.status is not State.FINAL:
                continue
            assert draft.approved_version is not None
            approvers = [Approver(n, r) for n, r in store.approvals(draft_id, draft.approved_version)]
            authors = [Approver(n, r) for n, r in store.draft_authors(draft_id)]
            counted = {a.person() for a in approvers if author_alone or not is_author(a, authors)}
            assert len(counted) >= needed, (draft_id, approvers, authors)
            assert rule.missing(None, approvers, authors) is None
    assert store.verify() == []


pytestmark_backends = pytest.mark.usefixtures("backend")


@pytestmark_backends
def test_policy_set_is_audited_and_show_prints_it(runner: CliRunner, tmp_path: Path) -> None:
    shown = runner.invoke(app, ["policy", "show", "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["approvals"]["low"] == 1  # the default: today's gate
    changed = runner.invoke(app, ["policy", "set", "approvals.low=2", "risk_acceptors=Ann", "--by", "Lead"])
    assert changed.exit_code == 0, changed.stderr
    assert json.loads(runner.invoke(app, ["policy", "show", "--json"]).stdout)["risk_acceptors"] == ["Ann"]
    from draftmate.store.backend import open_store

    store = open_store()
    events = [e for e in store.iter_audit() if e.event == "policy.set"]
    assert len(events) == 1 and events[0].actor == "Lead" and events[0].payload["policy"]["approvals"]["low"] == 2
    store.close()
    assert runner.invoke(app, ["verify"]).exit_code == 0


@pytestmark_backends
def test_the_author_may_not_approve_alone_and_a_second_reviewer_is_asked_for(
    runner: CliRunner, tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["policy", "set", "author_may_approve_alone=false", "--by", "Lead"]).exit_code == 0
    source = tmp_path / "d.md"
    source.write_text(TEXTS[0])
    from draftmate.store.backend import open_store

    store = open_store()
    draft_id = import_draft(store, str(source), author="Ann").id
    store.close()
    own = runner.invoke(app, ["review", draft_id[:8], "--decision", "approve", "--reviewer", "Ann"])
    assert own.exit_code == 0 and "approval recorded" in own.stdout and "approval 0 of 1" in own.stdout
    if backend == "postgres":  # one database role is one person: Bob logs in as his own
        monkeypatch.setenv("DRAFTMATE_DATABASE_URL", login_as("dm_bob", os.environ["DRAFTMATE_DATABASE_URL"]))
    other = runner.invoke(app, ["review", draft_id[:8], "--decision", "approve", "--reviewer", "Bob"])
    assert other.exit_code == 0 and "is now final" in other.stdout


@pytestmark_backends
@pytest.mark.parametrize(
    ("setting", "fragment"),
    [
        ("approvals.x=2", "unknown confidence level 'x'"),
        ("approvals.low=0", "approvals.low is a number of approvals from 1 to 10"),
        ("author_may_approve_alone=maybe", "author_may_approve_alone is true or false"),
        ("colour=blue", "unknown policy setting 'colour'"),
        ("approvals", "is not KEY=VALUE"),
    ],
)
def test_a_bad_policy_setting_exits_2_and_changes_nothing(runner: CliRunner, setting: str, fragment: str) -> None:
    before = runner.invoke(app, ["policy", "show", "--json"]).stdout
    one_line_error(runner.invoke(app, ["policy", "set", setting, "--by", "Lead"]), 2, fragment)
    assert runner.invoke(app, ["policy", "show", "--json"]).stdout == before


def test_the_bad_input_table_has_the_policy_rows() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text()
    assert "| a bad review-policy setting" in table
    assert "| a second approval by the same person" in table


def test_the_interactive_review_shows_approval_1_of_2(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from draftmate.cli import reviewing as cli

    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")
    assert runner.invoke(app, ["policy", "set", "approvals=2", "--by", "Lead"]).exit_code == 0
    source = tmp_path / "d.md"
    source.write_text(TEXTS[0])
    draft_id = json.loads(runner.invoke(app, ["draft", "--from-file", str(source), "--json"]).stdout)["id"]
    first = runner.invoke(app, ["review", draft_id[:8], "--reviewer", "Ann"], input="y\na\nyes\n")
    assert first.exit_code == 0, first.output
    assert "yours would be approval 1 of 2" in first.stdout
    assert "approval recorded: approval 1 of 2" in first.stdout
    second = runner.invoke(app, ["review", draft_id[:8], "--reviewer", "Bob"], input="y\na\nyes\n")
    assert "yours would be approval 2 of 2" in second.stdout and "is final" in second.stdout
