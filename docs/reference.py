"""Write the README's command reference from the CLI's own --help, so the two cannot drift apart.

python docs/reference.py          # rewrite the block between the reference markers in README.md
python docs/reference.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
HELP_MODULE = REPO / "src" / "draftmate" / "cli" / "_help.py"
START, END = "<!-- reference:start -->", "<!-- reference:end -->"
WIDTH = "100"


def help_text(args: list[str]) -> str:
    """What `draftmate ARGS --help` prints, at a fixed width."""
    from typer.testing import CliRunner

    from draftmate.cli.app import app

    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": WIDTH, "TERM": "dumb"}, terminal_width=100)
    return result.stdout.rstrip()


def commands() -> list[list[str]]:
    """Every command and subcommand, in the order --help lists them."""
    import typer.main

    from draftmate.cli.app import app

    group = typer.main.get_command(app)
    found: list[list[str]] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        found.append([name])
        for sub in getattr(command, "commands", {}):
            found.append([name, sub])
    return found


def reference() -> str:
    """The command reference as markdown."""
    parts = ["```text\n$ draftmate --help\n" + help_text([]) + "\n```"]
    for args in commands():
        parts.append(f"### `draftmate {' '.join(args)}`\n\n```text\n" + help_text(args) + "\n```")
    return "\n\n".join(parts)


def help_module() -> str:
    """Source of draftmate/cli/_help.py: the top-level help as typer renders it 80 columns wide."""
    from typer.testing import CliRunner

    from draftmate.cli.app import app

    text = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "80", "TERM": "dumb"}).stdout
    assert "\\" not in text and '"""' not in text, "help text needs escaping: extend help_module()"
    return (
        '"""`draftmate --help`, pre-rendered by docs/reference.py so that it needs no typer (see entry.py)."""\n\n'
        f'ROOT_HELP = """\\\n{text}"""\n'
    )


def updated(readme: str) -> str:
    """README text with the reference block regenerated."""
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{reference()}\n{END}{tail}"


def main() -> int:
    os.environ["COLUMNS"] = WIDTH
    text, module = README.read_text(), HELP_MODULE.read_text() if HELP_MODULE.exists() else ""
    new, new_module = updated(text), help_module()
    if "--check" in sys.argv:
        if new != text or new_module != module:
            print("the command reference or _help.py is out of date: run python docs/reference.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new)
    HELP_MODULE.write_text(new_module)
    return 0


if __name__ == "__main__":
    sys.exit(main())
