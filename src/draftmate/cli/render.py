"""Terminal rendering with rich; text from models and files is always shown literally."""

from __future__ import annotations

import functools
import os
import shutil
import sys
from typing import TYPE_CHECKING, Any, TextIO

from draftmate.domain.ids import short_id

# The one escaping of text from outside, wherever it is printed (re-exported: `ui.visible`, `ui.one_line`).
from draftmate.domain.untrusted_text import one_line as one_line
from draftmate.domain.untrusted_text import visible as visible

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from draftmate.domain.views import DraftView
    from draftmate.domain.vocabulary import DraftSummary
    from draftmate.services.calibrate import CalibrationReport

SEVERITY_STYLE = {"blocking": "bold red", "verify": "yellow", "info": "cyan"}
STATUS_STYLE = {"draft": "white", "in_review": "yellow", "final": "green", "rejected": "red", "changes": "magenta"}
CONFIDENCE_STYLE = {"low": "red", "medium": "yellow", "high": "green"}


def literal(text: str, style: str = "") -> Text:
    """Untrusted text as a rich Text: never parsed as markup, control characters made visible."""
    from rich.text import Text

    return Text(visible(text), style=style)


def console(stderr: bool = False) -> Console:
    """A console; markup and auto-highlighting off so nothing in data is interpreted."""
    return _console_class()(stderr=stderr, highlight=False, markup=False, emoji=False)


@functools.cache
def _console_class() -> type[Console]:
    """rich's Console, leaving as SIGPIPE would when its reader has gone (`show ID | head -1`: 141, as `list`)."""
    from rich.console import Console

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            # rich's own exits 1, which says the command failed; the reader simply stopped reading, and the
            # error boundary ends such a command quietly with SIGPIPE's 141
            self.quiet = True
            silence_stream(sys.stderr if self.stderr else sys.stdout)
            raise BrokenPipeError

    return PipeConsole


def load_rendering() -> None:
    """Import what showing a drafted answer and its notes needs (a warm-up step, run while the model answers)."""
    import rich.table  # noqa: F401
    import rich.text  # noqa: F401

    import draftmate.domain.note_text  # noqa: F401

    _console_class()


def render_list(rows: list[DraftSummary], out: TextIO, *, width: int | None = None, color: bool | None = None) -> None:
    """The drafts as aligned columns, newest first; plain text, not rich, because `list` must start fast."""
    if not rows:
        out.write("no drafts yet: import one with `draftmate draft --from-file FILE`\n")
        return
    if color is None:
        color = out.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    if width is None:
        width = shutil.get_terminal_size((100, 24)).columns
    header = ("id", "status", "kind", "conf", "v", "created", "title")
    cells = [
        (
            short_id(r.id),
            r.status.value + ("*" if r.incomplete else ""),
            r.kind.value,
            r.confidence or "-",
            str(r.current_version),
            r.created_at[:16].replace("T", " "),
            one_line(r.title),
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in (header, *cells)) for i in range(len(header) - 1)]
    room = max(12, width - sum(widths) - 2 * len(widths))
    styles = [("bold",) * len(header)]
    styles += [
        ("", STATUS_STYLE.get(r.status.value, ""), "", CONFIDENCE_STYLE.get(r.confidence or "", ""), "", "", "")
        for r in rows
    ]
    for row, row_styles in zip((header, *cells), styles, strict=True):
        parts = [_ansi(cell.ljust(w), style, color) for cell, w, style in zip(row, widths, row_styles, strict=False)]
        parts.append(_ansi(_clip(row[-1], room), row_styles[-1], color))
        out.write("  ".join(parts).rstrip() + "\n")


ANSI_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "magenta": "35", "cyan": "36"}


