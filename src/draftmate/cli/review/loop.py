"""The interactive review from start to end: who reviews what, the sections, the notes, the decision.

Input is read a line at a time (a key, then Enter), so the same loop runs on a terminal, through a pipe and under
typer's test runner. Every decision is written through `ReviewSession` as it is made: quitting, Ctrl-C, a closed
terminal or a killed process leave a review that resumes where it stopped.
"""

from __future__ import annotations

import sys
from enum import IntEnum
from typing import TYPE_CHECKING, TextIO

from draftmate.cli import render as ui
from draftmate.cli.review.decision import decide, summary
from draftmate.cli.review.editor import Editor, edit_in_editor
from draftmate.cli.review.keys import Reviser, SectionKeys
from draftmate.cli.review.notes import resolve_notes
from draftmate.cli.review.screen import Prompt, Quit, ReviewScreen
from draftmate.domain.ids import short_id
from draftmate.domain.lifecycle import TO_DECIDE
from draftmate.domain.records import Decision
from draftmate.services.reviews import begin_review

if TYPE_CHECKING:
    from rich.console import Console

    from draftmate.store.protocol import Store


class ReviewEnd(IntEnum):
    """How an interactive review ended; its value is the exit code of `draftmate review ID`."""

    # A refused gate is no end of the loop's own: GateRefused propagates, and the CLI exits with its exit_code (3).
    DONE = 0  # decided (approved, changes requested, rejected), or saved to resume later (q, input closed)
    INTERRUPTED = 130  # Ctrl-C, saved all the same: 128 + SIGINT, as a shell reports it

    @property
    def exit_code(self) -> int:
        """The exit code, as DraftmateError carries its own."""
        return int(self)


def run_review(
    store: Store,
    draft_id: str,
    *,
    reviewer: str,
    responsible: str | None = None,
    reviser: Reviser | None = None,
    editor: Editor | None = None,
    stdin: TextIO | None = None,
    out: Console | None = None,
) -> ReviewEnd:
    """Review a draft interactively, to a decision or until the reviewer stops; GateRefused if the gate refuses."""
    out = out or ui.console()
    session = begin_review(store, draft_id, reviewer=reviewer, editorial_responsibility=responsible)
    screen = ReviewScreen(session, Prompt(stdin or sys.stdin, out))
    resume = f"resume with: draftmate review {short_id(session.draft.id)}"
    try:
        review(screen, SectionKeys(screen, reviser, editor or edit_in_editor))
    except Quit as stop:
        why = f"{stop}: " if str(stop) else ""  # q says nothing more than "review saved"
        out.print(ui.literal(f"{why}review saved; {resume}"))
    except KeyboardInterrupt:
        out.print()
        out.print(ui.literal(f"interrupted: review saved; {resume}"))
        return ReviewEnd.INTERRUPTED
    return ReviewEnd.DONE


def review(screen: ReviewScreen, keys: SectionKeys) -> None:
    """The phases in order: sections, then notes (unless a section was rejected), then the summary and decision."""
    intro(screen)
    s = screen.s
    if s.next_undecided() is not None:
        keys.run()
    rejected = Decision.REJECT.value in s.states()
    if rejected:
        screen.say("a section was rejected, so this version cannot be approved; its notes stay open", "yellow")
    else:
        resolve_notes(screen)
    summary(screen)
    decide(screen, rejected)


def intro(screen: ReviewScreen) -> None:
    """Who reviews what, and where a resumed review picks up."""
    s = screen.s
    d, states = s.draft, s.states()
    head = ui.literal(f"reviewing {short_id(d.id)}  ", "bold")
    head.append(ui.literal(d.title, "bold"))
    screen.out.print(head)
    screen.say(
        f"{d.kind.value}{'/' + d.lang if d.lang else ''}  v{s.version.number}  "
        f"{len(s.sections)} sections  {len(s.open_notes())} open notes  "
        f"reviewer {ui.one_line(s.review.reviewer)}  "
        f"responsible {ui.one_line(s.review.editorial_responsibility)}",
        "dim",
    )
    if s.taken_over:
        previous, dropped = s.taken_over
        screen.say(
            f"{ui.one_line(previous)} had this review open; you take it over: their {dropped} section"
            f" decision{'s' if dropped != 1 else ''} do not carry over (a reviewer attests only to the sections"
            " they saw); notes they resolved stay resolved, in their name",
            "yellow",
        )
    decided = sum(1 for state in states if state not in TO_DECIDE)
    if decided:
        screen.say(f"resuming: {decided} of {len(states)} sections already decided; your decisions are kept")
    screen.say("? for help; one key then Enter", "dim")
