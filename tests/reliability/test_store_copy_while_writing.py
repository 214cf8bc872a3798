"""`store copy` while others write to the source: the copy is of one point in time and verifies; the next run
brings over what was written meanwhile, a draft changed since copied again in its place. On both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.app import app
from draftmate.domain.vocabulary import State
from draftmate.store import copying
from draftmate.store.backend import open_store
from draftmate.store.copying import copy_store
from draftmate.store.sqlite import SQLiteStore


def _draft(runner: CliRunner, path: Path, text: str) -> str:
    path.write_text(text)
    made = runner.invoke(app, ["draft", "--from-file", str(path), "--json"])
    assert made.exit_code == 0, made.stderr
    return str(json.loads(made.stdout)["id"])


def test_a_copy_made_while_others_write_is_of_one_point_in_time(
    runner: CliRunner, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _draft(runner, tmp_path / "tea.md", "# Tea\n\nTea is a drink made from leaves.\n")
    for name in ("rice", "salt"):
        _draft(runner, tmp_path / f"{name}.md", f"# {name.title()}\n\n{name.title()} is food.\n")
    monkeypatch.setattr(copying, "BATCH", 1)
    wrote: list[str] = []

    def someone_writes(text: str) -> None:  # between the copy's batches: the first draft is already over there
        if text.startswith("drafts: 1 of") and not wrote:
            approved = runner.invoke(app, ["review", first[:8], "--decision", "approve", "--reviewer", "Ann"])
            assert approved.exit_code == 0, approved.stderr
            wrote.append(_draft(runner, tmp_path / "bread.md", "# Bread\n\nBread is baked.\n"))

    target = SQLiteStore(tmp_path / "copy.db")
    copy_store(open_store(), target, progress=someone_writes)
    assert wrote, "the writer never ran"
    assert target.verify() == []
    assert len(target.list_drafts()) == 3 and target.get_draft(first).status is State.DRAFT  # as the copy began

    again = copy_store(open_store(), target)
    assert (again.drafts_copied, again.drafts_already_there) == (2, 2)  # the changed one and the new one
    assert target.verify() == []
    assert target.get_draft(first).status is State.FINAL
    assert [d.id for d in target.list_drafts()] == [d.id for d in open_store().list_drafts()]  # same order
    target.close()