def _ansi(text: str, style: str, color: bool) -> str:
    """`text` in a style's colours when colour is on; styles other than ANSI_CODES' are left plain."""
    codes = [ANSI_CODES[word] for word in style.split() if word in ANSI_CODES]
    if not color or not codes or not text.strip():
        return text
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def _clip(text: str, room: int) -> str:
    """`text` cut to `room` terminal cells (wide characters count two), with an ellipsis when cut."""
    if sum(_cells(c) for c in text) <= room:
        return text
    kept, used = [], 0
    for c in text:
        if used + _cells(c) > room - 1:
            break
        kept.append(c)
        used += _cells(c)
    return "".join(kept) + "\u2026"


def _cells(char: str) -> int:
    import unicodedata

    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


# What `draft` prints back of a long draft it just stored: a 2 MB import took a minute to lay out in rich, to show
# a reviewer text they already have; `show` and `review` print it all.
SHOWN_AFTER_DRAFTING = (2_000, 10_000)  # lines, characters per line


def render_draft(
    record: DraftView, out: Console, *, content: str | None = None, limit: tuple[int, int] | None = None
) -> None:
    """A draft with its risky lines highlighted and its notes listed under it; `limit` (lines, characters per line)
    shortens a long one, saying what was left out."""
    from rich.rule import Rule

    if not record["versions"]:
        out.print(literal(f"{short_id(record['id'])}  {record['status']}  {record['title']}", "bold"))
        out.print(
            literal(f"no content yet: drafting was cut short; run `draftmate draft --retry {short_id(record['id'])}`")
        )
        return
    version = record["versions"][-1]
    conf = record["confidence"]
    header = literal(f"{short_id(record['id'])}  ", "bold")
    header.append(literal(record["status"], STATUS_STYLE.get(record["status"], "")))
    header.append(
        literal(
            f"  {record['kind']}{('/' + record['lang']) if record['lang'] else ''}"
            f"  v{version['number']} ({version['origin']})  confidence "
        )
    )
    header.append(literal(conf["level"], CONFIDENCE_STYLE.get(conf["level"], "")))
    if conf.get("risk") is not None:
        header.append(literal(f" (risk {conf['risk']:.2f})", "dim"))
    if record["incomplete"]:
        header.append(literal("  INCOMPLETE", "bold red"))
    out.print(header)
    out.print(literal(record["title"], "bold"))
    out.print(Rule(style="dim"))
    current_notes = [n for n in record["notes"] if n["version"] == version["number"] and n["lines"]]
    text = content if content is not None else version["content"]
    out.print(numbered(text, current_notes, limit=limit))
    if limit is not None and text.count("\n") + 1 > limit[0]:
        left = len(text.splitlines()) - limit[0]
        show = f"draftmate show {short_id(record['id'])}"
        out.print(literal(f"… {left:,} more lines not shown: `{show}` prints them all", "dim"))
    out.print(Rule(style="dim"))
    render_notes(record["notes"], out, current=version["number"])


def numbered(
    content: str,
    notes: list[dict[str, Any]],
    start: int = 1,
    limit: tuple[int, int] | None = None,
    *,
    heading: bool = True,
) -> Text:
    """Content with line numbers from `start`; lines a note points at are highlighted, its quote underlined, the
    notes' numbers in a headed column; with `limit` (lines, characters per line), only that much."""
    from rich.text import Text

    lines = content.splitlines() or [""]
    width = len(str(start + len(lines) - 1))
    if limit is not None:
        lines = [
            line if len(line) <= limit[1] else f"{line[: limit[1]]} … ({len(line) - limit[1]:,} more characters)"
            for line in lines[: limit[0]]
        ]
    last = start + len(lines) - 1
    marks: dict[int, list[dict[str, Any]]] = {}
    for n in notes:
        for first, end in note_spans_of(n):  # a repeated fact marks its own lines, not those between them
            for marked in range(max(first, start), min(end, last) + 1):
                marks.setdefault(marked, []).append(n)
    text = Text()
    if marks and heading:
        text.append(f"{'':>{width}} {'note':>4}\n", style="dim")  # the gutter's second column: note numbers
    for number, line in enumerate(lines, start=start):
        hits = marks.get(number, [])
        worst = _worst(hits)
        gutter = ",".join(str(n["number"]) for n in hits)
        text.append(f"{number:>{width}} ", style="dim")
        text.append(f"{gutter:>4} " if gutter else "     ", style=SEVERITY_STYLE.get(worst, "dim"))
        shown = literal(line, "on grey19" if hits else "")
        for n in hits:
            _underline_quote(shown, n.get("quote") or "")
        text.append_text(shown)
        text.append("\n")
    return text


