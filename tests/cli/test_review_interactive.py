"""The interactive review through typer's runner with scripted input, and run_review with its seams."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli import reviewing as cli
from draftmate.cli.commands import app
from draftmate.cli.review.editor import normalized
from draftmate.cli.review.keys import split_key
from draftmate.cli.review.loop import run_review
from draftmate.domain.digests import sha256_hex
from draftmate.domain.records import Decision, Origin, Severity, State
from draftmate.errors import GateRefused
from draftmate.services.reviews import begin_review
from draftmate.store.sqlite import SQLiteStore

RELEASE_NOTES = EXAMPLES / "release-notes.md"
SECTIONS_IN_EXAMPLE = 4


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend a person is at a terminal, so `review ID` runs the interactive loop on the runner's input."""
    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")  # rich's width off a terminal; wide enough that no line wraps


def import_example(runner: CliRunner, path: Path = RELEASE_NOTES) -> str:
    """Import a file as a draft and return its ID."""
    result = runner.invoke(app, ["draft", "--from-file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


def review(runner: CliRunner, draft_id: str, *answers: str, extra: tuple[str, ...] = ()) -> Any:
    """`draftmate review ID --reviewer Ann` with one answer per line."""
    text = "".join(a + "\n" for a in answers)
    return runner.invoke(app, ["review", draft_id[:8], "--reviewer", "Ann", *extra], input=text)


def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """$EDITOR as a small Python script that rewrites the file it is given."""
    script = tmp_path / "editor.py"
    script.write_text("import sys\nfrom pathlib import Path\np = Path(sys.argv[1])\nt = p.read_text()\n" + body)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")


def open_notes(store: SQLiteStore, draft_id: str) -> int:
    """How many notes the checks left open on a draft (the checks evolve; the tests do not count on a number)."""
    return sum(1 for n in store.list_notes(draft_id) if n.resolution is None)


def answers_needed(store: SQLiteStore, draft_id: str) -> int:
    """How many answers the open notes take: one per kind per section, one per blocking note."""
    from draftmate.domain.sections import split_sections

    draft, version = store.get_draft(draft_id), store.get_version(draft_id)
    sections = split_sections(version.content, draft.kind.value, draft.lang)
    alone, together = 0, set()
    for n in store.list_notes(draft_id):
        section = next((s.index for s in sections if n.lines and s.start <= n.lines[0] <= s.end), None)
        if n.resolution is not None:
            continue
        if n.severity is Severity.BLOCKING or section is None:
            alone += 1
        else:
            together.add((section, n.kind))
    return alone + len(together)


def resolve_all(count: int, key: str = "v") -> list[str]:
    """Answers resolving `count` notes with `key` and no comment."""
    return [key, ""] * count


def test_without_a_terminal_it_points_at_the_non_interactive_form(runner: CliRunner) -> None:
    draft_id = import_example(runner)
    result = runner.invoke(app, ["review", draft_id[:8], "--reviewer", "Ann"], input="y\n")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "needs a terminal" in result.stderr and "--decision approve" in result.stderr


def test_accept_edit_resolve_and_approve_pins_final_to_sha256(
    runner: CliRunner, terminal: None, store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_editor(tmp_path, monkeypatch, "p.write_text(t.replace('38%', '35%'))\n")
    draft_id = import_example(runner)
    count = open_notes(store, draft_id)
    answers = ["y", "e", "y", "y", "y", *resolve_all(count), "a", "yes"]
    result = review(runner, draft_id, *answers)
    assert result.exit_code == 0, result.output
    assert "-The sync engine now batches writes, which cut the median upload time by 38% in our" in result.stdout
    assert "+The sync engine now batches writes, which cut the median upload time by 35% in our" in result.stdout
    assert "sections: 3 accepted, 1 edited, 0 rejected of 4" in result.stdout
    assert f"notes: {count} verified" in result.stdout
    draft = store.get_draft(draft_id)
    version = store.get_version(draft_id)
    assert draft.status is State.FINAL
    assert version.number == 2 and version.origin is Origin.HUMAN and version.author == "Ann"
    assert "35%" in version.content
    assert draft.approved_sha256 == sha256_hex(version.content) == version.sha256
    assert draft.approved_version == 2
    [done] = store.list_reviews(draft_id)
    assert [d.decision for d in done.decisions] == [Decision.ACCEPT, Decision.EDIT, Decision.ACCEPT, Decision.ACCEPT]
    outcome = next(p["outcome"] for p in store.iter_predictions() if p["draft_id"] == draft_id)
    assert outcome["sections"] == {"accept": 3, "edit": 1, "reject": 0}
    assert outcome["edit_distance"] > 0


def test_a_rejected_section_means_approval_is_not_offered(
    runner: CliRunner, terminal: None, store: SQLiteStore
) -> None:
    draft_id = import_example(runner)
    answers = ["y", "n", "the benchmark figure is unsourced", "y", "y", "a", "r", "figures unsourced"]
    result = review(runner, draft_id, *answers)
    assert result.exit_code == 0, result.output
    assert "decision: [c]hanges requested  [r]eject  [q] save and quit?" in result.stdout
    assert "[a]pprove" not in result.stdout
    assert "a section was rejected: request changes or reject the draft" in result.stdout
    assert store.get_draft(draft_id).status is State.REJECTED
    [done] = store.list_reviews(draft_id)
    assert done.reason == "figures unsourced"
    assert done.decisions[1].decision is Decision.REJECT
    assert done.decisions[1].reason == "the benchmark figure is unsourced"


def test_request_changes_needs_a_reason(runner: CliRunner, terminal: None, store: SQLiteStore) -> None:
    draft_id = import_example(runner)
    answers = ["y", "y", "y", "y", *resolve_all(open_notes(store, draft_id)), "c", "", "c", "cite the benchmark"]
    result = review(runner, draft_id, *answers)
    assert result.exit_code == 0, result.output
    assert "say what should change" in result.stdout
    assert store.get_draft(draft_id).status is State.CHANGES


def test_quit_then_resume_keeps_earlier_decisions(runner: CliRunner, terminal: None, store: SQLiteStore) -> None:
    draft_id = import_example(runner)
    first = review(runner, draft_id, "y", "y", "q")
    assert first.exit_code == 0, first.output
    assert f"review saved; resume with: draftmate review {draft_id[:8]}" in first.stdout
    assert store.get_draft(draft_id).status is State.IN_REVIEW
    second = review(runner, draft_id, "q")
    assert second.exit_code == 0
    assert "resuming: 2 of 4 sections already decided" in second.stdout
    assert "section 3/4  lines 11-15" in second.stdout
    assert "section 1/4  lines" not in second.stdout
    [open_review] = store.list_reviews(draft_id)
    assert [d.index for d in open_review.decisions] == [0, 1]


def test_taking_over_anothers_review_says_their_decisions_do_not_carry(
    runner: CliRunner, terminal: None, store: SQLiteStore
) -> None:
    draft_id = import_example(runner)
    assert review(runner, draft_id, "y", "y", "q").exit_code == 0
    bob = runner.invoke(app, ["review", draft_id[:8], "--reviewer", "Bob"], input="q\n")
    assert bob.exit_code == 0, bob.output
    assert "Ann had this review open; you take it over: their 2 section decisions do not carry over" in bob.stdout
    assert "resuming:" not in bob.stdout
    again = runner.invoke(app, ["review", draft_id[:8], "--reviewer", "Bob"], input="y\nq\n")
    assert "take it over" not in again.stdout  # only said once, when it happens
    scripted = runner.invoke(
        app, ["review", draft_id[:8], "--decision", "changes", "--reason", "x", "--reviewer", "Cy"]
    )
    assert scripted.exit_code == 0, scripted.stderr
    assert "note: took over Bob's open review; their 1 section decision did not carry over" in scripted.stderr


def test_closed_input_saves_and_resumes(runner: CliRunner, terminal: None, store: SQLiteStore) -> None:
    draft_id = import_example(runner)
    result = review(runner, draft_id, "y")
    assert result.exit_code == 0
    assert "input closed: review saved" in result.stdout
    assert store.get_draft(draft_id).status is State.IN_REVIEW
    assert len(store.list_reviews(draft_id)[0].decisions) == 1


def test_notes_phase_resumes_after_sections(runner: CliRunner, terminal: None, store: SQLiteStore) -> None:
    draft_id = import_example(runner)
    assert review(runner, draft_id, "y", "y", "y", "y", "v", "", "q").exit_code == 0
    left = open_notes(store, draft_id)
    result = review(runner, draft_id, *resolve_all(left), "a", "yes")
    assert result.exit_code == 0, result.output
    assert f"notes: {left} to resolve" in result.stdout
    assert store.get_draft(draft_id).status is State.FINAL


def test_missing_editor_says_how_to_set_one_and_loses_nothing(
    runner: CliRunner, terminal: None, store: SQLiteStore
) -> None:
    draft_id = import_example(runner)
    result = review(runner, draft_id, "y", "e", "q")
    assert result.exit_code == 0
    assert "no editor: set $VISUAL or $EDITOR" in result.stdout
    assert len(store.list_versions(draft_id)) == 1
    assert len(store.list_reviews(draft_id)[0].decisions) == 1


def test_failing_editor_changes_nothing(
    runner: CliRunner, terminal: None, store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_editor(tmp_path, monkeypatch, "p.write_text('garbage')\nsys.exit(3)\n")
    draft_id = import_example(runner)
    result = review(runner, draft_id, "e", "q")
    assert "exited with status 3; nothing was changed" in result.stdout
    assert len(store.list_versions(draft_id)) == 1


def test_an_edit_not_confirmed_is_discarded(
    runner: CliRunner, terminal: None, store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_editor(tmp_path, monkeypatch, "p.write_text(t.upper())\n")
    draft_id = import_example(runner)
    result = review(runner, draft_id, "e", "n", "q")
    assert "+# RELEASE NOTES: DRAFTMATE-SYNC 2.4" in result.stdout
    assert "discarded; the section is as it was" in result.stdout
    assert len(store.list_versions(draft_id)) == 1


def test_blocking_note_added_in_review_needs_a_comment_to_dismiss(
    runner: CliRunner, terminal: None, store: SQLiteStore
) -> None:
    draft_id = import_example(runner)
    count = open_notes(store, draft_id)
    answers = ["u", "is this the right product name?", "b", "", "y", "y", "y", "y"]
    answers += resolve_all(answers_needed(store, draft_id))  # the example's own notes, numbered first
    answers += ["d", "", "d", "checked with the release manager", "a", "yes"]
    result = review(runner, draft_id, *answers)
    assert result.exit_code == 0, result.output
    assert f"added note {count + 1} (blocking)" in result.stdout
    assert f"note {count + 1} is blocking: say why it is dismissed" in result.stdout
    note = store.list_notes(draft_id)[-1]
    assert note.severity is Severity.BLOCKING and note.lines == (1, 2) and note.author == "Ann"
    assert note.resolution is not None and note.resolution.comment == "checked with the release manager"
    assert store.get_draft(draft_id).status is State.FINAL


def test_navigation_search_help_and_diff(runner: CliRunner, terminal: None) -> None:
    draft_id = import_example(runner)
    answers = ["?", "j", "k", "g 4", "g 9", "/multipart", "w", "p", "r tighten it", "zz", "", "q"]
    result = review(runner, draft_id, *answers)
    out = result.stdout
    assert result.exit_code == 0
    assert "There is no bulk accept" in out
    assert "section 2/4  lines 3-10" in out and "section 4/4  lines 16-18" in out
    assert "no section '9': give a number from 1 to 4" in out
    assert "section 2, line 9: S3 multipart guide" in out
    assert "this is the first version; there is nothing to compare it with" in out
    assert "revising needs a configured model endpoint: set OPENAI_API_KEY" in out
    assert "unknown key 'zz'" in out and "type a key, then Enter" in out


def test_j_and_k_skip_decided_sections(runner: CliRunner, terminal: None) -> None:
    draft_id = import_example(runner)
    result = review(runner, draft_id, "g 2", "y", "k", "j", "j", "j", "q")
    out = result.stdout
    assert "no undecided section after this one" in out
    # after accepting 2 the loop moves on to 3; k goes back to 1, skipping the decided 2; j from 1 jumps to 3, then 4
    shown = re.findall(r"─ (section \d/4)  lines", out)
    assert shown == ["section 1/4", "section 2/4", "section 3/4", "section 1/4", "section 3/4", "section 4/4"]


# ---- run_review with its seams: a reviser, an editor, input that fails -------------------------------------


def run(store: SQLiteStore, draft_id: str, answers: list[str], **seams: Any) -> tuple[int, str]:
    """run_review on scripted answers; the exit code and what it printed."""
    buffer = io.StringIO()
    out = Console(file=buffer, width=120, highlight=False, markup=False, emoji=False)
    stdin = seams.pop("stdin", None) or io.StringIO("".join(a + "\n" for a in answers))
    code = run_review(store, draft_id, reviewer="Ann", stdin=stdin, out=out, **seams)
    return code, buffer.getvalue()


def imported(store: SQLiteStore) -> str:
    from draftmate.services.drafts import import_draft

    return import_draft(store, str(RELEASE_NOTES)).id


def test_revision_by_the_model_is_asked_again_and_a_decided_section_goes_stale(store: SQLiteStore) -> None:
    draft_id = imported(store)
    calls: list[tuple[str, str]] = []

    def reviser(text: str, instruction: str) -> str:
        calls.append((text, instruction))
        return text.replace("Clients older", "All clients older")

    answers = ["y", "y", "y", "g 3", "r warmer", "y", "y", "q"]  # confirm the revision, then accept it
    code, out = run(store, draft_id, answers, reviser=reviser)
    assert code == 0
    assert [(text.splitlines()[0], instruction) for text, instruction in calls] == [("## Compatibility", "warmer")]
    assert "saved the revision as v2; decide on it now" in out
    assert "changed since you decided it: decide again" in out
    version = store.get_version(draft_id)
    assert version.origin is Origin.MODEL and version.meta == {"revised_section": 2, "instruction": "warmer"}
    session = begin_review(store, draft_id, reviewer="Ann")
    assert session.states() == ["accept", "accept", "accept", "undecided"]  # the revision, accepted again


def test_a_failed_model_revision_keeps_the_review_going(store: SQLiteStore) -> None:
    from draftmate.errors import ModelError

    draft_id = imported(store)

    def reviser(text: str, instruction: str) -> str:
        raise ModelError("the endpoint timed out")

    code, out = run(store, draft_id, ["r shorter", "y", "q"], reviser=reviser)
    assert code == 0
    assert "the revision failed: the endpoint timed out; nothing was changed" in out
    assert store.get_draft(draft_id).current_version == 1
    assert begin_review(store, draft_id, reviewer="Ann").states()[0] == "accept"


def test_ctrl_c_saves_and_returns_130(store: SQLiteStore) -> None:
    draft_id = imported(store)

    class Interrupting(io.StringIO):
        def readline(self, size: int | None = -1) -> str:
            if self.tell() >= 2:
                raise KeyboardInterrupt
            return super().readline()

    code, out = run(store, draft_id, [], stdin=Interrupting("y\n"))
    assert code == 130
    assert "interrupted: review saved; resume with" in out
    assert store.get_draft(draft_id).status is State.IN_REVIEW
    assert [d.decision for d in store.list_reviews(draft_id)[0].decisions] == [Decision.ACCEPT]


def test_gate_refuses_when_a_note_arrives_during_attestation(store: SQLiteStore) -> None:
    draft_id = imported(store)
    answers = iter(["y"] * SECTIONS_IN_EXAMPLE + resolve_all(open_notes(store, draft_id)) + ["a"])

    class Meanwhile(io.StringIO):
        def readline(self, size: int | None = -1) -> str:
            answer = next(answers, None)
            if answer is None:  # the attestation: someone adds a blocking note right now
                from draftmate.services.drafts import add_note

                add_note(store, draft_id, "late finding", severity=Severity.BLOCKING, lines=None, author="Bo")
                return "yes\n"
            return answer + "\n"

    with pytest.raises(GateRefused, match="unresolved"):
        run(store, draft_id, [], stdin=Meanwhile())
    assert store.get_draft(draft_id).status is State.IN_REVIEW


def test_deleting_a_section_leaves_the_next_one_undecided(store: SQLiteStore) -> None:
    draft_id = imported(store)
    code, _ = run(store, draft_id, ["y", "e", "y", "q"], editor=lambda text, suffix: "")
    assert code == 0
    session = begin_review(store, draft_id, reviewer="Ann")
    assert [s.title for s in session.sections] == [
        "# Release notes: draftmate-sync 2.4",
        "## Compatibility",
        "## Thanks",
    ]
    assert session.states() == ["accept", "undecided", "undecided"]


def test_edit_that_grows_a_section_marks_only_the_reviewers_lines(store: SQLiteStore) -> None:
    draft_id = imported(store)
    added = "## Known issues\n\nNone yet.\n\n"
    code, out = run(store, draft_id, ["e", "y", "q"], editor=lambda text, suffix: text + added)
    assert code == 0 and "saved your edit as v2" in out
    session = begin_review(store, draft_id, reviewer="Ann")
    assert [s.title for s in session.sections][:3] == [
        "# Release notes: draftmate-sync 2.4",
        "## Known issues",
        "## What changed",
    ]
    assert session.states() == ["edit", "edit", "undecided", "undecided", "undecided"]


def test_key_parsing_and_edit_normalizing() -> None:
    assert split_key("g 3") == ("g", "3")
    assert split_key("g3") == ("g", "3")
    assert split_key("/multi part") == ("/", "multi part")
    assert split_key("u check the date") == ("u", "check the date")
    assert split_key("yes") == ("yes", "")
    assert split_key("Y") == ("y", "")
    assert normalized("a\n", "b") == "b\n"
    assert normalized("a", "b\n") == "b"
    assert normalized("a\n", "a\r\n") == "a\n"


def test_reviewer_from_environment_and_named_responsibility(
    runner: CliRunner, terminal: None, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTMATE_REVIEWER", "Cy Reviewer")
    draft_id = import_example(runner)
    answers = ["y"] * SECTIONS_IN_EXAMPLE + resolve_all(open_notes(store, draft_id)) + ["a", "no", "a", "yes"]
    result = runner.invoke(
        app, ["review", draft_id[:8], "--responsible", "Di Editor"], input="".join(a + "\n" for a in answers)
    )
    assert result.exit_code == 0, result.output
    assert "I, Cy Reviewer, reviewed every section of this draft (v1) as shown, and Di Editor holds" in result.stdout
    assert "not attested; nothing was approved" in result.stdout
    [done] = store.list_reviews(draft_id)
    assert (done.reviewer, done.editorial_responsibility) == ("Cy Reviewer", "Di Editor")
    assert store.get_draft(draft_id).status is State.FINAL


def test_without_any_identity_the_reviewer_is_asked(runner: CliRunner, terminal: None, store: SQLiteStore) -> None:
    draft_id = import_example(runner)
    result = runner.invoke(app, ["review", draft_id[:8]], input="Ed Asked\ny\nq\n")
    assert result.exit_code == 0, result.output
    assert "Your name as reviewer" in result.stdout
    assert store.list_reviews(draft_id)[0].reviewer == "Ed Asked"


def test_an_edit_never_decides_text_the_reviewer_did_not_write(store: SQLiteStore, tmp_path: Path) -> None:
    from draftmate.services.drafts import import_draft

    paragraph = "".join(f"Line {k} of a paragraph.\n" for k in range(6))
    path = tmp_path / "plain.txt"
    path.write_text(paragraph + "\n" + paragraph.replace("Line", "Row") + "\n" + "Untouched paragraph.\n" * 6)
    draft_id = import_draft(store, str(path)).id
    assert len(begin_review(store, draft_id, reviewer="Ann").sections) == 2
    # shrinking section 1 regroups the paragraphs: what is left of it and the third paragraph become one section
    code, _ = run(store, draft_id, ["e", "y", "q"], editor=lambda text, suffix: "Short.\n\n")
    assert code == 0
    session = begin_review(store, draft_id, reviewer="Ann")
    assert [s.text.count("Untouched") for s in session.sections] == [6]
    assert session.states() == ["undecided"]  # it holds a paragraph nobody decided on, so it is asked


def test_editing_a_decided_section_counts_as_edited(store: SQLiteStore) -> None:
    draft_id = imported(store)
    code, _ = run(store, draft_id, ["y", "y", "g 2", "e", "y", "q"], editor=lambda text, suffix: text + "More.\n")
    assert code == 0
    session = begin_review(store, draft_id, reviewer="Ann")
    assert session.states()[:2] == ["accept", "edit"]
