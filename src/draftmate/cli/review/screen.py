"""What the reviewer sees: the section in view with its notes where their lines are now, diffs, the status line."""

from __future__ import annotations

import difflib
from collections import Counter
from typing import TYPE_CHECKING, Any, TextIO

from draftmate.cli import render as ui
from draftmate.domain.lifecycle import TO_DECIDE
from draftmate.domain.note_text import Span, note_spans, spans_label

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
            raise Quit("input closed")
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
            spans = self.current_spans(n)
            if any(a <= section.end and b >= section.start for a, b in spans):
                shown.append(self.as_shown(n, spans))
        return shown

    @staticmethod
    def as_shown(note: Note, spans: list[Span]) -> dict[str, Any]:
        """A note as the renderer takes it, at its lines in the current version."""
        return {**note.as_json(), "lines": [spans[0][0], spans[-1][1]], "spans": [list(s) for s in spans]}

    def current_spans(self, note: Note) -> list[Span]:
        """The ranges a note is about, where they are in the current version; those that changed are left out."""
        spans = note_spans(note.lines, note.signals)
        if note.version == self.s.version.number:
            count = self.s.version.content.count("\n") + 1
            return [(a, min(b, count)) for a, b in spans if a <= count]  # lines listed past the end: none to show
        key = (note.version, self.s.version.number)
        if key not in self._maps:
            before = self.s.store.get_version(self.s.draft.id, note.version).content
            self._maps[key] = line_map(before, self.s.version.content)
        moved = self._maps[key]
        kept = []
        for first, last in spans:
            now = [moved.get(k) for k in range(first, last + 1)]
            if None not in now:
                kept.append((now[0], now[-1]))
        return [(a, b) for a, b in kept if a is not None and b is not None]

    def section_of(self, note: Note) -> int | None:
        """The index of the section holding a note's first line in the current version, None if it has none now."""
        spans = self.current_spans(note)
        if not spans:
            return None
        return next((s.index for s in self.s.sections if s.start <= spans[0][0] <= s.end), None)

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
        """A note in full, at its lines in the version under review, with those lines when they are still there."""
        spans = self.current_spans(note)
        noted = note_spans(note.lines, note.signals)
        head = ui.literal(f"note {note.number}  ", "bold")
        head.append(ui.literal(note.severity.value, ui.SEVERITY_STYLE.get(note.severity.value, "")))
        if not note.lines:
            where = "whole draft"
        elif spans:
            count = sum(b - a + 1 for a, b in spans)
            # the lines as they are numbered now; where they moved, also where the note was made
            moved = note.version != self.s.version.number and spans != noted
            moved_from = f" (lines {spans_label(noted)} in v{note.version})" if moved else ""
            where = f"line{'s' if count > 1 else ''} {spans_label(spans)}{moved_from}"
        else:
            where = f"lines {spans_label(noted)} of v{note.version}, changed since"
        head.append(ui.literal(f"  {where}  {note.kind}"))
        if note.risk is not None:
            head.append(ui.literal(f"  risk {note.risk:.2f}"))
        self.out.print(head)
        self.say(f"why: {note.why}")
        if note.signals:
            self.say(f"signals: {ui.signal_summary(note.signals, note.source)}", "dim")
        if spans:
            content = self.s.version.content.splitlines()
            shown = self.as_shown(note, spans)
            for i, (first, last) in enumerate(spans):
                if i:
                    self.say("⋮", "dim")  # lines between the note's ranges are left out
                self.out.print(
                    ui.numbered("\n".join(content[first - 1 : last]), [shown], start=first, heading=False), end=""
                )
        elif note.quote:
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
