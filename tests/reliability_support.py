"""Shared pieces of the reliability tests: store invariants, a write workload, CLI subprocesses, llmock."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FORK = multiprocessing.get_context("fork")


# ---- the store's invariants --------------------------------------------------------------------------


def open_test_store(db: Path) -> Any:
    """The store a reliability test works on: PostgreSQL where the `backend` fixture set DRAFTMATE_DATABASE_URL
    (forked children inherit it), else the SQLite file at `db`."""
    url = os.environ.get("DRAFTMATE_DATABASE_URL")
    if url:
        from draftmate.store.postgres import PostgresStore

        return PostgresStore(url)
    from draftmate.store.sqlite import SQLiteStore

    return SQLiteStore(db)


def integrity(db: Path) -> str:
    """SQLite's own verdict on the file, read through a plain connection."""
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def store_problems(db: Path) -> list[str]:
    """Everything wrong with a store: file integrity, the audit chain, and half-applied changes."""
    from draftmate.store.sqlite import sha256_hex

    if not os.environ.get("DRAFTMATE_DATABASE_URL"):  # PostgreSQL checks its own pages
        verdict = integrity(db)
        if verdict != "ok":
            return [f"integrity_check: {verdict}"]
    store = open_test_store(db)
    try:
        problems = list(store.verify())
        conn = store.conn
        events: dict[str, set[tuple[Any, ...]]] = {}
        for r in conn.execute("SELECT event, draft_id, payload_json FROM audit"):
            p = json.loads(r["payload_json"])
            key: tuple[Any, ...]
            if r["event"] == "version.created":
                key = (r["draft_id"], p["version"], p["sha256"])
            elif r["event"].startswith("note."):
                key = (p["note"],)
            elif r["event"] == "review.started":
                key = (p["review"],)
            elif r["event"] == "draft.final":
                key = (r["draft_id"], p.get("approved_version"), p.get("approved_sha256"))
            else:
                continue
            events.setdefault(r["event"], set()).add(key)
        for v in conn.execute("SELECT draft_id, number, content, sha256 FROM versions"):
            if (v["draft_id"], v["number"], v["sha256"]) not in events.get("version.created", set()):
                problems.append(f"version {v['draft_id'][:8]}/{v['number']} has no version.created event")
            if sha256_hex(v["content"]) != v["sha256"]:
                problems.append(f"version {v['draft_id'][:8]}/{v['number']} does not match its sha256")
        for n in conn.execute("SELECT id, resolution_json FROM notes"):
            if (n["id"],) not in events.get("note.added", set()):
                problems.append(f"note {n['id'][:8]} has no note.added event")
        for rv in conn.execute("SELECT id FROM reviews"):
            if (rv["id"],) not in events.get("review.started", set()):
                problems.append(f"review {rv['id'][:8]} has no review.started event")
        for d in conn.execute("SELECT rowid, * FROM drafts"):
            problems += _draft_problems(conn, d, events)
        fts = conn.execute("SELECT COUNT(*) FROM drafts_fts").fetchone()[0]
        # a pending draft (its request stored, no version yet: killed while the model answered) has nothing to search
        drafts = conn.execute("SELECT COUNT(*) FROM drafts WHERE current_version > 0").fetchone()[0]
        if fts != drafts:
            problems.append(f"{drafts} drafts with content but {fts} search rows")
        return problems
    finally:
        store.close()


