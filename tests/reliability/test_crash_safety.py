"""Crash safety: a writer SIGKILLed at any point leaves a sound store, no half-applied change, and work resumes.

The store-level tests, the killed CLI commands and the interactive review killed in a pseudo-terminal run on SQLite
and on PostgreSQL (the `backend` fixture).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backends import fresh_database_url
from draftmate.cli.commands import app
from draftmate.domain.records import Decision, State
from draftmate.services.reviews import begin_review
from reliability_support import (
    FORK,
    churn,
    clean_env,
    cli,
    count_statements,
    finish_review,
    in_child,
    kill_at_statement,
    open_test_store,
    store_problems,
    trace_statements,
)

ROUNDS = 4


def _churn_then_die(db: Path, work: Path, seed: int, statement: int) -> None:
    kill_at_statement(statement)
    churn(db, work, seed, ROUNDS)


def test_sigkill_before_any_statement_leaves_no_half_applied_change(
    tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Kill the writer just before its n-th SQL statement (mid-transaction, before COMMIT, mid-migration), 36 times."""
    if backend == "postgres":  # the probe counts in a store of its own, as with SQLite's probe.db
        with monkeypatch.context() as probing:
            probing.setenv("DRAFTMATE_DATABASE_URL", fresh_database_url(request.getfixturevalue("postgres_server_url")))
            probe = count_statements(tmp_path / "probe.db", tmp_path / "probe", 0, ROUNDS)
    else:
        probe = count_statements(tmp_path / "probe.db", tmp_path / "probe", 0, ROUNDS)
    total = len(probe)
    assert total > 300 and sum(s.startswith("COMMIT") for s in probe) > 20
    rng = random.Random(8)
    # The first points land inside the first open's migration; the rest anywhere in a run.
    points = [1, 2, 3, 5, 8, 13] + sorted(rng.randint(1, total) for _ in range(30))
    db, work = tmp_path / "home" / "draftmate.db", tmp_path / "src"
    killed = 0
    for seed, point in enumerate(points):
        code = in_child(_churn_then_die, db, work, seed, point)
        assert code in (-signal.SIGKILL, 0), f"kill point {point}: exit {code}"
        killed += code == -signal.SIGKILL
        problems = store_problems(db)
        assert problems == [], f"after SIGKILL before statement {point}: {problems}"
    assert killed >= len(points) * 0.8, f"only {killed} of {len(points)} kill points were reached"
    # After all those crashes the same store takes a full run, and every open review can be finished.
    assert in_child(churn, db, work, 999, ROUNDS) == 0
    store = open_test_store(db)
    try:
        assert store.list_drafts(status=State.FINAL, limit=1000)
        for draft in list(store.iter_drafts(status=State.IN_REVIEW)):
            finish_review(begin_review(store, draft.id, reviewer="Late Reviewer"))
            assert store.get_draft(draft.id).status is State.FINAL
    finally:
        store.close()
    assert store_problems(db) == []


def _review_then_die(db: Path, draft_id: str, statement_after_first: int) -> None:
    store = open_test_store(db)
    session = begin_review(store, draft_id, reviewer="Rita Reviewer")
    session.mark_seen(0)
    session.decide(0, Decision.ACCEPT)
    session.mark_seen(1)
    # The next decision dies mid-transaction: after its BEGIN, before its COMMIT.
    statements = {"n": 0}

    def trace(sql: str) -> None:
        statements["n"] += 1
        if statements["n"] == statement_after_first:
            os.kill(os.getpid(), signal.SIGKILL)

    trace_statements(trace, store)
    session.decide(1, Decision.ACCEPT)
    store.close()


