"""False alarms of the code checks on real, correct code, with the fault-injection recall in the same run.

    .venv/bin/python bench/code_precision.py [--dists NAME,NAME...] [--all-files] [--show blocking|verify|all]

Every top-level module file (`pkg/x.py`, not deeper; `--all-files` for every file) of the installed distributions named
(default: the 13 of issue 19) is assessed as `draft --from-file` would: notes per 10,000 lines by severity and kind,
files rated low, and the slowest check of a file of 2,000 lines or more (the better of two runs). Then the code
classes of bench/uncertainty.py's fault injection, so a precision gain that costs recall shows in the same output.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from draftmate.uncertainty.assessment import assess

DEFAULT = (
    "rich httpx pydantic requests packaging anyio pygments platformdirs h11 idna markdown-it-py certifi distro".split()
)


def module_files(dist_name: str, all_files: bool) -> list[Path]:
    """The distribution's Python files as installed: top-level modules of its packages, or all of them."""
    dist = importlib.metadata.distribution(dist_name)
    files = [f for f in dist.files or [] if f.suffix == ".py" and (all_files or len(f.parts) == 2)]
    return sorted(Path(str(dist.locate_file(f))) for f in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dists", default=",".join(DEFAULT), help="installed distributions, comma-separated")
    parser.add_argument("--all-files", action="store_true", help="every .py file, not only top-level modules")
    parser.add_argument("--show", choices=["blocking", "verify", "all"], help="print each note of that severity")
    args = parser.parse_args()
    by_severity: Counter[str] = Counter()
    by_kind: Counter[tuple[str, str]] = Counter()
    files = lines = 0
    low: list[str] = []
    slowest: tuple[float, str, int] = (0.0, "", 0)
    per_2000 = 0.0
    for dist in args.dists.split(","):
        try:
            paths = module_files(dist, args.all_files)
        except importlib.metadata.PackageNotFoundError:
            print(f"skipped {dist}: not installed")
            continue
        for path in paths:
            content = path.read_text(encoding="utf-8")
            n = len(content.splitlines())
            start = time.perf_counter()
            result = assess(content, kind="code", lang="python")
            took = time.perf_counter() - start
            if n >= 2000:  # the machine is shared: the better of two runs is the check's own cost
                start = time.perf_counter()
                assess(content, kind="code", lang="python")
                took = min(took, time.perf_counter() - start)
                per_2000 = max(per_2000, took * 2000 / n)
            if n >= 2000 and took > slowest[0]:
                slowest = (took, str(path), n)
            files, lines = files + 1, lines + n
            if result.confidence.level == "low":
                low.append(str(path))
            for note in result.notes:
                if note.source != "check":
                    continue
                by_severity[note.severity] += 1
                by_kind[(note.severity, note.kind)] += 1
                if args.show in (note.severity, "all"):
                    print(f"{note.severity:8} {path}:{note.lines[0] if note.lines else '-'} {note.why}")
    per = 10_000 / max(lines, 1)
    print(f"\n{files} files, {lines} lines ({args.dists})")
    print(f"{'severity':10} {'notes':>6} {'per 10,000 lines':>17}")
    for severity in ("blocking", "verify", "info"):
        print(f"{severity:10} {by_severity[severity]:6} {by_severity[severity] * per:17.2f}")
    print(f"\n{'severity':10} {'kind':20} {'notes':>6} {'per 10,000 lines':>17}")
    for (severity, kind), count in sorted(by_kind.items()):
        print(f"{severity:10} {kind:20} {count:6} {count * per:17.2f}")
    print(f"\nfiles rated low: {len(low)} of {files}")
    for path in low:
        print(f"  {path}")
    if slowest[1]:
        print(f"slowest file of 2,000+ lines: {slowest[0]:.3f} s ({slowest[2]} lines, {slowest[1]})")
        print(f"worst time per 2,000 lines among those files: {per_2000:.3f} s (better of two runs each)")
    recall()


def recall() -> None:
    """bench/uncertainty.py's code fault injection, as it prints it."""
    import uncertainty as fault_bench

    print()
    fault_bench.code_injection(random.Random(7), per_site=4)


if __name__ == "__main__":
    main()
