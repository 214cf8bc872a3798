"""Concurrency: several processes drafting, noting, reviewing, listing, verifying and exporting against one store."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.store.sqlite import SQLiteStore
from reliability_support import FORK, in_child, running_llmock, store_problems

WORKERS = 6
ROUNDS = 6


def has_command(name: str) -> bool:
    """Whether the CLI has a command of that name yet."""
    return any((c.name or (c.callback.__name__ if c.callback else "")) == name for c in app.registered_commands)


def _worker(
    number: int, source: Path, out: Path, start: Any, report: Path, rounds: int = 0, model: bool = False
) -> None:
    """One process's share: every command the CLI has that touches the store, ROUNDS times."""
    runner = CliRunner()
    log: list[dict[str, Any]] = []

    def run(*args: str) -> Any:
        result = runner.invoke(app, list(args))
        log.append({"args": list(args), "code": result.exit_code, "stderr": result.stderr, "stdout": result.stdout})
        return result

    start.wait(30)  # every worker opens the fresh store at the same moment
    made = []
    for r in range(rounds or ROUNDS):
        if model:
            created = run("draft", f"worker {number} round {r}: two sentences about tea", "--samples", "0", "--json")
        else:
            created = run("draft", "--from-file", str(source), "--json")
        if created.exit_code != 0:
            continue
        draft_id = json.loads(created.stdout)["id"]
        made.append(draft_id)
        run("note", draft_id[:12], f"worker {number} round {r}: check the figures", "--lines", "1-1")
        shown = run("show", draft_id[:12], "--json")
        notes = json.loads(shown.stdout)["notes"] if shown.exit_code == 0 else []
        resolve = [a for n in notes for a in ("--resolve", f"{n['number']}=verified:checked by {number}")]
        run("review", draft_id[:12], "--decision", "approve", "--reviewer", f"Worker {number}", *resolve)
        run("list", "--json", "--limit", "10")
        run("list", "--search", "batches")
        run("verify")
        if has_command("export"):
            run("export", draft_id[:12], "--format", "md", "-o", str(out / f"{number}-{r}.md"))
    report.write_text(json.dumps({"made": made, "log": log}))


def test_six_processes_at_once_lose_nothing_and_never_see_a_lock(
    tmp_path: Path, monkeypatch: Any, hermetic: Path
) -> None:
    """6 processes x 6 rounds x 7-8 commands on one fresh store: all succeed, every row is there, the chain holds."""
    monkeypatch.setenv("DRAFTMATE_REVIEWER", "")
    source = tmp_path / "notes.md"
    source.write_text(
        "# Sync 2.4\n\nThe engine now batches writes.\nBatches hold at most 500 records since 3 March 2025.\n"
    )
    out = tmp_path / "exports"
    out.mkdir()
    start = FORK.Barrier(WORKERS)
    processes = [
        FORK.Process(target=_worker, args=(n, source, out, start, tmp_path / f"w{n}.json")) for n in range(WORKERS)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(300)
        assert p.exitcode == 0, f"worker exited with {p.exitcode}"

    reports = [json.loads((tmp_path / f"w{n}.json").read_text()) for n in range(WORKERS)]
    commands = [entry for r in reports for entry in r["log"]]
    failed = [c for c in commands if c["code"] != 0]
    assert failed == [], f"{len(failed)} of {len(commands)} commands failed, e.g. {failed[:2]}"
    assert not [c for c in commands if "locked" in c["stderr"] + c["stdout"]]
    made = [d for r in reports for d in r["made"]]
    assert len(made) == len(set(made)) == WORKERS * ROUNDS
    assert len(commands) >= WORKERS * ROUNDS * 7

    db = hermetic / "draftmate.db"
    assert store_problems(db) == []
    store = SQLiteStore(db)
    try:
        for draft_id in made:
            draft = store.get_draft(draft_id)
            assert draft.status.value == "final"
            notes = store.list_notes(draft_id)
            assert any(n.kind == "human" for n in notes) and all(n.resolution for n in notes)
            assert len(store.list_reviews(draft_id)) == 1
        events = [e.event for e in store.iter_audit()]
        assert events.count("draft.final") == WORKERS * ROUNDS
        assert events.count("version.created") == WORKERS * ROUNDS
    finally:
        store.close()
    if has_command("export"):
        assert len(list(out.glob("*.md"))) == WORKERS * ROUNDS


def _hold_read(db: Path, ready: Any, release: Any) -> None:
    """Keep a read transaction open, as a slow `list` or `export` would."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("SELECT COUNT(*) FROM drafts").fetchone()
    ready.set()
    release.wait(60)
    conn.execute("COMMIT")
    conn.close()


def _write_one(source: Path, report: Path) -> None:
    result = CliRunner().invoke(app, ["draft", "--from-file", str(source)])
    report.write_text(json.dumps({"code": result.exit_code, "stderr": result.stderr}))


def test_a_long_reader_does_not_block_writers(tmp_path: Path, hermetic: Path, runner: CliRunner) -> None:
    """WAL: a reader that keeps a transaction open while others write is never a reason for 'database is locked'."""
    source = tmp_path / "a.md"
    source.write_text("# A\n\nsome text\n")
    assert runner.invoke(app, ["draft", "--from-file", str(source)]).exit_code == 0
    db = hermetic / "draftmate.db"
    ready, release = FORK.Event(), FORK.Event()
    reader = FORK.Process(target=_hold_read, args=(db, ready, release))
    reader.start()
    assert ready.wait(30)
    try:
        for n in range(3):
            assert in_child(_write_one, source, tmp_path / f"r{n}.json") == 0
            outcome = json.loads((tmp_path / f"r{n}.json").read_text())
            assert outcome["code"] == 0, outcome["stderr"]
    finally:
        release.set()
        reader.join(30)
    listed = runner.invoke(app, ["list", "--json"])
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)) == 4
    assert os.path.getsize(db) > 0 and store_problems(db) == []


def test_four_processes_drafting_with_the_model_at_once(
    llmock: Path, tmp_path: Path, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """4 processes x 3 rounds of model draft, note, review, list, verify, export against one store and one server."""
    binary = llmock
    workers, rounds = 4, 3
    with running_llmock(binary, tmp_path / "llmock.log") as server:
        monkeypatch.setenv("DRAFTMATE_BASE_URL", server.url + "/v1")
        monkeypatch.setenv("DRAFTMATE_API_KEY", "sk-test-not-a-real-key")
        out = tmp_path / "exports"
        out.mkdir()
        start = FORK.Barrier(workers)
        reports = [tmp_path / f"m{n}.json" for n in range(workers)]
        processes = [
            FORK.Process(target=_worker, args=(n, tmp_path, out, start, reports[n], rounds, True))
            for n in range(workers)
        ]
        for p in processes:
            p.start()
        for p in processes:
            p.join(300)
            assert p.exitcode == 0, f"worker exited with {p.exitcode}"
        verdict = server.verdict()
    commands = [entry for r in reports for entry in json.loads(r.read_text())["log"]]
    failed = [c for c in commands if c["code"] != 0]
    assert failed == [], f"{len(failed)} of {len(commands)} commands failed, e.g. {failed[:2]}"
    made = [d for r in reports for d in json.loads(r.read_text())["made"]]
    assert len(set(made)) == workers * rounds
    assert store_problems(hermetic / "draftmate.db") == []
    assert verdict["passed"] and verdict["calls"] >= workers * rounds
    if has_command("export"):
        assert len(list(out.glob("*.md"))) == workers * rounds
