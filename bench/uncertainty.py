"""How well the uncertainty signals find what is wrong, offline.

    .venv/bin/python bench/uncertainty.py [--halueval-dir DIR] [--summaries N] [--seed S]

(a) Fault injection: faults are injected into the clean code snippets and source-faithful paragraphs under
    bench/data/. Per class: recall (a note of the right kind on the injected line), precision (of the notes of that
    kind, the share on an injected line) and notes per 100 lines, with the pattern-only run (no sources) beside the
    grounded one for text.
(b) HaluEval QA (vendored subset) and, with --halueval-dir, summarization: AUROC and AUPRC of the draft-level risk
    with hallucinated as positive, within answer-length bands and on length-matched pairs, beside the length-only
    score and the best single signal (c), all measured in this run.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from draftmate.uncertainty.assessment import assess
from draftmate.uncertainty.text_checks import facts

DATA = Path(__file__).resolve().parent / "data"
GROUNDING = ("contradiction", "unsupported")
Injected = tuple[str, int, str]  # (new content, injected line, what was done)


# ---- metrics ---------------------------------------------------------------------------------------------------


def auroc(scores: list[float], labels: list[int]) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties counted half); None without both classes."""
    pos = sum(labels)
    neg = len(labels) - pos
    if not pos or not neg:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def auprc(scores: list[float], labels: list[int]) -> float | None:
    """Average precision with tied scores taken as one threshold; None without positives."""
    pos = sum(labels)
    if not pos or pos == len(labels):
        return None
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    tp = fp = 0
    ap = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        group_tp = sum(y for _, y in pairs[i:j])
        tp += group_tp
        fp += (j - i) - group_tp
        ap += group_tp / pos * tp / (tp + fp)
        i = j
    return ap


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


# ---- code faults -----------------------------------------------------------------------------------------------

FAKE_PARTS = (
    ["fast", "py", "easy", "auto", "smart", "quick", "super", "hyper", "deep", "open"],
    ["json", "http", "csv", "config", "retry", "cache", "log", "hash", "zip", "sched"],
    ["x", "kit", "lib", "utils", "plus", "tools", "lite", "pro", "ng", "io"],
)


def fake_name(rng: random.Random) -> str:
    """A plausible package name that resolves nowhere here."""
    while True:
        a, b, c = (rng.choice(p) for p in FAKE_PARTS)
        name = rng.choice([f"{a}{b}{c}", f"{a}_{b}", f"{b}{c}", f"{a}{b}_{c}"])
        if name not in sys.stdlib_module_names and importlib.util.find_spec(name) is None:
            return name


def inject_fake_import(code: str, rng: random.Random) -> Injected | None:
    tree = ast.parse(code)
    last = max((n.end_lineno or n.lineno for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)), default=0)
    name = fake_name(rng)
    line = rng.choice(
        [
            f"import {name}",
            f"from {name} import helpers",
            f"import {name} as {name[:2]}",
            f"from {name}.core import run",
        ]
    )
    lines = code.split("\n")
    lines.insert(last, line)
    return "\n".join(lines), last + 1, line


def _typo(name: str, rng: random.Random, taken: set[str]) -> str | None:
    options = []
    if len(name) > 3:
        i = rng.randrange(1, len(name) - 1)
        options.append(name[:i] + name[i + 1 :])
        options.append(name[:i] + name[i + 1] + name[i] + name[i + 2 :])
    options += [name + "s", name + "_", name[:-1] if len(name) > 4 else name + "x"]
    rng.shuffle(options)
    builtins = set(dir(__builtins__)) if not isinstance(__builtins__, dict) else set(__builtins__)
    for o in options:
        if o.isidentifier() and o != name and o not in taken and o not in builtins:
            return o
    return None