def _draft_problems(conn: sqlite3.Connection, d: sqlite3.Row, events: dict[str, set[tuple[Any, ...]]]) -> list[str]:
    """Half-applied changes to one draft: missing versions, a final without an approval, a stray open review."""
    problems = []
    tag = d["id"][:8]
    numbers = [r[0] for r in conn.execute("SELECT number FROM versions WHERE draft_id = ? ORDER BY number", (d["id"],))]
    if numbers != list(range(1, d["current_version"] + 1)):
        problems.append(f"draft {tag}: versions {numbers} but current_version {d['current_version']}")
    open_reviews = conn.execute(
        "SELECT COUNT(*) FROM reviews WHERE draft_id = ? AND status = 'open'", (d["id"],)
    ).fetchone()[0]
    if (d["status"] == "in_review") != (open_reviews == 1) or open_reviews > 1:
        problems.append(f"draft {tag} is {d['status']} with {open_reviews} open reviews")
    if d["status"] == "final":
        version = conn.execute(
            "SELECT sha256 FROM versions WHERE draft_id = ? AND number = ?", (d["id"], d["approved_version"])
        ).fetchone()
        approved = conn.execute(
            "SELECT COUNT(*) FROM reviews WHERE draft_id = ? AND status = 'approved' AND version = ? "
            "AND finished_at IS NOT NULL",
            (d["id"], d["approved_version"]),
        ).fetchone()[0]
        if version is None or version[0] != d["approved_sha256"] or d["approved_version"] != d["current_version"]:
            problems.append(f"draft {tag} is final but not pinned to its current version's sha256")
        if not approved:
            problems.append(f"draft {tag} is final without a finished approved review")
        if (d["id"], d["approved_version"], d["approved_sha256"]) not in events.get("draft.final", set()):
            problems.append(f"draft {tag} is final without a draft.final event")
        unresolved = conn.execute(
            "SELECT COUNT(*) FROM notes WHERE draft_id = ? AND resolution_json IS NULL", (d["id"],)
        ).fetchone()[0]
        if unresolved:
            problems.append(f"draft {tag} is final with {unresolved} unresolved notes")
    return problems


# ---- a workload that writes every kind of record ---------------------------------------------------------

SAMPLE = """# Report {n}

The batch size is {size} records, measured on {day} March 2025.

## Details

Uploads over {mb} MB go in parts, see https://example.com/guide/{n}.

## Thanks

Thanks to everyone who helped in round {n}.
"""


def sample_text(n: int, rng: random.Random) -> str:
    """A small markdown draft with numbers, a date and a URL, so the deterministic checks add notes."""
    return SAMPLE.format(n=n, size=rng.randint(10, 999), day=rng.randint(1, 28), mb=rng.randint(5, 90))


def churn(db: Path, workdir: Path, seed: int, rounds: int) -> None:
    """Import, annotate, note and review drafts step by step, as the CLI and the interactive review do."""
    from draftmate.domain.records import Decision, Severity, State
    from draftmate.services.drafts import add_note, import_draft
    from draftmate.services.reviews import begin_review

    rng = random.Random(seed)
    store = open_test_store(db)
    workdir.mkdir(parents=True, exist_ok=True)
    for i in range(rounds):
        # Resume a review a crash (or an earlier round) left open, before starting new work.
        for draft in list(store.iter_drafts(status=State.IN_REVIEW))[:1]:
            finish_review(begin_review(store, draft.id, reviewer="Rita Resume"))
        source = workdir / f"s{seed}-{i}.md"
        source.write_text(sample_text(i, rng))
        draft = import_draft(store, str(source), author="worker")
        add_note(store, draft.id, f"check round {i}", severity=Severity.VERIFY, lines=(1, 1), author="worker")
        session = begin_review(store, draft.id, reviewer="Rita Reviewer")
        mode = i % 4
        if mode == 1:
            session.mark_seen(0)
            session.edit(0, f"# Report {i}, edited\n")
        if mode == 2:
            session.mark_seen(0)
            session.reject("not this one")
            continue
        if mode == 3:
            session.mark_seen(0)
            session.decide(0, Decision.ACCEPT)
            continue  # left open: the next round resumes it
        finish_review(session)
    store.close()


def finish_review(session: Any) -> None:
    """Show and accept every section, resolve every note, approve: each step saved on its own."""
    from draftmate.domain.records import Decision, Resolution

    for index, state in enumerate(session.states()):
        session.mark_seen(index)
        if state in ("undecided", "stale"):
            session.decide(index, Decision.ACCEPT)
    for note in session.open_notes():
        session.resolve(str(note.number), Resolution.VERIFIED, "checked")
    session.approve()


