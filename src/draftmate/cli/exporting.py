"""`export` and `verify`: writing approved work with its provenance, and checking it against the store."""

# No `from __future__ import annotations` here: typer reads every command's annotations on each run, and string
# annotations would be compiled and evaluated one by one (about a third of `draftmate list`'s own time).

import sys
from typing import Annotated, Any

import typer

from draftmate import __version__
from draftmate.cli.inputs import open_store
from draftmate.cli.output import echo
from draftmate.domain.ids import short_id


def export(
    draft_id: Annotated[str | None, typer.Argument(metavar="ID", help="Draft ID or unique prefix.")] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="md, txt, json or code (default: code for code, else md)."
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o", "--output", metavar="PATH", help="Exactly where to write ('-' for stdout; default <id>-<slug>.<ext>)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file (and sidecar).")] = False,
    trailer: Annotated[
        bool, typer.Option("--trailer", help="Print an `Assisted-by: draftmate:<model>` commit trailer.")
    ] = False,
    disclose: Annotated[
        bool, typer.Option("--disclose", help="code/txt: add one disclosure line (a comment in code).")
    ] = False,
    all_drafts: Annotated[
        bool, typer.Option("--all", help="Every final draft as JSON Lines (-o defaults to final-drafts.jsonl).")
    ] = False,
) -> None:
    """Write final, approved work with its provenance; anything not final is refused (exit 3), nothing written.

    md gets YAML front matter; code and txt stay byte-for-byte the approved content with a PATH.provenance.json
    sidecar; json holds provenance, content, notes and the review. Messages go to stderr; the trailer to stdout.
    """
    from draftmate.errors import UsageError

    if output is not None and not output.strip():
        raise UsageError("-o needs a path (or '-' for stdout)")
    if all_drafts:
        if draft_id is not None:
            raise UsageError("give an ID or --all, not both")
        if fmt not in (None, "json"):
            raise UsageError(f"--all writes JSON Lines only; drop --format {fmt}")
        _export_all(output or "final-drafts.jsonl", force)
        return
    if draft_id is None:
        raise UsageError("which draft? give its ID (see `draftmate list --status final`) or --all")
    from draftmate.services.exports import export_draft

    store = open_store()
    result = export_draft(
        store,
        store.resolve_id(draft_id),
        fmt=fmt,
        output=output,
        force=force,
        disclose=disclose,
        tool_version=__version__,
    )
    if result.stdout is not None:
        sys.stdout.buffer.write(result.stdout)
        sys.stdout.flush()
        if result.fmt in ("code", "txt"):
            echo("note: no sidecar goes to stdout; for the provenance use -o PATH or --format md|json", err=True)
    else:
        written = " and ".join(str(p) for p in result.paths)
        echo(f"exported draft {short_id(result.draft_id)} ({result.fmt}) to {written}", err=True)
    if trailer:
        echo(result.trailer, err=result.stdout is not None)


def _export_all(output: str, force: bool) -> None:
    """`export --all`: stream every final draft as JSON Lines to a file or stdout."""
    from pathlib import Path

    from draftmate.errors import GateRefused
    from draftmate.fileio import is_stdout, write_lines_atomic
    from draftmate.provenance import formats
    from draftmate.services.exports import BulkReport, iter_final_lines, store_signer

    store = open_store()
    report = BulkReport()
    lines = iter_final_lines(store, report, tool_version=__version__, signer=store_signer())
    if is_stdout(output):
        sys.stdout.flush()
        for line in lines:
            sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
    else:
        formats.check_targets([Path(output)], force=force)
        write_lines_atomic(Path(output), lines, overwrite=force)
        rebuilt = report.written - report.sealed  # the slow way: worth saying when a bulk export takes a while
        detail = f"; {rebuilt} rebuilt from their rows (no seal, or changed since approval)" if rebuilt else ""
        drafts = "draft" if report.written == 1 else "drafts"
        echo(f"exported {report.written} final {drafts} to {output} (JSON Lines){detail}", err=True)
    for reason in report.refused:
        echo(f"refused: {reason}", err=True)
    for reason in report.damaged:
        echo(f"warning: left out: {reason}", err=True)
    if report.damaged:  # a store to repair: a runtime failure, as `export ID` of such a draft is
        from draftmate.errors import StoreError

        refused = f", and {len(report.refused)} that did not check out" if report.refused else ""
        raise StoreError(
            f"{len(report.damaged)} final draft{'s' if len(report.damaged) != 1 else ''} with a damaged row "
            f"{'were' if len(report.damaged) != 1 else 'was'} left out{refused}; the others were exported; "
            "`draftmate verify` lists what is wrong"
        )
    if report.refused:
        raise GateRefused(f"{len(report.refused)} final drafts did not check out and were left out")


def verify(
    draft_id: Annotated[str | None, typer.Argument(metavar="ID", help="Only this draft's records.")] = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file", metavar="PATH", help="Check an exported file (and its sidecar or front matter) against the store."
        ),
    ] = None,
) -> None:
    """Check the audit chain and that stored records match what it recorded."""
    store = open_store()
    if file is not None:
        _verify_file(store, file, draft_id)
        return
    problems = store.verify()
    if draft_id:
        full = store.resolve_id(draft_id)
        problems = [p for p in problems if p.startswith("audit event") or full in p or short_id(full) in p]
    if problems:
        for p in problems:
            from draftmate.cli.render import visible

            echo(f"FAIL {visible(p)}", err=True)
        from draftmate.errors import AlreadyReported

        raise AlreadyReported
    count = sum(1 for _ in store.iter_audit())
    echo(f"ok: audit chain of {count} events intact; records match")


def _verify_file(store: Any, file: str, draft_id: str | None) -> None:
    """`verify --file`: an exported file against the approved sha256, its provenance and the audit log."""
    from pathlib import Path

    from draftmate.cli import render as ui
    from draftmate.services.exports import verify_file

    check = verify_file(store, Path(file), tool_version=__version__)
    if draft_id and not check.draft_id.startswith(store.resolve_id(draft_id)):
        check.problems.insert(0, f"it was exported from draft {short_id(check.draft_id)}, not {draft_id}")
    named = f"draft {short_id(check.draft_id)} ({ui.visible(check.title)!r})"
    shown = ui.visible(file)
    if not check.ok:
        for p in check.problems:
            echo(f"FAIL {shown}: {ui.visible(p)} [from {named}, version {check.version}]", err=True)
        from draftmate.errors import AlreadyReported

        raise AlreadyReported
    for n in check.notes:
        echo(f"note: {n}")
    echo(f"ok: {shown} is version {check.version} of {named} exactly as approved; its records check out")