def _underline_quote(shown: Text, quote: str) -> None:
    """Underline a note's quoted words inside a shown line, so the risky span stands out, not just its line."""
    for part in visible(quote).splitlines():
        part = part.strip()
        at = shown.plain.find(part) if part else -1
        if at >= 0:
            shown.stylize("bold underline", at, at + len(part))
            continue
        # A note on several facts of a line quotes them joined by ", ": underline each one found.
        for piece in part.split(", "):
            piece = piece.strip()
            at = shown.plain.find(piece) if len(piece) > 1 else -1
            if at >= 0:
                shown.stylize("bold underline", at, at + len(piece))


def _worst(notes: list[dict[str, Any]]) -> str:
    order = ["blocking", "verify", "info"]
    return next((s for s in order if any(n["severity"] == s for n in notes)), "")


def note_spans_of(note: dict[str, Any]) -> list[tuple[int, int]]:
    """The line ranges a shown note is about (several for a repeated fact)."""
    from draftmate.domain.note_text import note_spans

    given = note.get("spans")
    if given:
        return [(a, b) for a, b in given]
    return note_spans(note.get("lines"), note.get("signals"))


# Under this many columns (and piped, where rich assumes 80) the notes table's eight columns wrap into slivers:
# each note is stacked on two lines instead.
STACKED_BELOW = 100


def render_notes(notes: list[dict[str, Any]], out: Console, *, current: int | None = None) -> None:
    """The notes as a table: number, severity, lines, quote, why, signals, resolution (stacked when narrow).

    With `current` (the version shown), a note made on an earlier version says which its line numbers are of."""
    if not notes:
        out.print(literal("no uncertainty notes", "dim"))
        return
    if current is not None:
        notes = [n if n["version"] == current else {**n, "of_version": n["version"]} for n in notes]
    if out.width < STACKED_BELOW:
        render_notes_stacked(notes, out)
        return
    from rich.table import Table  # only here: with its layout math it is a fifth of `show`'s rich imports

    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    for column in ("#", "severity", "risk", "lines", "quote", "why", "signals", "resolved"):
        table.add_column(column, overflow="fold")
    for n in notes:
        lines = spans_text(n)
        resolved = resolution_text(n)
        resolution = n["resolution"]
        risk = n.get("risk")
        table.add_row(
            str(n["number"]),
            literal(n["severity"], SEVERITY_STYLE.get(n["severity"], "")),
            "-" if risk is None else f"{risk:.2f}",
            lines,
            literal(_clip(n["quote"], 60)),
            literal(n["why"]),
            literal(signal_summary(n["signals"], n["source"])),
            literal(resolved, "dim" if resolution else "bold"),
        )
    out.print(table)


def spans_text(note: dict[str, Any]) -> str:
    """`3-3` as `3`, `3-4`, or `3, 8` for a fact on several lines; `-` for a note on the whole draft."""
    from draftmate.domain.note_text import spans_label

    of = f" of v{note['of_version']}" if note.get("of_version") and note.get("lines") else ""
    return spans_label(note_spans_of(note)) + of


def resolution_text(note: dict[str, Any]) -> str:
    resolution = note["resolution"]
    return "open" if not resolution else f"{resolution['status']} by {resolution['by']}"


