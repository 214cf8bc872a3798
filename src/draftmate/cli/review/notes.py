"""Note resolution: each open note shown in full and closed by the reviewer, with who and an optional comment.

Notes of one kind in one section (three numbers in a paragraph) are shown together and may be answered with one key
and one comment; each still gets its own resolution record. A blocking note, or one of the reviewer's own, is always
answered on its own. A comment is typed after the key (`v checked against the changelog`); it is asked for only
where it is required.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from draftmate.cli.review.screen import Quit
from draftmate.domain.lifecycle import answerable_together, needs_comment
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
# every key labelled, and a single note's prompt within 80 columns
NOTE_CHOICES = "[v]erified [f]ixed [a]ccepted-risk [d]ismissed [p]rint [q]uit [?]"
NOTE_HELP = """\
v  verified: you checked it and it holds      f  fixed: you changed the text so it holds
a  accepted-risk: it stays as it is, knowingly d  dismissed: the note is wrong
p  print the note again                        q  save and quit; `draftmate review ID` resumes here
A comment goes after the key, on the same line: `v checked against the changelog`.
A blocking note needs a comment to be accepted as a risk or dismissed; it is always answered on its own."""
GROUP_HELP = NOTE_HELP + "\no  answer these notes one by one instead (a different answer or comment for each)"


@dataclass
class Group:
    """Open notes answered with one answer: one note, or non-blocking notes of one kind in one section."""

    notes: list[Note]
    section: int | None  # the section index the notes are in, None when their lines are gone or they have none


def resolve_notes(screen: ReviewScreen) -> None:
    """Each open note resolved, alone or with the notes of its kind in its section."""
    notes = sorted(screen.s.open_notes(), key=lambda n: n.number)
    if not notes:
        return
    from rich.rule import Rule

    screen.out.print(Rule(f"notes: {len(notes)} to resolve", style="dim"))
    done = 0
    for group in grouped(screen, notes):
        if len(group.notes) > 1 and not resolve_group(screen, group, done, len(notes)):
            for position, note in enumerate(group.notes, start=done + 1):
                screen.show_note(note)
                while not resolve_note(screen, note, position, len(notes)):
                    pass
        elif len(group.notes) == 1:
            screen.show_note(group.notes[0])
            while not resolve_note(screen, group.notes[0], done + 1, len(notes)):
                pass
        done += len(group.notes)


def grouped(screen: ReviewScreen, notes: list[Note]) -> list[Group]:
    """The notes in answering order: non-blocking notes of one kind in one section together, the rest alone."""
    groups: list[Group] = []
    together: dict[tuple[int, str], Group] = {}
    for note in notes:
        section = screen.section_of(note)
        # a person's own notes are each their own concern; so is a blocking note
        if section is None or note.source == "human" or not answerable_together(note.severity):
            groups.append(Group([note], section))
            continue
        key = (section, note.kind)
        if key in together:
            together[key].notes.append(note)
        else:
            together[key] = Group([note], section)
            groups.append(together[key])
    return groups


def parse_answer(answer: str) -> tuple[str, str]:
    """`v checked it` -> ('v', 'checked it'): the key (lowered) and the comment typed after it (as typed)."""
    key, _, comment = answer.strip().partition(" ")
    return key.lower(), comment.strip()


def status_of(key: str) -> Resolution | None:
    """The resolution a key or a status name stands for."""
    return NOTE_KEYS.get(key) or next((r for r in Resolution if r.value == key), None)


def resolve_group(screen: ReviewScreen, group: Group, done: int, total: int) -> bool:
    """One answer for all the group's notes; False when the reviewer chose to answer them one by one."""
    notes = group.notes
    numbers = ", ".join(str(n.number) for n in notes)
    where = f" in section {group.section + 1}" if group.section is not None else ""
    screen.say(f"notes {numbers}: {len(notes)} {notes[0].kind} notes{where}, answered together (o: one by one)", "bold")
    for note in notes:
        screen.show_note(note)
    while True:
        answer = screen.ask(f"notes {numbers} ({done + 1}-{done + len(notes)}/{total}) {NOTE_CHOICES}? ")
        key, comment = parse_answer(answer)
        if key in ("o", "one"):
            return False
        status = handled(screen, key, answer, notes, GROUP_HELP)
        if status is None:
            continue
        screen.s.resolve_together([n.id for n in notes], status, comment)
        screen.say(f"notes {numbers}: {status.value}" + (" (with your comment)" if comment else ""), "green")
        return True


def resolve_note(screen: ReviewScreen, note: Note, position: int, total: int) -> bool:
    """Ask how one note is resolved; True once it is."""
    answer = screen.ask(f"note {note.number} ({position}/{total}) {NOTE_CHOICES}? ")
    key, comment = parse_answer(answer)
    status = handled(screen, key, answer, [note], NOTE_HELP)
    if status is None:
        return False
    needs = needs_comment(note.severity, status)
    if needs and not comment:
        comment = screen.ask(f"comment (required: why is blocking note {note.number} {status.value}?): ")
        if not comment:
            screen.say(f"note {note.number} is blocking: say why it is {status.value}, or choose another status")
            return False
    screen.s.resolve(note.id, status, comment)
    screen.say(f"note {note.number}: {status.value}" + (" (with your comment)" if comment else ""), "green")
    return True


def handled(screen: ReviewScreen, key: str, answer: str, notes: list[Note], help_text: str) -> Resolution | None:
    """The status an answer gives; None after acting on any other key (print, help) or saying what was wrong."""
    if key in ("q", "quit"):
        raise Quit()
    if key in ("p", "print"):
        for note in notes:
            screen.show_note(note)
        return None
    if key in ("?", "help"):
        screen.say(help_text)
        return None
    status = status_of(key)
    if status is None:
        screen.say(f"unknown key {answer.strip()!r}: ? for help" if key else "type a key, then Enter: ? for help")
    return status
