"""What reviewing real, correct prose without sources costs: notes per 100 lines and the answers a review needs.

    .venv/bin/python bench/review_cost.py [--packages a,b,...] [--holdout c,d,...] [--show N]

The long descriptions (READMEs) of installed distributions are checked as `draftmate draft --from-file` checks them
(no `--context`, no network): notes per 100 lines by kind and severity; the notes needing an answer (all but those a
rule resolved); the answers a review needs when notes of one kind in one section are answered together and blocking
notes one by one. Beside them, in the same run, the text fault injection of bench/uncertainty.py without sources
(recall and precision of the altered facts). `--holdout` reports a second set of packages the checks were not tuned
on; `--show N` prints N notes per package, to read what a reviewer would be asked.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from draftmate.domain.sections import split_sections
from draftmate.uncertainty.assessment import assess
from draftmate.uncertainty.claims import ACRONYM
from draftmate.uncertainty.links import rule_resolution
from draftmate.uncertainty.markup import own_sites, prose_view
from draftmate.uncertainty.spans import SpanNote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import uncertainty  # noqa: E402  (bench/uncertainty.py, a sibling script)
from uncertainty import table, text_injection  # noqa: E402

TUNED = "anyio,h11,httpx,idna,platformdirs,pydantic,requests,rich"  # the eight, checked while tuning
HOLDOUT = "urllib3,packaging,pluggy,websockets,orjson,python-dateutil,sortedcontainers,vcrpy"  # never looked at
LANGS = {"text/markdown": "markdown", "text/x-rst": "rst"}


@dataclass
class Cost:
    """What one set of drafts asks of a reviewer."""

    lines: int = 0
    notes: int = 0
    open_notes: int = 0
    answers: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_severity: Counter[str] = field(default_factory=Counter)
    misplaced: Counter[str] = field(default_factory=Counter)

    def add(self, other: Cost) -> None:
        for name in ("lines", "notes", "open_notes", "answers"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_kind.update(other.by_kind)
        self.by_severity.update(other.by_severity)
        self.misplaced.update(other.misplaced)

    def per100(self, count: int) -> str:
        return f"{100 * count / self.lines:.1f}" if self.lines else "-"


def long_description(name: str) -> tuple[str, str]:
    """A distribution's long description and the language `draft --from-file` would give it."""
    meta = distribution(name).metadata
    text = meta.get_payload() or meta.get("Description") or ""  # type: ignore[attr-defined]
    return str(text), LANGS.get(str(meta.get("Description-Content-Type") or "").split(";")[0].strip(), "")


def answered_by_rule(note: SpanNote) -> bool:
    """A note a rule already resolved (a live link with --check-links): shown, but no answer asked."""
    return bool(rule_resolution(note.signals))


def misplaced(content: str, lang: str, notes: list[SpanNote]) -> Counter[str]:
    """Notes the issue says must not be: on an acronym, on a heading, on a link to the document's own site."""
    view = prose_view(content, lang)
    own = own_sites(view)
    out: Counter[str] = Counter()
    for note in notes:
        if note.kind == "entity" and all(ACRONYM.fullmatch(w.strip(",")) for w in note.quote.split()):
            out["acronym"] += 1
        if note.lines and note.lines[0] in view.headings:
            out["heading"] += 1
        if note.kind == "url" and note.signals.get("checks", {}).get("site") in own:
            out["own site"] += 1
    return out


def cost_of(content: str, lang: str) -> tuple[Cost, list[SpanNote]]:
    """The notes on one draft and what answering them takes."""
    notes = assess(content, kind="text", lang=lang).notes
    sections = split_sections(content, "text", lang)
    cost = Cost(lines=len(content.splitlines()), notes=len(notes), misplaced=misplaced(content, lang, notes))
    groups: set[tuple[str, int]] = set()
    for note in notes:
        cost.by_kind[note.kind] += 1
        cost.by_severity[note.severity] += 1
        if answered_by_rule(note):
            continue
        cost.open_notes += 1
        if note.severity == "blocking" or note.lines is None:
            cost.answers += 1
            continue
        section = next((s.index for s in sections if s.start <= note.lines[0] <= s.end), -1)
        groups.add((note.kind, section))
    cost.answers += len(groups)
    return cost, notes


def run(label: str, names: list[str], show: int) -> Cost:
    """Check each package's long description; print one row each and the total."""
    total = Cost()
    rows = []
    for name in names:
        try:
            content, lang = long_description(name)
        except PackageNotFoundError:
            print(f"    {name}: not installed, left out")
            continue
        cost, notes = cost_of(content, lang)
        total.add(cost)
        rows.append(_row(name, cost))
        for note in notes[:show]:
            where = f"{note.lines[0]}-{note.lines[1]}" if note.lines else "-"
            print(f"    {name} {where} {note.kind} {note.severity}: {note.quote[:70]!r}")
    rows.append(_row("total", total))
    print(f"{label}: long descriptions, no sources, as `draft --from-file` checks them")
    table(["package", "lines", "notes", "notes/100", "to answer/100", "answers"], rows)
    kinds = ", ".join(f"{k} {total.per100(c)}" for k, c in total.by_kind.most_common())
    severities = ", ".join(f"{k} {total.per100(c)}" for k, c in total.by_severity.most_common())
    print(f"    per 100 lines by kind: {kinds or '-'}")
    print(f"    per 100 lines by severity: {severities or '-'}")
    wrong = ", ".join(f"{k} {total.misplaced[k]}" for k in ("acronym", "heading", "own site"))
    print(f"    notes on an acronym, a heading, a link to the document's own site: {wrong}")
    print()
    return total


def _row(name: str, cost: Cost) -> list[str]:
    return [name, str(cost.lines), str(cost.notes), cost.per100(cost.notes), cost.per100(cost.open_notes),
            str(cost.answers)]  # fmt: skip


def _listed_covers(note: SpanNote, line: int, slack: int) -> bool:
    """A note covers a line it lists (`checks.lines`), else one in its range: a grouped note is not credited for
    the lines between its facts."""
    listed = note.signals.get("checks", {}).get("lines") if isinstance(note.signals.get("checks"), dict) else None
    if listed:
        return any(abs(line - n) <= slack for n in listed)
    return note.lines is not None and note.lines[0] - slack <= line <= note.lines[1] + slack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", default=TUNED, help="comma-separated distributions (default: the issue's 8)")
    parser.add_argument("--holdout", default=HOLDOUT, help="distributions not tuned on ('' for none)")
    parser.add_argument("--show", type=int, default=0, help="print this many notes per package")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    run("tuned on", [n for n in args.packages.split(",") if n], args.show)
    if args.holdout:
        run("held out", [n for n in args.holdout.split(",") if n], args.show)
    totals = text_injection(random.Random(args.seed), show=False)
    # Stricter: a note grouping a paragraph's facts counts only on the lines it lists, not on every line between
    ranged = uncertainty._covers
    uncertainty._covers = _listed_covers
    strict = text_injection(random.Random(args.seed), show=False)
    uncertainty._covers = ranged
    print("text fault injection without sources (bench/uncertainty.py, same run): a note on the altered line")
    rows = [totals["pattern-only"].row("pattern-only"), strict["pattern-only"].row("pattern-only, lines listed")]
    rows.append(totals["grounded"].row("grounded, for comparison"))
    table(["checks", "n", "recall", "located", "precision", "notes/100 lines"], rows)
    for miss in totals["pattern-only"].misses[:5]:
        print(f"    missed without sources: {miss}")
    print(f"done in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