def trace_statements(trace: Callable[[str], None], store: Any = None) -> Callable[[], None]:
    """Call `trace(sql)` before every SQL statement of every store this process opens, and of `store` if given
    (SQLite's trace callback, or around PostgreSQL's statement runner); returns what undoes it."""
    from draftmate.store.postgres import PgConnection
    from draftmate.store.sqlite import SQLiteStore

    original, original_statement = SQLiteStore._connect, PgConnection._statement

    def connect(path: Path) -> sqlite3.Connection:
        conn = original(path)
        conn.set_trace_callback(trace)
        return conn

    def statement(self: PgConnection, sql: str, params: Any = None) -> Any:
        trace(sql)
        return original_statement(self, sql, params)

    SQLiteStore._connect = staticmethod(connect)  # type: ignore[method-assign]
    PgConnection._statement = statement  # type: ignore[method-assign]
    if isinstance(store, SQLiteStore) and isinstance(store.conn, sqlite3.Connection):
        store.conn.set_trace_callback(trace)

    def undo() -> None:
        SQLiteStore._connect = staticmethod(original)  # type: ignore[method-assign]
        PgConnection._statement = original_statement  # type: ignore[method-assign]

    return undo


def kill_at_statement(n: int) -> None:
    """Make every store this process opens SIGKILL the process just before its n-th SQL statement."""
    counter = {"seen": 0}

    def trace(_sql: str) -> None:
        counter["seen"] += 1
        if counter["seen"] == n:
            os.kill(os.getpid(), signal.SIGKILL)

    trace_statements(trace)


def count_statements(db: Path, workdir: Path, seed: int, rounds: int) -> list[str]:
    """The SQL statements one churn run executes, in order."""
    seen: list[str] = []
    undo = trace_statements(seen.append)
    try:
        churn(db, workdir, seed, rounds)
    finally:
        undo()
    return seen


def in_child(target: Callable[..., None], *args: Any, timeout: float = 120) -> int:
    """Run `target(*args)` in a forked process; its exit code (negative: killed by that signal)."""
    process = FORK.Process(target=target, args=args)
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()
        raise AssertionError(f"{target.__name__} did not finish in {timeout}s")
    return int(process.exitcode or 0)


