"""Startup time of the commands people run most, against a store of 100,000 drafts.

Run: .venv/bin/python bench/startup.py [--runs N] [--drafts N] [--data DIR] [--database-url URL]
Seeds bench/.data/ once (about a minute) and reuses it; prints the median wall time of each command, with
`python -c pass` measured in the same run as the floor, and whether each meets its target. With --database-url
(an empty PostgreSQL database or schema, seeded once the same way: several minutes) the store commands are timed
on PostgreSQL too, printed beside the SQLite figures of the same run.
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


def ensure_database(url: str, count: int) -> str:
    """The PostgreSQL store at `url` with `count` drafts, seeded once; the newest draft's ID."""
    from draftmate.store.postgres import PostgresStore

    store = PostgresStore(url)
    try:
        total = store.conn.execute("SELECT COUNT(*) FROM drafts").fetchone()[0]
        if total == 0:
            print(f"seeding {count:,} drafts into the PostgreSQL database (once)...", file=sys.stderr)
            seed(Path("unused"), count, store=store)
            store = PostgresStore(url)  # seed closed it
        elif total != count:
            sys.exit(f"the database holds {total:,} drafts, not {count:,}: give an empty database or schema")
        return str(store.conn.execute("SELECT id FROM drafts ORDER BY rowid DESC LIMIT 1").fetchone()[0])
    finally:
        store.close()


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


def medians_ms(
    cases: list[tuple[str, list[str]]], env: dict[str, str], runs: int, pg_env: dict[str, str] | None = None
) -> dict[str, float]:
    """Median wall time per case after a warm-up; the cases take turns, so a busy moment hits them all alike."""

    def env_of(label: str) -> dict[str, str]:
        return pg_env if pg_env and label.startswith("postgresql:") else env

    for label, argv in cases:
        wall_ms(argv, env_of(label))
    timings: dict[str, list[float]] = {label: [] for label, _ in cases}
    for _ in range(runs):
        for label, argv in cases:
            timings[label].append(wall_ms(argv, env_of(label)))
    return {label: statistics.median(values) for label, values in timings.items()}


def main() -> None:
    """Seed if needed, time each command, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--drafts", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=HERE / ".data")
    parser.add_argument("--database-url", help="also time the store commands on this PostgreSQL database")
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
    pg_env: dict[str, str] = {}
    if args.database_url:
        pg_newest = ensure_database(args.database_url, args.drafts)
        pg_env = {**env, "DRAFTMATE_DATABASE_URL": args.database_url}
        cases += [
            ("postgresql: draftmate list", [exe, "list"]),
            (f"postgresql: draftmate list --search {RARE_WORD}", [exe, "list", "--search", RARE_WORD]),
            ("postgresql: draftmate list --search draft", [exe, "list", "--search", "draft"]),
            ("postgresql: draftmate show ID", [exe, "show", pg_newest[:8]]),
        ]
        for label in list(TARGETS_MS):
            if label.startswith("draftmate list") or label.startswith("draftmate show"):
                TARGETS_MS["postgresql: " + label] = TARGETS_MS[label]
    print(f"store: {total:,} drafts; median of {args.runs} interleaved runs after a warm-up; {os.cpu_count()} CPUs")
    print(f"{'command':48} {'median ms':>10} {'target ms':>10}  result")
    failed = False
    for label, ms in medians_ms(cases, env, args.runs, pg_env).items():
        target = TARGETS_MS.get(label)
        verdict = "" if target is None else ("pass" if ms <= target else "FAIL")
        failed |= verdict == "FAIL"
        print(f"{label:48} {ms:10.1f} {'' if target is None else f'{target:.0f}':>10}  {verdict}")
    print("for scale: simonw/llm takes about 640 ms for --help and for `llm logs -n 10` on 100k responses")
    if failed:
        print("some targets missed: profile with `python -X importtime -m draftmate list` (see the floor row)")


if __name__ == "__main__":
    main()