def render_notes_stacked(notes: list[dict[str, Any]], out: Console) -> None:
    """Each note on at most two lines: what and where on the first, its quote and why on the second."""
    from rich.cells import cell_len

    from draftmate.domain.note_text import clip_words

    width = out.width
    for n in notes:
        risk = n.get("risk")
        spans = note_spans_of(n)
        where = "whole draft" if not spans else f"line{'s' if len(spans) > 1 or spans[0][0] != spans[0][1] else ''}"
        first = literal(f"{n['number']:>2}  ", "bold")
        first.append(literal(n["severity"], SEVERITY_STYLE.get(n["severity"], "")))
        first.append(literal("" if risk is None else f"  risk {risk:.2f}"))
        first.append(literal(f"  {where} {spans_text(n)}" if spans else f"  {where}"))
        first.append(literal(f"  {resolution_text(n)}", "dim" if n["resolution"] else "bold"))
        first.append(literal(f"  {signal_summary(n['signals'], n['source'])}", "dim"))
        out.print(first, no_wrap=True, overflow="ellipsis", crop=True)
        indent = "    "
        why = " ".join(visible(n["why"]).split())
        quote = " ".join(visible(n["quote"]).split())
        room = width - len(indent) - 1
        if quote:
            # the why is what the reviewer acts on: kept whole where it fits, the quote cut to the room left
            keep = max(12, room - cell_len(why) - 3)
            quote = _clip(quote, keep)
            why = clip_words(why, max(room - cell_len(quote) - 3, 12))
            second = literal(indent) + literal(quote, "underline") + literal(f"   {why}")
        else:
            second = literal(indent + clip_words(why, room))
        out.print(second, no_wrap=True, overflow="ellipsis", crop=True)


def signal_summary(signals: dict[str, Any], source: str) -> str:
    """The signals behind a note in a few words: which check, how sure the model was, what the samples said."""
    parts = []
    for name, detail in sorted(signals.items()):
        if not isinstance(detail, dict):
            parts.append(name)
        elif name == "checks":
            keys = ("grounding", "pattern", "pyflakes", "parse", "import", "how")
            what = next((str(detail[k]) for k in keys if k in detail), "")
            parts.append(f"checks:{what}" if what else "checks")
        elif name == "logprobs" and detail.get("min_p") is not None:
            parts.append(f"logprobs p={float(detail['min_p']):.2f}")
        elif name == "samples" and "of" in detail:
            parts.append(f"samples {detail.get('agree', 0)}/{detail['of']} agree")
        elif name == "self":
            parts.append("self-flagged")
        else:
            parts.append(name)
    return ", ".join(parts) or source


