"""The interactive review: one section at a time, every note resolved, then a named person's decision.

Input is read a line at a time (a key, then Enter), so the same loop runs on a terminal, through a pipe and under
typer's test runner. Every decision is written through `ReviewSession` as it is made: quitting, Ctrl-C, a closed
terminal or a killed process leave a review that resumes where it stopped.
"""

from __future__ import annotations

import difflib
import os
import shlex
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from draftmate.cli import render as ui
from draftmate.domain.outcomes import edit_distance
from draftmate.domain.records import Decision, Note, Origin, Resolution, Severity
from draftmate.domain.sections import Section, replace_section
from draftmate.errors import DraftmateError, GateRefused, UsageError
from draftmate.services.reviews import ReviewSession, begin_review

if TYPE_CHECKING:
    from rich.console import Console

    from draftmate.store.protocol import Store

# (section text, instruction) -> the model's new text, or it with how the model made it (provider, model, template)
Reviser = Callable[[str, str], "str | tuple[str, dict[str, Any]]"]
Editor = Callable[[str, str], str]  # (text, file suffix) -> the text as the person left it

SECTION_KEYS = "y,n,e,r,u,j,k,g,/,w,p,q,?"
SECTION_HELP = """\
y  accept this section as it reads
n  reject this section (you say why)
e  edit it in $VISUAL/$EDITOR; the diff is shown and you confirm
r  ask the model to revise it with an instruction (`r shorter, cite the source`)
u  add a note (`u check this date`)
j  next undecided section        k  previous undecided section
g  go to section N (`g 3`)       /  search the sections (`/ upload`)
w  diff against the previous version
p  print this section again
q  save and quit; `draftmate review ID` resumes here
?  this help
There is no bulk accept: every section is decided on its own."""
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
STATE_LABEL = {
    "undecided": "undecided",
    "stale": "changed since you decided it: decide again",
    "accept": "accepted",
    "edit": "edited by you",
    "reject": "rejected",
}
DIFF_STYLE = {"+": "green", "-": "red", "@": "cyan"}
SUFFIX = {"python": ".py", "markdown": ".md", "javascript": ".js", "typescript": ".ts", "go": ".go", "rust": ".rs"}


class Quit(Exception):
    """The reviewer stopped (q, or input closed); everything decided so far is saved."""


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
) -> int:
    """Review a draft interactively; the exit code: 0 decided or saved, 130 interrupted (GateRefused raises, 3)."""
    out = out or ui.console()
    session = begin_review(store, draft_id, reviewer=reviewer, editorial_responsibility=responsible)
    loop = ReviewLoop(session, Prompt(stdin or sys.stdin, out), reviser, editor or edit_in_editor)
    resume = f"resume with: draftmate review {ui.short(session.draft.id)}"
    try:
        return loop.run()
    except Quit as stop:
        out.print(ui.literal(f"{stop} review saved; {resume}"))
        return 0
    except KeyboardInterrupt:
        out.print()
        out.print(ui.literal(f"interrupted: review saved; {resume}"))
        return 130


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