# ---- the real command in a subprocess -------------------------------------------------------------------


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a draftmate subprocess: no settings from this machine, data in `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRAFTMATE_", "OPENAI_"))}
    env.pop("EDITOR", None)
    env.pop("VISUAL", None)
    env.update({"DRAFTMATE_HOME": str(home), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", **extra})
    return env


def cli(
    home: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`draftmate ARGS` as a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "draftmate", *args],
        env=env or clean_env(home),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=home.parent,
    )


# ---- llmock, an OpenAI-compatible server that injects faults --------------------------------------------

LLMOCK_ENV = "DRAFTMATE_TEST_LLMOCK"
# Read at import: the autouse `hermetic` fixture clears every DRAFTMATE_* variable before a test runs.
_LLMOCK_AT_IMPORT = os.environ.get(LLMOCK_ENV)


def llmock_setting() -> str | None:
    """DRAFTMATE_TEST_LLMOCK as the suite was started with."""
    return os.environ.get(LLMOCK_ENV) or _LLMOCK_AT_IMPORT


def llmock_binary() -> Path | None:
    """The `llmock` executable named by DRAFTMATE_TEST_LLMOCK, if it is there."""
    value = llmock_setting()
    if not value:
        return None
    path = Path(value)
    return path if path.is_file() and os.access(path, os.X_OK) else None


# Pinned: its verdict rules decide whether the fault tests pass, and a new release must not fail them unannounced.
LLMOCK_PIN = "llmock==0.2.2"
# Its own venv (it pins fastapi/uvicorn and registers a pytest plugin), where .ci/run and `make test` look too.
LLMOCK_VENV = REPO / ".ci-llmock"
LLMOCK_READY = LLMOCK_VENV / ".draftmate-ready"  # written last: a venv without it was cut short and is rebuilt
LLMOCK_SKIP = "skip"  # DRAFTMATE_TEST_LLMOCK=skip: leave the fault tests out, knowingly


class LLMockUnavailable(RuntimeError):
    """No llmock to test against, and why, with what to do about it."""


def provide_llmock() -> Path:
    """The llmock DRAFTMATE_TEST_LLMOCK names, else one built once into .ci-llmock/ (reused by every later run)."""
    value = llmock_setting()
    if value:
        found = llmock_binary()
        if found is None:
            raise LLMockUnavailable(f"{LLMOCK_ENV}={value} is not an executable: point it at an `llmock`, or unset it")
        return found
    binary = LLMOCK_VENV / "bin" / "llmock"
    import fcntl

    with open(REPO / ".ci-llmock.lock", "w") as lock:  # two test runs at once build it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if LLMOCK_READY.is_file() and LLMOCK_READY.read_text().strip() == LLMOCK_PIN and binary.is_file():
            return binary
        import shutil

        shutil.rmtree(LLMOCK_VENV, ignore_errors=True)
        steps = [
            [sys.executable, "-m", "venv", str(LLMOCK_VENV)],
            [str(LLMOCK_VENV / "bin" / "python"), "-m", "pip", "install", "-q", LLMOCK_PIN],
            [str(binary), "--help"],
        ]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=900, check=False)
            if done.returncode != 0:
                said = (done.stderr or done.stdout).strip().splitlines()[-3:]
                raise LLMockUnavailable(
                    f"could not set up {LLMOCK_PIN} in {LLMOCK_VENV} ({' '.join(step[:4])}: {' / '.join(said)}); "
                    f"set {LLMOCK_ENV}=/path/to/llmock, or {LLMOCK_ENV}={LLMOCK_SKIP} to leave the fault tests out"
                )
        LLMOCK_READY.write_text(LLMOCK_PIN + "\n")
        return binary


# Test servers are on 127.0.0.1: never reach them through a proxy the machine's environment names.
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PORT_ATTEMPTS = 3


class PortTaken(RuntimeError):
    """llmock could not bind the port it was given: something else took it first."""


class LLMock:
    """A running llmock server: its URL, its control API, and how to stop it."""

    def __init__(self, binary: Path, log: Path, *extra: str) -> None:
        self.log = log
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LLMOCK_", "OPENAI_", "DRAFTMATE_"))}
        # A port probed free can be taken before llmock binds it (it cannot be told to bind port 0 and say which):
        # on "address already in use", try another.
        for attempt in range(1, PORT_ATTEMPTS + 1):
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            args = [str(binary), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
            args += ["--response-style", "echo", "--log-level", "warning", *extra]
            with log.open("wb") as out:
                self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
            try:
                self._wait_ready(20.0)
                return
            except PortTaken:
                if attempt == PORT_ATTEMPTS:
                    raise

    def _wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = self.log.read_text(errors="replace")[-2000:]
                error = PortTaken if "address already in use" in said.lower() else RuntimeError
                raise error(f"llmock exited with {self.process.returncode}: {said}")
            with contextlib.suppress(OSError, ValueError):
                self.control("GET", "/_llmock/scenario")
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"llmock did not answer on {self.url} within {seconds}s")

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the control API and return its JSON."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with LOCAL.open(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def script(self, *behaviors: dict[str, Any]) -> None:
        """Queue faults for the next requests, e.g. {"type": "fail", "status": 429, "retry_after": 1}."""
        self.control("POST", "/_llmock/scenario", {"behaviors": list(behaviors)})

    def reset(self) -> None:
        """Forget requests and queued faults."""
        self.control("POST", "/_llmock/reset")

    def requests(self) -> list[dict[str, Any]]:
        """Every request served since the last reset."""
        return list(self.control("GET", "/_llmock/requests")["requests"])

    def verdict(self) -> dict[str, Any]:
        """llmock's judgement of how the client coped."""
        return dict(self.control("GET", "/_llmock/verdict"))

    def stop(self) -> None:
        """Stop the server and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def running_llmock(binary: Path, log: Path, *extra: str) -> Iterator[LLMock]:
    """An llmock server for the length of a block."""
    server = LLMock(binary, log, *extra)
    try:
        yield server
    finally:
        server.stop()


def urlopen_ok(url: str) -> bool:
    """Whether a GET on `url` answers 2xx."""
    try:
        with LOCAL.open(url, timeout=5) as r:
            return bool(200 <= r.status < 300)
    except (urllib.error.URLError, OSError):
        return False


def one_line_error(result: Any, code: int, *fragments: str) -> str:
    """Assert the command failed with `code` and exactly one `error:` line holding every fragment; return it."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return str(lines[0])
