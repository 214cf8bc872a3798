"""Benchmark: `draftmate export --all --format json -o FILE` over a store of 100,000 final drafts.

Targets: at most 5 s wall time and 100 MB peak memory for the export process (the median of K runs, 3 unless
--runs says; the highest peak of them). The baseline, measured in the same run on the same store, is the naive
way: read every final draft into a list, then `json.dumps` the lot. It also exports the same store once more with
every seal void (each draft rebuilt from its rows, as for drafts approved before seals existed or written to
since), checks that both ways wrote the same bytes, and prints that time too.

    .venv/bin/python bench/export.py [N] [--runs K] [--database-url URL | --start-postgres]    (N: 100000)

PostgreSQL beside SQLite (target: at most 1.5x): with --database-url (an empty PostgreSQL database or schema), or
--start-postgres (a throwaway server started for the run as tests/pg_server.py starts one for the tests: Debian's
initdb and pg_ctl, as the `postgres` user when run as root), the seeded store is copied there once with
`draftmate store copy --to`, and `export --all` is timed on both backends as real CLI processes, K times each,
interleaved (SQLite, PostgreSQL, then PostgreSQL, SQLite, ...: a shared machine's load drifts alike over both),
after one untimed run of each. It prints both medians, their ratio, the median of the K pairwise ratios, the
highest peak memory of each (the export process; the server's own memory is not in it) and the load average
before and after, and checks that both wrote the same bytes. Copying takes about 5 s per 1,000 drafts: use
N = 10000 for the comparison (`bench/export.py 10000 --runs 12 --start-postgres`).

Every export runs with Python's bytecode cache on (in a temporary directory, whatever PYTHONDONTWRITEBYTECODE
says), as an installed draftmate runs; the untimed first runs fill it.

With N below 100,000 it also projects the 100,000-draft wall time: the start-up of the same command on an empty
store, plus N's time per draft times 100,000 (time per draft is flat: the export streams in batches).

The store is seeded with rows written straight into SQLite in bulk, but every row is one the store would have
written: model-made version 1 (every tenth draft also has a human edit as version 2), two resolved notes, an
approved review, a prediction with its outcome, a hash-chained audit log whose row digests match, and the seal
the approval makes (made by draftmate's own `seal`), so `export` treats them as real final drafts (its per-draft
checks pass, which the run checks).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from draftmate import __version__
from draftmate.services.exports import seal
from draftmate.store.sqlite import GENESIS, SQLiteStore, _event_hash, canonical, new_id, sha256_hex

TARGET_SECONDS = 5.0
TARGET_MB = 100.0
RUNS = 3
BATCH = 1000
META = {
    "provider": "openai",
    "model": "gpt-4o-mini",
    "template": {"name": "draft-text", "version": "3", "sha256": "ab" * 32},
    "params": {"temperature": 0.2},
    "usage": {"prompt_tokens": 412, "completion_tokens": 188},
    "latency_ms": 812,
    "finish_reason": "stop",
}
AT = "2026-11-25T12:00:00.000Z"


def content_of(i: int) -> str:
    """About 600 bytes of text in three paragraphs, different for every draft."""
    return (
        f"# Release notes {i}\n\n"
        f"Version {i % 97}.{i % 13} handles {i % 1000} requests per second on a single core, measured with the "
        "load generator described in the appendix. Latency stays under 40 ms at the 99th percentile.\n\n"
        f"The migration from the old scheduler took {i % 9 + 1} weeks. Every job was replayed against the new one "
        "before the switch, and the two disagreed on none of them.\n\n"
        "Known gaps: the dashboard does not show queue depth yet, and retries are not rate-limited.\n"
    )


class Chain:
    """Appends hash-chained audit events the way `SQLiteStore.audit` does, in bulk."""

    def __init__(self) -> None:
        self.seq, self.prev, self.rows = 0, GENESIS, []

    def add(self, event: str, actor: str, draft_id: str, payload: dict[str, Any]) -> None:
        self.seq += 1
        digest = _event_hash(self.seq, AT, actor, event, draft_id, payload, self.prev)
        self.rows.append((self.seq, AT, actor, event, draft_id, canonical(payload), self.prev, digest))
        self.prev = digest


def seed(path: Path, n: int) -> None:
    """A store at `path` with `n` final drafts."""
    store = SQLiteStore(path)
    conn, chain = store.conn, Chain()
    conn.execute("PRAGMA synchronous = OFF")
    for start in range(0, n, BATCH):
        with store.transaction():
            _seed_batch(store, chain, range(start, min(n, start + BATCH)))
    store.close()


def _seed_batch(store: SQLiteStore, chain: Chain, numbers: range) -> None:
    conn = store.conn
    plan = []
    for i in numbers:
        draft_id, v1 = new_id(), content_of(i)
        edited = i % 10 == 0
        v2 = v1.replace("Known gaps:", "Known gaps, checked by hand:") if edited else None
        final = v2 or v1
        plan.append((draft_id, i, v1, v2, final))
        rowid = conn.execute(
            "INSERT INTO drafts (id, title, kind, lang, status, created_at, updated_at, current_version, "
            "approved_sha256, approved_version, incomplete, confidence_level, confidence_score, request_json) "
            "VALUES (?, ?, 'text', 'markdown', 'final', ?, ?, ?, ?, ?, 0, 'medium', 0.3, '{}')",
            (draft_id, f"Release notes {i}", AT, AT, 2 if v2 else 1, sha256_hex(final), 2 if v2 else 1),
        ).lastrowid
        versions = [(1, v1, "model", "", META)] + (
            [(2, v2, "human", "Ann Editor", {"edited_section": 2})] if v2 else []
        )
        for number, text, origin, author, meta in versions:
            conn.execute(
                "INSERT INTO versions (draft_id, number, content, sha256, origin, author, created_at, meta_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (draft_id, number, text, sha256_hex(text), origin, author, AT, canonical(meta)),
            )
        for number, why in ((1, "a number to verify: requests per second"), (2, "a claim with no source")):
            resolution = {"status": "verified", "by": "Ann Editor", "at": AT, "comment": ""}
            conn.execute(
                "INSERT INTO notes (id, draft_id, number, version, kind, severity, line_start, line_end, quote, why, "
                "risk, signals_json, source, author, created_at, resolution_json) "
                "VALUES (?, ?, ?, 1, 'number', 'verify', 3, 3, '', ?, 0.4, '{}', 'checks', '', ?, ?)",
                (new_id(), draft_id, number, why, AT, canonical(resolution)),
            )
        seen = [sha256_hex(p) for p in final.split("\n\n")]
        decisions = [
            {"index": k, "sha256": s, "decision": "edit" if (v2 and k == 2) else "accept", "reason": "", "at": AT}
            for k, s in enumerate(seen)
        ]
        conn.execute(
            "INSERT INTO reviews (id, draft_id, version, reviewer, editorial_responsibility, status, started_at, "
            "finished_at, reason, seen_json, decisions_json) VALUES (?, ?, ?, 'Ann Editor', 'Ann Editor', "
            "'approved', ?, ?, '', ?, ?)",
            (new_id(), draft_id, 2 if v2 else 1, AT, AT, canonical(seen), canonical(decisions)),
        )
        outcome = {"decision": "approved", "edit_distance": 0.05 if v2 else 0.0, "sections": {}, "notes_changed": {}}
        conn.execute(
            "INSERT INTO predictions (draft_id, version, created_at, model, kind, features_json, risk, level, "
            "outcome_json, outcome_at) VALUES (?, 1, ?, 'gpt-4o-mini', 'text', '{}', 0.3, 'medium', ?, ?)",
            (draft_id, AT, canonical(outcome), AT),
        )
        conn.execute("INSERT INTO drafts_fts (rowid, content) VALUES (?, ?)", (rowid, final))
    # the audit events record each row as it now stands, read back so every column counts
    for draft_id, _i, _v1, v2, final in plan:
        for v in conn.execute("SELECT * FROM versions WHERE draft_id = ? ORDER BY number", (draft_id,)):
            payload = {
                "version": v["number"],
                "sha256": v["sha256"],
                "origin": v["origin"],
                "row": sha256_hex(canonical(dict(v))),
            }
            chain.add("version.created", v["author"] or v["origin"], draft_id, payload)
        for note in conn.execute("SELECT * FROM notes WHERE draft_id = ?", (draft_id,)):
            payload = {"note": note["id"], "number": note["number"], "status": "verified"}
            chain.add("note.resolved", "Ann Editor", draft_id, payload | {"row": sha256_hex(canonical(dict(note)))})
        review = conn.execute("SELECT * FROM reviews WHERE draft_id = ?", (draft_id,)).fetchone()
        chain.add("review.approved", "Ann Editor", draft_id, {"review": review["id"], "row": _digest(review)})
        draft_row = store._draft_digest(draft_id)
        fields = {"approved_sha256": sha256_hex(final), "approved_version": 2 if v2 else 1}
        chain.add("draft.final", "Ann Editor", draft_id, {"state": "final", **fields, "draft_row": draft_row})
    conn.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)", chain.rows)
    chain.rows = []
    # the seal each approval makes, made by the store's own code (it appends its audit events itself)
    for draft_id, *_ in plan:
        assert seal(store, draft_id, actor="Ann Editor", tool_version=__version__), f"draft {draft_id} did not seal"
    chain.seq, chain.prev = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()


def _digest(row: Any) -> str:
    return sha256_hex(canonical(dict(row)))


# Runs one command and reports its own wall time and rusage. A child's peak RSS on Linux starts from its parent's
# at fork (the peak carries across exec): forked from this process, which holds the seeded store's objects and
# psycopg, every export would seem to peak at this process's size. Forked from this small launcher, it does not.
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL)
_pid, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - started
print(json.dumps([os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss]))
"""


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak resident MB and stderr of one child process (its own rusage, via wait4)."""
    with tempfile.TemporaryFile() as err:
        launched = subprocess.run(
            [sys.executable, "-c", LAUNCHER, json.dumps(argv)], env=env, stdout=subprocess.PIPE, stderr=err, check=True
        )
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    returncode, wall, cpu, peak = json.loads(launched.stdout)
    if returncode != 0:
        raise SystemExit(f"{argv[2:]} failed ({returncode}): {stderr}")
    peak_kb = peak / (1024 if sys.platform == "darwin" else 1)
    return wall, cpu, peak_kb / 1024, stderr


NAIVE = """
import json, sys
from draftmate import __version__
from draftmate.services.exports import approving_review, provenance_of
from draftmate.provenance.formats import json_record
from draftmate.domain.records import State
from draftmate.store.backend import open_store

