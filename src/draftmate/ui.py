"""Terminal rendering with rich; text from models and files is always shown literally."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from draftmate.models import DraftSummary

# C0 and C1 control characters except tab and newline; ESC, BEL and CSI are how terminals get hijacked.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CONTROL_NAMES = {"\x1b": "\\x1b", "\x07": "\\x07", "\x08": "\\x08", "\r": "\\r", "\x7f": "\\x7f"}
SEVERITY_STYLE = {"blocking": "bold red", "verify": "yellow", "info": "cyan"}
STATUS_STYLE = {"draft": "white", "in_review": "yellow", "final": "green", "rejected": "red", "changes": "magenta"}
CONFIDENCE_STYLE = {"low": "red", "medium": "yellow", "high": "green"}


def visible(text: str) -> str:
    """`text` with control characters replaced by visible escapes, so none reaches the terminal."""
    return CONTROL.sub(lambda m: CONTROL_NAMES.get(m.group(0), f"\\x{ord(m.group(0)):02x}"), text)


def literal(text: str, style: str = "") -> Text:
    """Untrusted text as a rich Text: never parsed as markup, control characters made visible."""
    from rich.text import Text

    return Text(visible(text), style=style)


def console(stderr: bool = False) -> Console:
    """A console; markup and auto-highlighting off so nothing in data is interpreted."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, markup=False, emoji=False)


def short(draft_id: str) -> str:
    """The 8 digits people type."""
    return draft_id[:8]


def render_list(rows: list[DraftSummary], out: Console) -> None:
    """The drafts as a table, newest first."""
    from rich.table import Table

    if not rows:
        out.print("no drafts yet: import one with `draftmate draft --from-file FILE`")
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("id", "status", "kind", "conf", "v", "created", "title"):
        table.add_column(column)
    for r in rows:
        status = r.status.value + ("*" if r.incomplete else "")
        table.add_row(
            short(r.id),
            literal(status, STATUS_STYLE.get(r.status.value, "")),
            r.kind.value,
            literal(r.confidence or "-", CONFIDENCE_STYLE.get(r.confidence or "", "")),
            str(r.current_version),
            r.created_at[:16].replace("T", " "),
            literal(r.title),
        )
    out.print(table)


def render_draft(record: dict[str, Any], out: Console, *, content: str | None = None) -> None:
    """A draft with its risky lines highlighted and its notes listed under it."""
    from rich.rule import Rule

    version = record["versions"][-1]
    conf = record["confidence"]
    header = literal(f"{short(record['id'])}  ", "bold")
    header.append(literal(record["status"], STATUS_STYLE.get(record["status"], "")))
    header.append(
        literal(
            f"  {record['kind']}{('/' + record['lang']) if record['lang'] else ''}"
            f"  v{version['number']} ({version['origin']})  confidence "
        )
    )
    header.append(literal(conf["level"], CONFIDENCE_STYLE.get(conf["level"], "")))
    if record["incomplete"]:
        header.append(literal("  INCOMPLETE", "bold red"))
    out.print(header)
    out.print(literal(record["title"], "bold"))
    out.print(Rule(style="dim"))
    current_notes = [n for n in record["notes"] if n["version"] == version["number"] and n["lines"]]
    out.print(numbered(content if content is not None else version["content"], current_notes))
    out.print(Rule(style="dim"))
    render_notes(record["notes"], out)


def numbered(content: str, notes: list[dict[str, Any]]) -> Text:
    """Content with line numbers; lines a note points at are highlighted with the note's number."""
    from rich.text import Text

    marks: dict[int, list[dict[str, Any]]] = {}
    for n in notes:
        for marked in range(n["lines"][0], n["lines"][1] + 1):
            marks.setdefault(marked, []).append(n)
    lines = content.splitlines() or [""]
    width = len(str(len(lines)))
    text = Text()
    for number, line in enumerate(lines, start=1):
        hits = marks.get(number, [])
        worst = _worst(hits)
        gutter = ",".join(str(n["number"]) for n in hits)
        text.append(f"{number:>{width}} ", style="dim")
        text.append(f"{gutter:>4} " if gutter else "     ", style=SEVERITY_STYLE.get(worst, "dim"))
        text.append_text(literal(line, "on grey19" if hits else ""))
        text.append("\n")
    return text


def _worst(notes: list[dict[str, Any]]) -> str:
    order = ["blocking", "verify", "info"]
    return next((s for s in order if any(n["severity"] == s for n in notes)), "")


def render_notes(notes: list[dict[str, Any]], out: Console) -> None:
    """The notes as a table: number, severity, lines, quote, why, signals, resolution."""
    from rich.table import Table

    if not notes:
        out.print(literal("no uncertainty notes", "dim"))
        return
    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    for column in ("#", "severity", "lines", "quote", "why", "signals", "resolved"):
        table.add_column(column, overflow="fold")
    for n in notes:
        lines = "-" if not n["lines"] else f"{n['lines'][0]}-{n['lines'][1]}"
        signals = ", ".join(sorted(n["signals"])) or n["source"]
        resolution = n["resolution"]
        resolved = "open" if not resolution else f"{resolution['status']} by {resolution['by']}"
        table.add_row(
            str(n["number"]),
            literal(n["severity"], SEVERITY_STYLE.get(n["severity"], "")),
            lines,
            literal(n["quote"][:60]),
            literal(n["why"]),
            literal(signals),
            literal(resolved, "dim" if resolution else "bold"),
        )
    out.print(table)
