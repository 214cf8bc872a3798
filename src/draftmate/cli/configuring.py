"""`config`, `prompts` and `doctor`: settings, prompt templates, and whether the model endpoint works."""

# No `from __future__ import annotations` here: typer reads every command's annotations on each run, and string
# annotations would be compiled and evaluated one by one (about a third of `draftmate list`'s own time).

from typing import Annotated

import typer

from draftmate.cli.inputs import read_settings
from draftmate.cli.output import echo, print_json

GIT_SOURCE = "git user.name/user.email"
# What an unset setting with no default value means, for `config show`
DEFAULT_MEANS = {
    "reviewer": "default: none found in git either; `review` asks, or `config set reviewer NAME`",
    "editorial_responsibility": "default: the reviewer",
}


def config_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Settings in effect and where each came from; secrets masked."""
    from draftmate.settings.config import resolve

    settings, sources = resolve()
    values = settings.masked()
    if values.get("reviewer") is None:  # what `review` will do: take git's name, else ask
        from draftmate.services.identity import git_identity

        found = git_identity()
        if found:
            values["reviewer"], sources["reviewer"] = found, GIT_SOURCE
    if as_json:
        print_json({k: {"value": v, "source": sources[k]} for k, v in values.items()})
        return
    from draftmate.domain.untrusted_text import one_line
    from draftmate.settings.config import allowed_range

    for key, value in values.items():  # values and sources come from config.toml and the environment: escaped
        bounds = allowed_range(key)
        limit = f"  allowed: {bounds}" if bounds else ""
        shown = "" if value is None else one_line(str(value))
        source = DEFAULT_MEANS.get(key, "default") if sources[key] == "default" and value is None else sources[key]
        echo(f"{key:26} {shown:40} ({one_line(source)}){limit}")


def config_set(
    key: Annotated[str, typer.Argument(metavar="KEY", help="Setting name, see `config show`.")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="New value; '' removes it from config.toml.")],
) -> None:
    """Change a setting in config.toml."""
    from draftmate.settings.config import set_value

    path = set_value(key, value)
    echo(f"set {key} in {path}" if value else f"removed {key} from {path}")


def config_path_command() -> None:
    """Where config.toml and the store live."""
    from draftmate.settings.database import configured_url, mask_url
    from draftmate.settings.paths import config_path, data_dir

    echo(f"config: {config_path()}")
    database = configured_url()
    echo(f"store:  {mask_url(database[0]) if database else data_dir() / 'draftmate.db'}")


def prompts_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Templates in effect: shipped ones, and yours from the prompts directory, which win by name."""
    from draftmate.llm import prompts

    templates = sorted(prompts.load_all(read_settings().prompts_dir).values(), key=lambda t: t.name)
    if as_json:
        print_json(
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
        echo("{:12} v{:4} {:8} {}  {}".format(*cells))


def prompts_show(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Template name, see `prompts list`.")],
) -> None:
    """A template's file as it is used."""
    from draftmate.cli import render as ui
    from draftmate.llm import prompts

    template = prompts.load(name, read_settings().prompts_dir)
    out = ui.console()
    out.print(ui.literal(f"# {template.path} ({template.origin}, sha256 {template.sha256[:12]})", "dim"))
    out.print(ui.literal(template.path.read_text(encoding="utf-8")), end="")


def doctor(
    model: Annotated[str | None, typer.Option("--model", metavar="MODEL", help="Chat model to check.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", metavar="URL", help="OpenAI-compatible endpoint to check.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Check the configured model endpoint end to end; exit 0 only when drafting will work."""
    from draftmate.errors import AlreadyReported, ConfigError, DraftmateError
    from draftmate.services import doctor as diagnosis

    checks = diagnosis.doctor(lambda: read_settings(model=model, base_url=base_url))
    if as_json:
        print_json([{"name": c.name, "status": c.status, "detail": c.detail} for c in checks])
    else:
        from draftmate.cli import render as ui

        out = ui.console()
        ui.render_checks(checks, out)
        verdict = "drafting will work" if diagnosis.doctor_ok(checks) else "drafting will not work: fix the failures"
        out.print(ui.literal(f"\n{verdict}"))
    if not diagnosis.doctor_ok(checks):
        settings_failed = any(c.name == "settings" and c.status == "fail" for c in checks)
        raise AlreadyReported(ConfigError if settings_failed else DraftmateError)
