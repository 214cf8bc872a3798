"""Note resolution: each open note shown in full and closed by the reviewer, with who and an optional comment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from draftmate.cli.review.screen import Quit
from draftmate.domain.lifecycle import needs_comment
from draftmate.domain.records import Resolution

if TYPE_CHECKING:
    from draftmate.cli.review.screen import ReviewScreen
    from draftmate.domain.records import Note

NOTE_KEYS = {
    "v": Resolution.VERIFIED,
    "f": Resolution.FIXED,
    "a": Resolution.ACCEPTED_RISK,
    "d": Resolution.DISMISSED,
}
NOTE_HELP = """\
v  verified: you checked it and it holds      f  fixed: you changed the text so it holds
a  accepted-risk: it stays as it is, knowingly d  dismissed: the note is wrong
p  print the note again                        q  save and quit
A blocking note needs a comment to be accepted as a risk or dismissed."""


def resolve_notes(screen: ReviewScreen) -> None:
    """Each open note resolved in turn, with who and an optional comment."""
    notes = sorted(screen.s.open_notes(), key=lambda n: n.number)
    if not notes:
        return
    from rich.rule import Rule

    screen.out.print(Rule(f"notes: {len(notes)} to resolve", style="dim"))
    for position, note in enumerate(notes, start=1):
        screen.show_note(note)
        while not resolve_note(screen, note, position, len(notes)):
            pass


def resolve_note(screen: ReviewScreen, note: Note, position: int, total: int) -> bool:
    """Ask how one note is resolved; True once it is."""
    answer = screen.ask(
        f"note {note.number} ({position}/{total}) [v]erified [f]ixed [a]ccepted-risk [d]ismissed [p] [q] [?]? "
    ).lower()
    status = NOTE_KEYS.get(answer) or next((r for r in Resolution if r.value == answer), None)
    if answer == "q":
        raise Quit("saved:")
    if answer == "p":
        screen.show_note(note)
        return False
    if status is None:
        screen.say(NOTE_HELP)
        return False
    needs = needs_comment(note.severity, status)
    comment = screen.ask("comment (required for a blocking note): " if needs else "comment (optional): ")
    if needs and not comment:
        screen.say(f"note {note.number} is blocking: say why it is {status.value}, or choose another status")
        return False
    screen.s.resolve(note.id, status, comment)
    screen.say(f"note {note.number}: {status.value}", "green")
    return True
