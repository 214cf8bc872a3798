"""Counts and articles read as English: `1 file looked at`, `an unknown-confidence draft`."""

from __future__ import annotations

from pathlib import Path

from test_repository_check import commit_all, repo  # noqa: F401  (repo is a fixture)
from typer.testing import CliRunner

from draftmate.cli.app import app
from draftmate.domain.policy import ReviewPolicy


def test_check_counts_one_file_in_the_singular(runner: CliRunner, repo: Path) -> None:  # noqa: F811
    (repo / "plain.txt").write_text("no provenance\n")
    commit_all(repo)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert "(1 file looked at)" in result.stdout, result.stdout


def test_policy_show_says_an_unknown_confidence_draft(runner: CliRunner, hermetic: Path) -> None:
    shown = runner.invoke(app, ["policy", "show"]).stdout
    assert "an unknown-confidence draft" in shown and "a unknown" not in shown
    assert "a low-confidence draft" in shown


def test_the_gate_says_an_unknown_confidence_draft() -> None:
    policy = ReviewPolicy.from_dict({"approvals": {"unknown": 2}})
    reason = policy.missing("unknown", [], [])
    assert reason is not None and "an unknown-confidence draft" in reason, reason
