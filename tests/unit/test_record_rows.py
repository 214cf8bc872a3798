"""`show` builds its record from rows without pydantic, equal to the models' record; odd rows still meet the models."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pydantic
import pytest
from test_startup_imports import probe
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli.commands import app
from draftmate.errors import NotFound
from draftmate.services.drafts import draft_record, model_record
from draftmate.store.record_rows import record_of_rows
from draftmate.store.rows import DamagedRow
from draftmate.store.sqlite import SQLiteStore


def cli(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result


def imported(runner: CliRunner, path: Path) -> str:
    return str(json.loads(cli(runner, "draft", "--from-file", str(path), "--json").stdout)["id"])


@pytest.fixture
def drafts(runner: CliRunner, hermetic: Path, tmp_path: Path) -> dict[str, str]:
    """Drafts with every shape `show` meets: checked notes (risk, signals), a human note with and one without
    lines, resolutions, reviews with decisions (changes asked, then approved), several versions, confidence,
    and a draft whose drafting was cut short (no version yet)."""
    code = imported(runner, EXAMPLES / "slugify.py")
    text = imported(runner, EXAMPLES / "release-notes.md")
    cli(runner, "note", text[:8], "is the date right?", "--lines", "1-1", "--severity", "blocking")
    cli(runner, "note", text[:8], "who signs this off?", "--severity", "info")
    cli(runner, "review", text[:8], "--decision", "changes", "--reviewer", "Rita", "--reason", "names")
    revised = tmp_path / "release-notes.md"
    revised.write_text((EXAMPLES / "release-notes.md").read_text() + "\nOne more line.\n")
    cli(runner, "draft", "--from-file", str(revised), "--version-of", text[:8])
    notes = json.loads(cli(runner, "show", text[:8], "--json").stdout)["notes"]
    resolve = [a for n in notes if n["resolution"] is None for a in ("--resolve", f"{n['number']}=verified:ok")]
    cli(runner, "review", text[:8], "--decision", "approve", "--reviewer", "Ann", *resolve)
    from draftmate.domain.vocabulary import Kind

    store = SQLiteStore(hermetic / "draftmate.db")
    pending = store.create_pending_draft(kind=Kind.TEXT, lang="", title="cut short", request={"spec": "x"}).id
    store.close()
    return {"code": code, "text": text, "pending": pending}


def by_models(store: SQLiteStore, draft_id: str) -> dict[str, Any]:
    """The record as `show` built it before: every row through its pydantic model."""
    return model_record(
        store.get_draft(draft_id),
        store.list_versions(draft_id),
        store.list_notes(draft_id),
        store.list_reviews(draft_id),
    )


def from_rows(store: SQLiteStore, draft_id: str) -> dict[str, Any] | None:
    rows = store.draft_rows(draft_id)
    return record_of_rows(rows.draft, rows.versions, rows.notes, rows.reviews)


@pytest.mark.parametrize("which", ["code", "text", "pending"])
def test_the_record_from_rows_is_the_models_record(drafts: dict[str, str], store: SQLiteStore, which: str) -> None:
    draft_id = drafts[which]
    fast, reference = from_rows(store, draft_id), by_models(store, draft_id)
    assert fast is not None, "a draft draftmate wrote itself must take the fast path"
    assert fast == reference
    assert json.dumps(fast) == json.dumps(reference)  # the same keys in the same order: `show --json`'s bytes
    assert draft_record(store, draft_id) == reference


def test_the_fixture_covers_what_show_renders(drafts: dict[str, str], store: SQLiteStore) -> None:
    # the equality above only means something if these shapes were in it
    record = from_rows(store, drafts["text"])
    assert record is not None
    assert len(record["versions"]) == 2 and len(record["reviews"]) == 2
    assert record["reviews"][-1]["decisions"] and record["reviews"][-1]["seen"]
    assert {n["lines"] is None for n in record["notes"]} == {True, False}
    assert all(n["resolution"] for n in record["notes"])
    assert any(n["risk"] is not None and n["signals"] for n in record["notes"])
    assert record["confidence"]["risk"] is not None


# Hand edits of rows that the models refuse (`:d` is the draft): the fast path must vouch for none of them.
REFUSED = {
    "risk out of range": "UPDATE notes SET risk = 1.5 WHERE draft_id = :d AND risk IS NOT NULL",
    "unknown key in a resolution": "UPDATE notes SET resolution_json = json_set(resolution_json, '$.x', 1) "
    "WHERE draft_id = :d AND resolution_json IS NOT NULL",
    "unknown resolution": "UPDATE notes SET resolution_json = json_set(resolution_json, '$.status', 'maybe') "
    "WHERE draft_id = :d AND resolution_json IS NOT NULL",
    "decision with an unknown key": "UPDATE reviews SET decisions_json = "
    "json_set(decisions_json, '$[0].x', 1) WHERE draft_id = :d AND decisions_json != '[]'",
    "seen not a list": "UPDATE reviews SET seen_json = '{}' WHERE draft_id = :d",
    "score not a number": "UPDATE drafts SET confidence_score = 'high' WHERE id = :d",
    "meta not an object": "UPDATE versions SET meta_json = '[1]' WHERE draft_id = :d",
    "unknown origin": "UPDATE versions SET origin = 'alien' WHERE draft_id = :d",
    "line end missing": "UPDATE notes SET line_end = NULL WHERE draft_id = :d AND line_start IS NOT NULL",
}


def tamper(home: Path, sql: str, draft_id: str) -> None:
    """Change the database behind draftmate's back (CHECK constraints off, as a hand edit could)."""
    conn = sqlite3.connect(home / "draftmate.db")
    conn.execute("PRAGMA ignore_check_constraints = ON")
    with conn:
        assert conn.execute(sql, {"d": draft_id}).rowcount >= 1, sql
    conn.close()


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_row_the_models_refuse_is_still_refused(
    drafts: dict[str, str], hermetic: Path, store: SQLiteStore, case: str
) -> None:
    draft_id = drafts["text"]
    tamper(hermetic, REFUSED[case], draft_id)
    assert from_rows(store, draft_id) is None
    with pytest.raises((pydantic.ValidationError, ValueError, DamagedRow)) as by_model:  # DamagedRow: one line
        by_models(store, draft_id)
    with pytest.raises(type(by_model.value)):
        draft_record(store, draft_id)


