"""Startup time of the commands people run most, against a store of 100,000 drafts.

Run: .venv/bin/python bench/startup.py [--runs N] [--drafts N] [--data DIR]
Seeds bench/.data/ once (about a minute) and reuses it; prints the median wall time of each command, with
`python -c pass` measured in the same run as the floor, and whether each meets its target.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _seed import RARE_WORD, seed  # noqa: E402

TARGETS_MS = {
    "draftmate --help": 150.0,
    "draftmate list": 250.0,
    f"draftmate list --search {RARE_WORD}": 250.0,
    "draftmate show ID": 250.0,
}


def draftmate_exe() -> str:
    """The `draftmate` script next to this interpreter."""
    exe = Path(sys.executable).parent / "draftmate"
    if not exe.exists():
        sys.exit(f"no {exe}: install draftmate into this environment first (pip install -e .)")
    return str(exe)


def ensure_store(data: Path, count: int) -> Path:
    """A store with `count` drafts at data/draftmate.db, seeded once and reused; verified when first made."""
    db = data / "draftmate.db"
    marker = data / f"seeded-{count}"
    if marker.exists() and db.exists():
        return db
    for stale in data.glob("draftmate.db*"):
        stale.unlink()
    data.mkdir(parents=True, exist_ok=True)
    print(f"seeding {count:,} drafts into {db} (once)...", file=sys.stderr)
    seed(db, count)
    check = subprocess.run([draftmate_exe(), "verify"], env=env_for(data), capture_output=True, text=True, check=False)
    if check.returncode != 0:
        sys.exit(f"the seeded store does not verify:\n{check.stderr}")
    print(f"  {check.stdout.strip()}", file=sys.stderr)
    marker.write_text("")
    return db


def env_for(data: Path) -> dict[str, str]:
    """The environment of a measured run: this store, no settings from the machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRAFTMATE_", "OPENAI_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with compiled bytecode cached, as an installed tool runs
    env["DRAFTMATE_HOME"] = str(data)
    return env


def wall_ms(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one run of `argv` in ms; fails loudly if the command fails."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed


def medians_ms(cases: list[tuple[str, list[str]]], env: dict[str, str], runs: int) -> dict[str, float]:
    """Median wall time per case after a warm-up; the cases take turns, so a busy moment hits them all alike."""
    for _, argv in cases:
        wall_ms(argv, env)
    timings: dict[str, list[float]] = {label: [] for label, _ in cases}
    for _ in range(runs):
        for label, argv in cases:
            timings[label].append(wall_ms(argv, env))
    return {label: statistics.median(values) for label, values in timings.items()}


def main() -> None:
    """Seed if needed, time each command, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--drafts", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=HERE / ".data")
    args = parser.parse_args()

    db = ensure_store(args.data, args.drafts)
    with sqlite3.connect(db) as conn:
        newest = conn.execute("SELECT id FROM drafts ORDER BY rowid DESC LIMIT 1").fetchone()[0]
        total = conn.execute("SELECT COUNT(*) FROM drafts").fetchone()[0]
    exe, env = draftmate_exe(), env_for(args.data)
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        # what every command loads before draftmate runs (typer <0.29: no pydantic on the way)
        ("floor: import typer", [sys.executable, "-c", "import typer"]),
        ("draftmate --help", [exe, "--help"]),  # pre-rendered (entry.py); subcommand help goes through typer:
        ("draftmate list --help", [exe, "list", "--help"]),
        ("draftmate list", [exe, "list"]),
        (f"draftmate list --search {RARE_WORD}", [exe, "list", "--search", RARE_WORD]),
        ("draftmate list --search draft", [exe, "list", "--search", "draft"]),
        ("draftmate show ID", [exe, "show", newest[:8]]),
    ]
    print(f"store: {total:,} drafts; median of {args.runs} interleaved runs after a warm-up; {os.cpu_count()} CPUs")
    print(f"{'command':40} {'median ms':>10} {'target ms':>10}  result")
    failed = False
    for label, ms in medians_ms(cases, env, args.runs).items():
        target = TARGETS_MS.get(label)
        verdict = "" if target is None else ("pass" if ms <= target else "FAIL")
        failed |= verdict == "FAIL"
        print(f"{label:40} {ms:10.1f} {'' if target is None else f'{target:.0f}':>10}  {verdict}")
    print("for scale: simonw/llm takes about 640 ms for --help and for `llm logs -n 10` on 100k responses")
    if failed:
        print("some targets missed: profile with `python -X importtime -m draftmate list` (see the floor row)")


if __name__ == "__main__":
    main()
