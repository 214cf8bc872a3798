"""A whole review on a real pseudo-terminal, counting the answers it takes: a repeated name costs one answer."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pexpect
import pytest
from test_review_pty import DECISION_PROMPT, NOTE_PROMPT, SECTION_PROMPT, installed_draftmate
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.domain.records import State
from draftmate.store.sqlite import SQLiteStore

pytestmark = pytest.mark.pty

# Two sections; "Maria Keller" twice in the first (two paragraphs), a number in each.
REPEATED_NAME = """\
# Migration report

Maria Keller led the move of 1,200 accounts to the new cluster.

The rollback plan was written by Maria Keller before the move.

## Results

Uploads are 38% faster and downloads 12% faster than before.
"""
ATTEST = "type yes to attest: "


def test_a_whole_review_of_a_repeated_name_takes_one_answer_per_kind_and_section(
    runner: CliRunner, store: SQLiteStore, tmp_path: Path
) -> None:
    source = tmp_path / "report.md"
    source.write_text(REPEATED_NAME)
    result = runner.invoke(app, ["draft", "--from-file", str(source), "--json"])
    assert result.exit_code == 0, result.output
    draft_id = str(json.loads(result.stdout)["id"])
    names = [n for n in store.list_notes(draft_id) if "Maria Keller" in n.quote]
    assert names, "the checks should note the name"

    child = pexpect.spawn(
        str(installed_draftmate()),
        ["review", draft_id[:8], "--reviewer", "Ann Example"],
        env={**os.environ, "TERM": "xterm-256color"},
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 120),
    )
    child.logfile_read = io.StringIO()
    answers = {"sections": 0, "notes": 0, "decision": 0}
    while (seen := child.expect_exact([SECTION_PROMPT, NOTE_PROMPT, DECISION_PROMPT, ATTEST, pexpect.EOF])) != 4:
        if seen == 0:
            child.sendline("y")
            answers["sections"] += 1
        elif seen == 1:
            child.sendline("v")
            answers["notes"] += 1
        else:
            child.sendline("a" if seen == 2 else "yes")
            answers["decision"] += 1
    child.close()
    shown = child.logfile_read.getvalue()
    assert child.exitstatus == 0, shown
    assert "comment (optional)" not in shown

    notes = store.list_notes(draft_id)
    assert store.get_draft(draft_id).status is State.FINAL
    # each note has its own record of who resolved it, even when one answer resolved several
    assert all(n.resolution is not None and n.resolution.by == "Ann Example" for n in notes)
    # the name is answered once, however many notes or lines it has
    kinds_by_section = {(n.lines[0] < 7, n.kind) for n in notes if n.lines}
    assert answers == {"sections": 2, "notes": len(kinds_by_section), "decision": 2}
    assert sum(answers.values()) <= 7  # two keys per note before: 12 for this draft
