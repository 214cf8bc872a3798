"""Tamper evidence: a version, note, review, draft or audit row edited by hand (raw SQL) is caught by `verify`."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite and on PostgreSQL

SOURCE = "# Plan\n\nShip on 3 March 2025 to 40 sites.\n\n## Risks\n\nThe vendor may be late.\n"


@pytest.fixture
def approved(runner: CliRunner, hermetic: Path, tmp_path: Path) -> dict[str, str]:
    """One approved draft with a human note and resolved notes; returns the IDs of what a tamperer would edit."""
    source = tmp_path / "plan.md"
    source.write_text(SOURCE)
    draft_id = json.loads(runner.invoke(app, ["draft", "--from-file", str(source), "--json"]).stdout)["id"]
    assert runner.invoke(app, ["note", draft_id[:8], "is the vendor named?", "--lines", "7-7"]).exit_code == 0
    notes = json.loads(runner.invoke(app, ["show", draft_id[:8], "--json"]).stdout)["notes"]
    resolve = [a for n in notes for a in ("--resolve", f"{n['number']}=verified:checked")]
    result = runner.invoke(app, ["review", draft_id[:8], "--decision", "approve", "--reviewer", "Rita", *resolve])
    assert result.exit_code == 0, result.output
    record = json.loads(runner.invoke(app, ["show", draft_id[:8], "--json"]).stdout)
    assert runner.invoke(app, ["verify"]).exit_code == 0
    return {"draft": draft_id, "note": record["notes"][-1]["id"], "review": record["reviews"][0]["id"]}


def raw(home: Path, sql: str, *params: object) -> None:
    """Change the database behind draftmate's back, as someone with the file and the sqlite3 shell (or psql as the
    database's owner) could."""
    url = os.environ.get("DRAFTMATE_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as pg:
            changed = pg.execute(sql.replace("?", "%s"), params).rowcount
    else:
        conn = sqlite3.connect(home / "draftmate.db")
        with conn:
            changed = conn.execute(sql, params).rowcount
        conn.close()
    assert changed >= 1, f"the tamper changed nothing: {sql}"


TAMPERS = {
    "version content": (
        "UPDATE versions SET content = replace(content, '40 sites', '400 sites') WHERE draft_id = ?",
        "draft",
        ["version {d8}/1: content does not match its sha256", "version {draft}/1 differs from what audit event"],
    ),
    "version content and its sha256": (
        "UPDATE versions SET content = 'all new', sha256 = "
        "'d9a1b0b8e3f5bd58d38b5cf2e25a4de1bdf0c87e5f0b14f0e0c6b8e5a4b7f6f0' WHERE draft_id = ?",
        "draft",
        ["version {draft}/1 differs from what audit event"],
    ),
    "note text": (
        "UPDATE notes SET why = 'nothing to see here' WHERE id = ?",
        "note",
        ["note {note} of draft {draft}"],
    ),
    "note resolution": ("UPDATE notes SET resolution_json = NULL WHERE id = ?", "note", ["note {note} of draft"]),
    "note deleted": ("DELETE FROM notes WHERE id = ?", "note", ["note {note} of draft {draft} differs"]),
    "review reviewer": (
        "UPDATE reviews SET reviewer = 'Mallory' WHERE id = ?",
        "review",
        ["review {review} of draft {draft} differs"],
    ),
    "review decisions": ("UPDATE reviews SET decisions_json = '[]' WHERE id = ?", "review", ["review {review}"]),
    "draft status": ("UPDATE drafts SET status = 'draft' WHERE id = ?", "draft", ["draft {draft} differs"]),
    "audit payload": (
        "UPDATE audit SET actor = 'Mallory' WHERE seq = (SELECT MAX(seq) FROM audit WHERE draft_id = ?)",
        "draft",
        ["was altered after it was written"],
    ),
    "audit event deleted": (
        "DELETE FROM audit WHERE seq = (SELECT MIN(seq) FROM audit WHERE draft_id = ?)",
        "draft",
        ["audit event 1 is missing"],
    ),
    "note added by hand": (
        "INSERT INTO notes (id, draft_id, number, version, kind, severity, why, source, created_at) "
        "VALUES ('f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0', ?, 99, 1, 'human', 'info', 'forged', 'human', '2025-01-01')",
        "draft",
        ["note f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0 of draft {draft} has no audit event"],
    ),
    "approving review added by hand": (
        "INSERT INTO reviews (id, draft_id, version, reviewer, editorial_responsibility, status, started_at) "
        "VALUES ('e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0', ?, 1, 'Mallory', 'Mallory', 'approved', '2025-01-01')",
        "draft",
        ["review e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0 of draft {draft} has no audit event"],
    ),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_verify_catches_a_hand_edit_and_names_the_record(
    runner: CliRunner, hermetic: Path, approved: dict[str, str], name: str
) -> None:
    sql, target, expected = TAMPERS[name]
    raw(hermetic, sql, approved[target])
    names = {**approved, "d8": approved["draft"][:8]}
    for args in (["verify"], ["verify", approved["draft"][:8]]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (name, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and "ok:" not in result.stdout
        failures = [line for line in result.stderr.splitlines() if line.startswith("FAIL ")]
        assert failures, result.stderr
        for fragment in expected:
            wanted = fragment.format(**names)
            assert any(wanted in line for line in failures), (wanted, failures)


def test_a_tampered_draft_is_not_exported(runner: CliRunner, hermetic: Path, approved: dict[str, str]) -> None:
    """The export of a final draft whose approved text was edited by hand is refused and writes nothing."""
    out = hermetic.parent / "out.md"
    raw(hermetic, TAMPERS["version content"][0], approved["draft"])
    result = runner.invoke(app, ["export", approved["draft"][:8], "-o", str(out)])
    assert result.exit_code != 0 and not out.exists()
    assert "Traceback" not in result.stderr and result.stderr.startswith("error: ")
