"""`note` and `review`: a person's notes and decisions, and who that person is."""

# No `from __future__ import annotations` here: typer reads every command's annotations on each run, and string
# annotations would be compiled and evaluated one by one (about a third of `draftmate list`'s own time).

import sys
from typing import Annotated, Any

import typer

from draftmate.cli.inputs import open_store, read_settings
from draftmate.cli.output import echo
from draftmate.domain.ids import short_id


def note(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="Draft ID or unique prefix.")],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What may be wrong, and why.")],
    severity: Annotated[str, typer.Option(metavar="LEVEL", help="info, verify or blocking.")] = "verify",
    lines: Annotated[str | None, typer.Option(metavar="A-B", help="The lines it is about, A-B.")] = None,
    reviewer: Annotated[str | None, typer.Option(metavar="NAME", help="Who is adding it.")] = None,
) -> None:
    """Add your own uncertainty note to a draft."""
    from draftmate.domain.records import Severity
    from draftmate.errors import UsageError
    from draftmate.services.drafts import add_note, parse_lines

    try:
        level = Severity(severity)
    except ValueError:
        raise UsageError(f"--severity {severity!r}: use info, verify or blocking") from None
    store = open_store()
    author = _reviewer(reviewer, ask=False) or "unknown"
    created = add_note(store, store.resolve_id(draft_id), text, severity=level, lines=parse_lines(lines), author=author)
    echo(f"added note {created.number} ({created.severity.value}) to draft {short_id(created.draft_id)}")


def is_terminal() -> bool:
    """Whether a person is at a terminal: both stdin and stdout are ttys (tests replace this seam)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _reviewer(flag: str | None, settings: Any = None, *, ask: bool, resuming: str | None = None) -> str | None:
    """Reviewer identity: flag, DRAFTMATE_REVIEWER or config, git, else ask when there is a terminal.

    `resuming` is the open review's reviewer: offered as the answer, because another name starts the review over."""
    if flag is not None:
        return _name(flag, "--reviewer", "give your name as plain text, e.g. --reviewer 'Ann Example'")
    settings = settings or read_settings()  # config.toml and DRAFTMATE_REVIEWER are checked as settings are read
    found = own_name(settings, "fix it with `git config --global user.name NAME`, or pass --reviewer NAME")
    if found:
        return found
    if ask and is_terminal():
        from draftmate.domain.untrusted_text import one_line
        from draftmate.errors import UsageError

        echo("no reviewer configured; save yours once with `draftmate config set reviewer NAME`", err=True)
        try:
            # the offered default is a store row: shown escaped, and checked like a typed name when taken
            question = "Your name as reviewer" + (f" [{one_line(resuming)}]" if resuming else "")
            answer = typer.prompt(question, default=resuming or "", show_default=False)
        except typer.Abort:  # Ctrl-D or Ctrl-C at the prompt: nothing was opened yet
            echo()  # end the prompt's line, so the error starts its own
            raise UsageError(
                "no reviewer given: pass --reviewer NAME or save it with `draftmate config set reviewer NAME`"
            ) from None
        return (
            _name(answer, "the name typed", "type your name as plain text, or pass --reviewer NAME")
            if answer.strip()
            else None
        )
    return None


def own_name(settings: Any, fix: str) -> str | None:
    """Whose hands this is in: the reviewer name configured (DRAFTMATE_REVIEWER, config), else git's, else None.

    `fix` says how to mend a git name the one rule for names refuses."""
    if settings.reviewer:
        return str(settings.reviewer)
    # not from services.reviews: that loads the review and export use cases, ~20 ms before a draft's first token
    from draftmate.services.identity import git_identity

    found = git_identity()
    return _name(found, "git's user.name/user.email", fix) if found else None


def _name(value: str, what: str, fix: str) -> str:
    """A name from outside, checked by the one rule for names (textsafe.check_name); a refusal is a UsageError."""
    from draftmate.domain.untrusted_text import check_name
    from draftmate.errors import UsageError

    try:
        return check_name(value, what=what, fix=fix)
    except ValueError as e:
        raise UsageError(str(e)) from None


