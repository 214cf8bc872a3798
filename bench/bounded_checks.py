"""How long the text checks take on hostile drafts: single 2 MB lines built to make a scan quadratic.

Baseline (measured in the same run, each in a subprocess with a timeout): the text checks as they were at c85dab2,
before the scans were bounded (`facts`, now in `uncertainty/text_checks.py`, checked each match against every
claimed span; a 131 KB line of numbers took 21 s, a 1.89 MB one did not finish in 300 s). Also times the full
`draftmate draft --from-file`.
Run: `.venv/bin/python bench/bounded_checks.py [--timeout S] [--no-cli] [--no-baseline] [NAME ...]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = "c85dab2"
SIZE = 2_000_000 - 64  # under drafting.MAX_INPUT_BYTES


def _fill(unit: Callable[[int], str], size: int) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        piece = unit(i)
        parts.append(piece)
        total += len(piece.encode("utf-8"))
        i += 1
    text = "".join(parts)
    while len(text.encode("utf-8")) > size:
        text = text[:-1]
    return text + "\n"


def inputs(size: int = SIZE) -> dict[str, str]:
    """Name -> a hostile draft of about `size` bytes."""
    return {
        "numbers-131KB": _fill(lambda i: f"{i * 7 % 9973 + 10} ", 131_000),
        "numbers": _fill(lambda i: f"{i * 7 % 9973 + 10} ", size),
        "urls": _fill(lambda i: f"https://example.org/p/{i} ", size),
        "quotes": _fill(lambda i: f'"quoted words number {i}" ', size),
        "unbalanced-quotes": _fill(lambda i: f"\u201copen {i} ", size),
        "capitalized": _fill(lambda i: f"Name{i % 97} Word{i} ", size),
        "hyphen-names": _fill(lambda i: "A-", size),
        "comma-number": "1" + _fill(lambda i: ",000", size - 2)[:-1] + "x\n",
        "spaces-after-name": "Alpha" + " " * (size - 8) + "x\n",
        "short-lines": _fill(lambda i: f"Item {i} costs {i % 90 + 10} dollars.\n", size),
        "table": "| a | b | c |\n|---|---|---|\n" + _fill(lambda i: f"| Row{i} | {i + 10} | x |\n", size - 40),
        "nested-list": _fill(lambda i: "  " * (i % 200) + f"- Level {i % 200} item {i + 10}\n", size),
    }


CONTEXT = _fill(lambda i: f"The value of Row{i} is {i + 11} units. ", 2_000_000 - 64)

CHILD = """
import sys, time, importlib.util
spec = importlib.util.spec_from_file_location("st", sys.argv[1])
mod = importlib.util.module_from_spec(spec); sys.modules["st"] = mod; spec.loader.exec_module(mod)
text = open(sys.argv[2], encoding="utf-8").read()
context = [("ctx", open(sys.argv[3], encoding="utf-8").read())] if len(sys.argv) > 3 else None
t = time.perf_counter(); notes, _ = mod.text_checks(text, context); print(f"{time.perf_counter() - t:.2f} {len(notes)}")
"""


def _run(argv: list[str], timeout: float, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return f">{timeout:.0f} s (timed out)"
    if done.returncode != 0:
        return f"failed ({done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode})"
    return done.stdout.strip()


def _library(module: Path, draft: Path, context: Path | None, timeout: float, src: Path | None = None) -> str:
    """The check of `module` on `draft`, in a child; `src` first on its path (the baseline's own package)."""
    argv = [sys.executable, "-c", CHILD, str(module), str(draft)] + ([str(context)] if context else [])
    out = _run(argv, timeout, os.environ | {"PYTHONPATH": str(src)} if src else None)
    if out[:1].isdigit():
        seconds, notes = out.split()
        return f"{float(seconds):7.2f} s, {int(notes):>6} notes"
    return out


def _cli(draft: Path, context: Path | None, home: Path, timeout: float) -> str:
    exe = Path(sys.executable).parent / "draftmate"
    argv = [str(exe), "draft", "--from-file", str(draft), "--kind", "text"]
    argv += ["--context", str(context)] if context else []
    env = os.environ | {"DRAFTMATE_HOME": str(home)}
    start = time.perf_counter()
    out = _run(argv, timeout, env)
    if out.startswith((">", "failed")):
        return out
    return f"{time.perf_counter() - start:7.2f} s"


def main() -> None:
    """Time each hostile draft: today's library call and CLI, beside the c85dab2 library call."""
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--no-cli", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # the baseline's whole package, since its text checks import its own flat modules (draftmate.signals)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", BASELINE_COMMIT, "src"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        baseline_src = tmp / "src"
        baseline = baseline_src / "draftmate" / "signals_text.py"
        today = ROOT / "src" / "draftmate" / "uncertainty" / "text_checks.py"
        context = tmp / "context.md"
        context.write_text(CONTEXT, encoding="utf-8")
        drafts = inputs()
        cases = [(name, None) for name in drafts] + [(name, context) for name in ("numbers", "table", "short-lines")]
        header = f"{'today (library)':>26}{'today (draft --from-file)':>28}{BASELINE_COMMIT + ' (library)':>26}"
        print(f"{'input':<28}{header}")
        for name, ctx in cases:
            if args.names and name not in args.names:
                continue
            path = tmp / f"{name}.md"
            path.write_text(drafts[name], encoding="utf-8")
            label = f"{name} ({len(drafts[name].encode()) / 1e6:.2f} MB)" + (" +ctx" if ctx else "")
            mine = _library(today, path, ctx, args.timeout)
            cli = "-" if args.no_cli else _cli(path, ctx, tmp / f"home-{name}-{ctx is not None}", args.timeout)
            before = "-" if args.no_baseline else _library(baseline, path, ctx, args.timeout, baseline_src)
            print(f"{label:<28}{mine:>26}{cli:>28}{before:>26}", flush=True)


if __name__ == "__main__":
    main()
