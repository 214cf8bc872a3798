"""`list` and `show`: reading drafts back; both must start fast (no pydantic or rich for `list`)."""

# No `from __future__ import annotations` here: typer reads every command's annotations on each run, and string
# annotations would be compiled and evaluated one by one (about a third of `draftmate list`'s own time).

import sys
from typing import Annotated

import typer

from draftmate.cli.inputs import open_store
from draftmate.cli.output import echo, print_json
from draftmate.domain.ids import short_id

MAX_PAGE = 1_000_000  # the largest `list --page` and `--limit`: their product stays far inside SQLite's integers


def list_drafts(
    status: Annotated[str | None, typer.Option(metavar="STATE", help="Only drafts in this state.")] = None,
    search: Annotated[
        str | None, typer.Option(metavar="WORDS", help="Only drafts whose content has all these words.")
    ] = None,
    limit: Annotated[int, typer.Option("-n", "--limit", metavar="N", min=1, help="How many to show.")] = 20,
    page: Annotated[int, typer.Option(metavar="N", min=1, help="Which page of results.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the drafts as JSON.")] = False,
) -> None:
    """Drafts, newest first."""
    from draftmate.domain.vocabulary import State
    from draftmate.errors import UsageError

    try:
        state = State(status) if status else None
    except ValueError:
        raise UsageError(f"--status {status!r}: use one of {', '.join(s.value for s in State)}") from None
    # bounded, so the offset fits SQLite's 64-bit integers (`--page 100000000000000000000` overflowed)
    if limit > MAX_PAGE:
        raise UsageError(f"--limit {limit}: show at most {MAX_PAGE:,} drafts a page")
    if page > MAX_PAGE:
        raise UsageError(f"--page {page}: use a page number from 1 to {MAX_PAGE:,}")
    store = open_store()
    rows = store.list_drafts(status=state, search=search, limit=limit, offset=(page - 1) * limit)
    if store.skipped_drafts:
        from draftmate.cli.render import visible

        left_out = ", ".join(visible(short_id(i)) for i in store.skipped_drafts)
        typer.echo(f"warning: left out damaged draft(s) {left_out}; `draftmate verify` says what is wrong", err=True)
    if as_json:
        print_json([r.as_json() for r in rows])
        return
    if not rows and (state or search or page > 1):  # "no drafts yet" would be wrong: the filters left none
        asked = [f"--status {state.value}"] if state else []
        asked += [f"--search {search!r}"] if search else []
        asked += [f"--page {page}"] if page > 1 else []
        echo(f"no drafts match {' '.join(asked)}; `draftmate list` shows all")
        return
    from draftmate.cli import render as ui

    ui.render_list(rows, sys.stdout)


def show(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="Draft ID or unique prefix.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the draft, versions, notes and reviews as JSON.")
    ] = False,
) -> None:
    """A draft with its notes beside the lines they point at."""
    from draftmate.services.drafts import draft_record

    store = open_store()
    record = draft_record(store, store.resolve_id(draft_id))
    if as_json:
        print_json(record)
        return
    from draftmate.cli import render as ui

    ui.render_draft(record, ui.console())
