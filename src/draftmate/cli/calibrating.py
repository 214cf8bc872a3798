"""`calibration`: how well confidence predicted reviewers' decisions, and recalibrating."""

# No `from __future__ import annotations` here: typer reads every command's annotations on each run, and string
# annotations would be compiled and evaluated one by one (about a third of `draftmate list`'s own time).

from typing import Annotated, Any

import typer

from draftmate.cli.inputs import open_store, read_settings
from draftmate.cli.output import print_json


def calibration(
    model: Annotated[str | None, typer.Option(metavar="MODEL", help="Only drafts made with this model.")] = None,
    kind: Annotated[str | None, typer.Option(metavar="KIND", help="Only text or code drafts.")] = None,
    since: Annotated[
        str | None, typer.Option(metavar="DATE", help="Only drafts scored on or after DATE (YYYY-MM-DD).")
    ] = None,
    calibrator: Annotated[
        str | None,
        typer.Option(metavar="VERSION", help="Only drafts scored by this calibrator version (e.g. to check a fit)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report (or what was done) as JSON.")] = False,
    plot: Annotated[str | None, typer.Option("--plot", metavar="FILE.png", help="Write a reliability diagram.")] = None,
    fit: Annotated[
        bool, typer.Option("--fit", help="Recalibrate from logged outcomes and choose new thresholds.")
    ] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Score new drafts with the built-in thresholds again (undoes --fit).")
    ] = False,
    activate: Annotated[
        str | None,
        typer.Option("--activate", metavar="VERSION", help="Score new drafts with a stored calibrator again."),
    ] = None,
    export: Annotated[
        str | None, typer.Option("--export", metavar="FILE.jsonl", help="Write every prediction with its outcome.")
    ] = None,
    target: Annotated[
        float | None, typer.Option(metavar="RATE", help="Allowed high-confidence error rate (default 0.10).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --plot or --export file.")] = False,
) -> None:
    """How well confidence predicted what reviewers did; the rate of confident errors; recalibration."""
    from pathlib import Path

    from draftmate.errors import UsageError
    from draftmate.services import calibrate as calibrating

    settings = read_settings(target_error_rate=target)
    filters = calibrating.Filters(
        model=model, kind=calibrating.parse_kind(kind), since=calibrating.parse_since(since), calibrator=calibrator
    )
    switch = "--reset" if reset else "--activate" if activate is not None else None
    if switch:
        given: dict[str, object] = {"--reset": reset, "--activate": activate, "--fit": fit, "--plot": plot}
        given |= {"--export": export}
        given |= {"--model": model, "--kind": kind, "--since": since, "--calibrator": calibrator}
        given |= {"--target": target, "--force": force}
        others = [flag for flag, value in given.items() if value not in (None, False) and flag != switch]
        if others:
            raise UsageError(f"{switch} only switches what scores new drafts: run it without {', '.join(others)}")
    if plot is not None and (fit or export is not None):
        raise UsageError("--plot draws the report; run it without --fit and --export")
    if fit and (model or kind or calibrator):
        raise UsageError("a calibrator scores every draft: fit without --model, --kind and --calibrator")
    store = open_store()
    from draftmate.fileio import check_target

    for output in (plot, export):  # before any work (a --fit, a report): a target it cannot write is refused now
        if output is not None:
            check_target(Path(output), overwrite=force)
    if switch:
        switched = calibrating.reset(store) if reset else calibrating.activate(store, str(activate))
        if as_json:
            print_json(switched)
            return
        from draftmate.cli import render as ui

        ui.render_switch(switched, ui.console())
        return
    if fit or export is not None:
        done: dict[str, Any] = {}
        if fit:
            done["fit"] = calibrating.fit(
                store, since=filters.since, edit_threshold=settings.edit_threshold, target=settings.target_error_rate
            )
        if export is not None:
            count = calibrating.export(
                store, Path(export), filters=filters, edit_threshold=settings.edit_threshold, force=force
            )
            done["export"] = {"path": export, "predictions": count}
        if as_json:
            print_json(done)
            return
        from draftmate.cli import render as ui

        out = ui.console()
        if "fit" in done:
            ui.render_fit(done["fit"], out)
        if "export" in done:
            out.print(ui.literal(f"wrote {done['export']['predictions']} predictions to {export}"))
        return
    result = calibrating.report(
        store, filters=filters, edit_threshold=settings.edit_threshold, target=settings.target_error_rate
    )
    if plot is not None:
        calibrating.plot(result, Path(plot), force=force)
    if as_json:
        print_json(result)
        return
    from draftmate.cli import render as ui

    out = ui.console()
    ui.render_calibration(result, out)
    if plot is not None:
        out.print(ui.literal(f"wrote the reliability diagram to {plot}"))
