"""The command line: parse, call one library function, render. The only place that picks exit codes."""

# No `from __future__ import annotations` here: typer reads every command's annotations on each run, and string
# annotations would be compiled and evaluated one by one (about a third of `draftmate list`'s own time).
import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import typer.core

from draftmate import __version__

if TYPE_CHECKING:
    from draftmate.store.protocol import Store

F = TypeVar("F", bound=Callable[..., Any])
MAX_PAGE = 1_000_000  # the largest `list --page` and `--limit`: their product stays far inside SQLite's integers

# The order --help lists commands in: the flow, then the tools around it.
COMMAND_ORDER = [
    "brainstorm",
    "draft",
    "list",
    "show",
    "note",
    "review",
    "export",
    "verify",
    "calibration",
    "doctor",
    "config",
    "prompts",
]


class FlowOrderGroup(typer.core.TyperGroup):
    """Lists commands in the order of the flow rather than the order they were defined in."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: COMMAND_ORDER.index(n) if n in COMMAND_ORDER else len(COMMAND_ORDER))


app = typer.Typer(
    cls=FlowOrderGroup,
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
            _echo_error(e)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            _echo("interrupted; nothing was lost", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:  # the reader of stdout left (`| head`): stop quietly, as SIGPIPE would
            from draftmate.cli.render import silence_stdout

            silence_stdout()
            raise typer.Exit(141) from None
        except OSError as e:  # stdout on a full disk (`> /dev/full`) or a closed descriptor: one line, not a traceback
            if not stdout_failed(e):
                raise
            output_failed(e)
            raise typer.Exit(1) from None
        except Exception as e:
            from draftmate.store.sqlite import as_store_error

            failure = as_store_error(e)  # a damaged, full or locked database is expected, not a bug
            if failure is None:
                raise
            _echo_error(failure)
            raise typer.Exit(failure.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _echo(text: str = "", *, err: bool = False) -> None:
    """Print one line; every line goes through the one escaping, because most quote something from outside (a
    name, a file name, a setting, a store row) that could otherwise move the cursor, clear the screen, start a
    forged `error:` line or read backwards."""
    from draftmate.domain.untrusted_text import one_line

    typer.echo(one_line(text), err=err)


def _echo_error(error: Exception) -> None:
    """The `error:` line; a gate refusal's reasons follow it, one escaped line each."""
    from draftmate.errors import GateRefused

    if isinstance(error, GateRefused):
        _echo(f"error: {error.message}", err=True)
        for reason in error.reasons:
            _echo(f"  - {reason}", err=True)
        return
    _echo(f"error: {error}", err=True)


def stdout_failed(error: BaseException) -> bool:
    """Whether `error` came from writing standard output: a frame it passed through was writing to stdout.

    (A failed write leaves nothing buffered to retry, so the stream itself cannot tell; the frames can.)"""
    targets = {id(sys.stdout), id(getattr(sys.stdout, "buffer", None))}
    tb, innermost = error.__traceback__, None
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if id(value) in targets or id(getattr(value, "file", None)) in targets:  # typer.echo's file, a Console
                return True
        innermost = tb.tb_frame
        tb = tb.tb_next
    # `sys.stdout.write(...)` or `sys.stdout.buffer.write(...)` called directly by the function that failed
    return innermost is not None and "stdout" in innermost.f_code.co_names


def output_failed(error: OSError) -> None:
    """Say once, on stderr, that the output was lost, then point stdout at /dev/null so the exit is quiet."""
    from draftmate.cli.render import silence_stdout

    reason = error.strerror or str(error)
    typer.echo(f"error: cannot write to standard output ({reason}); free some space or send it elsewhere", err=True)
    silence_stdout()


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


def _store() -> "Store":
    from draftmate.store.backend import open_store

    return open_store()


def _print_json(value: Any) -> None:
    import json

    from draftmate.domain.untrusted_text import UNSAFE

    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    # an output that cannot hold all of Unicode (PYTHONIOENCODING=ascii, LANG=C) gets JSON's own \u escapes
    text = json.dumps(value, indent=2, ensure_ascii=not encoding.startswith("utf"))
    # json escapes C0 controls but not DEL, C1 (a one-byte CSI), format and bidi characters or lone surrogates, which
    # a terminal may obey (or fail to encode): the same ones `visible` escapes, as JSON's own \u escapes, so the
    # data is unchanged (outside strings JSON holds only ASCII, so every match is inside one)
    sys.stdout.write(UNSAFE.sub(lambda m: _json_escape(m.group(0)), text) + "\n")