# ---- calibration report (issue 7) ---------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def render_calibration(result: CalibrationReport, out: Console) -> None:
    """The calibration report: metrics, the high-confidence error rate, an alert, the reliability table."""
    from rich.table import Table

    scope = ", ".join(f"{k} {v}" for k, v in result["filters"].items() if v) or "all drafts"
    # Lines kept under 80 columns: the report is often read in a narrow terminal or a CI log.
    out.print(
        literal(
            f"calibration of draft risk ({scope}): "
            f"{result['labelled']} labelled drafts of {result['predictions']} predictions"
        )
    )
    out.print(literal(f"error = rejected, changes requested, or edit distance > {result['edit_threshold']:.2f}"))
    if not result["enough"]:
        out.print(
            literal(
                f"too few labels: the report needs at least {result['min_labels']} reviewed drafts; "
                f"review {result['needed']} more to see it"
            )
        )
        return
    out.print(
        literal(
            f"errors {result['errors']} ({_pct(result['error_rate'])})  AUROC {_num(result['auroc'])}  "
            f"AUPRC {_num(result['auprc'])}  Brier {_num(result['brier'])}  ECE {_num(result['ece'])}"
        )
    )
    high, target = result["high"], result["target_error_rate"]
    interval = high["interval"]  # None exactly when nothing was called high (count 0)
    if high["count"] and interval is not None:
        lo, hi = interval
        out.print(
            literal(
                f"high confidence: {high['errors']} errors in {high['count']} drafts = {_pct(high['rate'])} "
                f"(target {_pct(target)})"
            )
        )
        out.print(literal(f"  95% Wilson interval {_pct(lo)} to {_pct(hi)}"))
    else:
        out.print(literal("high confidence: no labelled draft was called high"))
    if result["alert"] and interval is not None:
        evidence = (
            f"lower bound {_pct(interval[0])} > {_pct(target)}"
            if result.get("alert_basis") == "lower bound"
            else f"{_pct(high['rate'])} in {high['count']} drafts > {_pct(target)}"
        )
        out.print(literal(f"ALERT: high-confidence errors exceed the target: {evidence}", "bold red"))
        out.print(literal("  recalibrate with `draftmate calibration --fit`", "bold red"))
    elif (more := result.get("more_to_show_below")) is not None and interval is not None:
        too_few = f"{high['count']} drafts are too few to show the rate is over or under the target"
        out.print(literal(f"  no alert: {too_few}"))
        out.print(literal(f"  {_more_to_show_below(more, high)}"))
    table = Table(title="reliability, 10 bins of predicted risk", box=None, header_style="bold")
    for column in ("risk bin", "drafts", "errors", "mean risk", "error rate", "gap"):
        table.add_column(column, justify="right")
    for b in result["reliability"]:
        rate, mean = b["error_rate"], b["mean_risk"]
        gap = None if not b["count"] or rate is None or mean is None else rate - mean
        table.add_row(
            f"{b['lo']:.1f}-{b['hi']:.1f}",
            str(b["count"]),
            str(b["errors"]),
            _num(b["mean_risk"]),
            _pct(b["error_rate"]),
            "-" if gap is None else f"{gap:+.3f}",
        )
    out.print(table)
    spans = result["spans"]
    if spans["labelled"]:
        out.print(literal(f"spans: reviewers changed {spans['changed']} of {spans['labelled']} noted spans"))
        out.print(literal(f"  AUROC of note risk for a changed span {_num(spans['auroc'])}"))
    calibrators = ", ".join(f"{k} ({v})" for k, v in sorted(result["calibrators"].items()))
    out.print(literal(f"scored by: {calibrators}"))
    out.print(literal(f"active calibrator: {result['active_calibrator'] or 'built-in thresholds'}"))
    if result.get("stored_calibrators"):
        stored = ", ".join(result["stored_calibrators"])
        out.print(literal(f"stored calibrators: {stored} (switch with --activate VERSION or --reset)"))


def render_fit(fitted: dict[str, Any], out: Console) -> None:
    """What `calibration --fit` stored."""
    th, m = fitted["thresholds"], fitted["metrics"]
    held = m.get("held_out")
    if held:
        out.print(
            literal(
                f"held-out check: {held['method']} fitted on the older {held['train_labels']} labels, "
                f"scored on the newest {held['test_labels']}"
            )
        )
        for name, figures in (("uncalibrated", held["uncalibrated"]), ("calibrated", held["calibrated"])):
            out.print(literal(f"  {name + ':':13} {_figures_line(figures)}"))
    else:
        needed = m["held_out_from"]
        out.print(literal(f"figures are in-sample (on the labels fitted): a held-out check needs {needed} labels"))
        out.print(
            literal(
                f"Brier {_num(m['before']['brier'])} -> {_num(m['after']['brier'])}, "
                f"ECE {_num(m['before']['ece'])} -> {_num(m['after']['ece'])} (in sample)"
            )
        )
    refit = "refit on all" if held else "fitted on"
    out.print(
        literal(f"stored calibrator {fitted['version']} ({fitted['method']}) {refit} {fitted['n_labels']} labels")
    )
    if fitted["nothing_high"]:
        out.print(
            literal(
                f"no range of risk has errors safely under the target {_pct(m['target_error_rate'])}:",
                "bold yellow",
            )
        )
        out.print(literal("  nothing will be called high confidence", "bold yellow"))
    else:
        high = m["high"]
        out.print(
            literal(
                f"high confidence below calibrated risk {th['medium_at']:.3f}: "
                f"{high['errors']} errors in {high['count']} drafts (in sample)"
            )
        )
        out.print(literal(f"  95% upper bound {_pct(high['interval'][1])} < target {_pct(m['target_error_rate'])}"))
    out.print(literal(f"low confidence at calibrated risk {th['low_at']:.3f} and above"))
    out.print(literal(f"new drafts are now scored with {fitted['version']}"))