def inject_undefined(code: str, rng: random.Random) -> Injected | None:
    tree = ast.parse(code)
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)
    }
    taken |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    candidates = []
    for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        local = {a.arg for a in ast.walk(func.args) if isinstance(a, ast.arg)} | {
            n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        for n in ast.walk(func):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in local and n.lineno > func.lineno:
                candidates.append(n)
    if not candidates:
        return None
    node = rng.choice(candidates)
    typo = _typo(node.id, rng, taken)
    if typo is None:
        return None
    lines = code.split("\n")
    row = lines[node.lineno - 1]
    lines[node.lineno - 1] = row[: node.col_offset] + typo + row[node.end_col_offset or node.col_offset :]
    return "\n".join(lines), node.lineno, f"{node.id} -> {typo}"


def _owner(node: ast.expr, aliases: dict[str, str]) -> Any | None:
    """The stdlib object an attribute's value evaluates to statically, or None."""
    if isinstance(node, ast.Name):
        if node.id not in aliases:
            return None
        return importlib.import_module(aliases[node.id])
    if isinstance(node, ast.Attribute):
        owner = _owner(node.value, aliases)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def inject_attribute(code: str, rng: random.Random) -> Injected | None:
    tree = ast.parse(code)
    aliases: dict[str, str] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
    candidates = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and n.lineno == n.end_lineno:
            owner = _owner(n.value, aliases)
            if owner is not None and isinstance(owner, type(sys) | type):
                candidates.append((n, owner))
    if not candidates:
        return None
    node, owner = rng.choice(candidates)
    attr = node.attr
    options = [attr + "s", attr + "_all", "get_" + attr, attr + "_safe", "fast_" + attr, attr.replace("_", "")]
    rng.shuffle(options)
    new = next((o for o in options if o != attr and o.isidentifier() and not hasattr(owner, o)), None)
    if new is None:
        return None
    lines = code.split("\n")
    row = lines[node.lineno - 1]
    end = node.end_col_offset or 0
    lines[node.lineno - 1] = row[: end - len(attr)] + new + row[end:]
    return "\n".join(lines), node.lineno, f".{attr} -> .{new}"


def inject_syntax(code: str, rng: random.Random) -> Injected | None:
    lines = code.split("\n")
    options: list[tuple[int, str]] = []
    for i, row in enumerate(lines):
        stripped = row.rstrip()
        if stripped.endswith(":") and not stripped.lstrip().startswith("#"):
            options.append((i, stripped[:-1]))
        if stripped.endswith(")") and stripped.count("(") == stripped.count(")"):
            options.append((i, stripped[:-1]))
        if '"' in stripped and stripped.count('"') % 2 == 0:
            at = stripped.rfind('"')
            options.append((i, stripped[:at] + stripped[at + 1 :]))
    rng.shuffle(options)
    for i, new in options:
        mutated = lines[:i] + [new] + lines[i + 1 :]
        text = "\n".join(mutated)
        try:
            ast.parse(text)
        except SyntaxError:
            return text, i + 1, f"line {i + 1}: {lines[i].strip()[:30]!r} broken"
    return None


CODE_CLASSES: dict[str, tuple[Callable[[str, random.Random], Injected | None], str, int]] = {
    # class: (injector, the note kind that catches it, how far from the injected line a note may sit)
    "fake-import": (inject_fake_import, "unknown-import", 0),
    "undefined-name": (inject_undefined, "undefined-name", 0),
    "missing-attribute": (inject_attribute, "missing-attribute", 0),
    "syntax-error": (inject_syntax, "syntax-error", 2),
}


# ---- text faults -----------------------------------------------------------------------------------------------

SURNAMES = ["Hargreaves", "Okonkwo", "Delacroix", "Whitfield", "Moreau", "Castellan", "Brandt", "Ionescu", "Lindgren"]
MONTHS = "January February March April May June July August September October November December".split()
YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")


def _new_number(text: str, rng: random.Random, source_numbers: set[str]) -> str | None:
    m = re.search(r"\d+(?:,\d{3})*(?:\.\d+)?", text)
    if not m:
        return None
    raw = m.group(0)
    value = float(raw.replace(",", ""))
    for _ in range(20):
        factor = rng.choice([0.7, 0.75, 0.8, 0.9, 1.1, 1.2, 1.25, 1.5])
        if "." in raw:
            decimals = len(raw.split(".")[1])
            new = f"{value * factor:.{decimals}f}"
        else:
            new_int = round(value * factor)
            new = f"{new_int:,}" if "," in raw else str(new_int)
        norm = new.replace(",", "")
        if new != raw and norm not in source_numbers and norm.rstrip("0").rstrip(".") not in source_numbers:
            return text[: m.start()] + new + text[m.end() :]
    return None


def _new_date(text: str, rng: random.Random, source: str) -> str | None:
    month = next((mo for mo in MONTHS if mo in text), None)
    if month and rng.random() < 0.5:
        others = [mo for mo in MONTHS if mo != month and mo not in source]
        return text.replace(month, rng.choice(others), 1) if others else None
    m = YEAR.search(text)
    if not m:
        return None
    for _ in range(10):
        year = int(m.group(0)) + rng.choice([-3, -2, -1, 1, 2, 3])
        if str(year) not in source:
            return text[: m.start()] + str(year) + text[m.end() :]
    return None


def _new_name(text: str, rng: random.Random, source: str) -> str | None:
    words = text.split()
    last = words[-1].rstrip(".,;:'\u2019s")
    if len(last) < 3 or not last[0].isupper():
        return None
    pool = [s for s in SURNAMES if s not in source]
    return text.replace(last, rng.choice(pool), 1)


def _new_citation(text: str, rng: random.Random, source: str) -> str | None:
    if rng.random() < 0.5:
        return _new_date(text.replace("(", "( ", 0), rng, source)
    m = re.search(r"[A-Z][A-Za-z'-]+", text)
    if not m:
        return None
    pool = [s for s in SURNAMES if s not in source]
    return text[: m.start()] + rng.choice(pool) + text[m.end() :]


def text_candidates(draft: str) -> dict[str, list[Any]]:
    """Fact spans of a draft by the class of fault that can be injected there."""
    by: dict[str, list[Any]] = defaultdict(list)
    for f in facts(draft):
        if f.kind == "citation":
            by["citation"].append(f)
        elif f.kind == "date" or (f.kind == "number" and YEAR.fullmatch(f.text)):
            by["date"].append(f)
        elif f.kind == "number":
            by["number"].append(f)
        elif f.kind == "entity" and len(f.text.split()) >= 2:
            by["name"].append(f)
    return by


def inject_text(draft: str, source: str, cls: str, fact: Any, rng: random.Random) -> Injected | None:
    from draftmate.uncertainty.spans import numbers_in

    alter = {
        "number": lambda t: _new_number(t, rng, numbers_in(source)),
        "date": lambda t: _new_date(t, rng, source),
        "name": lambda t: _new_name(t, rng, source),
        "citation": lambda t: _new_citation(t, rng, source),
    }[cls]
    new = alter(fact.text)
    if not new or new == fact.text:
        return None
    lines = draft.split("\n")
    row = lines[fact.line - 1]
    lines[fact.line - 1] = row[: fact.start] + new + row[fact.end :]
    return "\n".join(lines), fact.line, f"{fact.text!r} -> {new!r}"


# ---- part (a) --------------------------------------------------------------------------------------------------


class Tally:
    """Counts behind one row of the fault-injection table."""

    def __init__(self, clean: bool = False) -> None:
        self.clean = clean  # no fault injected: only the notes per 100 lines mean anything
        self.n = self.caught = self.located = self.tp_notes = self.class_notes = self.notes = self.lines = 0
        self.misses: list[str] = []

    def row(self, name: str) -> list[str]:
        recall = self.caught / self.n if self.n and not self.clean else None
        located = self.located / self.n if self.n and not self.clean else None
        precision = self.tp_notes / self.class_notes if self.class_notes else None
        per100 = 100 * self.notes / self.lines if self.lines else None
        return [name, str(self.n), fmt(recall), fmt(located), fmt(precision), fmt(per100, 1)]


def _covers(note: Any, line: int, slack: int) -> bool:
    return note.lines is not None and note.lines[0] - slack <= line <= note.lines[1] + slack


def part_a(rng: random.Random, per_site: int) -> None:
    code_injection(rng, per_site)
    text_injection(rng)


def code_injection(rng: random.Random, per_site: int) -> None:
    """Part (a) for code: recall and precision of each fault class (bench/code_precision.py runs it too)."""
    snippets = {p.name: p.read_text() for p in sorted((DATA / "code").glob("*.py"))}
    tallies: dict[str, Tally] = {}
    clean = Tally(clean=True)
    for code in snippets.values():
        a = assess(code, kind="code", lang="python")
        clean.n += 1
        clean.notes += len(a.notes)
        clean.lines += len(code.splitlines())
    for cls, (injector, kind, slack) in CODE_CLASSES.items():
        t = tallies[cls] = Tally()
        for name, code in snippets.items():
            made: set[str] = set()
            for _ in range(per_site * 3):
                if len(made) >= per_site:
                    break
                got = injector(code, rng)
                if got is None or got[0] in made:
                    continue
                made.add(got[0])
                content, line, what = got
                notes = assess(content, kind="code", lang="python").notes
                mine = [n for n in notes if n.kind == kind]
                hit = any(_covers(n, line, slack) for n in mine)
                t.n += 1
                t.caught += bool(mine) if cls == "syntax-error" else hit
                t.located += hit
                t.tp_notes += sum(_covers(n, line, slack) for n in mine)
                t.class_notes += len(mine)
                t.notes += len(notes)
                t.lines += len(content.splitlines())
                if not hit:
                    t.misses.append(f"{name}: {what}")
    print("(a) fault injection: code (Python), deterministic checks")
    print("    recall = a note of the class's kind on the injected line (syntax: anywhere; located: within 2 lines)")
    rows = [tallies[c].row(c) for c in CODE_CLASSES]
    total = Tally()
    for t in tallies.values():
        for k in ("n", "caught", "located", "tp_notes", "class_notes", "notes", "lines"):
            setattr(total, k, getattr(total, k) + getattr(t, k))
    rows += [total.row("overall"), clean.row("clean snippets (no fault)")]
    table(["class", "n", "recall", "located", "precision", "notes/100 lines"], rows)
    for cls, t in tallies.items():
        for miss in t.misses[:3]:
            print(f"    missed {cls}: {miss}")
    print()


def text_injection(rng: random.Random, show: bool = True) -> dict[str, Tally]:
    """Part (a) for text: facts altered against their source; the overall tallies, printed unless `show` is False."""
    pairs = json.loads((DATA / "text" / "pairs.json").read_text())
    grounded: dict[str, Tally] = {}
    pattern: dict[str, Tally] = {}
    clean_g, clean_p = Tally(clean=True), Tally(clean=True)
    for pair in pairs:
        draft, source = pair["draft"], pair["source"]
        for tally, ctx in ((clean_g, [("source", source)]), (clean_p, None)):
            notes = assess(draft, kind="text", context=ctx).notes
            tally.n += 1
            tally.notes += len(notes)
            tally.class_notes += sum(n.kind in GROUNDING for n in notes)
            tally.lines += len(draft.splitlines())
        made: set[str] = set()
        for cls, sites in text_candidates(draft).items():
            # Citations are few: try each three times (year or author, as the coin falls), keeping distinct ones.
            for fact in [f for f in sites for _ in range(3 if cls == "citation" else 1)]:
                got = inject_text(draft, source, cls, fact, rng)
                if got is None or got[0] in made:
                    continue
                made.add(got[0])
                content, line, what = got
                for store, ctx in ((grounded, [("source", source)]), (pattern, None)):
                    t = store.setdefault(cls, Tally())
                    notes = assess(content, kind="text", context=ctx).notes
                    mine = [n for n in notes if n.kind in GROUNDING] if ctx else notes
                    hit = any(_covers(n, line, 0) for n in mine)
                    t.n += 1
                    t.caught += hit
                    t.located += hit
                    t.tp_notes += sum(_covers(n, line, 0) for n in mine)
                    t.class_notes += len(mine)
                    t.notes += len(notes)
                    t.lines += len(content.splitlines())
                    if not hit:
                        t.misses.append(f"{pair['name']}: {what}")
    totals = {"grounded": Tally(), "pattern-only": Tally()}
    for label, store in (("grounded", grounded), ("pattern-only", pattern)):
        for t in store.values():
            for k in ("n", "caught", "located", "tp_notes", "class_notes", "notes", "lines"):
                setattr(totals[label], k, getattr(totals[label], k) + getattr(t, k))
            totals[label].misses += t.misses
    if not show:
        return totals
    print("(a) fault injection: text altered against its source")
    print("    grounded = with the source as --context: recall = a contradiction/unsupported note on the altered line")
    print("    pattern-only baseline = no source: any verify note on the altered line counts as caught")
    rows = []
    for cls in ("number", "date", "name", "citation"):
        if cls in grounded:
            rows.append(grounded[cls].row(f"{cls} (grounded)"))
            rows.append(pattern[cls].row(f"{cls} (pattern-only)"))
    rows += [totals[label].row(f"overall ({label})") for label in totals]
    rows.append(clean_g.row("clean drafts (grounded)"))
    rows.append(clean_p.row("clean drafts (pattern-only)"))
    table(["class", "n", "recall", "located", "precision", "notes/100 lines"], rows)
    for cls, t in grounded.items():
        for miss in t.misses[:3]:
            print(f"    missed {cls}: {miss}")
    print()
    return totals


# ---- part (b) --------------------------------------------------------------------------------------------------

SIGNALS: dict[str, Callable[[dict[str, Any]], float]] = {
    # single signals, each oriented so that higher means more likely hallucinated
    "unsupported facts": lambda f: float(f.get("grounding.unsupported_facts") or 0),
    "unsupported share": lambda f: float(f.get("grounding.unsupported_share") or 0),
    "1 - min coverage": lambda f: 1.0 - float(f.get("grounding.min_coverage", 1.0)),
    "contradictions": lambda f: float(f.get("grounding.contradictions") or 0),
    "grounding residual": lambda f: float(f.get("grounding.residual") or 0),
    "fact count": lambda f: float(f.get("checks.facts") or 0),
}


def score_items(items: list[dict[str, Any]]) -> None:
    for item in items:
        a = assess(item["draft"], kind="text", context=item["context"])
        item["score"] = a.confidence.risk or 0.0
        item["signals"] = {name: fn(a.features) for name, fn in SIGNALS.items()}
        item["length"] = float(len(item["draft"].split()))


def matched(items: list[dict[str, Any]], slack: int) -> list[dict[str, Any]]:
    """Pairs of one hallucinated and one right item whose word counts differ by at most `slack`."""
    pos = sorted((i for i in items if i["label"]), key=lambda i: i["length"])
    neg = sorted((i for i in items if not i["label"]), key=lambda i: i["length"])
    out, j = [], 0
    used = [False] * len(neg)
    for p in pos:
        best = None
        for k in range(j, len(neg)):
            if used[k]:
                continue
            if neg[k]["length"] < p["length"] - slack:
                j = k + 1
                continue
            if neg[k]["length"] <= p["length"] + slack:
                best = k
            break
        if best is not None:
            used[best] = True
            out += [p, neg[best]]
    return out


def report(title: str, items: list[dict[str, Any]], bands: list[tuple[int, int]], slack: int) -> None:
    print(title)
    subsets: list[tuple[str, list[dict[str, Any]]]] = [("all (length confounded)", items)]
    subsets += [
        (f"{lo}-{hi} words" if hi < 999 else f"{lo}+ words", [i for i in items if lo <= i["length"] <= hi])
        for lo, hi in bands
    ]
    pairs = matched(items, slack)
    subsets.append((f"length-matched pairs (+-{slack} words)", pairs))
    rows = []
    best_name = ""
    for label, subset in subsets:
        labels = [int(i["label"]) for i in subset]
        pos = sum(labels)
        if pos < 5 or len(labels) - pos < 5:
            rows.append([label, str(pos), str(len(labels) - pos), "-", "-", "-", "-", "-"])
            continue
        single = {name: auroc([i["signals"][name] for i in subset], labels) or 0.0 for name in SIGNALS}
        best_name = max(single, key=lambda k: single[k])
        best = [i["signals"][best_name] for i in subset]
        rows.append(
            [
                label,
                str(pos),
                str(len(labels) - pos),
                fmt(auroc([i["score"] for i in subset], labels)),
                fmt(auprc([i["score"] for i in subset], labels)),
                f"{fmt(auroc(best, labels))} ({best_name})",
                fmt(auprc(best, labels)),
                fmt(auroc([i["length"] for i in subset], labels)),
            ]
        )
    table(["subset", "halluc", "right", "AUROC", "AUPRC", "best single AUROC", "its AUPRC", "length-only AUROC"], rows)
    print()


def halueval_qa() -> list[dict[str, Any]]:
    items = []
    for line in (DATA / "halueval_qa_subset.jsonl").read_text().splitlines():
        row = json.loads(line)
        context = [("knowledge", row["knowledge"]), ("question", row["question"])]
        items.append({"draft": row["right_answer"], "context": context, "label": 0, "row": row["row"]})
        items.append({"draft": row["hallucinated_answer"], "context": context, "label": 1, "row": row["row"]})
    return items


def halueval_summaries(folder: Path, limit: int) -> list[dict[str, Any]]:
    items = []
    with (folder / "dataset_halueval_summarization.jsonl").open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= limit:
                break
            row = json.loads(line)
            context = [("document", row["document"])]
            items.append({"draft": row["right_summary"].strip(), "context": context, "label": 0, "row": n})
            items.append({"draft": row["hallucinated_summary"].strip(), "context": context, "label": 1, "row": n})
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-site", type=int, default=4, help="injections per snippet and code class")
    parser.add_argument("--halueval-dir", type=Path, help="folder holding dataset_halueval_summarization.jsonl")
    parser.add_argument("--summaries", type=int, default=300, help="summarization rows to read")
    args = parser.parse_args()
    started = time.perf_counter()
    part_a(random.Random(args.seed), args.per_site)

    qa = halueval_qa()
    score_items(qa)
    report(
        f"(b) HaluEval QA, vendored subset ({len(qa) // 2} rows): draft-level risk, hallucinated = positive",
        qa,
        [(1, 2), (3, 5), (6, 9), (10, 999)],
        slack=0,
    )
    if args.halueval_dir:
        summaries = halueval_summaries(args.halueval_dir, args.summaries)
        score_items(summaries)
        report(
            f"(b) HaluEval summarization, first {len(summaries) // 2} rows: draft-level risk, hallucinated = positive",
            summaries,
            [(1, 44), (45, 59), (60, 79), (80, 999)],
            slack=2,
        )
    else:
        print("(b) HaluEval summarization skipped: pass --halueval-dir (see bench/data/README.md)\n")
    print("(c) 'best single' above is the single offline signal with the highest AUROC on that subset (chosen after")
    print("    the fact, so it flatters the baseline); length-only is the answer's word count.")
    print(f"done in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