def _json_escape(char: str) -> str:
    """A character as JSON's \\uXXXX escape (a surrogate pair above U+FFFF)."""
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _settings(**flags: Any) -> Any:
    from draftmate.settings.config import resolve

    return resolve(flags)[0]


# ---- drafts ----------------------------------------------------------------------------------------------


@app.command()
@handled
def draft(
    spec: Annotated[
        str | None, typer.Argument(metavar="SPEC", help="What to draft; read from stdin when omitted.")
    ] = None,
    from_file: Annotated[
        str | None,
        typer.Option("--from-file", metavar="FILE", help="Import an existing draft from FILE ('-' for stdin)."),
    ] = None,
    kind: Annotated[str | None, typer.Option(metavar="KIND", help="text or code (guessed from the file name).")] = None,
    lang: Annotated[str | None, typer.Option(metavar="LANG", help="Language of code, e.g. python.")] = None,
    context: Annotated[
        list[str] | None,
        typer.Option("--context", metavar="FILE", help="A source file the draft must agree with (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored draft as JSON.")] = False,
    idea: Annotated[
        str | None, typer.Option("--idea", metavar="N", help="Draft brainstormed idea N (or an idea ID).")
    ] = None,
    samples: Annotated[
        int | None, typer.Option("--samples", metavar="K", min=0, max=10, help="Extra samples compared for agreement.")
    ] = None,
    retry: Annotated[
        str | None, typer.Option("--retry", metavar="ID", help="Run a draft's stored request again.")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", metavar="MODEL", help="Chat model to draft with.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", metavar="URL", help="OpenAI-compatible endpoint.")
    ] = None,
    version_of: Annotated[
        str | None,
        typer.Option(
            "--version-of", metavar="ID", help="With --from-file: store FILE as the next version of draft ID."
        ),
    ] = None,
) -> None:
    """Draft with the model, or import an existing draft with --from-file, for review."""
    from draftmate.domain.records import Kind
    from draftmate.errors import UsageError
    from draftmate.services.drafts import draft_record, import_draft, import_version, read_input

    if kind is not None and kind not in ("text", "code"):
        raise UsageError(f"--kind {kind!r}: use text or code")
    sources = [(name, read_input(name)[0]) for name in context or []]
    store = _store()
    if from_file is None:
        if version_of is not None:
            raise UsageError("--version-of goes with --from-file FILE")
        model_flags = {"model": model, "base_url": base_url}
        _draft_with_model(store, spec, kind, lang, sources, idea, samples, retry, model_flags, as_json)
        return
    if version_of is not None:
        if kind or lang:
            raise UsageError("--version-of keeps the draft's kind and language; drop --kind/--lang")
        created = import_version(store, store.resolve_id(version_of), from_file, context=sources)
    else:
        created = import_draft(store, from_file, kind=Kind(kind) if kind else None, lang=lang, context=sources)
    record = draft_record(store, created.id)
    if as_json:
        _print_json(record)
        return
    from draftmate.cli import render as ui

    out = ui.console()
    ui.render_draft(record, out)
    out.print(
        ui.literal(f"\nstored draft {ui.short(created.id)}; review it with: draftmate review {ui.short(created.id)}")
    )


@app.command("list")
@handled
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
    store = _store()
    rows = store.list_drafts(status=state, search=search, limit=limit, offset=(page - 1) * limit)
    if store.skipped_drafts:
        from draftmate.cli.render import visible

        left_out = ", ".join(visible(i[:8]) for i in store.skipped_drafts)
        typer.echo(f"warning: left out damaged draft(s) {left_out}; `draftmate verify` says what is wrong", err=True)
    if as_json:
        _print_json([r.as_json() for r in rows])
        return
    if not rows and (state or search or page > 1):  # "no drafts yet" would be wrong: the filters left none
        asked = [f"--status {state.value}"] if state else []
        asked += [f"--search {search!r}"] if search else []
        asked += [f"--page {page}"] if page > 1 else []
        _echo(f"no drafts match {' '.join(asked)}; `draftmate list` shows all")
        return
    from draftmate.cli import render as ui

    ui.render_list(rows, sys.stdout)


@app.command()
@handled
def show(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="Draft ID or unique prefix.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the draft, versions, notes and reviews as JSON.")
    ] = False,
) -> None:
    """A draft with its notes beside the lines they point at."""
    from draftmate.services.drafts import draft_record

    store = _store()
    record = draft_record(store, store.resolve_id(draft_id))
    if as_json:
        _print_json(record)
        return
    from draftmate.cli import render as ui

    ui.render_draft(record, ui.console())