def _more_to_show_below(more: Any, high: Any) -> str:
    """How many more labelled high-confidence drafts would show the rate under the target, in words."""
    drafts = "over 1,000,000" if more["drafts"] is None else f"{more['drafts']:,}"
    noun = "draft" if more["drafts"] == 1 else "drafts"
    if more["assuming"] == "current rate":
        which = f"{drafts} more labelled high-confidence {noun} at the current rate ({_pct(high['rate'])})"
    else:
        which = f"{drafts} more labelled high-confidence {noun}, none of them wrong,"
    return f"{which} would show it is under the target"


def _figures_line(figures: dict[str, Any]) -> str:
    high = figures["high"]
    return (
        f"AUROC {_num(figures['auroc'])}  Brier {_num(figures['brier'])}  ECE {_num(figures['ece'])}  "
        f"high {high['errors']}/{high['count']} wrong ({_pct(high['rate'])})"
    )


def in_effect_text(effect: dict[str, Any]) -> str:
    """Which calibrator scores new drafts, and its thresholds, in a few words."""
    if effect["calibrator"] is None:
        return f"built-in thresholds (medium at raw risk {effect['medium_at']:.2f}, low at {effect['low_at']:.2f})"
    return (
        f"{effect['calibrator']} ({effect['method']}, {effect['n_labels']} labels; "
        f"medium at calibrated risk {effect['medium_at']:.3f}, low at {effect['low_at']:.3f})"
    )


def render_switch(done: dict[str, Any], out: Console) -> None:
    """What `calibration --reset` or `--activate` left in effect, in one line."""
    effect = in_effect_text(done["in_effect"])
    if "activated" in done:
        line = f"new drafts are scored with {effect}"
    elif done["deactivated"]:
        version = done["deactivated"]
        line = (
            f"reset: new drafts are scored with {effect}; {version} is kept "
            f"(`draftmate calibration --activate {version}` restores it)"
        )
    else:
        line = f"nothing to reset: {effect} already in effect"
    out.print(literal(line), soft_wrap=True)


def silence_stdout() -> None:
    """Point stdout at /dev/null once its reader has gone (`| head`), so later writes and the exit flush are quiet."""
    silence_stream(sys.stdout)


def silence_stream(stream: TextIO) -> None:
    """Point a standard stream's descriptor at /dev/null, so later writes and the exit flush are quiet."""
    try:
        fd = stream.fileno()
    except (AttributeError, ValueError, OSError):  # not a real file (a test's capture): nothing to silence
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def stream_printer(out: TextIO) -> Any:
    """A callback writing model text to the terminal as it arrives, literally (no markup, controls made visible)."""

    def write(chunk: str) -> None:
        out.write(visible(chunk))
        out.flush()

    return write


def render_ideas(ideas: list[dict[str, Any]], out: Console) -> None:
    """Brainstormed ideas as a numbered table, for `draft --idea N`."""
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("#", "idea", "rationale", "risks"):
        table.add_column(column, overflow="fold")
    for idea in ideas:
        table.add_row(
            str(idea["number"]),
            literal(idea["title"], "bold"),
            literal(idea["rationale"]),
            literal("; ".join(idea["risks"]) or "-", "yellow"),
        )
    out.print(table)


CHECK_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}


def render_checks(checks: list[Any], out: Console) -> None:
    """`doctor`'s findings as a table."""
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("check", "status", "detail"):
        table.add_column(column, overflow="fold")
    for check in checks:
        table.add_row(
            literal(check.name), literal(check.status, CHECK_STYLE.get(check.status, "")), literal(check.detail)
        )
    out.print(table)
