"""Rough edges a newcomer following the README hit: each message says what happened and how to go on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli import reviewing as cli
from draftmate.cli.commands import app
from draftmate.settings.config import resolve
from draftmate.store.sqlite import SQLiteStore

RELEASE_NOTES = EXAMPLES / "release-notes.md"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend a person is at a terminal, so `review ID` runs the interactive loop on the runner's input."""
    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")


def import_file(runner: CliRunner, path: Path = RELEASE_NOTES) -> str:
    """Import a file as a draft and return its full ID."""
    result = runner.invoke(app, ["draft", "--from-file", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    return str(json.loads(result.stdout)["id"])


def test_ctrl_d_at_the_reviewer_prompt_is_a_one_line_error_and_opens_nothing(
    runner: CliRunner, terminal: None, store: SQLiteStore
) -> None:
    draft_id = import_file(runner)
    result = runner.invoke(app, ["review", draft_id[:8]], input="")  # no git name, no config: it asks, then EOF
    assert result.exit_code == 2
    assert "Aborted" not in result.output
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error == [
        "error: no reviewer given: pass --reviewer NAME or save it with `draftmate config set reviewer NAME`"
    ]
    assert store.current_review(draft_id) is None


def test_resuming_offers_the_open_reviews_reviewer_so_enter_keeps_their_decisions(
    runner: CliRunner, terminal: None, store: SQLiteStore
) -> None:
    draft_id = import_file(runner)
    first = runner.invoke(app, ["review", draft_id[:8]], input="Ann Example\ny\nq\n")
    assert first.exit_code == 0, first.output
    assert "config set reviewer NAME" in first.stderr  # the prompt says how not to be asked again
    second = runner.invoke(app, ["review", draft_id[:8]], input="\nq\n")  # Enter takes the offered name
    assert second.exit_code == 0, second.output
    assert "Your name as reviewer [Ann Example]" in second.stdout
    assert "resuming: 1 of 4 sections already decided" in second.stdout
    review = store.current_review(draft_id)
    assert review is not None and review.reviewer == "Ann Example" and len(review.decisions) == 1


def test_config_set_empty_removes_the_setting(runner: CliRunner, hermetic: Path) -> None:
    assert runner.invoke(app, ["config", "set", "api_key", "sk-test-0000000000abcd"]).exit_code == 0
    assert resolve(env={"DRAFTMATE_HOME": str(hermetic)})[0].has_endpoint()
    result = runner.invoke(app, ["config", "set", "api_key", ""])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("removed api_key from ")
    settings, sources = resolve(env={"DRAFTMATE_HOME": str(hermetic)})
    assert settings.api_key is None and sources["api_key"] == "default" and not settings.has_endpoint()
    # a setting with a default goes back to it instead of failing validation
    assert runner.invoke(app, ["config", "set", "model", "gpt-4.1"]).exit_code == 0
    assert runner.invoke(app, ["config", "set", "model", ""]).exit_code == 0
    assert resolve(env={"DRAFTMATE_HOME": str(hermetic)})[0].model == "gpt-4o-mini"


def test_list_with_filters_that_match_nothing_does_not_say_there_are_no_drafts(runner: CliRunner) -> None:
    import_file(runner)
    result = runner.invoke(app, ["list", "--status", "final"])
    assert result.exit_code == 0
    assert result.stdout == "no drafts match --status final; `draftmate list` shows all\n"
    result = runner.invoke(app, ["list", "--search", "zebra", "--page", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "no drafts match --search 'zebra' --page 2; `draftmate list` shows all\n"
    empty = runner.invoke(app, ["list", "--status", "draft", "--search", "zebra"])
    assert empty.exit_code == 0 and "no drafts yet" not in empty.stdout


def test_export_all_of_one_draft_says_draft(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "plain.md"
    source.write_text("# Plain\n\nNothing in here to check.\n")
    draft_id = import_file(runner, source)
    approved = runner.invoke(
        app,
        ["review", draft_id[:8], "--decision", "approve", "--reviewer", "Ann"]
        + [f"--resolve={n}=verified" for n in range(1, 1 + _open_notes(runner, draft_id))],
    )
    assert approved.exit_code == 0, approved.stderr
    result = runner.invoke(app, ["export", "--all", "-o", str(tmp_path / "all.jsonl")])
    assert result.exit_code == 0, result.stderr
    assert "exported 1 final draft to " in result.stderr


def _open_notes(runner: CliRunner, draft_id: str) -> int:
    shown = runner.invoke(app, ["show", draft_id[:8], "--json"])
    return len(json.loads(shown.stdout)["notes"])


def test_an_idea_number_past_the_latest_brainstorm_names_the_range(runner: CliRunner, store: SQLiteStore) -> None:
    store.add_ideas("onboarding", [{"title": f"idea {i}", "rationale": "r", "risks": []} for i in range(1, 4)])
    result = runner.invoke(app, ["draft", "--idea", "9"], env={"DRAFTMATE_BASE_URL": "http://127.0.0.1:9/v1"})
    assert result.exit_code == 1
    assert "error: no idea '9': the latest brainstorm has ideas 1-3; pick one of those" in result.stderr


def test_retrying_an_imported_draft_points_at_version_of(runner: CliRunner) -> None:
    draft_id = import_file(runner)
    result = runner.invoke(app, ["draft", "--retry", draft_id[:8]], env={"DRAFTMATE_BASE_URL": "http://127.0.0.1:9/v1"})
    assert result.exit_code == 2
    assert f"--from-file FILE --version-of {draft_id[:8]}" in result.stderr


def test_an_unknown_import_note_reads_as_a_sentence(runner: CliRunner) -> None:
    draft_id = import_file(runner, EXAMPLES / "slugify.py")
    shown = runner.invoke(app, ["show", draft_id[:8], "--json"])
    why = [n["why"] for n in json.loads(shown.stdout)["notes"] if n["kind"] == "unknown-import"]
    assert why and why[0].startswith("'slugkit' is not in the standard library or the installed environment: this")


def test_every_argument_metavar_in_usage_is_upper_case() -> None:
    from test_readme import load_reference_module

    reference = load_reference_module()
    for args in reference.commands():
        usage = reference.help_text(args).splitlines()[0]
        lower = re.findall(r"[{\[]([a-z][a-z_]*)[}\]]", usage)
        assert not lower, f"draftmate {' '.join(args)}: lower-case argument names {lower} in {usage!r}"


def test_exporting_a_new_version_of_a_final_draft_names_the_approved_one(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "plain.md"
    source.write_text("# Plain\n\nNothing in here to check.\n")
    draft_id = import_file(runner, source)
    notes = _open_notes(runner, draft_id)
    resolve = [f"--resolve={n}=verified" for n in range(1, 1 + notes)]
    approve = ["review", draft_id[:8], "--decision", "approve", "--reviewer", "Ann", *resolve]
    assert runner.invoke(app, approve).exit_code == 0
    source.write_text("# Plain\n\nNothing in here to check, still.\n")
    assert runner.invoke(app, ["draft", "--from-file", str(source), "--version-of", draft_id[:8]]).exit_code == 0
    result = runner.invoke(app, ["export", draft_id[:8], "-o", str(tmp_path / "out.md")])
    assert result.exit_code == 3
    assert f"version 2 is not approved (Ann approved version 1); review it: draftmate review {draft_id[:8]}" in (
        result.stderr
    )
    assert "nobody has approved it" not in result.stderr and not (tmp_path / "out.md").exists()