def review(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="Draft ID or unique prefix.")],
    decision: Annotated[
        str | None, typer.Option(metavar="DECISION", help="approve, reject or changes: review without a terminal.")
    ] = None,
    reviewer: Annotated[
        str | None, typer.Option(metavar="NAME", help="Your name (else DRAFTMATE_REVIEWER, config, git).")
    ] = None,
    responsible: Annotated[
        str | None,
        typer.Option("--responsible", metavar="NAME", help="Who holds editorial responsibility (default: reviewer)."),
    ] = None,
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why, for reject and changes.")] = "",
    resolve: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NOTE=STATUS[:COMMENT]",
            help="Resolve a note (repeatable); STATUS is verified, fixed, accepted-risk or dismissed.",
        ),
    ] = None,
) -> None:
    """Review a draft section by section; nothing is final until a person approves it."""
    from draftmate.errors import AlreadyReported, Interrupted, UsageError
    from draftmate.services.reviews import review_non_interactive

    store = open_store()
    full_id = store.resolve_id(draft_id)
    settings = read_settings()
    if responsible is not None:
        responsible = _name(
            responsible, "--responsible", "give the name as plain text, e.g. --responsible 'Ann Example'"
        )
    responsible = responsible or settings.editorial_responsibility
    if decision is None:
        if not is_terminal():
            raise UsageError(
                "interactive review needs a terminal; without one use "
                "`draftmate review ID --decision approve|reject|changes --reviewer NAME --resolve NOTE=STATUS`"
            )
        from draftmate.cli.review.loop import ReviewEnd, run_review
        from draftmate.services.reviews import check_reviewable

        check_reviewable(store, full_id)  # a draft that cannot be reviewed is refused before anyone types a name
        open_review = store.current_review(full_id)
        who = _reviewer(reviewer, settings, ask=True, resuming=open_review.reviewer if open_review else None)
        if not who:
            raise UsageError("no reviewer: pass --reviewer NAME or set DRAFTMATE_REVIEWER")
        ended = run_review(store, full_id, reviewer=who, responsible=responsible, reviser=_reviser(settings))
        if ended is ReviewEnd.INTERRUPTED:  # the loop has said what was saved and how to resume
            raise AlreadyReported(Interrupted)
        return
    who = _reviewer(reviewer, settings, ask=False)
    if not who:
        raise UsageError("no reviewer: pass --reviewer NAME, set DRAFTMATE_REVIEWER, or set git user.name")
    previous = store.current_review(full_id)
    result = review_non_interactive(
        store,
        full_id,
        decision=decision,
        reviewer=who,
        editorial_responsibility=responsible,
        reason=reason,
        resolutions=[_parse_resolution(r) for r in resolve or []],
    )
    if previous is not None and previous.reviewer != who:
        dropped = len(previous.decisions)  # previous.reviewer is a store row: _echo shows it escaped
        echo(
            f"note: took over {previous.reviewer}'s open review; their {dropped} section "
            f"decision{'s' if dropped != 1 else ''} did not carry over",
            err=True,
        )
    if decision == "approve" and result.status.value == "in_review":
        from draftmate.services.reviews import policy_missing

        echo(f"draft {short_id(result.id)}: approval recorded; {policy_missing(store, result) or 'ready'}")
        return
    echo(f"draft {short_id(result.id)} is now {result.status.value}")


def _reviser(settings: Any) -> Any:
    """The model reviser for the review's `r` key, or None when no model endpoint is configured."""
    if not settings.has_endpoint():
        return None
    from draftmate.services.revise import make_reviser

    return make_reviser(settings)


def _parse_resolution(spec: str) -> tuple[str, Any, str]:
    from draftmate.domain.records import Resolution
    from draftmate.errors import UsageError

    ref, sep, rest = spec.partition("=")
    status, _, comment = rest.partition(":")
    try:
        if not sep or not ref:
            raise ValueError
        return ref.strip(), Resolution(status.strip()), comment.strip()
    except ValueError:
        raise UsageError(
            f"--resolve {spec!r}: use NOTE=STATUS[:COMMENT] with STATUS verified, fixed, accepted-risk or dismissed"
        ) from None
