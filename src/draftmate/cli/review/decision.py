"""The end of a review: what it did, the reviewer's attestation, and the decision on the draft."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from draftmate.cli import render as ui
from draftmate.cli.review.screen import Quit
from draftmate.domain.ids import short_id
from draftmate.domain.outcomes import edit_distance
from draftmate.domain.records import Origin

if TYPE_CHECKING:
    from collections.abc import Callable

    from draftmate.cli.review.screen import ReviewScreen


def summary(screen: ReviewScreen) -> None:
    """What the review did: sections by decision, notes by resolution, share of text changed."""
    from rich.rule import Rule

    s = screen.s
    states = Counter(s.states())
    resolutions = Counter(n.resolution.status.value if n.resolution else "open" for n in s.notes())
    versions = s.store.list_versions(s.draft.id)
    written = [v for v in versions if v.origin is not Origin.HUMAN]
    original = (written[-1] if written else versions[0]).content
    changed = edit_distance(original, s.version.content)
    screen.out.print(Rule("summary", style="dim"))
    screen.say(
        f"sections: {states['accept']} accepted, {states['edit']} edited, {states['reject']} rejected"
        f" of {len(s.sections)}"
    )
    by = ", ".join(f"{count} {status}" for status, count in sorted(resolutions.items())) or "none"
    screen.say(f"notes: {by}")
    screen.say(f"text changed by you: {changed:.0%} (v{s.version.number})")


def decide(screen: ReviewScreen, rejected: bool) -> None:
    """Approve (attested), request changes or reject; Quit on q, GateRefused when the gate refuses the approval."""
    s = screen.s
    choices = "[c]hanges requested  [r]eject  [q] save and quit"
    # approval is not offered after a rejected section: this version cannot pass the gate
    if not rejected:
        choices = "[a]pprove  " + choices
    progress = s.approval_progress()
    if not progress.endswith(" of 1"):  # the policy asks for more than one reviewer: say where this one stands
        screen.say(f"the review policy asks for several reviewers: yours would be {progress}")
    while True:
        answer = screen.ask(f"decision: {choices}? ").lower()
        if answer in ("a", "approve"):
            if rejected:
                screen.say("a section was rejected: request changes or reject the draft", "yellow")
            elif attested(screen):
                draft = s.approve()
                if draft.approved_version is None:  # recorded; the policy waits for more reviewers
                    from draftmate.services.reviews import policy_missing

                    screen.say(f"approval recorded: {policy_missing(s.store, draft) or 'ready'}", "green")
                    return
                screen.say(f"approved: draft {short_id(draft.id)} v{draft.approved_version} is final", "green")
                screen.say(f"pinned to sha256 {draft.approved_sha256}")
                return
        elif answer in ("c", "changes"):
            needed = "say what should change, or choose another decision"
            if with_reason(screen, "what should change? ", s.request_changes, needed):
                screen.say(f"changes requested: draft {short_id(s.draft.id)} awaits a new version")
                return
        elif answer in ("r", "reject"):
            if with_reason(screen, "why is the draft rejected? ", s.reject, "a rejection needs a reason"):
                screen.say(f"rejected: draft {short_id(s.draft.id)}")
                return
        elif answer in ("q", "quit"):
            raise Quit()
        else:
            screen.say(f"choose one of: {choices}")


def with_reason(screen: ReviewScreen, question: str, act: Callable[[str], object], needed: str) -> bool:
    """Ask for the reason a decision needs and act on it; without one, say what is needed and act on nothing."""
    reason = screen.ask(question)
    if not reason:
        screen.say(needed)
        return False
    act(reason)
    return True


def attested(screen: ReviewScreen) -> bool:
    """The reviewer types yes to attest they reviewed every section and who holds editorial responsibility."""
    review = screen.s.review
    screen.say(
        f"Attestation: I, {ui.one_line(review.reviewer)}, reviewed every section of this draft "
        f"(v{screen.s.version.number}) as shown, and {ui.one_line(review.editorial_responsibility)} holds "
        "editorial responsibility for it."
    )
    answer = screen.ask("type yes to attest: ").lower()
    if answer in ("y", "ye"):
        # an attestation is a sentence signed, not a key pressed: the short form is understood and asked in full
        answer = screen.ask(
            f"you typed {answer!r}: an attestation needs the whole word; type yes to attest, or Enter to go back: "
        ).lower()
    if answer == "yes":
        return True
    screen.say("not attested; nothing was approved (type yes in full to attest)")
    return False
