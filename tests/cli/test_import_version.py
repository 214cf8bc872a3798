"""A changed file becomes the next version of its draft: after changes were asked, and after approval."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli.commands import app
from draftmate.domain.records import Origin, State
from draftmate.store.sqlite import SQLiteStore


def test_changes_requested_then_a_new_version_then_approved_and_final_again_edited(
    runner: CliRunner, store: SQLiteStore, tmp_path: Path
) -> None:
    created = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    draft_id = json.loads(created.stdout)["id"]
    asked = runner.invoke(app, ["review", draft_id[:8], "--decision", "changes", "--reviewer", "Ann", "--reason", "x"])
    assert asked.exit_code == 0 and store.get_draft(draft_id).status is State.CHANGES

    revised = tmp_path / "release-notes.md"
    revised.write_text((EXAMPLES / "release-notes.md").read_text().replace("38%", "about a third"))
    result = runner.invoke(app, ["draft", "--from-file", str(revised), "--version-of", draft_id[:8], "--json"])
    assert result.exit_code == 0, result.stderr
    draft = store.get_draft(draft_id)
    assert (draft.status, draft.current_version) == (State.DRAFT, 2)
    assert store.get_version(draft_id).origin is Origin.IMPORTED
    assert json.loads(result.stdout)["current_version"] == 2

    resolve = [f"--resolve={n.number}=verified" for n in store.list_notes(draft_id)]
    approved = runner.invoke(app, ["review", draft_id[:8], "--decision", "approve", "--reviewer", "Ann", *resolve])
    assert approved.exit_code == 0, approved.stderr
    assert store.get_draft(draft_id).status is State.FINAL

    revised.write_text(revised.read_text() + "\nOne more line.\n")
    again = runner.invoke(app, ["draft", "--from-file", str(revised), "--version-of", draft_id[:8]])
    assert again.exit_code == 0, again.stderr
    draft = store.get_draft(draft_id)
    assert draft.status is State.DRAFT and draft.approved_sha256 is None  # an approval never covers unseen text


def test_an_unchanged_file_or_a_draft_in_review_is_refused(runner: CliRunner, store: SQLiteStore) -> None:
    example = str(EXAMPLES / "release-notes.md")
    draft_id = json.loads(runner.invoke(app, ["draft", "--from-file", example, "--json"]).stdout)["id"]
    same = runner.invoke(app, ["draft", "--from-file", example, "--version-of", draft_id[:8]])
    assert same.exit_code == 2 and "is the same as version 1" in same.stderr
    alone = runner.invoke(app, ["draft", "--version-of", draft_id[:8]])
    assert alone.exit_code == 2 and "--version-of goes with --from-file" in alone.stderr
    assert store.get_draft(draft_id).current_version == 1
