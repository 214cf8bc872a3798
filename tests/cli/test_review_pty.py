"""The interactive review on a real pseudo-terminal: a whole review, and a review killed midway that resumes."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli.commands import app
from draftmate.domain.records import Decision, State
from draftmate.store.sqlite import SQLiteStore

pytestmark = pytest.mark.pty


def installed_draftmate() -> Path:
    """The `draftmate` executable of the environment running the tests, else the one on PATH; skip without one."""
    found = shutil.which("draftmate", path=str(Path(sys.executable).parent)) or shutil.which("draftmate")
    if found is None:
        pytest.skip("no installed `draftmate` executable: install the package (pip install -e .) to run the pty tests")
    return Path(found)


SECTION_PROMPT = "[y,n,e,u,j,k,g,/,w,p,q,?]? "  # no `r`: the tests configure no model endpoint
NOTE_PROMPT = "[v]erified [f]ixed [a]ccepted-risk [d]ismissed [p]rint [q]uit [?]? "  # one note, or several together
DECISION_PROMPT = "[a]pprove  [c]hanges requested  [r]eject  [q] save and quit? "


def import_example(runner: CliRunner) -> str:
    """Import examples/release-notes.md and return its ID."""
    result = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


def spawn(draft_id: str) -> pexpect.spawn:
    """`draftmate review ID` on a fresh pseudo-terminal; what it printed is kept in `logfile_read`."""
    env = {**os.environ, "TERM": "xterm-256color"}
    child = pexpect.spawn(
        str(installed_draftmate()),
        ["review", draft_id[:8], "--reviewer", "Ann Example <ann@example.org>"],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 140),
    )
    child.logfile_read = io.StringIO()
    return child


def test_whole_review_on_a_pty_ends_final(runner: CliRunner, store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = import_example(runner)
    child = spawn(draft_id)
    child.expect_exact("one key then Enter")
    for _ in range(4):
        child.expect_exact(SECTION_PROMPT)
        child.sendline("y")
    answers = 0
    while child.expect_exact([NOTE_PROMPT, DECISION_PROMPT]) == 0:
        child.sendline("v checked against the changelog" if answers == 0 else "v")  # a comment goes after the key
        answers += 1
    child.sendline("a")
    child.expect_exact("type yes to attest: ")
    child.sendline("yes")
    child.expect_exact("is final")
    child.expect_exact("pinned to sha256 ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    draft = store.get_draft(draft_id)
    assert draft.status is State.FINAL
    assert draft.approved_sha256 == store.get_version(draft_id).sha256
    notes = store.list_notes(draft_id)
    assert 0 < answers <= len(notes)
    assert all(n.resolution is not None and n.resolution.by == "Ann Example <ann@example.org>" for n in notes)
    assert notes[0].resolution is not None and notes[0].resolution.comment == "checked against the changelog"


def test_review_killed_midway_resumes_with_its_decisions(runner: CliRunner, store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = import_example(runner)
    child = spawn(draft_id)
    child.expect_exact(SECTION_PROMPT)
    child.sendline("y")
    child.expect_exact(SECTION_PROMPT)
    child.sendline("n")
    child.expect_exact("why reject this section? ")
    child.sendline("the 38% figure has no source")
    child.expect_exact("section 3/4 " + SECTION_PROMPT)  # both decisions were written before this prompt
    child.kill(signal.SIGKILL)
    child.close()
    assert child.signalstatus == signal.SIGKILL

    draft = store.get_draft(draft_id)
    assert draft.status is State.IN_REVIEW and draft.approved_sha256 is None
    [killed] = store.list_reviews(draft_id)
    assert [(d.index, d.decision) for d in killed.decisions] == [(0, Decision.ACCEPT), (1, Decision.REJECT)]

    again = spawn(draft_id)
    again.expect_exact("resuming: 2 of 4 sections already decided")
    again.expect_exact("section 3/4 " + SECTION_PROMPT)
    again.sendline("q")
    again.expect_exact("review saved; resume with")
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0
    [resumed] = store.list_reviews(draft_id)
    assert resumed.id == killed.id and resumed.decisions == killed.decisions
    assert store.get_draft(draft_id).status is State.IN_REVIEW