class ReviewLoop:
    """The review as a person goes through it: sections, then notes, then the summary and the decision."""

    def __init__(self, session: ReviewSession, prompt: Prompt, reviser: Reviser | None, editor: Editor) -> None:
        self.s, self.prompt, self.out = session, prompt, prompt.out
        self.reviser, self.editor = reviser, editor
        self.current = 0
        self._maps: dict[tuple[int, int], dict[int, int]] = {}  # (from, to) version -> lines that survived
        self.keys: dict[str, Callable[[str], None]] = {
            "y": self.accept,
            "n": self.reject,
            "e": self.edit,
            "r": self.revise,
            "u": self.note,
            "j": lambda _: self.step(backwards=False),
            "k": lambda _: self.step(backwards=True),
            "g": self.goto,
            "/": self.search,
            "w": self.diff_previous,
            "p": lambda _: self.show(),
            "?": lambda _: self.say(SECTION_HELP),
            "q": self.quit,
        }

    def say(self, text: str, style: str = "") -> None:
        """Print one message, literally."""
        self.out.print(ui.literal(text, style))

    def ask(self, question: str) -> str:
        """One answer from the reviewer."""
        return self.prompt.ask(question)

    # ---- the phases ----------------------------------------------------------------------------------

    def run(self) -> int:
        """The whole review; returns the exit code."""
        self.intro()
        if self.s.next_undecided() is not None:
            self.sections_phase()
        rejected = Decision.REJECT.value in self.s.states()
        if rejected:
            self.say("a section was rejected, so this version cannot be approved; its notes stay open", "yellow")
        else:
            self.notes_phase()
        self.summary()
        return self.decision(rejected)

    def intro(self) -> None:
        """Who reviews what, and where a resumed review picks up."""
        d, states = self.s.draft, self.s.states()
        head = ui.literal(f"reviewing {ui.short(d.id)}  ", "bold")
        head.append(ui.literal(d.title, "bold"))
        self.out.print(head)
        self.say(
            f"{d.kind.value}{'/' + d.lang if d.lang else ''}  v{self.s.version.number}  "
            f"{len(self.s.sections)} sections  {len(self.s.open_notes())} open notes  "
            f"reviewer {ui.one_line(self.s.review.reviewer)}  "
            f"responsible {ui.one_line(self.s.review.editorial_responsibility)}",
            "dim",
        )
        if self.s.taken_over:
            previous, dropped = self.s.taken_over
            self.say(
                f"{ui.one_line(previous)} had this review open; you take it over: their {dropped} section"
                f" decision{'s' if dropped != 1 else ''} do not carry over (a reviewer attests only to the sections"
                " they saw); notes they resolved stay resolved, in their name",
                "yellow",
            )
        decided = sum(1 for st in states if st not in ("undecided", "stale"))
        if decided:
            self.say(f"resuming: {decided} of {len(states)} sections already decided; your decisions are kept")
        self.say("? for help; one key then Enter", "dim")

    def sections_phase(self) -> None:
        """Each section shown in full and decided, until none is undecided or stale."""
        self.current = self.s.next_undecided() or 0
        self.show()
        while self.s.next_undecided() is not None:
            line = self.ask(f"section {self.current + 1}/{len(self.s.sections)} [{SECTION_KEYS}]? ")
            key, arg = split_key(line)
            action = self.keys.get(key)
            if action is None:
                self.say(f"unknown key {line!r}: ? for help" if line else "type a key, then Enter: ? for help")
                continue
            try:
                action(arg)
            except GateRefused:
                raise
            except DraftmateError as e:
                self.say(f"error: {e}", "red")

    def notes_phase(self) -> None:
        """Each open note resolved in turn, with who and an optional comment."""
        notes = sorted(self.s.open_notes(), key=lambda n: n.number)
        if not notes:
            return
        from rich.rule import Rule

        self.out.print(Rule(f"notes: {len(notes)} to resolve", style="dim"))
        for position, note in enumerate(notes, start=1):
            self.show_note(note)
            while not self.resolve_note(note, position, len(notes)):
                pass

    def summary(self) -> None:
        """What the review did: sections by decision, notes by resolution, share of text changed."""
        from rich.rule import Rule

        states = Counter(self.s.states())
        resolutions = Counter(n.resolution.status.value if n.resolution else "open" for n in self.s.notes())
        versions = self.s.store.list_versions(self.s.draft.id)
        written = [v for v in versions if v.origin is not Origin.HUMAN]
        original = (written[-1] if written else versions[0]).content
        changed = edit_distance(original, self.s.version.content)
        self.out.print(Rule("summary", style="dim"))
        self.say(
            f"sections: {states['accept']} accepted, {states['edit']} edited, {states['reject']} rejected"
            f" of {len(self.s.sections)}"
        )
        by = ", ".join(f"{count} {status}" for status, count in sorted(resolutions.items())) or "none"
        self.say(f"notes: {by}")
        self.say(f"text changed by you: {changed:.0%} (v{self.s.version.number})")

    def decision(self, rejected: bool) -> int:
        """Approve (attested), request changes or reject; approval is not offered after a rejected section."""
        choices = "[c]hanges requested  [r]eject  [q] save and quit"
        if not rejected:
            choices = "[a]pprove  " + choices
        while True:
            answer = self.ask(f"decision: {choices}? ").lower()
            if answer in ("a", "approve"):
                if rejected:
                    self.say("a section was rejected: request changes or reject the draft", "yellow")
                elif self.attested():
                    draft = self.s.approve()
                    self.say(f"approved: draft {ui.short(draft.id)} v{draft.approved_version} is final", "green")
                    self.say(f"pinned to sha256 {draft.approved_sha256}")
                    return 0
            elif answer in ("c", "changes"):
                reason = self.ask("what should change? ")
                if reason:
                    self.s.request_changes(reason)
                    self.say(f"changes requested: draft {ui.short(self.s.draft.id)} awaits a new version")
                    return 0
                self.say("say what should change, or choose another decision")
            elif answer in ("r", "reject"):
                reason = self.ask("why is the draft rejected? ")
                if reason:
                    self.s.reject(reason)
                    self.say(f"rejected: draft {ui.short(self.s.draft.id)}")
                    return 0
                self.say("a rejection needs a reason")
            elif answer in ("q", "quit"):
                raise Quit("saved:")
            else:
                self.say(f"choose one of: {choices}")

    def attested(self) -> bool:
        """The reviewer types yes to attest they reviewed every section and who holds editorial responsibility."""
        review = self.s.review
        self.say(
            f"Attestation: I, {ui.one_line(review.reviewer)}, reviewed every section of this draft "
            f"(v{self.s.version.number}) as shown, and {ui.one_line(review.editorial_responsibility)} holds "
            "editorial responsibility for it."
        )
        if self.ask("type yes to attest: ").lower() == "yes":
            return True
        self.say("not attested; nothing was approved")
        return False

    # ---- showing -------------------------------------------------------------------------------------

    def show(self) -> None:
        """The current section in full, its notes, and where the review stands; recorded as seen."""
        from rich.rule import Rule

        i = self.current
        section = self.s.sections[i]
        self.s.mark_seen(i)
        state = self.s.states()[i]
        label = STATE_LABEL.get(state, state)
        self.out.print(Rule(f"section {i + 1}/{len(self.s.sections)}  lines {section.start}-{section.end}"))
        self.say(label, "yellow" if state in ("stale", "undecided") else "green")
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
        decided = len(self.s.sections) - states["undecided"] - states["stale"]
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

    # ---- the keys ------------------------------------------------------------------------------------

    def accept(self, _: str) -> None:
        """y: accept the section as it reads."""
        self.s.decide(self.current, Decision.ACCEPT)
        self.say(f"accepted section {self.current + 1}", "green")
        self.advance()

    def reject(self, arg: str) -> None:
        """n: reject the section, with a reason."""
        reason = arg or self.ask("why reject this section? ")
        if not reason:
            self.say("not rejected: say why")
            return
        self.s.decide(self.current, Decision.REJECT, reason)
        self.say(f"rejected section {self.current + 1}", "red")
        self.advance()

    def edit(self, _: str) -> None:
        """e: edit the section in the person's editor, show the diff, apply it once confirmed."""
        section = self.s.sections[self.current]
        suffix = SUFFIX.get(self.s.draft.lang, ".txt")
        new = normalized(section.text, self.editor(section.text, suffix))
        if new == section.text:
            self.say("no change; the section is as it was")
            return
        if self.confirmed(section.text, new, "your edit"):
            version = self.s.edit(self.current, new)
            self.say(f"saved your edit as v{version.number}", "green")
            self.advance()

    def revise(self, arg: str) -> None:
        """r: ask the model to revise the section; its text comes back undecided, for you to decide."""
        if self.reviser is None:
            self.say(
                "revising needs a configured model endpoint: set OPENAI_API_KEY, or DRAFTMATE_BASE_URL for a local"
                " server (`draftmate doctor` checks it); edit with e instead"
            )
            return
        instruction = arg or self.ask("what should the model change? ")
        if not instruction:
            self.say("no instruction; nothing asked")
            return
        section = self.s.sections[self.current]
        try:
            answer = self.reviser(section.text, instruction)
        except DraftmateError as e:
            # a failed model call must not end the review: the reviewer can retry, edit, or decide as is
            self.say(f"the revision failed: {e}; nothing was changed")
            return
        revised, made = (answer, {}) if isinstance(answer, str) else answer
        new = normalized(section.text, revised)
        if new == section.text:
            self.say("the model changed nothing")
            return
        if self.confirmed(section.text, new, "model revision"):
            content = replace_section(self.s.version.content, section, new)
            meta = {**made, "revised_section": self.current, "instruction": instruction}
            version = self.s.replace_content(content, Origin.MODEL, meta)
            self.say(f"saved the revision as v{version.number}; decide on it now", "green")
            here = min(self.current, len(self.s.sections) - 1)
            found = self.s.next_undecided(after=here - 1)
            self.current = here if found is None else found
            self.revision_notes(version.number)
            self.show()

    def revision_notes(self, number: int) -> None:
        """How many notes the checks made on a model revision; those outside the section about to be shown, too."""
        made = [n for n in self.s.notes() if n.version == number]
        if not made:
            self.say("the checks found nothing to note in the revision", "dim")
            return
        blocking = sum(n.severity is Severity.BLOCKING for n in made)
        self.say(
            f"the checks made {len(made)} note{'s' if len(made) != 1 else ''} on the revision"
            + (f", {blocking} blocking" if blocking else "")
            + "; they are resolved with the others",
            "yellow",
        )
        section = self.s.sections[self.current]
        # the ones on the section are shown beside its lines next; a broken name elsewhere is listed here
        elsewhere = [
            n.as_json() for n in made if not (n.lines and n.lines[0] <= section.end and n.lines[1] >= section.start)
        ]
        if elsewhere:
            self.say("outside this section:")
            ui.render_notes(elsewhere, self.out)

    def confirmed(self, before: str, after: str, label: str) -> bool:
        """Show the change and ask whether to keep it."""
        self.show_diff(before, after, (f"section {self.current + 1}", label))
        if self.ask("apply this change? [y/n] ").lower() in ("y", "yes"):
            return True
        self.say("discarded; the section is as it was")
        return False

    def note(self, arg: str) -> None:
        """u: add a note of the reviewer's own to this section."""
        text = arg or self.ask("note (what may be wrong, and why): ")
        if not text:
            self.say("no note added")
            return
        answer = self.ask("severity [info/verify/blocking] (verify): ").lower() or "verify"
        severity = {"i": "info", "v": "verify", "b": "blocking"}.get(answer, answer)
        if severity not in {s.value for s in Severity}:
            self.say(f"no note added: severity {answer!r} is not info, verify or blocking")
            return
        section = self.s.sections[self.current]
        spec = self.ask(f"lines A-B (Enter for {section.start}-{section.end}): ")
        lines = parse_range(spec, len(self.s.version.content.splitlines())) if spec else (section.start, section.end)
        created = self.s.add_note(text, Severity(severity), lines)
        self.say(f"added note {created.number} ({created.severity.value}); it is resolved with the others")

    def step(self, *, backwards: bool) -> None:
        """j/k: the next or previous undecided section."""
        found = self.s.next_undecided(after=self.current, backwards=backwards)
        if found is None:
            self.say(f"no undecided section {'before' if backwards else 'after'} this one")
            return
        self.current = found
        self.show()

    def goto(self, arg: str) -> None:
        """g: go to section N."""
        count = len(self.s.sections)
        answer = arg or self.ask(f"go to section (1-{count}): ")
        if not answer.isdigit() or not 1 <= int(answer) <= count:
            self.say(f"no section {answer!r}: give a number from 1 to {count}")
            return
        self.current = int(answer) - 1
        self.show()

    def search(self, arg: str) -> None:
        """/: list the lines that contain a text and go to the first section after this one that has it."""
        term = arg or self.ask("search for: ")
        if not term:
            return
        hits = [
            (s.index, s.start + offset, line)
            for s in self.s.sections
            for offset, line in enumerate(s.text.splitlines())
            if term.lower() in line.lower()
        ]
        if not hits:
            self.say(f"no section contains {term!r}")
            return
        for index, number, line in hits[:10]:
            self.say(f"section {index + 1}, line {number}: {line.strip()[:100]}")
        if len(hits) > 10:
            self.say(f"... and {len(hits) - 10} more lines")
        indexes = sorted({index for index, _, _ in hits})
        self.current = next((i for i in indexes if i > self.current), indexes[0])
        self.show()

    def diff_previous(self, _: str) -> None:
        """w: the whole draft against its previous version."""
        number = self.s.version.number
        if number == 1:
            self.say("this is the first version; there is nothing to compare it with")
            return
        previous = self.s.store.get_version(self.s.draft.id, number - 1)
        self.show_diff(previous.content, self.s.version.content, (f"v{number - 1}", f"v{number}"))

    def quit(self, _: str) -> None:
        """q: save and quit (everything is saved already)."""
        raise Quit("saved:")

    def advance(self) -> None:
        """Go to the next undecided section, wrapping round; the loop ends when there is none."""
        found = self.s.next_undecided(after=self.current)
        if found is None:
            found = self.s.next_undecided()
        if found is not None:
            self.current = found
            self.show()

    def resolve_note(self, note: Note, position: int, total: int) -> bool:
        """Ask how one note is resolved; True once it is."""
        answer = self.ask(
            f"note {note.number} ({position}/{total}) [v]erified [f]ixed [a]ccepted-risk [d]ismissed [p] [q] [?]? "
        ).lower()
        status = NOTE_KEYS.get(answer) or next((r for r in Resolution if r.value == answer), None)
        if answer == "q":
            raise Quit("saved:")
        if answer == "p":
            self.show_note(note)
            return False
        if status is None:
            self.say(NOTE_HELP)
            return False
        needs = note.severity is Severity.BLOCKING and status in (Resolution.ACCEPTED_RISK, Resolution.DISMISSED)
        comment = self.ask("comment (required for a blocking note): " if needs else "comment (optional): ")
        if needs and not comment:
            self.say(f"note {note.number} is blocking: say why it is {status.value}, or choose another status")
            return False
        self.s.resolve(note.id, status, comment)
        self.say(f"note {note.number}: {status.value}", "green")
        return True


