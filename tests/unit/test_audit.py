"""The hash-chained audit log: it verifies, and any hand edit of the database is caught and named."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.domain.records import Decision, Kind, Origin, Severity
from draftmate.services.reviews import begin_review
from draftmate.store.sqlite import GENESIS, SQLiteStore, sha256_hex


@dataclass
class Recorded:
    """A store with a draft, a note and a review in it, and the IDs to tamper with."""

    path: Path
    draft_id: str
    note_id: str
    review_id: str


@pytest.fixture
def recorded(hermetic: Path) -> Recorded:
    path = hermetic / "draftmate.db"
    s = SQLiteStore(path)
    draft = s.create_draft(
        "# Notes\n\nThe batch holds 500 records.\n", kind=Kind.TEXT, lang="", origin=Origin.MODEL, author=""
    )
    note = s.add_note(draft.id, version=1, kind="number", severity=Severity.VERIFY, why="check 500", source="checks")
    session = begin_review(s, draft.id, reviewer="Ada")
    session.mark_seen(0)
    session.decide(0, Decision.ACCEPT)
    s.create_draft("another draft\n", kind=Kind.TEXT, lang="", origin=Origin.HUMAN, author="Bo")
    s.close()
    return Recorded(path, draft.id, note.id, session.review.id)


def tamper(path: Path, sql: str, params: tuple[object, ...] = ()) -> None:
    conn = sqlite3.connect(path)
    with conn:
        changed = conn.execute(sql, params).rowcount
    conn.close()
    assert changed == 1, f"the tampering statement changed {changed} rows"


def problems_of(path: Path) -> list[str]:
    s = SQLiteStore(path)
    try:
        return s.verify()
    finally:
        s.close()


def test_an_untouched_chain_verifies(recorded: Recorded, runner: CliRunner) -> None:
    s = SQLiteStore(recorded.path)
    events = list(s.iter_audit())
    assert events[0].prev_hash == GENESIS
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert s.verify() == []
    s.close()
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 0, result.stderr
    assert f"audit chain of {len(events)} events intact" in result.stdout


def event_seq(path: Path, event: str) -> int:
    conn = sqlite3.connect(path)
    seq = conn.execute("SELECT seq FROM audit WHERE event = ? ORDER BY seq LIMIT 1", (event,)).fetchone()[0]
    conn.close()
    return int(seq)


Case = Callable[[Recorded], tuple[str, tuple[object, ...], str]]

CASES: dict[str, Case] = {
    "event payload": lambda r: (
        'UPDATE audit SET payload_json = replace(payload_json, \'"severity":"verify"\', \'"severity":"info"\') '
        "WHERE event = 'note.added'",
        (),
        f"audit event {event_seq(r.path, 'note.added')} (note.added) was altered",
    ),
    "event actor": lambda r: (
        "UPDATE audit SET actor = 'Mallory' WHERE event = 'review.started'",
        (),
        f"audit event {event_seq(r.path, 'review.started')} (review.started) was altered",
    ),
    "event hash": lambda r: (
        "UPDATE audit SET hash = ? WHERE seq = 2",
        ("f" * 64,),
        "audit event 2 (",
    ),
    "deleted event": lambda r: ("DELETE FROM audit WHERE seq = 3", (), "audit event 3 is missing"),
    "version content": lambda r: (
        "UPDATE versions SET content = 'The batch holds 5000 records.' WHERE draft_id = ?",
        (r.draft_id,),
        f"version {r.draft_id[:8]}/1: content does not match its sha256",
    ),
    "version content and sha256": lambda r: (
        "UPDATE versions SET content = 'x', sha256 = ? WHERE draft_id = ?",
        (sha256_hex("x"), r.draft_id),
        f"version {r.draft_id}/1 differs from what audit event",
    ),
    "note row": lambda r: (
        "UPDATE notes SET severity = 'info' WHERE id = ?",
        (r.note_id,),
        f"note {r.note_id} of draft {r.draft_id} differs from what audit event",
    ),
    "note resolved by hand": lambda r: (
        'UPDATE notes SET resolution_json = \'{"status":"verified","by":"x","at":"x","comment":""}\' WHERE id = ?',
        (r.note_id,),
        f"note {r.note_id} of draft {r.draft_id} differs from what audit event",
    ),
    "review row": lambda r: (
        "UPDATE reviews SET reviewer = 'Mallory' WHERE id = ?",
        (r.review_id,),
        f"review {r.review_id} of draft {r.draft_id} differs from what audit event",
    ),
    "review decisions": lambda r: (
        "UPDATE reviews SET decisions_json = '[]' WHERE id = ?",
        (r.review_id,),
        f"review {r.review_id} of draft {r.draft_id} differs from what audit event",
    ),
    "draft made final": lambda r: (
        "UPDATE drafts SET status = 'final' WHERE id = ?",
        (r.draft_id,),
        f"draft {r.draft_id} differs from what audit event",
    ),
    "draft approved hash": lambda r: (
        "UPDATE drafts SET approved_sha256 = ? WHERE id = ?",
        ("a" * 64, r.draft_id),
        f"draft {r.draft_id} differs from what audit event",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tampering_is_caught_and_named(recorded: Recorded, runner: CliRunner, case: str) -> None:
    sql, params, named = CASES[case](recorded)
    tamper(recorded.path, sql, params)
    problems = problems_of(recorded.path)
    assert any(named in p for p in problems), problems
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 1
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert "ok" not in result.stdout


def test_verify_of_one_draft_ignores_another_drafts_records(recorded: Recorded, runner: CliRunner) -> None:
    tamper(recorded.path, "UPDATE notes SET why = 'changed' WHERE id = ?", (recorded.note_id,))
    s = SQLiteStore(recorded.path)
    other = next(d.id for d in s.list_drafts() if d.id != recorded.draft_id)
    s.close()
    assert runner.invoke(app, ["verify", recorded.draft_id[:8]]).exit_code == 1
    clean = runner.invoke(app, ["verify", other[:8]])
    assert clean.exit_code == 0, clean.stderr


def test_a_broken_link_is_reported_at_the_first_break(recorded: Recorded) -> None:
    tamper(recorded.path, "UPDATE audit SET prev_hash = ? WHERE seq = 4", ("0" * 64,))
    problems = problems_of(recorded.path)
    assert problems[0].startswith("audit event 4 ")
