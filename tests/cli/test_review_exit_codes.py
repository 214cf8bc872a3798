"""How an interactive review ends decides its exit code, through one documented table (ReviewEnd)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import draftmate.cli.reviewing as cli
from conftest import EXAMPLES
from draftmate.cli.commands import app
from draftmate.cli.review.loop import ReviewEnd, run_review
from draftmate.cli.review.screen import Prompt
from draftmate.domain.records import State
from draftmate.services.drafts import import_draft
from draftmate.store.sqlite import SQLiteStore

README = Path(__file__).resolve().parents[2] / "README.md"


def test_each_end_carries_its_exit_code() -> None:
    assert {end.name: end.exit_code for end in ReviewEnd} == {"DONE": 0, "INTERRUPTED": 130}


def test_the_readme_lists_every_exit_code_a_review_can_end_with() -> None:
    (line,) = re.findall(r"Exit codes: .*?(?=What each kind)", README.read_text("utf-8"), flags=re.S)
    for end in ReviewEnd:
        assert f"{end.exit_code} " in line, end


def test_saving_and_quitting_ends_done(store: SQLiteStore) -> None:
    draft_id = import_draft(store, str(EXAMPLES / "release-notes.md")).id
    out = Console(file=io.StringIO(), width=120, highlight=False, markup=False, emoji=False)
    ended = run_review(store, draft_id, reviewer="Ann", stdin=io.StringIO("y\nq\n"), out=out)
    assert ended is ReviewEnd.DONE
    assert store.get_draft(draft_id).status is State.IN_REVIEW


def test_ctrl_c_in_the_cli_exits_130_with_the_review_saved(
    runner: CliRunner, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")
    draft_id = json.loads(
        runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"]).stdout
    )["id"]
    answers = iter(["y"])
    real_ask = Prompt.ask

    def ask_then_interrupt(self: Prompt, question: str) -> str:
        if next(answers, None) is None:
            raise KeyboardInterrupt
        return real_ask(self, question)

    monkeypatch.setattr(Prompt, "ask", ask_then_interrupt)
    result = runner.invoke(app, ["review", draft_id[:8], "--reviewer", "Ann"], input="y\n")
    assert result.exit_code == 130, result.output
    assert "interrupted: review saved; resume with: draftmate review" in result.stdout
    assert "error:" not in result.stderr
    review = store.current_review(draft_id)
    assert review is not None and [d.decision.value for d in review.decisions] == ["accept"]