@pytest.mark.usefixtures("backend")
def test_review_killed_mid_decision_resumes_where_it_stopped(tmp_path: Path, runner: CliRunner) -> None:
    """Decisions saved before the crash stay; the one being written is gone whole; the same review resumes."""
    source = tmp_path / "d.md"
    source.write_text("# One\n\nfirst part.\n\n## Two\n\nsecond part.\n\n## Three\n\nthird part.\n")
    db = Path(os.environ["DRAFTMATE_HOME"]) / "draftmate.db"
    for point in (1, 2, 3, 4):
        result = runner.invoke(app, ["draft", "--from-file", str(source), "--json"])
        assert result.exit_code == 0, result.output
        draft_id = result.stdout.split('"id": "')[1][:32]
        assert in_child(_review_then_die, db, draft_id, point) == -signal.SIGKILL
        assert store_problems(db) == []
        store = open_test_store(db)
        try:
            assert store.get_draft(draft_id).status is State.IN_REVIEW
            first = store.current_review(draft_id)
            assert first is not None
            assert [d.index for d in first.decisions] == [0], "section 1's decision was half-written"
            session = begin_review(store, draft_id, reviewer="Rita Reviewer")
            assert session.review.id == first.id
            assert session.states()[:2] == ["accept", "undecided"]
        finally:
            store.close()
        result = runner.invoke(app, ["review", draft_id[:8], "--decision", "approve", "--reviewer", "Rita Reviewer"])
        assert result.exit_code == 0, result.output
        assert "is now final" in result.stdout
    assert store_problems(db) == []


@pytest.mark.usefixtures("backend")
def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    """Kill a busy writer from outside at 10 random moments; each time the store is sound and takes more work."""
    db, work = tmp_path / "home" / "draftmate.db", tmp_path / "src"
    rng = random.Random(12)
    killed = 0
    for seed in range(10):
        process = FORK.Process(target=churn, args=(db, work, seed, 200))
        process.start()
        time.sleep(rng.uniform(0.02, 0.4))
        os.kill(process.pid or 0, signal.SIGKILL)
        process.join(30)
        killed += process.exitcode == -signal.SIGKILL
        problems = store_problems(db)
        assert problems == [], f"after kill {seed}: {problems}"
    assert killed == 10
    assert in_child(churn, db, work, 99, 2) == 0
    assert store_problems(db) == []


def test_killed_cli_commands_leave_a_sound_store(tmp_path: Path, backend: str) -> None:
    """The real command in a loop (import, note, approve), killed at random moments from outside, 4 times."""
    home = tmp_path / "home"
    url = os.environ.get("DRAFTMATE_DATABASE_URL")  # the commands' store: the `backend` fixture's database, if any
    env = clean_env(home, **({"DRAFTMATE_DATABASE_URL": url} if url else {}))
    source = tmp_path / "notes.md"
    source.write_text("# Plan\n\nShip on 3 March 2025 with 40 workers.\n")
    script = (
        "import json, subprocess, sys\n"
        "run = lambda *a: subprocess.run([sys.executable, '-m', 'draftmate', *a], capture_output=True, text=True)\n"
        "while True:\n"
        f"    out = run('draft', '--from-file', {str(source)!r}, '--json')\n"
        "    draft = json.loads(out.stdout)\n"
        "    run('note', draft['id'][:12], 'check the date', '--lines', '3-3')\n"
        "    notes = json.loads(run('show', draft['id'][:12], '--json').stdout)['notes']\n"
        "    resolve = [a for n in notes for a in ('--resolve', f\"{n['number']}=verified\")]\n"
        "    run('review', draft['id'][:12], '--decision', 'approve', '--reviewer', 'R', *resolve)\n"
    )
    rng = random.Random(5)
    assert cli(home, "draft", "--from-file", str(source), env=env).returncode == 0
    for _ in range(4):
        loop = subprocess.Popen([sys.executable, "-c", script], env=env, start_new_session=True, cwd=tmp_path)
        time.sleep(rng.uniform(0.4, 1.6))
        os.killpg(loop.pid, signal.SIGKILL)
        loop.wait(10)
        assert store_problems(home / "draftmate.db") == []
    result = cli(home, "verify", env=env)
    assert result.returncode == 0, result.stderr
    listed = cli(home, "list", "--json", "--limit", "1000", env=env)
    assert listed.returncode == 0 and listed.stdout.startswith("[")
    drafts = json.loads(listed.stdout)
    assert len(drafts) > 1, "no command in the loop got as far as a draft"
    if url:  # the commands wrote to PostgreSQL, not to a file beside them
        assert not (home / "draftmate.db").exists()


# ---- the interactive review, in a real pseudo-terminal, killed at each phase -----------------------------------

PROMPTS = {
    "section": r"section \d+/\d+ \[y,n",
    "note": r"notes? [\d, ]+ \([\d-]+/\d+\) \[v\]",  # one note, or notes of one kind in a section together
    "comment": r"comment \(",
    "decision": r"decision: \[a\]pprove",
    "attest": r"type yes to attest: ",
}
ANSWERS = {"section": "y", "note": "v", "comment": "", "decision": "a", "attest": "yes"}


