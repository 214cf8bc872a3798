"""The `draftmate` app: its command table, the one error boundary around every command, and `main`.

The commands themselves live by family: drafting (draft, brainstorm), browsing (list, show), reviewing (note,
review), exporting (export, verify), calibrating (calibration), configuring (config, prompts, doctor).
"""

# No `from __future__ import annotations` here: typer reads the root callback's annotations on each run.
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
import typer.core

# typer 0.28 vendors click; its usage errors are named only here (typer is pinned below 0.29 in pyproject)
from typer._click.exceptions import NoArgsIsHelpError
from typer._click.exceptions import UsageError as CommandLineError

from draftmate import __version__
from draftmate.cli import browsing, calibrating, checking, configuring, drafting, exporting, reviewing, team
from draftmate.cli.output import echo, echo_error, output_failed, stdout_failed

T = TypeVar("T")

# The order --help lists commands in: the flow, then the tools around it.
COMMAND_ORDER = [
    "brainstorm",
    "draft",
    "list",
    "show",
    "note",
    "review",
    "queue",
    "assign",
    "export",
    "verify",
    "check",
    "key",
    "calibration",
    "doctor",
    "config",
    "policy",
    "store",
    "prompts",
]


class DraftmateGroup(typer.core.TyperGroup):
    """The root command: lists commands in the order of the flow, and is the one error boundary around them all."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: COMMAND_ORDER.index(n) if n in COMMAND_ORDER else len(COMMAND_ORDER))

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # the root's own options (`draftmate --bogus`) are parsed before invoke: the same boundary
        return self._within_boundary(super().parse_args, ctx, args)

    def invoke(self, ctx: Any) -> Any:
        # every command and subcommand runs inside this call, so none can leave the boundary out
        return self._within_boundary(super().invoke, ctx)

    @staticmethod
    def _within_boundary(call: Callable[..., T], *args: Any) -> T:
        """`call(*args)`, its expected failures said in one line and ended with their exit code."""
        try:
            return call(*args)
        except (Exception, KeyboardInterrupt) as e:
            code = exit_code_of(e)
            if code is None:
                raise
            raise typer.Exit(code) from None

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except OSError as e:  # outside a command: click's own help and usage text on a full or closed stdout
            if isinstance(e, BrokenPipeError) or not stdout_failed(e):
                raise
            output_failed(e)
            raise SystemExit(1) from None
        finally:
            _flush_at_exit()


def usage_error(error: CommandLineError) -> int:
    """Say a bad command line in one `error:` line that names the help to read, and return its exit code (2)."""
    import re

    from draftmate.errors import UsageError

    message = error.format_message().rstrip(".")
    command = error.ctx.command_path if error.ctx is not None else "draftmate"
    hint = f"see '{command} -h'"
    option = getattr(error, "option_name", "")
    if option and not re.fullmatch(r"--?[A-Za-z][\w-]*", option):  # `-0`, `- x`: a value, not a mistyped flag
        hint += "; to pass a value that starts with '-', put '--' before it"
    echo_error(UsageError(f"{message[:1].lower()}{message[1:]} ({hint})"))
    return UsageError.exit_code


def exit_code_of(error: BaseException) -> int | None:
    """What the boundary does with a failure: say it in one line and return the exit code, or None for a bug,
    whose traceback then shows."""
    from draftmate.errors import DraftmateError

    if isinstance(error, CommandLineError) and not isinstance(error, NoArgsIsHelpError):
        # click's own multi-line usage text would break the one-line `error:` contract (a bare group's help stays)
        return usage_error(error)
    if isinstance(error, typer.Exit | typer.Abort | typer.TyperException):  # typer's own ways out: it says why
        return None
    if isinstance(error, KeyboardInterrupt):
        echo("interrupted; nothing was lost", err=True)
        return 130
    if isinstance(error, BrokenPipeError):  # the reader of stdout left (`| head`): stop quietly, as SIGPIPE would
        from draftmate.cli.render import silence_stdout

        silence_stdout()
        return 141
    if isinstance(error, OSError):  # stdout on a full disk (`> /dev/full`) or a closed descriptor: one line
        if not stdout_failed(error):
            return None
        output_failed(error)
        return 1
    if not isinstance(error, DraftmateError):
        from draftmate.store.sqlite import as_store_error

        failure = as_store_error(error)  # a damaged, full or locked database is expected, not a bug
        if failure is None:
            return None
        error = failure
    echo_error(error)
    return error.exit_code


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


app = typer.Typer(
    cls=DraftmateGroup,
    name="draftmate",
    help="Draft text or code with a model; review every section; export only approved work, with provenance.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion; entry.py hands completion requests to typer
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
config_app = typer.Typer(help="Show and change settings.", no_args_is_help=True, rich_markup_mode=None)
key_app = typer.Typer(
    help="The store's signing key, for `draftmate check`.", no_args_is_help=True, rich_markup_mode=None
)
policy_app = typer.Typer(
    help="The review policy: approvals by confidence level, authors, who accepts risk.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
store_app = typer.Typer(
    help="The store itself: copy it to another database, the roles of a shared one.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
prompts_app = typer.Typer(
    help="The prompt templates drafts are made with.", no_args_is_help=True, rich_markup_mode=None
)


def version_callback(value: bool) -> None:
    """Print the version and stop."""
    if value:
        typer.echo(f"draftmate {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=version_callback, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Draft text or code with a model; review every section; export only approved work, with provenance."""


# The command table. Registration order is the README reference's order; --help follows COMMAND_ORDER.
app.add_typer(config_app, name="config")
app.command()(drafting.draft)
app.command("list")(browsing.list_drafts)
app.command()(browsing.show)
app.command()(reviewing.note)
app.command()(reviewing.review)
app.command()(exporting.verify)
config_app.command("show")(configuring.config_show)
config_app.command("set")(configuring.config_set)
config_app.command("path")(configuring.config_path_command)
app.command()(calibrating.calibration)
app.command()(exporting.export)
app.command()(drafting.brainstorm)
app.command()(configuring.doctor)
app.add_typer(prompts_app, name="prompts")
prompts_app.command("list")(configuring.prompts_list)
prompts_app.command("show")(configuring.prompts_show)
app.command()(checking.check)
app.add_typer(key_app, name="key")
key_app.command("show")(checking.key_show)
key_app.command("rotate")(checking.key_rotate)
app.command()(team.queue)
app.command()(team.assign)
app.add_typer(policy_app, name="policy")
policy_app.command("show")(team.policy_show)
policy_app.command("set")(team.policy_set)
app.add_typer(store_app, name="store")
store_app.command("copy")(team.store_copy)
store_app.command("roles")(team.store_roles)


def main() -> None:
    """Entry point of the `draftmate` command (after entry.py has answered what needs no typer)."""
    import os

    # draftmate uses no pydantic plugins; looking for them scans every installed package's metadata on startup
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app()
