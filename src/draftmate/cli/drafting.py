"""`draft` and `brainstorm`: the commands that make drafts, with a model or from a file."""

# No `from __future__ import annotations` here: typer reads every command's annotations on each run, and string
# annotations would be compiled and evaluated one by one (about a third of `draftmate list`'s own time).

import sys
from typing import Annotated, Any

import typer

from draftmate.cli.inputs import open_store, read_settings
from draftmate.cli.output import echo, print_json
from draftmate.domain.ids import short_id


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
    check_links: Annotated[
        bool | None, typer.Option("--check-links", help="Fetch each link of a text draft (else config check_links).")
    ] = None,
    check_claims: Annotated[
        bool,
        typer.Option(
            "--check-claims", help="With --from-file and --context: the model checks each sentence against them."
        ),
    ] = False,
) -> None:
    """Draft with the model, or import an existing draft with --from-file, for review."""
    from draftmate.domain.records import Kind
    from draftmate.errors import UsageError
    from draftmate.fileio import read_input
    from draftmate.services.drafts import draft_record, import_draft, import_version

    if kind is not None and kind not in ("text", "code"):
        raise UsageError(f"--kind {kind!r}: use text or code")
    if check_claims and from_file is None:
        raise UsageError("--check-claims goes with --from-file FILE: a model draft with --context is always checked")
    if check_claims and not context:
        raise UsageError("--check-claims checks sentences against sources: give at least one --context FILE")
    checker = _claim_checker(model, base_url) if check_claims else None
    # read (and checked) for an import too: a bad value of a setting it uses, `check_links` say, is an error, not
    # a check silently left off
    settings = read_settings(model=model, base_url=base_url, check_links=check_links)
    if from_file is None:
        _warm_up(settings, checks=True, rendering=not as_json)
    # who imports or asks for a draft (or its retry) is its author, for a review policy (`author_may_approve_alone`)
    author = _author(settings)
    sources = [(name, read_input(name)[0]) for name in context or []]
    store = open_store()
    _require_author(store, author)
    if from_file is None:
        if version_of is not None:
            raise UsageError("--version-of goes with --from-file FILE")
        _draft_with_model(store, spec, kind, lang, sources, idea, samples, retry, settings, as_json, author)
        return
    if version_of is not None:
        if kind or lang:
            raise UsageError("--version-of keeps the draft's kind and language; drop --kind/--lang")
        created = import_version(
            store,
            store.resolve_id(version_of),
            from_file,
            author=author,
            context=sources,
            check_links=settings.check_links,
            check_claims=checker and checker(sources),
        )
    else:
        created = import_draft(
            store,
            from_file,
            kind=Kind(kind) if kind else None,
            lang=lang,
            author=author,
            context=sources,
            check_links=settings.check_links,
            check_claims=checker and checker(sources),
        )
    record = draft_record(store, created.id)
    if as_json:
        print_json(record)
        return
    from draftmate.cli import render as ui

    out = ui.console()
    ui.render_draft(record, out, limit=ui.SHOWN_AFTER_DRAFTING)
    out.print(
        ui.literal(f"\nstored draft {short_id(created.id)}; review it with: draftmate review {short_id(created.id)}")
    )


def _author(settings: Any) -> str:
    """The name of whoever runs `draft`, as a review would name them (config, DRAFTMATE_REVIEWER, git); "" if none."""
    from draftmate.cli.reviewing import own_name

    fix = "fix it with `git config --global user.name NAME`, or set your name with `draftmate config set reviewer NAME`"
    return own_name(settings, fix) or ""


def _require_author(store: Any, author: str) -> None:
    """Refuse a draft whose author has no name where the review policy forbids the author to approve alone."""
    # unnamed, anyone's approval would count, the author's under any name; on PostgreSQL the database role names them
    from draftmate.domain.policy import ReviewPolicy
    from draftmate.domain.vocabulary import Origin
    from draftmate.errors import UsageError

    # the audit log records a version's origin ('model', 'imported', 'human') where no person is named: as a name,
    # such a word names no author
    origin = author in {o.value for o in Origin}
    if author and not origin or store.db_role is not None:
        return
    if ReviewPolicy.from_dict(store.review_policy()).author_may_approve_alone:
        return
    why = f"'{author}' names no person" if origin else "no name says who is drafting"
    raise UsageError(
        f"the review policy says a draft's author may not approve it alone, and {why}: set yours with "
        "`draftmate config set reviewer NAME` (or git's user.name), then run this again"
    )


def _claim_checker(model: str | None, base_url: str | None) -> Any:
    """For `--check-claims`: the check of a text against given sources; no endpoint fails before anything is read."""
    from draftmate.llm.chat import require_endpoint
    from draftmate.services.claims import check_for_import

    settings = read_settings(model=model, base_url=base_url)
    require_endpoint(settings)

    def for_sources(sources: list[tuple[str, str]]) -> Any:
        def check(content: str) -> Any:
            claims, errors = check_for_import(settings, content, sources)
            for problem in errors.values():
                echo(f"warning: claim check unavailable: {problem}; the draft is stored without it", err=True)
            return claims

        return check

    return for_sources