@app.command()
@handled
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
    store = _store()
    author = _reviewer(reviewer, ask=False) or "unknown"
    created = add_note(store, store.resolve_id(draft_id), text, severity=level, lines=parse_lines(lines), author=author)
    _echo(f"added note {created.number} ({created.severity.value}) to draft {created.draft_id[:8]}")


def is_terminal() -> bool:
    """Whether a person is at a terminal: both stdin and stdout are ttys (tests replace this seam)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _reviewer(flag: str | None, settings: Any = None, *, ask: bool, resuming: str | None = None) -> str | None:
    """Reviewer identity: flag, DRAFTMATE_REVIEWER or config, git, else ask when there is a terminal.

    `resuming` is the open review's reviewer: offered as the answer, because another name starts the review over."""
    if flag is not None:
        return _name(flag, "--reviewer", "give your name as plain text, e.g. --reviewer 'Ann Example'")
    settings = settings or _settings()  # config.toml and DRAFTMATE_REVIEWER are checked as settings are read
    if settings.reviewer:
        return str(settings.reviewer)
    from draftmate.services.reviews import git_identity

    found = git_identity()
    if found:
        fix = "fix it with `git config --global user.name NAME`, or pass --reviewer NAME"
        return _name(found, "git's user.name/user.email", fix)
    if ask and is_terminal():
        from draftmate.domain.untrusted_text import one_line
        from draftmate.errors import UsageError

        _echo("no reviewer configured; save yours once with `draftmate config set reviewer NAME`", err=True)
        try:
            # the offered default is a store row: shown escaped, and checked like a typed name when taken
            question = "Your name as reviewer" + (f" [{one_line(resuming)}]" if resuming else "")
            answer = typer.prompt(question, default=resuming or "", show_default=False)
        except typer.Abort:  # Ctrl-D or Ctrl-C at the prompt: nothing was opened yet
            _echo()  # end the prompt's line, so the error starts its own
            raise UsageError(
                "no reviewer given: pass --reviewer NAME or save it with `draftmate config set reviewer NAME`"
            ) from None
        return (
            _name(answer, "the name typed", "type your name as plain text, or pass --reviewer NAME")
            if answer.strip()
            else None
        )
    return None


def _name(value: str, what: str, fix: str) -> str:
    """A name from outside, checked by the one rule for names (textsafe.check_name); a refusal is a UsageError."""
    from draftmate.domain.untrusted_text import check_name
    from draftmate.errors import UsageError

    try:
        return check_name(value, what=what, fix=fix)
    except ValueError as e:
        raise UsageError(str(e)) from None


@app.command()
@handled
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
    from draftmate.errors import UsageError
    from draftmate.services.reviews import review_non_interactive

    store = _store()
    full_id = store.resolve_id(draft_id)
    settings = _settings()
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
        from draftmate.cli.review_loop import run_review

        open_review = store.current_review(full_id)
        who = _reviewer(reviewer, settings, ask=True, resuming=open_review.reviewer if open_review else None)
        if not who:
            raise UsageError("no reviewer: pass --reviewer NAME or set DRAFTMATE_REVIEWER")
        raise typer.Exit(run_review(store, full_id, reviewer=who, responsible=responsible, reviser=_reviser(settings)))
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
        _echo(
            f"note: took over {previous.reviewer}'s open review; their {dropped} section "
            f"decision{'s' if dropped != 1 else ''} did not carry over",
            err=True,
        )
    _echo(f"draft {result.id[:8]} is now {result.status.value}")


def _reviser(settings: Any) -> Any:
    """The model reviser for the review's `r` key, or None when no model endpoint is configured."""
    if not settings.has_endpoint():
        return None
    from draftmate.services.generate import make_reviser

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


@app.command()
@handled
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
    store = _store()
    if file is not None:
        _verify_file(store, file, draft_id)
        return
    problems = store.verify()
    if draft_id:
        full = store.resolve_id(draft_id)
        problems = [p for p in problems if p.startswith("audit event") or full in p or full[:8] in p]
    if problems:
        for p in problems:
            from draftmate.cli.render import visible

            _echo(f"FAIL {visible(p)}", err=True)
        raise typer.Exit(1)
    count = sum(1 for _ in store.iter_audit())
    _echo(f"ok: audit chain of {count} events intact; records match")


