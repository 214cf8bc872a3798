"""`policy`, `queue` and `assign`: review policies and who reviews what, for a team on a shared store."""

# No `from __future__ import annotations` here: typer reads every command's annotations on each run.

from typing import Annotated

import typer

from draftmate.cli.inputs import open_store
from draftmate.cli.output import echo, print_json
from draftmate.domain.ids import short_id


def policy_show(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """The review policy the gate enforces (the default: one approval, by anyone)."""
    from draftmate.domain.policy import ReviewPolicy
    from draftmate.domain.untrusted_text import one_line

    policy = ReviewPolicy.from_dict(open_store().review_policy()).as_dict()
    if as_json:
        print_json(policy)
        return
    for level, count in policy["approvals"].items():
        article = "an" if level[:1] in "aeiou" else "a"
        echo(f"approvals.{level:8} {count}  (different reviewers {article} {level}-confidence draft needs)")
    echo(f"author_may_approve_alone {str(policy['author_may_approve_alone']).lower()}")
    acceptors = ", ".join(policy["risk_acceptors"]) or "(any reviewer)"
    echo(f"risk_acceptors           {one_line(acceptors)}  (who may accept a blocking note's risk)")
    for role, names in policy["role_names"].items():
        echo(f"role_names.{one_line(role)}  {one_line(', '.join(names))}")


def policy_set(
    settings: Annotated[
        list[str],
        typer.Argument(
            metavar="KEY=VALUE...",
            help="approvals.low=2, approvals=1, author_may_approve_alone=false, risk_acceptors=NAME,NAME, "
            "role_names.ROLE=NAME,NAME",
        ),
    ],
    by: Annotated[str | None, typer.Option("--by", metavar="NAME", help="Who changes it (else the reviewer).")] = None,
) -> None:
    """Change the review policy; the change and who made it go into the audit chain."""
    from draftmate.cli.inputs import read_settings
    from draftmate.errors import UsageError
    from draftmate.services.identity import git_identity
    from draftmate.services.reviews import set_policy

    pairs = []
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{item!r} is not KEY=VALUE; e.g. `draftmate policy set approvals.low=2`")
        pairs.append((key.strip(), value.strip()))
    actor = by or read_settings().reviewer or git_identity()
    if not actor:
        raise UsageError("who is changing the policy? pass --by NAME or set DRAFTMATE_REVIEWER")
    set_policy(open_store(), pairs, actor=actor)
    echo("review policy changed: " + ", ".join(f"{k}={v}" for k, v in pairs))


def queue(
    mine: Annotated[bool, typer.Option("--mine", help="Only drafts assigned to me (the reviewer name).")] = False,
    assignee: Annotated[str | None, typer.Option("--for", metavar="NAME", help="Only drafts assigned to NAME.")] = None,
    limit: Annotated[int, typer.Option("-n", "--limit", metavar="N", min=1, max=10_000, help="How many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Drafts waiting for a review, oldest first: all, assigned to me, or to NAME."""
    from draftmate.domain.untrusted_text import one_line
    from draftmate.errors import UsageError

    if mine:
        from draftmate.cli.inputs import read_settings
        from draftmate.services.identity import git_identity

        assignee = read_settings().reviewer or git_identity()
        if not assignee:
            raise UsageError("who am I? set DRAFTMATE_REVIEWER or `draftmate config set reviewer NAME`, or use --for")
    waiting = open_store().review_queue(assignee=assignee, limit=limit)
    if as_json:
        print_json(waiting)
        return
    if not waiting:
        by = f" by {one_line(assignee)}" if assignee else ""
        echo(f"nothing waits for review{by}; `draftmate assign ID NAME` asks someone to review a draft")
    for row in waiting:
        who = one_line(row["assignee"] or "-")
        echo(f"{short_id(row['id'])}  {row['status']:9} {row['created_at'][:16]}  {who:16} {one_line(row['title'])}")


def assign(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="Draft ID or unique prefix.")],
    name: Annotated[str, typer.Argument(metavar="NAME", help="The reviewer to ask.")],
    by: Annotated[str | None, typer.Option("--by", metavar="NAME", help="Who assigns (else the reviewer).")] = None,
) -> None:
    """Ask NAME to review a draft (recorded in the audit chain); `queue --for NAME` lists it."""
    from draftmate.cli.inputs import read_settings
    from draftmate.domain.untrusted_text import check_name, one_line
    from draftmate.errors import UsageError

    try:
        name = check_name(name, what="the reviewer name", fix="give it as plain text")
    except ValueError as e:
        raise UsageError(str(e)) from None
    store = open_store()
    full_id = store.resolve_id(draft_id)
    actor = by or read_settings().reviewer or name
    store.assign(full_id, name, actor=actor)
    echo(f"draft {short_id(full_id)} assigned to {one_line(name)}")


def store_copy(
    to: Annotated[str, typer.Option("--to", metavar="URL", help="postgresql://... or a SQLite file path.")],
) -> None:
    """Copy this store into another (SQLite into PostgreSQL, or back), verified before and after; run it again
    after an interruption to finish the copy."""
    from draftmate.store.backend import open_target
    from draftmate.store.copying import copy_store

    source = open_store()
    target, shown = open_target(to, getattr(source, "path", None))
    report = copy_store(source, target, progress=lambda text: echo(text, err=True))
    echo(
        f"copied {report.drafts_copied} draft{'' if report.drafts_copied == 1 else 's'} "
        f"({report.drafts_already_there} already there) and "
        f"{report.events_copied} audit events to {shown}; its audit chain verifies"
    )


def store_roles(
    schema: Annotated[str, typer.Option(metavar="NAME", help="The schema draftmate's tables are in.")] = "public",
) -> None:
    """Print the SQL that creates the drafter, reviewer and admin roles of a shared PostgreSQL store."""
    from draftmate.errors import UsageError
    from draftmate.store.roles_pg import roles_sql

    try:
        typer.echo(roles_sql(schema), nl=False)  # our own SQL, many lines: not escaped line by line
    except ValueError as e:
        raise UsageError(str(e)) from None