def split_key(line: str) -> tuple[str, str]:
    """`g 3` -> ('g', '3'), `/word` -> ('/', 'word'), `u text` -> ('u', 'text'); anything else is returned whole."""
    key, rest = line[:1].lower(), line[1:]
    if not rest:
        return key, ""
    if key == "/" or (key in "grun" and rest[0] in " \t") or (key == "g" and rest.isdigit()):
        return key, rest.strip()
    return line, ""


def normalized(before: str, after: str) -> str:
    """An edited text with the line endings of the original, so a trailing newline alone is not a change."""
    after = after.replace("\r\n", "\n")
    if not before.endswith("\n"):
        after = after.rstrip("\n")
    elif after and not after.endswith("\n"):
        after += "\n"
    return after


def parse_range(spec: str, count: int) -> tuple[int, int]:
    """`A-B` or `A` as lines inside a draft of `count` lines."""
    first, _, last = spec.partition("-")
    try:
        start, end = int(first), int(last or first)
    except ValueError:
        raise UsageError(f"lines {spec!r}: use A-B, e.g. 3-7") from None
    if not 1 <= start <= end <= count:
        raise UsageError(f"lines {spec!r} are outside the draft, which has {count} lines")
    return start, end


def line_map(before: str, after: str) -> dict[int, int]:
    """1-based lines of `before` that are unchanged in `after`, mapped to their numbers there."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    moved: dict[int, int] = {}
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            moved.update({i1 + k + 1: j1 + k + 1 for k in range(i2 - i1)})
    return moved


def edit_in_editor(text: str, suffix: str = ".txt") -> str:
    """`text` after the person edited it in $VISUAL or $EDITOR; UsageError (nothing changed) when that fails."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not command:
        raise UsageError("no editor: set $VISUAL or $EDITOR (e.g. `export EDITOR=nano`); nothing was changed")
    fd, name = tempfile.mkstemp(prefix="draftmate-section-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        try:
            done = subprocess.run([*shlex.split(command), str(path)], check=False)
        except (OSError, ValueError) as e:
            raise UsageError(
                f"cannot run the editor {command!r} ({e}): fix $VISUAL/$EDITOR; nothing was changed"
            ) from None
        if done.returncode != 0:
            raise UsageError(f"the editor {command!r} exited with status {done.returncode}; nothing was changed")
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UsageError("the edited text is not valid UTF-8; nothing was changed") from None
    finally:
        path.unlink(missing_ok=True)
