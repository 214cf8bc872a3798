"""The command line: parse, call one library function, render. The only place that picks exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from draftmate import __version__

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="draftmate",
    help="Draft text or code with a model; review every section; export only approved work, with provenance.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
config_app = typer.Typer(help="Show and change settings.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(config_app, name="config")


def handled(command: F) -> F:
    """The error boundary: expected failures print one `error:` line and exit with their code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from draftmate.errors import DraftmateError

        try:
            return command(*args, **kwargs)
        except DraftmateError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted; nothing was lost", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def version_callback(value: bool) -> None:
    """Print the version and stop."""
    if value:
        typer.echo(f"draftmate {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Draft text or code with a model; review every section; export only approved work, with provenance."""


def _store() -> Any:
    from draftmate.store import open_store

    return open_store()


def _print_json(value: Any) -> None:
    import json

    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def _settings(**flags: Any) -> Any:
    from draftmate.config import resolve

    return resolve(flags)[0]


# ---- drafts ----------------------------------------------------------------------------------------------


@app.command()
@handled
def draft(
    spec: Annotated[str | None, typer.Argument(help="What to draft; read from stdin when omitted.")] = None,
    from_file: Annotated[
        str | None, typer.Option("--from-file", help="Import an existing draft from FILE ('-' for stdin).")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="text or code (guessed from the file name).")] = None,
    lang: Annotated[str | None, typer.Option(help="Language of code, e.g. python.")] = None,
    context: Annotated[
        list[str] | None, typer.Option("--context", help="A source file the draft must agree with (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored draft as JSON.")] = False,
) -> None:
    """Draft with the model, or import an existing draft with --from-file, for review."""
    from draftmate.drafting import draft_record, import_draft, read_input
    from draftmate.errors import UsageError
    from draftmate.models import Kind

    if kind is not None and kind not in ("text", "code"):
        raise UsageError(f"--kind {kind!r}: use text or code")
    sources = [(name, read_input(name)[0]) for name in context or []]
    store = _store()
    if from_file is None:
        raise UsageError("drafting with a model needs SPEC; to import a file use --from-file FILE")
    created = import_draft(store, from_file, kind=Kind(kind) if kind else None, lang=lang, context=sources)
    record = draft_record(store, created.id)
    if as_json:
        _print_json(record)
        return
    from draftmate import ui

    out = ui.console()
    ui.render_draft(record, out)
    out.print(f"\nstored draft {ui.short(created.id)}; review it with: draftmate review {ui.short(created.id)}")


@app.command("list")
@handled
def list_drafts(
    status: Annotated[str | None, typer.Option(help="Only drafts in this state.")] = None,
    search: Annotated[str | None, typer.Option(help="Only drafts whose content has all these words.")] = None,
    limit: Annotated[int, typer.Option("-n", "--limit", min=1, help="How many to show.")] = 20,
    page: Annotated[int, typer.Option(min=1, help="Which page of results.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the drafts as JSON.")] = False,
) -> None:
    """Drafts, newest first."""
    from draftmate.errors import UsageError
    from draftmate.models import State

    try:
        state = State(status) if status else None
    except ValueError:
        raise UsageError(f"--status {status!r}: use one of {', '.join(s.value for s in State)}") from None
    rows = _store().list_drafts(status=state, search=search, limit=limit, offset=(page - 1) * limit)
    if as_json:
        _print_json([r.model_dump(mode="json") for r in rows])
        return
    from draftmate import ui

    ui.render_list(rows, ui.console())


@app.command()
@handled
def show(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="Draft ID or unique prefix.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the draft, versions, notes and reviews as JSON.")
    ] = False,
) -> None:
    """A draft with its notes beside the lines they point at."""
    from draftmate.drafting import draft_record

    store = _store()
    record = draft_record(store, store.resolve_id(draft_id))
    if as_json:
        _print_json(record)
        return
    from draftmate import ui

    ui.render_draft(record, ui.console())


@app.command()
@handled
def note(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="Draft ID or unique prefix.")],
    text: Annotated[str, typer.Argument(help="What may be wrong, and why.")],
    severity: Annotated[str, typer.Option(help="info, verify or blocking.")] = "verify",
    lines: Annotated[str | None, typer.Option(help="The lines it is about, A-B.")] = None,
    reviewer: Annotated[str | None, typer.Option(help="Who is adding it.")] = None,
) -> None:
    """Add your own uncertainty note to a draft."""
    from draftmate.drafting import add_note, parse_lines
    from draftmate.errors import UsageError
    from draftmate.models import Severity

    try:
        level = Severity(severity)
    except ValueError:
        raise UsageError(f"--severity {severity!r}: use info, verify or blocking") from None
    store = _store()
    author = _reviewer(reviewer, ask=False) or "unknown"
    created = add_note(store, store.resolve_id(draft_id), text, severity=level, lines=parse_lines(lines), author=author)
    typer.echo(f"added note {created.number} ({created.severity.value}) to draft {created.draft_id[:8]}")


