"""A reviewer who asks the model to revise a section (`r`) asked for that version: on SQLite their name is among
the draft's authors, as their database role already is on PostgreSQL, so a policy that the author may not approve
alone counts them as one."""

from __future__ import annotations

from pathlib import Path

from test_revision_notes import imported_code, run

from draftmate.store.sqlite import SQLiteStore


def test_a_reviewer_who_had_the_model_revise_is_an_author(store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = imported_code(store, tmp_path)
    assert store.draft_authors(draft_id) == []  # imported with no name

    def reviser(text: str, instruction: str) -> str:
        return text.replace('"""Two."""', '"""The number two, as an int."""')

    code, _ = run(store, draft_id, ["g 3", "r clearer docstring", "y", "q"], reviser)
    assert code == 0 and store.get_draft(draft_id).current_version == 2
    assert store.get_version(draft_id).author == ""  # the model wrote it
    assert store.draft_authors(draft_id) == [("Ann", None)]  # Ann asked for it