def test_a_row_the_models_coerce_goes_through_them(drafts: dict[str, str], hermetic: Path, store: SQLiteStore) -> None:
    # pydantic reads "0" as the int 0; the fast path does not guess, so the models make the record
    draft_id = drafts["text"]
    sql = "UPDATE reviews SET decisions_json = json_set(decisions_json, '$[0].index', '0') WHERE draft_id = :d "
    tamper(hermetic, sql + "AND decisions_json != '[]'", draft_id)
    assert from_rows(store, draft_id) is None
    record = draft_record(store, draft_id)
    assert record == by_models(store, draft_id)
    assert record["reviews"][-1]["decisions"][0]["index"] == 0


def test_draft_rows_of_a_missing_draft(store: SQLiteStore) -> None:
    with pytest.raises(NotFound):
        store.draft_rows("0" * 32)


@pytest.mark.parametrize("args", [[], ["--json"]])
def test_show_of_a_reviewed_draft_loads_no_pydantic(
    tmp_path: Path, drafts: dict[str, str], runner: CliRunner, args: list[str]
) -> None:
    # pydantic was ~170 ms of `show`'s 470 ms on a 100k store (bench/startup.py)
    found = probe(tmp_path, "show", drafts["text"][:8], *args)["modules"]
    assert isinstance(found, list)
    modules = {m.split(".")[0] for m in found}
    assert not modules & {"pydantic", "pydantic_core"}
    if args:
        assert "rich" not in modules


def test_show_renders_a_reviewed_draft(drafts: dict[str, str], runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", drafts["text"][:8]], env={"COLUMNS": "200"})  # no folded cells
    assert result.exit_code == 0, result.stderr
    for part in ("v2 (imported)", "confidence medium", "who signs this off?", "verified by Ann", "One more line."):
        assert part in result.stdout, result.stdout


def test_show_reads_by_index_and_scans_no_table(drafts: dict[str, str], store: SQLiteStore) -> None:
    # on 100k drafts a scan of any of these tables would be most of `show`'s time; every query must seek
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)  # each statement as run, its parameters filled in
    draft_record(store, store.resolve_id(drafts["text"][:8]))
    store.conn.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) >= 5  # resolve, draft, versions, notes, reviews
    for sql in selects:
        plan = [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql)]
        assert all(step.startswith("SEARCH") for step in plan), (sql, plan)
