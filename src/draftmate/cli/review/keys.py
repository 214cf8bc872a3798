"""The section keys: each section shown in full and decided, edited, revised or noted, until none is undecided."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from draftmate.cli import render as ui
from draftmate.cli.review.editor import SUFFIX, Editor, normalized
from draftmate.cli.review.screen import Quit
from draftmate.domain.records import Decision, Origin, Severity
from draftmate.domain.sections import replace_section
from draftmate.errors import DraftmateError, GateRefused, UsageError

if TYPE_CHECKING:
    from draftmate.cli.review.screen import ReviewScreen

# (section text, instruction) -> the model's new text, or it with how the model made it (provider, model, template)
Reviser = Callable[[str, str], "str | tuple[str, dict[str, Any]]"]

SECTION_KEYS = "y,n,e,r,u,j,k,g,/,w,p,q,?"
SECTION_KEYS_WITHOUT_MODEL = SECTION_KEYS.replace("r,", "")  # `r` needs a model endpoint: not offered without one
REVISE_HELP = "r  ask the model to revise it with an instruction (`r shorter, cite the source`)\n"
SECTION_HELP = """\
y  accept this section as it reads
n  reject this section (you say why)
e  edit it in $VISUAL/$EDITOR; the diff is shown and you confirm
{revise}u  add a note (`u check this date`)
j  next undecided section        k  previous undecided section
g  go to section N (`g 3`)       /  search the sections (`/ upload`)
w  diff against the previous version
p  print this section again
q  save and quit; `draftmate review ID` resumes here
?  this help
There is no bulk accept: every section is decided on its own."""


class SectionKeys:
    """The keys of the sections phase, each acting on the section in view."""

    def __init__(self, screen: ReviewScreen, reviser: Reviser | None, editor: Editor) -> None:
        self.screen, self.s = screen, screen.s
        self.reviser, self.editor = reviser, editor
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
            "p": lambda _: self.screen.show(),
            "?": lambda _: self.screen.say(SECTION_HELP.format(revise=REVISE_HELP if self.reviser else "")),
            "q": self.quit,
        }

    def run(self) -> None:
        """Each section shown in full and decided, until none is undecided or stale."""
        screen = self.screen
        screen.current = self.s.next_undecided() or 0
        screen.show()
        while self.s.next_undecided() is not None:
            offered = SECTION_KEYS if self.reviser else SECTION_KEYS_WITHOUT_MODEL
            line = screen.ask(f"section {screen.current + 1}/{len(self.s.sections)} [{offered}]? ")
            key, arg = split_key(line)
            action = self.keys.get(key)
            if action is None:
                screen.say(f"unknown key {line!r}: ? for help" if line else "type a key, then Enter: ? for help")
                continue
            try:
                action(arg)
            except GateRefused:
                raise  # the review was finished or taken over elsewhere: this one ends
            except DraftmateError as e:
                screen.say(f"error: {e}", "red")

    def accept(self, _: str) -> None:
        """y: accept the section as it reads."""
        self.s.decide(self.screen.current, Decision.ACCEPT)
        self.screen.say(f"accepted section {self.screen.current + 1}", "green")
        self.advance()

    def reject(self, arg: str) -> None:
        """n: reject the section, with a reason."""
        reason = arg or self.screen.ask("why reject this section? ")
        if not reason:
            self.screen.say("not rejected: say why")
            return
        self.s.decide(self.screen.current, Decision.REJECT, reason)
        self.screen.say(f"rejected section {self.screen.current + 1}", "red")
        self.advance()

    def edit(self, _: str) -> None:
        """e: edit the section in the person's editor, show the diff, apply it once confirmed."""
        section = self.s.sections[self.screen.current]
        suffix = SUFFIX.get(self.s.draft.lang, ".txt")
        new = normalized(section.text, self.editor(section.text, suffix))
        if new == section.text:
            self.screen.say("no change; the section is as it was")
            return
        if self.confirmed(section.text, new, "your edit"):
            version = self.s.edit(self.screen.current, new)
            self.screen.say(f"saved your edit as v{version.number}", "green")
            self.advance()

    def revise(self, arg: str) -> None:
        """r: ask the model to revise the section; its text comes back undecided, for you to decide."""
        screen = self.screen
        if self.reviser is None:
            screen.say(
                "revising needs a configured model endpoint: set OPENAI_API_KEY, or DRAFTMATE_BASE_URL for a local"
                " server (`draftmate doctor` checks it); edit with e instead"
            )
            return
        instruction = arg or screen.ask("what should the model change? ")
        if not instruction:
            screen.say("no instruction; nothing asked")
            return
        section = self.s.sections[screen.current]
        try:
            answer = self.reviser(section.text, instruction)
        except DraftmateError as e:
            # a failed model call must not end the review: the reviewer can retry, edit, or decide as is
            screen.say(f"the revision failed: {e}; nothing was changed")
            return
        revised, made = (answer, {}) if isinstance(answer, str) else answer
        new = normalized(section.text, revised)
        if new == section.text:
            screen.say("the model changed nothing")
            return
        if self.confirmed(section.text, new, "model revision"):
            content = replace_section(self.s.version.content, section, new)
            meta = {**made, "revised_section": screen.current, "instruction": instruction}
            version = self.s.replace_content(content, Origin.MODEL, meta)
            screen.say(f"saved the revision as v{version.number}; decide on it now", "green")
            here = min(screen.current, len(self.s.sections) - 1)
            found = self.s.next_undecided(after=here - 1)
            screen.current = here if found is None else found
            self.revision_notes(version.number)
            screen.show()

    def revision_notes(self, number: int) -> None:
        """How many notes the checks made on a model revision; those outside the section about to be shown, too."""
        made = [n for n in self.s.notes() if n.version == number]
        if not made:
            self.screen.say("the checks found nothing to note in the revision", "dim")
            return
        blocking = sum(n.severity is Severity.BLOCKING for n in made)
        self.screen.say(
            f"the checks made {len(made)} note{'s' if len(made) != 1 else ''} on the revision"
            + (f", {blocking} blocking" if blocking else "")
            + "; they are resolved with the others",
            "yellow",
        )
        section = self.s.sections[self.screen.current]
        # the ones on the section are shown beside its lines next; a broken name elsewhere is listed here
        elsewhere = []
        for n in made:
            spans = self.screen.current_spans(n)
            if not any(a <= section.end and b >= section.start for a, b in spans):
                elsewhere.append(self.screen.as_shown(n, spans) if spans else n.as_json())
        if elsewhere:
            self.screen.say("outside this section:")
            ui.render_notes(elsewhere, self.screen.out)

    def confirmed(self, before: str, after: str, label: str) -> bool:
        """Show the change and ask whether to keep it."""
        self.screen.show_diff(before, after, (f"section {self.screen.current + 1}", label))
        if self.screen.ask("apply this change? [y/n] ").lower() in ("y", "yes"):
            return True
        self.screen.say("discarded; the section is as it was")
        return False

    def note(self, arg: str) -> None:
        """u: add a note of the reviewer's own to this section."""
        screen = self.screen
        text = arg or screen.ask("note (what may be wrong, and why): ")
        if not text:
            screen.say("no note added")
            return
        answer = screen.ask("severity [info/verify/blocking] (verify): ").lower() or "verify"
        severity = {"i": "info", "v": "verify", "b": "blocking"}.get(answer, answer)
        if severity not in {s.value for s in Severity}:
            screen.say(f"no note added: severity {answer!r} is not info, verify or blocking")
            return
        section = self.s.sections[screen.current]
        spec = screen.ask(f"lines A-B (Enter for {section.start}-{section.end}): ")
        lines = parse_range(spec, len(self.s.version.content.splitlines())) if spec else (section.start, section.end)
        created = self.s.add_note(text, Severity(severity), lines)
        screen.say(f"added note {created.number} ({created.severity.value}); it is resolved with the others")

    def step(self, *, backwards: bool) -> None:
        """j/k: the next or previous undecided section."""
        found = self.s.next_undecided(after=self.screen.current, backwards=backwards)
        if found is None:
            self.screen.say(f"no undecided section {'before' if backwards else 'after'} this one")
            return
        self.screen.current = found
        self.screen.show()

    def goto(self, arg: str) -> None:
        """g: go to section N."""
        count = len(self.s.sections)
        answer = arg or self.screen.ask(f"go to section (1-{count}): ")
        if not answer.isdigit() or not 1 <= int(answer) <= count:
            self.screen.say(f"no section {answer!r}: give a number from 1 to {count}")
            return
        self.screen.current = int(answer) - 1
        self.screen.show()

    def search(self, arg: str) -> None:
        """/: list the lines that contain a text and go to the first section after this one that has it."""
        screen = self.screen
        term = arg or screen.ask("search for: ")
        if not term:
            return
        hits = [
            (s.index, s.start + offset, line)
            for s in self.s.sections
            for offset, line in enumerate(s.text.splitlines())
            if term.lower() in line.lower()
        ]
        if not hits:
            screen.say(f"no section contains {term!r}")
            return
        for index, number, line in hits[:10]:
            screen.say(f"section {index + 1}, line {number}: {line.strip()[:100]}")
        if len(hits) > 10:
            screen.say(f"... and {len(hits) - 10} more lines")
        indexes = sorted({index for index, _, _ in hits})
        screen.current = next((i for i in indexes if i > screen.current), indexes[0])
        screen.show()

    def diff_previous(self, _: str) -> None:
        """w: the whole draft against its previous version."""
        number = self.s.version.number
        if number == 1:
            self.screen.say("this is the first version; there is nothing to compare it with")
            return
        previous = self.s.store.get_version(self.s.draft.id, number - 1)
        self.screen.show_diff(previous.content, self.s.version.content, (f"v{number - 1}", f"v{number}"))

    def quit(self, _: str) -> None:
        """q: save and quit (everything is saved already)."""
        raise Quit()

    def advance(self) -> None:
        """Go to the next undecided section, wrapping round; the loop ends when there is none."""
        found = self.s.next_undecided(after=self.screen.current)
        if found is None:
            found = self.s.next_undecided()
        if found is not None:
            self.screen.current = found
            self.screen.show()


def split_key(line: str) -> tuple[str, str]:
    """`g 3` -> ('g', '3'), `/word` -> ('/', 'word'), `u text` -> ('u', 'text'); anything else is returned whole."""
    key, rest = line[:1].lower(), line[1:]
    if not rest:
        return key, ""
    if key == "/" or (key in "grun" and rest[0] in " \t") or (key == "g" and rest.isdigit()):
        return key, rest.strip()
    return line, ""


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