store = open_store()
everything = []
for b in list(store.iter_bundles([d.id for d in store.iter_drafts(status=State.FINAL)])):
    review = approving_review(b)
    content = next(v for v in b.versions if v.number == b.draft.approved_version).content
    everything.append(json_record(provenance_of(b, review, __version__), content, b.notes, review))
with open(sys.argv[1], "w") as f:
    f.write(json.dumps(everything, ensure_ascii=False))
"""


PG_TARGET_RATIO = 1.5
PG_DATABASE = "draftmate_bench_export"


@contextlib.contextmanager
def postgres_url(given: str | None, start: bool) -> Iterator[str | None]:
    """The PostgreSQL database to compare against: the URL given, a throwaway server's new database, or None."""
    if given or not start:
        yield given
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import psycopg

    import pg_server  # the tests' throwaway server: initdb and pg_ctl from Debian's package

    try:
        server = pg_server.start()
    except RuntimeError as e:
        raise SystemExit(f"--start-postgres: {e}") from None
    try:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
        print(f"started PostgreSQL ({server.bin}) on port {server.port} for this run")
        yield server.url(PG_DATABASE)
    finally:
        server.stop()


def load_average() -> str:
    """The 1, 5 and 15 minute load averages and the CPU count, as one phrase."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def compare_postgres(
    cmd: list[str], env: dict[str, str], database_url: str, tmp: Path, expected: bytes, runs: int
) -> str:
    """Copy the store to `database_url`, time `export --all` there and on SQLite, interleaved; the result line."""
    copy_started = time.perf_counter()
    copied = subprocess.run(
        [sys.executable, "-m", "draftmate", "store", "copy", "--to", database_url],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if copied.returncode != 0:
        raise SystemExit(f"store copy --to failed ({copied.returncode}): {copied.stderr.strip()}")
    copy_s = time.perf_counter() - copy_started
    pg_env = env | {"DRAFTMATE_DATABASE_URL": database_url}
    backends = {"SQLite": env, "PostgreSQL": pg_env}
    for name, backend_env in backends.items():  # untimed: fills the bytecode cache and the server's buffers
        measure([*cmd[:-1], str(tmp / f"warm-{name}.jsonl")], backend_env)
        assert (tmp / f"warm-{name}.jsonl").read_bytes() == expected, f"{name} wrote different bytes"
    load_before = load_average()
    timed: dict[str, list[tuple[float, float, float, str]]] = {name: [] for name in backends}
    for k in range(runs):
        order = list(backends) if k % 2 == 0 else list(reversed(backends))
        for name in order:
            target = tmp / f"cmp-{name}-{k}.jsonl"
            timed[name].append(measure([*cmd[:-1], str(target)], backends[name]))
            assert target.read_bytes() == expected, f"{name} wrote different bytes"
            target.unlink()
    lite, pg = ([r[0] for r in timed[name]] for name in backends)
    lite_s, pg_s = statistics.median(lite), statistics.median(pg)
    ratio = pg_s / lite_s
    pairwise = statistics.median(p / q for p, q in zip(pg, lite, strict=True))
    verdict = "within" if ratio <= PG_TARGET_RATIO else "NOT within"
    peaks = {name: max(r[2] for r in timed[name]) for name in backends}
    cpus = {name: statistics.median(r[1] for r in timed[name]) for name in backends}
    return "\n".join(
        [
            f"export --all, {runs} runs each, interleaved, after one untimed run each (store copy: {copy_s:.1f} s)",
            f"  SQLite     median {lite_s:.3f} s wall, {cpus['SQLite']:.2f} s CPU, peak {peaks['SQLite']:.1f} MB; "
            f"runs {', '.join(f'{x:.2f}' for x in lite)}",
            f"  PostgreSQL median {pg_s:.3f} s wall, {cpus['PostgreSQL']:.2f} s CPU (client only), peak "
            f"{peaks['PostgreSQL']:.1f} MB; runs {', '.join(f'{x:.2f}' for x in pg)}",
            f"  PostgreSQL / SQLite: {ratio:.2f}x of the medians ({verdict} {PG_TARGET_RATIO}x), median pairwise ratio "
            f"{pairwise:.2f}x; same bytes",
            f"  load average before the timed runs: {load_before}; after: {load_average()}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="final drafts in the store")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs of each export (interleaved: pairs)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="also export from this empty PostgreSQL database or schema")
    where.add_argument("--start-postgres", action="store_true", help="also export from a throwaway local server")
    args = parser.parse_args()
    n, runs = args.n, args.runs
    with (
        tempfile.TemporaryDirectory(prefix="draftmate-bench-") as tmp,
        postgres_url(args.database_url, args.start_postgres) as database_url,
    ):
        home = Path(tmp) / "home"
        home.mkdir()
        os.environ["DRAFTMATE_HOME"] = str(home)  # the seals are signed with this store's key, made here
        started = time.perf_counter()
        seed(home / "draftmate.db", n)
        print(f"seeded {n:,} final drafts in {time.perf_counter() - started:.1f} s")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DRAFTMATE_", "OPENAI_")) and k != "PYTHONDONTWRITEBYTECODE"
        }
        env["DRAFTMATE_HOME"] = str(home)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")  # as installed: bytecode cached, not recompiled
        out = Path(tmp) / "final.jsonl"
        cmd = [sys.executable, "-m", "draftmate", "export", "--all", "--format", "json", "-o", str(out)]
        measure([*cmd[:-1], str(Path(tmp) / "warm.jsonl")], env)  # untimed: fills the bytecode cache
        # the median of `runs` runs (each to a fresh file): on a shared machine one run can be a second off
        timed_runs = []
        for k in range(runs):
            target = out if k == 0 else Path(tmp) / f"again-{k}.jsonl"
            timed_runs.append(measure([*cmd[:-1], str(target)], env))
            if k:
                target.unlink()
        wall, cpu, peak, stderr = sorted(timed_runs)[runs // 2]
        peak = max(r[2] for r in timed_runs)
        walls = ", ".join(f"{r[0]:.2f}" for r in timed_runs)
        empty = Path(tmp) / "empty"
        empty.mkdir()
        startups = [
            measure([*cmd[:-1], str(Path(tmp) / f"none-{k}.jsonl")], env | {"DRAFTMATE_HOME": str(empty)})[0]
            for k in range(runs)
        ]
        startup = sorted(startups)[runs // 2]
        lines = 0
        with out.open() as f:
            for lines, line in enumerate(f, start=1):  # noqa: B007
                if lines in (1, n):
                    record = json.loads(line)
                    assert sha256_hex(record["content"]) == record["provenance"]["content_sha256"]
        assert lines == n, f"exported {lines} of {n} drafts: {stderr}"
        size_mb = out.stat().st_size / 1e6
        pg_lines = ""
        if database_url:
            pg_lines = compare_postgres(cmd, env, database_url, Path(tmp), out.read_bytes(), runs)
        naive_out = Path(tmp) / "naive.json"
        naive_wall, naive_cpu, naive_peak, _ = measure([sys.executable, "-c", NAIVE, str(naive_out)], env)
        store = SQLiteStore(home / "draftmate.db")
        from_seals = sum(sealed is not None for _id, sealed in store.iter_sealed_finals())
        # the same store with every seal void (as if each draft had been written to since its approval, or were
        # approved before seals existed): every draft is rebuilt from its rows, with the row-by-row tamper checks
        with store.transaction():
            store.conn.execute("UPDATE drafts SET writes = writes + 1")
        store.close()
        rows_wall, rows_cpu, rows_peak, _ = measure([*cmd[:-1], str(Path(tmp) / "rows.jsonl")], env)
        assert (Path(tmp) / "rows.jsonl").read_bytes() == out.read_bytes(), "the two ways wrote different bytes"
        print(f"exported {lines:,} drafts, {size_mb:.0f} MB of JSON Lines; every one passed its tamper checks")
        print(f"{from_seals:,} of them written from their seals, {n - from_seals:,} rebuilt from their rows")
        print(f"start-up of the same command on an empty store: {startup:.2f} s wall (median of {runs})")
        print(f"export --all runs: {walls} s wall; the table shows the median, and the highest peak")

        def per_draft(seconds: float) -> float:
            return max(seconds - startup, 0.0) / n * 1e6

        def at_100k(seconds: float) -> str:
            return f"{seconds:8.2f}" if n == 100_000 else f"{startup + per_draft(seconds) * 0.1:7.1f}*"

        print(f"{'':34} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'us/draft':>9} {'100k s':>8}")
        print(
            f"{'export --all (streaming)':34} {wall:8.2f} {cpu:8.2f} {peak:8.1f} {per_draft(wall):9.0f} {at_100k(wall)}"
        )
        print(f"{'target':34} {TARGET_SECONDS:8.2f} {'':8} {TARGET_MB:8.1f} {'':9} {TARGET_SECONDS:8.2f}")
        rows = f"{rows_wall:8.2f} {rows_cpu:8.2f} {rows_peak:8.1f} {per_draft(rows_wall):9.0f} {at_100k(rows_wall)}"
        print(f"{'  the same, every seal void':34} {rows}")
        naive = f"{naive_wall:8.2f} {naive_cpu:8.2f} {naive_peak:8.1f} {per_draft(naive_wall):9.0f}"
        print(f"{'baseline: load all, json.dumps':34} {naive} {at_100k(naive_wall)}")
        if n != 100_000:
            print(f"* projected from {n:,} drafts (peak MB not projected: the export streams, the baseline does not)")
        print(f"load average at the end: {load_average()} (wall time includes waiting for them)")
        if pg_lines:
            print(pg_lines)
        expected = wall if n == 100_000 else startup + per_draft(wall) * 0.1
        ok = expected <= TARGET_SECONDS and peak <= TARGET_MB
        print(("targets met" if ok else "targets NOT met") + ("" if n == 100_000 else " (time as projected)"))


if __name__ == "__main__":
    main()