# ---- configuration --------------------------------------------------------------------------------------


@config_app.command("show")
@handled
def config_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Settings in effect and where each came from; secrets masked."""
    from draftmate.settings.config import resolve

    settings, sources = resolve()
    values = settings.masked()
    if as_json:
        _print_json({k: {"value": v, "source": sources[k]} for k, v in values.items()})
        return
    from draftmate.domain.untrusted_text import one_line
    from draftmate.settings.config import allowed_range

    for key, value in values.items():  # values and sources come from config.toml and the environment: escaped
        bounds = allowed_range(key)
        limit = f"  allowed: {bounds}" if bounds else ""
        shown = "" if value is None else one_line(str(value))
        _echo(f"{key:26} {shown:40} ({one_line(sources[key])}){limit}")


@config_app.command("set")
@handled
def config_set(
    key: Annotated[str, typer.Argument(metavar="KEY", help="Setting name, see `config show`.")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="New value; '' removes it from config.toml.")],
) -> None:
    """Change a setting in config.toml."""
    from draftmate.settings.config import set_value

    path = set_value(key, value)
    _echo(f"set {key} in {path}" if value else f"removed {key} from {path}")


@config_app.command("path")
@handled
def config_path_command() -> None:
    """Where config.toml and the store live."""
    from draftmate.settings.paths import config_path, data_dir

    _echo(f"config: {config_path()}")
    _echo(f"store:  {data_dir() / 'draftmate.db'}")


# ---- calibration (issue 7) ------------------------------------------------------------------------------


@app.command()
@handled
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

    settings = _settings(target_error_rate=target)
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
    store = _store()
    from draftmate.fileio import check_target

    for output in (plot, export):  # before any work (a --fit, a report): a target it cannot write is refused now
        if output is not None:
            check_target(Path(output), overwrite=force)
    if switch:
        switched = calibrating.reset(store) if reset else calibrating.activate(store, str(activate))
        if as_json:
            _print_json(switched)
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
            _print_json(done)
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
        _print_json(result)
        return
    from draftmate.cli import render as ui

    out = ui.console()
    ui.render_calibration(result, out)
    if plot is not None:
        out.print(ui.literal(f"wrote the reliability diagram to {plot}"))


def _verify_file(store: Any, file: str, draft_id: str | None) -> None:
    """`verify --file`: an exported file against the approved sha256, its provenance and the audit log."""
    from pathlib import Path

    from draftmate.cli import render as ui
    from draftmate.services.exports import verify_file

    check = verify_file(store, Path(file), tool_version=__version__)
    if draft_id and not check.draft_id.startswith(store.resolve_id(draft_id)):
        check.problems.insert(0, f"it was exported from draft {check.draft_id[:8]}, not {draft_id}")
    named = f"draft {check.draft_id[:8]} ({ui.visible(check.title)!r})"
    shown = ui.visible(file)
    if not check.ok:
        for p in check.problems:
            _echo(f"FAIL {shown}: {ui.visible(p)} [from {named}, version {check.version}]", err=True)
        raise typer.Exit(1)
    for n in check.notes:
        _echo(f"note: {n}")
    _echo(f"ok: {shown} is version {check.version} of {named} exactly as approved; its records check out")


@app.command()
@handled
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

    store = _store()
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
            _echo("note: no sidecar goes to stdout; for the provenance use -o PATH or --format md|json", err=True)
    else:
        written = " and ".join(str(p) for p in result.paths)
        _echo(f"exported draft {result.draft_id[:8]} ({result.fmt}) to {written}", err=True)
    if trailer:
        _echo(result.trailer, err=result.stdout is not None)


def _export_all(output: str, force: bool) -> None:
    """`export --all`: stream every final draft as JSON Lines to a file or stdout."""
    from pathlib import Path

    from draftmate.fileio import is_stdout, write_lines_atomic
    from draftmate.provenance import formats
    from draftmate.services.exports import BulkReport, iter_final_lines

    store = _store()
    report = BulkReport()
    lines = iter_final_lines(store, report, tool_version=__version__)
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
        _echo(f"exported {report.written} final {drafts} to {output} (JSON Lines){detail}", err=True)
    if report.refused:
        for reason in report.refused:
            _echo(f"refused: {reason}", err=True)
        _echo(f"error: {len(report.refused)} final drafts did not check out and were left out", err=True)
        raise typer.Exit(3)


# ---- drafting with a model ---------------------------------------------------------------------------------


def _draft_with_model(
    store: Any,
    spec: str | None,
    kind: str | None,
    lang: str | None,
    sources: list[tuple[str, str]],
    idea: str | None,
    samples: int | None,
    retry: str | None,
    flags: dict[str, Any],
    as_json: bool,
) -> None:
    """The model path of `draft`: stream, store, show the notes; a failure keeps the request for --retry."""
    from draftmate.cli import render as ui
    from draftmate.domain.records import Kind
    from draftmate.errors import ModelError, UsageError
    from draftmate.services import generate as generation
    from draftmate.services.drafts import draft_record, read_input

    settings = _settings(**flags)
    out = ui.console()
    printer = None if as_json else ui.stream_printer(out)
    arrived: list[str] = []
    reader_left = False
    output_error: OSError | None = None

    def on_chunk(text: str) -> None:
        nonlocal printer, reader_left, output_error
        arrived.append(text)
        if printer is not None:
            try:
                printer(text)
            except BrokenPipeError:  # `draft ... | head`: the answer is paid for; store it whole, print no more
                printer, reader_left = None, True
                ui.silence_stdout()
            except OSError as e:  # stdout on a full disk: the same, and say so once the draft is stored
                printer, output_error = None, e
                ui.silence_stdout()

    if retry is not None:
        if spec or idea or sources or kind or lang:
            raise UsageError(
                "--retry runs the stored request again; give it no SPEC, --idea, --context, --kind or --lang"
            )
        outcome = generation.retry(store, settings, store.resolve_id(retry), on_chunk=on_chunk, samples=samples)
    else:
        if spec is None and idea is None or spec == "-":
            if sys.stdin.isatty():
                raise UsageError("say what to draft: draftmate draft SPEC, or pipe it on stdin, or --idea N")
            spec = read_input("-")[0]
        full_spec, idea_id = generation.resolve_spec(store, spec, idea)
        chosen = Kind(kind) if kind else (Kind.CODE if lang else Kind.TEXT)
        outcome = generation.draft(
            store,
            settings,
            spec=full_spec,
            kind=chosen,
            lang=(lang or "").lower(),
            idea_id=idea_id,
            context=sources,
            samples=samples,
            on_chunk=on_chunk,
        )
    if printer is not None and arrived and not "".join(arrived).endswith("\n"):
        out.file.write("\n")
    short = ui.short(outcome.draft.id)
    if reader_left:
        _echo(f"note: the output was closed early; the draft is stored whole: draftmate show {short}", err=True)
    if output_error is not None:
        from draftmate.errors import DraftmateError

        reason = output_error.strerror or str(output_error)
        raise DraftmateError(f"cannot write to standard output ({reason}); the draft is stored: draftmate show {short}")
    for warning in outcome.warnings:
        _echo(f"warning: {ui.visible(warning)}", err=True)
    if outcome.error:
        raise ModelError(
            f"{outcome.error}; the request is kept as draft {short} (incomplete): run `draftmate draft --retry {short}`"
        )
    if outcome.reply.interrupted:
        _echo(
            f"interrupted: kept what had arrived as incomplete draft {short}; run `draftmate draft --retry {short}`",
            err=True,
        )
        raise typer.Exit(130)
    record = draft_record(store, outcome.draft.id)
    if record["incomplete"] and outcome.reply.finish_reason is None:
        # The stream ended early without an error (a truncation): a fault of the endpoint, not a finished draft.
        raise ModelError(
            f"the model's stream ended before it finished (no finish reason); kept what arrived as incomplete "
            f"draft {short}: run `draftmate draft --retry {short}`"
        )
    if record["incomplete"]:
        finish = outcome.reply.finish_reason or "missing"
        _echo(
            f"warning: the model did not finish (finish reason: {finish}); draft {short} is stored as incomplete: "
            f"run `draftmate draft --retry {short}`",
            err=True,
        )
    if as_json:
        _print_json(record)
        return
    ui.render_notes([n for n in record["notes"] if n["version"] == record["current_version"]], out)
    state = "INCOMPLETE draft" if record["incomplete"] else "draft"
    level = record["confidence"]["level"]
    out.print(ui.literal(f"\nstored {state} {short} (confidence {level}); review it with: draftmate review {short}"))


@app.command()
@handled
def brainstorm(
    topic: Annotated[str, typer.Argument(metavar="TOPIC", help="What to brainstorm about.")],
    n: Annotated[int, typer.Option("-n", metavar="N", min=1, max=20, help="How many ideas.")] = 5,
    context: Annotated[
        list[str] | None, typer.Option("--context", metavar="FILE", help="A source file to draw on (repeatable).")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", metavar="MODEL", help="Chat model to use.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", metavar="URL", help="OpenAI-compatible endpoint.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ideas as JSON.")] = False,
) -> None:
    """N diverse ideas with rationale and risks, near-duplicates merged; draft one with `draft --idea N`."""
    from draftmate.cli import render as ui
    from draftmate.services import generate as generation
    from draftmate.services.drafts import read_input

    sources = [(name, read_input(name)[0]) for name in context or []]
    settings = _settings(model=model, base_url=base_url)
    result = generation.brainstorm(_store(), settings, topic, n=n, context=sources)
    for problem in result.skipped:
        _echo(f"warning: a brainstorm request gave nothing usable: {ui.visible(problem)}", err=True)
    if as_json:
        _print_json(
            {
                "topic": result.topic,
                "ideas": result.ideas,
                "requests": result.requests,
                "skipped": result.skipped,
                "meta": result.meta,
            }
        )
        return
    from draftmate.cli import render as ui

    out = ui.console()
    ui.render_ideas(result.ideas, out)
    out.print(
        ui.literal(
            f"\n{len(result.ideas)} ideas from {result.requests} requests; draft one with: draftmate draft --idea N"
        )
    )


@app.command()
@handled
def doctor(
    model: Annotated[str | None, typer.Option("--model", metavar="MODEL", help="Chat model to check.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", metavar="URL", help="OpenAI-compatible endpoint to check.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Check the configured model endpoint end to end; exit 0 only when drafting will work."""
    from draftmate.services import generate as generation

    checks = generation.doctor(lambda: _settings(model=model, base_url=base_url))
    if as_json:
        _print_json([{"name": c.name, "status": c.status, "detail": c.detail} for c in checks])
    else:
        from draftmate.cli import render as ui

        out = ui.console()
        ui.render_checks(checks, out)
        verdict = "drafting will work" if generation.doctor_ok(checks) else "drafting will not work: fix the failures"
        out.print(ui.literal(f"\n{verdict}"))
    if not generation.doctor_ok(checks):
        settings_failed = any(c.name == "settings" and c.status == "fail" for c in checks)
        raise typer.Exit(2 if settings_failed else 1)


