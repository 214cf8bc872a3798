"""A model's revision during review gets its rule-based uncertainty notes, on what it changed, and a prediction."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from draftmate.cli.review.loop import run_review
from draftmate.domain.records import Decision, Note, Origin, Resolution, Severity, State
from draftmate.errors import GateRefused, UsageError
from draftmate.llm.chat import FakeChat
from draftmate.services import generate as generation
from draftmate.services.drafts import import_draft
from draftmate.services.reviews import ReviewSession, begin_review
from draftmate.services.revise import make_reviser
from draftmate.settings.config import Settings
from draftmate.store.sqlite import SQLiteStore

# four sections: the module head (1-5), one (6-10), two (11-15), three (16-18), which holds an undefined name
CODE = '''"""Tools."""

import os


def one() -> str:
    """A separator."""
    return os.sep


def two() -> int:
    """Two."""
    return 2


def three() -> int:
    """Three."""
    return missing_name + 1
'''
TWO_LINES = (11, 15)
TEXT = "# Widget 2\n\nWidget 2 is 30% faster than version 1.\n\n## Price\n\nIt costs 20 dollars in the shop.\n"
FACTS = "Widget 2 is 30% faster than version 1. It costs 20 dollars in the shop.\n"


def imported_code(store: SQLiteStore, tmp_path: Path) -> str:
    path = tmp_path / "tools.py"
    path.write_text(CODE)
    return import_draft(store, str(path)).id


def run(store: SQLiteStore, draft_id: str, answers: list[str], reviser: Callable[[str, str], str]) -> tuple[int, str]:
    """run_review on scripted answers with a fake reviser; the exit code and what it printed."""
    buffer = io.StringIO()
    out = Console(file=buffer, width=200, highlight=False, markup=False, emoji=False)
    stdin = io.StringIO("".join(a + "\n" for a in answers))
    code = run_review(store, draft_id, reviewer="Ann", stdin=stdin, out=out, reviser=reviser)
    return code, buffer.getvalue()


def notes_of(store: SQLiteStore, draft_id: str, version: int) -> list[Note]:
    return [n for n in store.list_notes(draft_id) if n.version == version]


def decide_all(session: ReviewSession) -> None:
    for section in session.sections:
        session.mark_seen(section.index)
        if session.states()[section.index] in ("undecided", "stale"):
            session.decide(section.index, Decision.ACCEPT)


def test_a_revision_importing_a_missing_module_gets_a_blocking_note_and_the_gate_waits_for_it(
    store: SQLiteStore, tmp_path: Path
) -> None:
    draft_id = imported_code(store, tmp_path)

    def reviser(text: str, instruction: str) -> str:
        return text.replace('    """Two."""\n', '    """Two."""\n    import zz_no_such_module_here\n\n')

    # revise section 3 (two), confirm, accept it and the rest, then stop at the notes
    code, out = run(store, draft_id, ["g 3", "r use the helper", "y", "y", "y", "y", "y", "q"], reviser)
    assert code == 0
    assert "saved the revision as v2" in out
    assert "the checks made 1 note on the revision, 1 blocking; they are resolved with the others" in out
    [note] = notes_of(store, draft_id, 2)
    assert note.kind == "unknown-import" and note.severity is Severity.BLOCKING
    assert note.lines is not None and TWO_LINES[0] <= note.lines[0] <= note.lines[1] <= TWO_LINES[1] + 2
    assert note.quote == "import zz_no_such_module_here"
    assert note.why.startswith("in the model's revision: 'zz_no_such_module_here' is not in")
    assert note.signals["revision"] == {"version": 2, "section": 2, "sources": 0}
    assert note.source == "check" and note.risk is not None and note.risk > 0.5
    # shown beside the revised section before the reviewer decides it
    assert out.index("in the model's revision: 'zz_no_such_module_here'") < out.index("accepted section 3")

    session = begin_review(store, draft_id, reviewer="Ann")
    decide_all(session)
    for other in session.open_notes():
        if other.id != note.id:
            session.resolve(other.id, Resolution.VERIFIED)
    with pytest.raises(GateRefused) as refused:
        session.approve()
    assert any(f"note {note.number} (blocking: in the model's revision" in p for p in refused.value.reasons)
    with pytest.raises(UsageError, match="is blocking"):
        session.resolve(note.id, Resolution.DISMISSED)
    session.resolve(note.id, Resolution.ACCEPTED_RISK, "the module is vendored in deploy")
    assert session.approve().status is State.FINAL

    # the revision has its own prediction, from the rule-based checks, labelled at approval for calibration
    rows = [p for p in store.iter_predictions() if p["draft_id"] == draft_id]
    assert [p["version"] for p in rows] == [1, 2]
    revised = rows[1]
    assert revised["features"]["revision"] == 1 and revised["features"]["hard_failures"] >= 1
    assert revised["level"] == "low" and revised["outcome"]["decision"] == "approved"


def test_a_revision_that_introduces_no_problem_adds_no_notes(store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = imported_code(store, tmp_path)
    before = len(store.list_notes(draft_id))

    def reviser(text: str, instruction: str) -> str:
        return text.replace('"""Two."""', '"""The number two, as an int."""')

    code, out = run(store, draft_id, ["g 3", "r clearer docstring", "y", "q"], reviser)
    assert code == 0
    assert store.get_draft(draft_id).current_version == 2
    assert "the checks found nothing to note in the revision" in out
    assert notes_of(store, draft_id, 2) == [] and len(store.list_notes(draft_id)) == before
    # still assessed: the draft has a confidence and the revision a prediction
    assert [p["version"] for p in store.iter_predictions() if p["draft_id"] == draft_id] == [1, 2]
    assert store.get_draft(draft_id).confidence is not None


def test_notes_on_untouched_sections_are_not_asked_again(store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = imported_code(store, tmp_path)
    [old] = [n for n in store.list_notes(draft_id) if n.kind == "undefined-name"]
    session = begin_review(store, draft_id, reviewer="Ann")
    session.resolve(old.id, Resolution.FIXED)  # resolved on v1; section three is not revised

    def reviser(text: str, instruction: str) -> str:
        return text.replace("return 2", "import zz_no_such_module_here\n    return 2")

    run(store, draft_id, ["g 3", "r more", "y", "q"], reviser)
    new = notes_of(store, draft_id, 2)
    assert [n.kind for n in new] == ["unknown-import"]
    assert sum(n.kind == "undefined-name" for n in store.list_notes(draft_id)) == 1
    assert all(n.lines and TWO_LINES[0] <= n.lines[0] <= TWO_LINES[1] + 1 for n in new)


def test_a_name_the_revision_breaks_in_an_untouched_section_is_noted(store: SQLiteStore, tmp_path: Path) -> None:
    draft_id = imported_code(store, tmp_path)

    def reviser(text: str, instruction: str) -> str:
        return text.replace("import os\n", "import sys\n")

    code, out = run(store, draft_id, ["r tidy imports", "y", "q"], reviser)
    assert code == 0
    [note] = notes_of(store, draft_id, 2)  # `os` in section one (untouched) is now undefined
    assert note.kind == "undefined-name" and note.severity is Severity.BLOCKING and note.lines == (8, 8)
    assert "outside this section:" in out and "in the model's revision: name 'os'" in out


def test_a_text_revision_changing_a_number_against_the_context_gets_a_note(store: SQLiteStore, tmp_path: Path) -> None:
    facts = tmp_path / "facts.md"
    facts.write_text(FACTS)
    chat = FakeChat(stream=[TEXT], structured=['{"weak_spots": []}'], by_schema={"ClaimVerdicts": ['{"claims": []}']})
    values: dict[str, Any] = {"base_url": "http://localhost:11434/v1", "model": "llama3.2"}
    settings = Settings(**values)
    made = generation.draft(
        store, settings, spec="Announce widget 2", context=[(str(facts), FACTS)], samples=0, chat=chat
    )
    draft_id = made.draft.id
    assert [n for n in store.list_notes(draft_id) if n.kind == "contradiction"] == []

    def reviser(text: str, instruction: str) -> str:
        return text.replace("20 dollars", "25 dollars")

    code, out = run(store, draft_id, ["g 2", "r update the price", "y", "q"], reviser)
    assert code == 0
    assert store.get_version(draft_id).origin is Origin.MODEL
    [note] = notes_of(store, draft_id, 2)
    assert note.kind == "contradiction" and note.lines == (7, 7) and note.quote == "25"
    assert note.why == (
        "in the model's revision: contradicts the source: '25' where the source has '20'; "
        "checked against: \u201cIt costs 20 dollars in the shop.\u201d"
    )
    assert note.signals["revision"]["sources"] == 1
    assert "the checks made 1 note on the revision" in out


def test_a_revision_records_which_model_made_it_and_the_export_names_it(store: SQLiteStore, tmp_path: Path) -> None:
    import json

    from draftmate.services.exports import export_draft

    draft_id = imported_code(store, tmp_path)
    chat = FakeChat(complete=['def two() -> int:\n    """The number two."""\n    return 2\n'], model="reviser-model")
    reviser = make_reviser(Settings(model="reviser-model", base_url="http://localhost:1/v1"), chat=chat)
    code, _ = run(store, draft_id, ["g 3", "r clearer docstring", "y", "q"], reviser)
    assert code == 0
    revision = store.get_version(draft_id)
    assert revision.origin is Origin.MODEL and revision.meta["model"] == "reviser-model"
    assert revision.meta["template"]["name"] == "revise" and revision.meta["revised_section"] == 2
    rows = [p for p in store.iter_predictions() if p["draft_id"] == draft_id]
    assert rows[-1]["version"] == revision.number and rows[-1]["model"] == "reviser-model"
    session = begin_review(store, draft_id, reviewer="Ann")
    decide_all(session)
    for note in session.open_notes():
        session.resolve(note.id, Resolution.ACCEPTED_RISK, "checked by hand")
    session.approve()
    out = tmp_path / "tools.json"
    export_draft(store, draft_id, fmt="json", output=str(out), force=False, disclose=False, tool_version="test")
    generator = json.loads(out.read_text())["provenance"]["generator"]
    assert generator["model"] == "reviser-model" and generator["prompt_template"]["name"] == "revise"