def _spawn_review(home: Path, draft_id: str, **env: str) -> Any:
    import pexpect

    url = os.environ.get("DRAFTMATE_DATABASE_URL")  # the `backend` fixture's database, if any
    if url:
        env["DRAFTMATE_DATABASE_URL"] = url
    return pexpect.spawn(
        sys.executable,
        ["-m", "draftmate", "review", draft_id[:8], "--reviewer", "Ann"],
        env=clean_env(home, COLUMNS="200", LINES="50", **env),
        dimensions=(50, 200),
        encoding="utf-8",
        timeout=30,
    )


def _answer_until(child: Any, stop: str, skip: int = 0) -> None:
    """Answer every prompt as an approving reviewer would, until the `skip`+1-th prompt of kind `stop`; then return."""
    import pexpect

    kinds = list(PROMPTS)
    seen = 0
    while True:
        index = child.expect([PROMPTS[k] for k in kinds] + [pexpect.EOF])
        if index == len(kinds):
            raise AssertionError(f"the review ended before a {stop} prompt: {child.before[-2000:]}")
        kind = kinds[index]
        if kind == stop:
            if seen == skip:
                return
            seen += 1
        child.sendline(ANSWERS[kind])


@pytest.mark.pty
def test_interactive_review_killed_in_each_phase_resumes(runner: CliRunner, hermetic: Path, backend: str) -> None:
    """SIGKILL mid-sections, mid-notes and at the attestation: decisions stay, nothing is final, the review resumes."""
    pytest.importorskip("pexpect")
    from conftest import EXAMPLES

    result = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    draft_id = result.stdout.split('"id": "')[1][:32]
    db = hermetic / "draftmate.db"

    # 1. sections: a missing editor is reported and the review goes on; killed at the third section.
    child = _spawn_review(hermetic, draft_id)
    child.expect(PROMPTS["section"])
    child.sendline("e")
    child.expect("no editor: set")
    _answer_until(child, "section", skip=2)
    child.kill(signal.SIGKILL)
    child.close()
    assert store_problems(db) == []
    store = open_test_store(db)
    review = store.current_review(draft_id)
    assert review is not None and len(review.decisions) == 2
    assert store.get_draft(draft_id).status is State.IN_REVIEW
    store.close()

    # 2. a failing editor changes nothing; killed after the first note is resolved.
    child = _spawn_review(hermetic, draft_id, EDITOR="false")
    child.expect("resuming: 2 of")
    child.expect(PROMPTS["section"])
    child.sendline("e")
    child.expect("exited with status 1")
    _answer_until(child, "note", skip=1)
    child.kill(signal.SIGKILL)
    child.close()
    assert store_problems(db) == []
    store = open_test_store(db)
    notes = store.list_notes(draft_id)
    # the first answer resolved one note, or the notes of one kind in a section with it; the rest stay open
    assert 1 <= len([n for n in notes if n.resolution]) < len(notes)
    review = store.current_review(draft_id)
    assert review is not None and review.id == store.list_reviews(draft_id)[0].id
    assert store.get_draft(draft_id).status is State.IN_REVIEW
    store.close()

    # 3. killed at the attestation: every note resolved, still not final.
    child = _spawn_review(hermetic, draft_id)
    _answer_until(child, "attest")
    child.kill(signal.SIGKILL)
    child.close()
    assert store_problems(db) == []
    store = open_test_store(db)
    assert store.get_draft(draft_id).status is State.IN_REVIEW
    assert all(n.resolution for n in store.list_notes(draft_id))
    store.close()

    # 4. the same review finishes.
    child = _spawn_review(hermetic, draft_id)
    _answer_until(child, "attest")
    child.sendline("yes")
    child.expect("approved: draft")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 0
    assert store_problems(db) == []
    store = open_test_store(db)
    assert store.get_draft(draft_id).status is State.FINAL and len(store.list_reviews(draft_id)) == 1
    store.close()
    assert db.exists() is (backend == "sqlite"), "the review wrote to another store than the test's"


def pexpect_eof() -> Any:
    """pexpect's end-of-file marker, imported late so the module loads without pexpect."""
    import pexpect

    return pexpect.EOF