# ---- drafting with a model ---------------------------------------------------------------------------------


def _warm_up(settings: Any, *, checks: bool, rendering: bool) -> None:
    """Start importing the model stack in the background when a model will be asked, and after it what checks
    (`checks`) and shows (`rendering`) the answer."""
    if settings.has_endpoint():
        from draftmate.services import model_calls

        then = [model_calls.load_checks] if checks else []
        if rendering:
            from draftmate.cli.render import load_rendering

            then.append(load_rendering)
        model_calls.warm_up(settings, then)


def _draft_with_model(
    store: Any,
    spec: str | None,
    kind: str | None,
    lang: str | None,
    sources: list[tuple[str, str]],
    idea: str | None,
    samples: int | None,
    retry: str | None,
    settings: Any,
    as_json: bool,
    author: str,
) -> None:
    """The model path of `draft`: stream, store, show the notes; a failure keeps the request for --retry."""
    from draftmate.cli import render as ui
    from draftmate.domain.records import Kind
    from draftmate.errors import Interrupted, ModelError, UsageError
    from draftmate.fileio import read_input
    from draftmate.services import generate as generation
    from draftmate.services.drafts import draft_record

    # rich is loaded by the warm-up once the first token has come: before, it would only slow the model stack's import
    printer = None if as_json else ui.stream_printer(sys.stdout)
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

    def on_retry(message: str) -> None:
        if printer is not None and arrived and not "".join(arrived).endswith("\n"):
            on_chunk("\n")  # the new answer starts on a line of its own
        arrived.clear()
        echo(f"warning: {message}", err=True)

    if retry is not None:
        if spec or idea or sources or kind or lang:
            raise UsageError(
                "--retry runs the stored request again; give it no SPEC, --idea, --context, --kind or --lang"
            )
        outcome = generation.retry(
            store,
            settings,
            store.resolve_id(retry),
            on_chunk=on_chunk,
            samples=samples,
            on_retry=on_retry,
            requested_by=author,
        )
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
            on_retry=on_retry,
            requested_by=author,
        )
    if printer is not None and arrived and not "".join(arrived).endswith("\n"):
        sys.stdout.write("\n")
    short = short_id(outcome.draft.id)
    if reader_left:
        echo(f"note: the output was closed early; the draft is stored whole: draftmate show {short}", err=True)
    if output_error is not None:
        from draftmate.errors import DraftmateError

        reason = output_error.strerror or str(output_error)
        raise DraftmateError(f"cannot write to standard output ({reason}); the draft is stored: draftmate show {short}")
    for warning in outcome.warnings:
        echo(f"warning: {ui.visible(warning)}", err=True)
    if outcome.error:
        raise ModelError(
            f"{outcome.error}; the request is kept as draft {short} (incomplete): run `draftmate draft --retry {short}`"
        )
    if outcome.reply.interrupted:
        raise Interrupted(f"kept what had arrived as incomplete draft {short}; run `draftmate draft --retry {short}`")
    record = draft_record(store, outcome.draft.id)
    if record["incomplete"] and outcome.reply.finish_reason is None:
        # The stream ended early without an error (a truncation): a fault of the endpoint, not a finished draft.
        raise ModelError(
            f"the model's stream ended before it finished (no finish reason); kept what arrived as incomplete "
            f"draft {short}: run `draftmate draft --retry {short}`"
        )
    if record["incomplete"]:
        finish = outcome.reply.finish_reason or "missing"
        echo(
            f"warning: the model did not finish (finish reason: {finish}); draft {short} is stored as incomplete: "
            f"run `draftmate draft --retry {short}`",
            err=True,
        )
    if as_json:
        print_json(record)
        return
    out = ui.console()
    ui.render_notes([n for n in record["notes"] if n["version"] == record["current_version"]], out)
    state = "INCOMPLETE draft" if record["incomplete"] else "draft"
    level = record["confidence"]["level"]
    out.print(ui.literal(f"\nstored {state} {short} (confidence {level}); review it with: draftmate review {short}"))


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
    from draftmate.fileio import read_input
    from draftmate.services import brainstorm as brainstorming

    settings = read_settings(model=model, base_url=base_url)
    _warm_up(settings, checks=False, rendering=not as_json)
    sources = [(name, read_input(name)[0]) for name in context or []]
    result = brainstorming.brainstorm(open_store(), settings, topic, n=n, context=sources)
    for problem in result.skipped:
        echo(f"warning: a brainstorm request gave nothing usable: {ui.visible(problem)}", err=True)
    if as_json:
        print_json(
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