prompts_app = typer.Typer(
    help="The prompt templates drafts are made with.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(prompts_app, name="prompts")


@prompts_app.command("list")
@handled
def prompts_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Templates in effect: shipped ones, and yours from the prompts directory, which win by name."""
    from draftmate.llm import prompts

    templates = sorted(prompts.load_all(_settings().prompts_dir).values(), key=lambda t: t.name)
    if as_json:
        _print_json(
            [
                {
                    **t.ref(),
                    "description": t.description,
                    "variables": list(t.variables),
                    "origin": t.origin,
                    "path": str(t.path),
                }
                for t in templates
            ]
        )
        return
    from draftmate.domain.untrusted_text import one_line

    for t in templates:  # a user's template sets its own name, version and description: escaped before padding
        cells = (one_line(str(c)) for c in (t.name, t.version, t.origin, t.sha256[:12], t.description))
        _echo("{:12} v{:4} {:8} {}  {}".format(*cells))


@prompts_app.command("show")
@handled
def prompts_show(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Template name, see `prompts list`.")],
) -> None:
    """A template's file as it is used."""
    from draftmate.cli import render as ui
    from draftmate.llm import prompts

    template = prompts.load(name, _settings().prompts_dir)
    out = ui.console()
    out.print(ui.literal(f"# {template.path} ({template.origin}, sha256 {template.sha256[:12]})", "dim"))
    out.print(ui.literal(template.path.read_text(encoding="utf-8")), end="")


def main() -> None:
    """Entry point of the `draftmate` command."""
    import os

    # draftmate uses no pydantic plugins; looking for them scans every installed package's metadata on startup
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app()
    except OSError as e:  # outside a command's boundary: typer's own help and usage text
        if isinstance(e, BrokenPipeError) or not stdout_failed(e):
            raise
        output_failed(e)
        raise SystemExit(1) from None
    finally:
        _flush_at_exit()


def _flush_at_exit() -> None:
    """Flush stdout inside the error boundary: what is still buffered fails here, not as 'Exception ignored'."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        from draftmate.cli.render import silence_stdout

        silence_stdout()
        raise SystemExit(141) from None
    except OSError as e:
        output_failed(e)
        raise SystemExit(1) from None