def _reviewer(flag: str | None, *, ask: bool) -> str | None:
    """Reviewer identity: flag, DRAFTMATE_REVIEWER or config, git, else ask when there is a terminal."""
    if flag:
        return flag.strip()
    settings = _settings()
    if settings.reviewer:
        return str(settings.reviewer)
    from draftmate.reviewing import git_identity

    found = git_identity()
    if found:
        return found
    if ask and sys.stdin.isatty():
        return typer.prompt("Your name as reviewer").strip() or None
    return None


@app.command()
@handled
def review(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="Draft ID or unique prefix.")],
    decision: Annotated[str | None, typer.Option(help="approve, reject or changes: review without a terminal.")] = None,
    reviewer: Annotated[str | None, typer.Option(help="Your name (else DRAFTMATE_REVIEWER, config, git).")] = None,
    responsible: Annotated[
        str | None, typer.Option("--responsible", help="Who holds editorial responsibility (default: reviewer).")
    ] = None,
    reason: Annotated[str, typer.Option(help="Why, for reject and changes.")] = "",
    resolve: Annotated[
        list[str] | None,
        typer.Option(help="NOTE=STATUS[:COMMENT], STATUS one of verified, fixed, accepted-risk, dismissed."),
    ] = None,
) -> None:
    """Review a draft section by section; nothing is final until a person approves it."""
    from draftmate.errors import UsageError
    from draftmate.reviewing import review_non_interactive

    store = _store()
    full_id = store.resolve_id(draft_id)
    if decision is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError(
                "interactive review needs a terminal; without one use "
                "`draftmate review ID --decision approve|reject|changes --reviewer NAME --resolve NOTE=STATUS`"
            )
        from draftmate.interactive import run_review

        who = _reviewer(reviewer, ask=True)
        if not who:
            raise UsageError("no reviewer: pass --reviewer NAME or set DRAFTMATE_REVIEWER")
        raise typer.Exit(run_review(store, full_id, reviewer=who, responsible=responsible))
    who = _reviewer(reviewer, ask=False)
    if not who:
        raise UsageError("no reviewer: pass --reviewer NAME, set DRAFTMATE_REVIEWER, or set git user.name")
    result = review_non_interactive(
        store,
        full_id,
        decision=decision,
        reviewer=who,
        editorial_responsibility=responsible,
        reason=reason,
        resolutions=[_parse_resolution(r) for r in resolve or []],
    )
    typer.echo(f"draft {result.id[:8]} is now {result.status.value}")


def _parse_resolution(spec: str) -> tuple[str, Any, str]:
    from draftmate.errors import UsageError
    from draftmate.models import Resolution

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


@app.command()
@handled
def verify(
    draft_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Only this draft's records.")] = None,
) -> None:
    """Check the audit chain and that stored records match what it recorded."""
    store = _store()
    problems = store.verify()
    if draft_id:
        full = store.resolve_id(draft_id)
        problems = [p for p in problems if "audit event" in p or full in p or full[:8] in p]
    if problems:
        for p in problems:
            typer.echo(f"FAIL {p}", err=True)
        raise typer.Exit(1)
    count = sum(1 for _ in store.iter_audit())
    typer.echo(f"ok: audit chain of {count} events intact; records match")


# ---- configuration --------------------------------------------------------------------------------------


@config_app.command("show")
@handled
def config_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Settings in effect and where each came from; secrets masked."""
    from draftmate.config import resolve

    settings, sources = resolve()
    values = settings.masked()
    if as_json:
        _print_json({k: {"value": v, "source": sources[k]} for k, v in values.items()})
        return
    for key, value in values.items():
        typer.echo(f"{key:26} {'' if value is None else value!s:40} ({sources[key]})")


@config_app.command("set")
@handled
def config_set(
    key: Annotated[str, typer.Argument(help="Setting name, see `config show`.")],
    value: Annotated[str, typer.Argument(help="New value.")],
) -> None:
    """Change a setting in config.toml."""
    from draftmate.config import set_value

    path = set_value(key, value)
    typer.echo(f"set {key} in {path}")


@config_app.command("path")
@handled
def config_path_command() -> None:
    """Where config.toml and the store live."""
    from draftmate.config import config_path, data_dir

    typer.echo(f"config: {config_path()}")
    typer.echo(f"store:  {data_dir() / 'draftmate.db'}")


def main() -> None:
    """Entry point of the `draftmate` command."""
    app()
