"""What the reviewer sees: the section in view with its notes where their lines are now, diffs, the status line."""

from __future__ import annotations

import difflib
from collections import Counter
from typing import TYPE_CHECKING, Any, TextIO

from draftmate.cli import render as ui
from draftmate.domain.lifecycle import TO_DECIDE

if TYPE_CHECKING:
    from rich.console import Console

    from draftmate.domain.records import Note
    from draftmate.domain.sections import Section
    from draftmate.services.reviews import ReviewSession

STATE_LABEL = {
    "undecided": "undecided",
    "stale": "changed since you decided it: decide again",
    "accept": "accepted",
    "edit": "edited by you",
    "reject": "rejected",
}
DIFF_STYLE = {"+": "green", "-": "red", "@": "cyan"}


class Quit(Exception):
    """The reviewer stopped (q, or input closed); everything decided so far is saved."""


class Prompt:
    """One line of input per answer, with the question printed before it."""

    def __init__(self, stdin: TextIO, out: Console) -> None:
        self.stdin, self.out = stdin, out

    def ask(self, question: str) -> str:
        """The answer, stripped; Quit when input is closed (EOF, a closed terminal)."""
        self.out.print(ui.literal(question, "bold"), end="")
        line = self.stdin.readline()
        if not line:
            self.out.print()
            raise Quit("input closed:")
        return line.strip()


class ReviewScreen:
    """One review session on a console: the section in view, and everything shown about it."""

    def __init__(self, session: ReviewSession, prompt: Prompt) -> None:
        self.s, self.prompt, self.out = session, prompt, prompt.out
        self.current = 0  # the index of the section in view
        self._maps: dict[tuple[int, int], dict[int, int]] = {}  # (from, to) version -> lines that survived

    def say(self, text: str, style: str = "") -> None:
        """Print one message, literally."""
        self.out.print(ui.literal(text, style))

    def ask(self, question: str) -> str:
        """One answer from the reviewer."""
        return self.prompt.ask(question)

    def show(self) -> None:
        """The current section in full, its notes, and where the review stands; recorded as seen."""
        from rich.rule import Rule

        i = self.current
        section = self.s.sections[i]
        self.s.mark_seen(i)
        state = self.s.states()[i]
        label = STATE_LABEL.get(state, state)
        self.out.print(Rule(f"section {i + 1}/{len(self.s.sections)}  lines {section.start}-{section.end}"))
        self.say(label, "yellow" if state in TO_DECIDE else "green")
        notes = self.notes_beside(section)
        self.out.print(ui.numbered(section.text, notes, start=section.start), end="")
        if notes:
            ui.render_notes(notes, self.out)
        self.status()

    def notes_beside(self, section: Section) -> list[dict[str, Any]]:
        """The open and closed notes on the section's lines, earlier versions' notes moved to where their lines are."""
        shown = []
        for n in self.s.notes():
            lines = self.current_lines(n)
            if lines and lines[0] <= section.end and lines[1] >= section.start:
                shown.append({**n.as_json(), "lines": list(lines)})
        return shown

    def current_lines(self, note: Note) -> tuple[int, int] | None:
        """Where a note's lines are in the current version, or None when they changed (or it has none)."""
        if note.lines is None or note.version == self.s.version.number:
            return note.lines
        key = (note.version, self.s.version.number)
        if key not in self._maps:
            before = self.s.store.get_version(self.s.draft.id, note.version).content
            self._maps[key] = line_map(before, self.s.version.content)
        moved = self._maps[key]
        span = [moved.get(k) for k in range(note.lines[0], note.lines[1] + 1)]
        if None in span:
            return None
        first, last = span[0], span[-1]
        return (first, last) if first and last else None

    def status(self) -> None:
        """Counts of decided, undecided and stale sections and open notes."""
        states = Counter(self.s.states())
        decided = len(self.s.sections) - sum(states[state] for state in TO_DECIDE)
        self.say(
            f"section {self.current + 1}/{len(self.s.sections)} · {decided} decided · {states['undecided']} undecided"
            f" · {states['stale']} stale · {len(self.s.open_notes())} open notes · v{self.s.version.number}",
            "dim",
        )

    def show_note(self, note: Note) -> None:
        """A note in full, with the lines it points at when they are in the current version."""
        head = ui.literal(f"note {note.number}  ", "bold")
        head.append(ui.literal(note.severity.value, ui.SEVERITY_STYLE.get(note.severity.value, "")))
        where = f"lines {note.lines[0]}-{note.lines[1]}" if note.lines else "whole draft"
        head.append(ui.literal(f"  {where} of v{note.version}  {note.kind}"))
        if note.risk is not None:
            head.append(ui.literal(f"  risk {note.risk:.2f}"))
        self.out.print(head)
        self.say(f"why: {note.why}")
        if note.signals:
            self.say(f"signals: {', '.join(sorted(note.signals))}", "dim")
        where_now = self.current_lines(note)
        if where_now:
            lines = self.s.version.content.splitlines()[where_now[0] - 1 : where_now[1]]
            shown = {**note.as_json(), "lines": list(where_now)}
            self.out.print(ui.numbered("\n".join(lines), [shown], start=where_now[0]), end="")
        else:
            if note.lines:
                self.say(f"its lines have changed since v{note.version}", "dim")
            if note.quote:
                self.out.print(ui.literal("quote: ", "dim") + ui.literal(note.quote))

    def show_diff(self, before: str, after: str, labels: tuple[str, str]) -> None:
        """A unified diff, each line literal."""
        diff = list(
            difflib.unified_diff(
                before.splitlines(), after.splitlines(), fromfile=labels[0], tofile=labels[1], lineterm=""
            )
        )
        if not diff:
            self.say("no differences")
        for line in diff:
            self.say(line, DIFF_STYLE.get(line[:1], "") if not line.startswith(("+++", "---")) else "bold")


def line_map(before: str, after: str) -> dict[int, int]:
    """1-based lines of `before` that are unchanged in `after`, mapped to their numbers there."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    moved: dict[int, int] = {}
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            moved.update({i1 + k + 1: j1 + k + 1 for k in range(i2 - i1)})
    return moved
