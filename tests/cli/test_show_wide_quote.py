"""`show` at 100 columns or more: a quote too long for its cell ends in an ellipsis, never cut silently mid-word."""

from __future__ import annotations

import pytest
from test_show_narrow import imported
from typer.testing import CliRunner

from draftmate.cli.commands import app


def test_a_long_quote_in_the_table_says_it_was_cut(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    draft_id, _ = imported(runner)
    monkeypatch.setenv("COLUMNS", "200")
    shown = runner.invoke(app, ["show", draft_id[:8]])
    assert shown.exit_code == 0, shown.output
    [row] = [line for line in shown.stdout.splitlines() if "checks:url" in line]
    # the link is 71 characters: it used to show as `…/userguide/mpuove`, as if that were the whole quote
    assert "https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuov\u2026" in row
