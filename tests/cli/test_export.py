"""`draftmate export`: only final work leaves, byte for byte, with provenance that validates against the schema."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from draftmate import __version__
from draftmate.cli.commands import app
from draftmate.domain.records import Kind, NoteResolution, Origin, Review, SectionDecision, Severity, State
from draftmate.domain.row_mapping import TRUSTED, note_fields, note_json, review_fields
from draftmate.provenance import formats as export
from draftmate.provenance.front_matter import from_yaml, front_matter
from draftmate.provenance.record import COMPOSITE, TRAINED
from draftmate.services import reviews as reviewing
from draftmate.services.exports import (
    BulkReport,
    approving_review,
    iter_final_lines,
    load_bundle,
    provenance_of,
    refusal,
    store_signer,
)
from draftmate.services.reviews import begin_review
from draftmate.store import sqlite as store_module
from draftmate.store.migrations import MIGRATIONS
from draftmate.store.sqlite import SQLiteStore, sha256_hex
from draftmate.store.team import TeamRecords

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite and on PostgreSQL

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "provenance.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
TEXT = "# Launch notes\n\nThe service handles 42 requests per second.\n\nIt was released in 2021.\n"
CODE = '#!/usr/bin/env python3\n"""Add numbers."""\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n'
MODEL_META = {
    "provider": "openai",
    "model": "gpt-4o-mini",
    "template": {"name": "draft-text", "version": "3", "sha256": "ab" * 32},
    "params": {"temperature": 0.2},
    "usage": {"prompt_tokens": 10, "completion_tokens": 20},
    "latency_ms": 812,
    "finish_reason": "stop",
}


def valid(provenance: dict[str, Any]) -> None:
    """Fail with every schema error found."""
    errors = sorted(VALIDATOR.iter_errors(provenance), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def cli(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(app, list(args))


def imported(runner: CliRunner, tmp_path: Path, text: str = TEXT, name: str = "notes.md") -> str:
    """Import a file as a draft; its full ID."""
    source = tmp_path / "src" / name
    source.parent.mkdir(exist_ok=True)
    source.write_text(text)
    result = cli(runner, "draft", "--from-file", str(source), "--json")
    assert result.exit_code == 0, result.stderr
    return str(json.loads(result.stdout)["id"])


def approve(runner: CliRunner, draft_id: str, reviewer: str = "Ann Editor", *extra: str) -> None:
    """Approve through the CLI, resolving every open note as verified."""
    notes = json.loads(cli(runner, "show", draft_id, "--json").stdout)["notes"]
    args = ["review", draft_id, "--decision", "approve", "--reviewer", reviewer, *extra]
    for n in notes:
        if n["resolution"] is None:
            args += ["--resolve", f"{n['number']}=verified"]
    result = cli(runner, *args)
    assert result.exit_code == 0, result.stderr
    assert "final" in result.stdout


def final_import(runner: CliRunner, tmp_path: Path, text: str = TEXT, name: str = "notes.md") -> str:
    draft_id = imported(runner, tmp_path, text, name)
    approve(runner, draft_id)
    return draft_id


def model_draft(store: SQLiteStore, content: str = TEXT, kind: Kind = Kind.TEXT, lang: str = "markdown") -> str:
    """A draft as the model would have stored it (the store's own API; no model call in tests)."""
    return store.create_draft(content, kind=kind, lang=lang, origin=Origin.MODEL, author="", meta=MODEL_META).id


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory for exports."""
    where = tmp_path / "out"
    where.mkdir()
    monkeypatch.chdir(where)
    return where


def listing(where: Path) -> list[str]:
    return sorted(p.name for p in where.iterdir())


# ---- refusals: exit 3 (or 1/2), nothing written -----------------------------------------------------------


def test_a_draft_nobody_reviewed_is_refused(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = imported(runner, tmp_path)
    result = cli(runner, "export", draft_id[:8], "-o", str(out / "x.md"))
    assert result.exit_code == 3
    assert f"draft {draft_id[:8]} is draft, not final; nothing was written" in result.stderr
    assert "draftmate review" in result.stderr
    assert listing(out) == []


def test_in_review_refusal_names_undecided_sections_and_open_notes(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    draft_id = imported(runner, tmp_path)
    begin_review(store, draft_id, reviewer="Ann")
    for fmt in export.FORMATS:
        result = cli(runner, "export", draft_id[:8], "--format", fmt)
        assert result.exit_code == 3, result.stderr
        assert "is in_review, not final" in result.stderr
        assert "section 1 (lines 1-" in result.stderr and "is undecided" in result.stderr
        assert "note 1 (" in result.stderr and "is unresolved" in result.stderr
    assert listing(out) == []


@pytest.mark.parametrize(("decision", "word"), [("changes", "asked for changes"), ("reject", "rejected it")])
def test_changes_and_rejected_are_refused_with_the_reason(
    runner: CliRunner, tmp_path: Path, out: Path, decision: str, word: str
) -> None:
    draft_id = imported(runner, tmp_path)
    reviewed = cli(runner, "review", draft_id, "--decision", decision, "--reviewer", "Bo", "--reason", "too vague")
    assert reviewed.exit_code == 0, reviewed.stderr
    result = cli(runner, "export", draft_id[:8], "--format", "json", "--force")
    assert result.exit_code == 3
    assert f"Bo {word}: too vague" in result.stderr
    assert listing(out) == []


def test_final_draft_with_tampered_content_is_refused(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    draft_id = final_import(runner, tmp_path)
    store.conn.execute("UPDATE versions SET content = content || 'x' WHERE draft_id = ?", (draft_id,))
    result = cli(runner, "export", draft_id[:8])
    assert result.exit_code == 3
    assert "is final but does not check out" in result.stderr
    assert "no longer hashes to the approved sha256" in result.stderr
    assert "differs from what the audit log recorded" in result.stderr
    assert listing(out) == []


def test_final_draft_with_a_hand_edited_review_is_refused(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    draft_id = final_import(runner, tmp_path)
    store.conn.execute("UPDATE reviews SET reviewer = 'Mallory' WHERE draft_id = ?", (draft_id,))
    result = cli(runner, "export", draft_id[:8], "-o", "x.md")
    assert result.exit_code == 3
    assert "review" in result.stderr and "edited by hand?" in result.stderr
    assert listing(out) == []


def test_final_draft_with_an_altered_audit_event_is_refused(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    draft_id = final_import(runner, tmp_path)
    store.conn.execute(
        "UPDATE audit SET actor = 'Mallory' WHERE seq = (SELECT MAX(seq) FROM audit WHERE draft_id = ?)", (draft_id,)
    )
    result = cli(runner, "export", draft_id[:8])
    assert result.exit_code == 3
    assert "was altered after it was written" in result.stderr
    assert listing(out) == []


def test_unknown_id_and_bad_arguments(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    unknown = cli(runner, "export", "ffffffff")
    assert unknown.exit_code == 1 and "no draft 'ffffffff'" in unknown.stderr
    not_an_id = cli(runner, "export", "zz")
    assert not_an_id.exit_code == 2
    bad_format = cli(runner, "export", draft_id[:8], "--format", "pdf")
    assert bad_format.exit_code == 2 and "--format 'pdf'" in bad_format.stderr
    neither = cli(runner, "export")
    assert neither.exit_code == 2
    both = cli(runner, "export", draft_id[:8], "--all")
    assert both.exit_code == 2
    assert listing(out) == []


# ---- the formats ----------------------------------------------------------------------------------------------


def test_markdown_has_front_matter_then_exactly_the_approved_content(
    runner: CliRunner, tmp_path: Path, out: Path
) -> None:
    draft_id = final_import(runner, tmp_path)
    result = cli(runner, "export", draft_id[:8])
    assert result.exit_code == 0, result.stderr
    path = out / f"{draft_id[:8]}-launch-notes.md"
    assert listing(out) == [path.name]
    data = path.read_bytes()
    head, _, body = data[4:].partition(b"\n---\n")
    assert data.startswith(b"---\n") and body == TEXT.encode()
    provenance = from_yaml(head.decode())
    valid(provenance)
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load(head.decode()) == provenance  # any YAML reader gets the same values
    assert provenance["content_sha256"] == sha256_hex(TEXT)
    assert provenance["draft_id"] == draft_id
    assert provenance["origin"] == "imported" and provenance["import_source"] == "notes.md"
    assert provenance["ai_assisted"] is None and provenance["digital_source_type"] is None
    assert provenance["generator"] is None
    review = provenance["human_review"]
    assert review["reviewer"] == review["editorial_responsibility"] == "Ann Editor"
    assert review["sections"]["accepted"] >= 1 and review["sections"]["rejected"] == 0
    assert provenance["uncertainty"]["by_resolution"]["open"] == 0
    assert provenance["uncertainty"]["notes"] == provenance["uncertainty"]["by_resolution"]["verified"]
    assert "\n" not in provenance["disclosure"] and "Ann Editor" in provenance["disclosure"]


def test_code_stays_clean_with_a_sidecar(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path, CODE, "add.py")
    result = cli(runner, "export", draft_id[:8])
    assert result.exit_code == 0, result.stderr
    path = out / f"{draft_id[:8]}-usr-bin-env-python3.py"
    assert path.read_bytes() == CODE.encode()
    sidecar = json.loads((out / (path.name + ".provenance.json")).read_text())
    valid(sidecar)
    assert sidecar["kind"] == "code" and sidecar["lang"] == "python"
    assert sidecar["export"] == {"format": "code", "disclosure_line": None}


def test_disclose_adds_one_comment_line_after_the_shebang(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path, CODE, "add.py")
    result = cli(runner, "export", draft_id[:8], "-o", "add.py", "--disclose")
    assert result.exit_code == 0, result.stderr
    lines = (out / "add.py").read_text().split("\n")
    assert lines[0] == "#!/usr/bin/env python3"
    assert lines[1].startswith("# This code was imported into draftmate")
    assert "\n".join([lines[0], *lines[2:]]) == CODE
    sidecar = json.loads((out / "add.py.provenance.json").read_text())
    valid(sidecar)
    assert sidecar["export"]["disclosure_line"] == {"number": 2, "text": lines[1]}


def test_disclose_refuses_a_language_without_comments(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path, '{"a": 1}\n', "data.json")
    result = cli(runner, "export", draft_id[:8], "--disclose")
    assert result.exit_code == 2 and "json has no comments" in result.stderr
    assert listing(out) == []


def test_txt_and_json_formats(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    assert cli(runner, "export", draft_id[:8], "-f", "txt", "-o", "a.txt").exit_code == 0
    assert (out / "a.txt").read_bytes() == TEXT.encode()
    valid(json.loads((out / "a.txt.provenance.json").read_text()))
    assert cli(runner, "export", draft_id[:8], "-f", "json", "-o", "a.json").exit_code == 0
    record = json.loads((out / "a.json").read_text())
    valid(record["provenance"])
    assert record["content"] == TEXT
    assert record["review"]["status"] == "approved" and record["review"]["id"] == record["provenance"]["review_id"]
    assert [n["resolution"]["status"] for n in record["notes"]] == ["verified"] * len(record["notes"])
    assert listing(out) == ["a.json", "a.txt", "a.txt.provenance.json"]


def test_stdout_export_writes_no_file(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    result = cli(runner, "export", draft_id[:8], "-o", "-", "--trailer")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("---\n") and result.stdout.endswith(TEXT)
    assert "Assisted-by: draftmate:imported" in result.stderr
    code = cli(runner, "export", draft_id[:8], "-o", "-", "-f", "txt")
    assert code.stdout == TEXT
    assert listing(out) == []


def test_model_draft_provenance_and_trailer(runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore) -> None:
    draft_id = model_draft(store)
    approve(runner, draft_id, "Ann Editor", "--responsible", "Chief Editor")
    result = cli(runner, "export", draft_id[:8], "-f", "json", "-o", "m.json", "--trailer")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Assisted-by: draftmate:gpt-4o-mini\n"
    for forbidden in ("Co-authored-by", "Signed-off-by"):
        assert forbidden not in result.stdout + result.stderr
    provenance = json.loads((out / "m.json").read_text())["provenance"]
    valid(provenance)
    assert provenance["ai_assisted"] is True
    assert provenance["digital_source_type"] == TRAINED
    assert provenance["generator"] == {
        "tool": "draftmate",
        "tool_version": provenance["generator"]["tool_version"],
        "provider": "openai",
        "model": "gpt-4o-mini",
        "models": ["gpt-4o-mini"],
        "prompt_template": MODEL_META["template"],
    }
    assert provenance["human_review"]["editorial_responsibility"] == "Chief Editor"
    assert provenance["human_review"]["person_changed_text"] is False
    assert provenance["human_review"]["share_changed"] == 0.0
    assert (
        "gpt-4o-mini" in provenance["disclosure"]
        and "Chief Editor holds editorial responsibility" in (provenance["disclosure"])
    )


def test_a_person_edit_makes_it_composite(runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore) -> None:
    draft_id = model_draft(store)
    session = begin_review(store, draft_id, reviewer="Ann Editor")
    last = session.sections[-1]
    session.mark_seen(last.index)
    session.edit(last.index, "It was released in 2022, after a beta.\n")
    approve(runner, draft_id)
    result = cli(runner, "export", draft_id[:8], "-o", "e.md")
    assert result.exit_code == 0, result.stderr
    data = (out / "e.md").read_text()
    provenance = from_yaml(data[4 : data.index("\n---\n") + 1])
    valid(provenance)
    assert provenance["digital_source_type"] == COMPOSITE
    assert provenance["approved_version"] == 2
    assert provenance["human_review"]["person_changed_text"] is True
    assert provenance["human_review"]["sections"]["edited"] == 1
    assert 0 < provenance["human_review"]["share_changed"] < 1
    assert "reviewed, edited and approved" in provenance["disclosure"]
    assert data.endswith("It was released in 2022, after a beta.\n")


# ---- where files go ------------------------------------------------------------------------------------------


def test_existing_file_or_sidecar_is_not_overwritten_without_force(
    runner: CliRunner, tmp_path: Path, out: Path
) -> None:
    draft_id = final_import(runner, tmp_path, CODE, "add.py")
    (out / "add.py").write_text("mine\n")
    refused = cli(runner, "export", draft_id[:8], "-o", "add.py")
    assert refused.exit_code == 2 and "add.py exists; pass --force" in refused.stderr
    assert (out / "add.py").read_text() == "mine\n" and listing(out) == ["add.py"]
    (out / "add.py").unlink()
    (out / "add.py.provenance.json").write_text("{}")
    refused = cli(runner, "export", draft_id[:8], "-o", "add.py")
    assert refused.exit_code == 2 and "provenance.json exists" in refused.stderr
    assert listing(out) == ["add.py.provenance.json"]  # the code file was not written either
    forced = cli(runner, "export", draft_id[:8], "-o", "add.py", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert (out / "add.py").read_text() == CODE
    valid(json.loads((out / "add.py.provenance.json").read_text()))


def test_missing_directory_and_unwritable_path_give_one_line(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    missing = cli(runner, "export", draft_id[:8], "-o", str(out / "nope" / "x.md"))
    assert missing.exit_code == 2
    assert missing.stderr.count("\n") == 1 and "does not exist; create it first" in missing.stderr
    a_dir = cli(runner, "export", draft_id[:8], "-o", str(out))
    assert a_dir.exit_code == 2 and "is a directory" in a_dir.stderr
    locked = out / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        # root ignores directory modes; /sys refuses new files even to root
        target = locked if not os.access(locked, os.W_OK) else Path("/sys")
        if target == Path("/sys") and not target.is_dir():
            pytest.skip("running as root without /sys: no unwritable directory to try")
        denied = cli(runner, "export", draft_id[:8], "-o", str(target / "x.md"))
        assert denied.exit_code == 1
        assert denied.stderr.count("\n") == 1 and "cannot write" in denied.stderr
        assert not (target / "x.md").exists() and listing(locked) == []
    finally:
        locked.chmod(0o700)
    assert listing(out) == ["locked"]


# ---- export --all ------------------------------------------------------------------------------------------


def test_export_all_streams_json_lines_of_final_drafts_only(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    finals = [final_import(runner, tmp_path, f"# Doc {i}\n\nText {i}.\n", f"d{i}.md") for i in range(3)]
    imported(runner, tmp_path, "# Not yet\n\nPending.\n", "pending.md")
    result = cli(runner, "export", "--all", "--format", "json", "-o", "all.jsonl")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith("exported 3 final drafts to all.jsonl (JSON Lines)\n")  # all sealed
    lines = (out / "all.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["provenance"]["draft_id"] for r in records] == finals
    for r in records:
        valid(r["provenance"])
        assert sha256_hex(r["content"]) == r["provenance"]["content_sha256"]
    single = cli(runner, "export", finals[1][:8], "-f", "json", "-o", "one.json")
    assert single.exit_code == 0, single.stderr
    assert json.loads((out / "one.json").read_text()) == records[1]  # one code path, one record
    again = cli(runner, "export", "--all", "-o", "all.jsonl")
    assert again.exit_code == 2 and "exists" in again.stderr
    store.conn.execute("UPDATE versions SET content = 'evil' WHERE draft_id = ?", (finals[1],))
    tampered = cli(runner, "export", "--all", "-o", "all.jsonl", "--force")
    assert tampered.exit_code == 3
    assert f"refused: draft {finals[1][:8]} is final but does not check out" in tampered.stderr
    kept = [json.loads(line)["provenance"]["draft_id"] for line in (out / "all.jsonl").read_text().splitlines()]
    assert kept == [finals[0], finals[2]]
    bad = cli(runner, "export", "--all", "--format", "md")
    assert bad.exit_code == 2


def test_export_all_to_stdout(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    result = cli(runner, "export", "--all", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["provenance"]["draft_id"] == draft_id
    assert listing(out) == []


# ---- the front matter writer -------------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=30)
values = st.recursive(
    scalars | st.lists(scalars, max_size=3),
    lambda inner: st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), values, min_size=1, max_size=5))
def test_front_matter_round_trips_and_is_yaml(mapping: dict[str, Any]) -> None:
    text = front_matter(mapping)
    body = text[4:-4]
    assert text.startswith("---\n") and text.endswith("\n---\n")
    assert "\n---\n" not in "\n" + body  # the closing line cannot appear inside
    assert from_yaml(body) == mapping
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load(body) == mapping


def test_front_matter_escapes_what_yaml_reads_as_line_breaks() -> None:
    tricky = {"on": "a\u2028b\x85c\r\nd: e # f", "key": '"quoted" \\ \x1b[31m', "n": 0.1234}
    body = front_matter(tricky)[4:-4]
    assert "\u2028" not in body and "\x85" not in body and "\x1b" not in body
    assert from_yaml(body) == tricky
    with pytest.raises(ValueError):
        from_yaml('a: "x"\n  b: 1\n')


# ---- export --all: the row path writes what the model path writes, and refuses what it refuses ---------------


def varied_finals(runner: CliRunner, tmp_path: Path, store: SQLiteStore) -> list[str]:
    """Final drafts covering what a record can hold; their IDs, oldest first."""
    ids = [final_import(runner, tmp_path)]
    odd = store.create_draft(
        "# Ünïcødé — “quotes” \u2028 and \x1b[31mred\x1b[0m\n\nNaïve café: 3.5 ms.\n\nTab\there.\n",
        kind=Kind.TEXT,
        lang="markdown",
        origin=Origin.MODEL,
        author="",
        meta=MODEL_META,
    ).id
    store.add_note(
        odd,
        version=1,
        kind="claim",
        severity=Severity.VERIFY,
        why="why “this” \x07",
        source="checks",
        lines=(3, 3),
        quote="3.5 ms",
        risk=0.30000000000000004,
        signals={"z": 1e-07, "a": {"nested": [1, 2.5, None, True]}, "ü": "é", "big": 10**20},
    )
    store.add_note(odd, version=1, kind="style", severity=Severity.INFO, why="no lines", source="model", risk=None)
    approve(runner, odd, "Ann Editor", "--responsible", "Chief Editor")
    ids.append(odd)
    edited = model_draft(store)
    store.add_prediction(edited, version=1, model="gpt-4o-mini", kind="text", features={"x": 1}, risk=0.2, level="low")
    session = begin_review(store, edited, reviewer="Ann Editor")
    last = session.sections[-1]
    session.mark_seen(last.index)
    session.edit(last.index, "It was released in 2022, after a beta.\n")
    approve(runner, edited)
    ids.append(edited)
    code = model_draft(store, CODE, Kind.CODE, "python")
    approve(runner, code)
    ids.append(code)
    redone = imported(runner, tmp_path, "# Changes\n\nVersion one text.\n", "redo.md")
    asked = cli(runner, "review", redone, "--decision", "changes", "--reviewer", "Bo", "--reason", "too vague")
    assert asked.exit_code == 0, asked.stderr
    store.add_version(
        redone,
        "# Changes\n\nVersion two, by the model.\n",
        origin=Origin.MODEL,
        author="",
        state=State.DRAFT,
        meta=MODEL_META | {"model": "gpt-4o"},
    )
    approve(runner, redone)
    ids.append(redone)
    return ids


def model_path_line(store: SQLiteStore, draft_id: str) -> str:
    """The `--all` line of one draft as pydantic models give it (how `export --all` used to build every line)."""
    bundle = load_bundle(store, draft_id, deep=False)
    review = approving_review(bundle)
    assert refusal(bundle) is None and review is not None
    content = next(v for v in bundle.versions if v.number == review.version).content
    provenance = provenance_of(bundle, review, __version__)
    provenance["export"] = {"format": "json", "disclosure_line": None}
    provenance["signature"] = store_signer().signature(provenance)
    return export.dumps_record(export.json_record(provenance, content, bundle.notes, review)) + "\n"


def test_export_all_lines_are_the_bytes_the_model_path_writes(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    finals = varied_finals(runner, tmp_path, store)
    imported(runner, tmp_path, "# Not yet\n\nPending.\n", "pending.md")
    result = cli(runner, "export", "--all", "-o", "all.jsonl")
    assert result.exit_code == 0, result.stderr
    text = (out / "all.jsonl").read_text(encoding="utf-8")
    lines = [line + "\n" for line in text.split("\n")[:-1]]  # not splitlines: a record may hold U+2028
    assert len(lines) == len(finals) and text.endswith("\n")
    for draft_id, line in zip(finals, lines, strict=True):
        assert line == model_path_line(store, draft_id)
        record = json.loads(line)
        valid(record["provenance"])
        single = cli(runner, "export", draft_id[:8], "-f", "json", "-o", f"{draft_id[:8]}.json")
        assert single.exit_code == 0, single.stderr
        assert json.loads((out / f"{draft_id[:8]}.json").read_text()) == record
    shares = [json.loads(line)["provenance"]["human_review"]["share_changed"] for line in lines]
    assert shares[2] > 0  # the person's edit, taken from the logged outcome


TAMPERING = {
    "content": "UPDATE versions SET content = content || 'x' WHERE draft_id = :id",
    "content and its sha256": "UPDATE versions SET content = 'evil', sha256 = :evil WHERE draft_id = :id",
    "a note": "UPDATE notes SET why = 'nothing to see' WHERE draft_id = :id",
    "a note's signals": "UPDATE notes SET signals_json = '{}' WHERE draft_id = :id",
    "the review": "UPDATE reviews SET reviewer = 'Mallory' WHERE draft_id = :id",
    "the draft row": "UPDATE drafts SET approved_version = 7 WHERE id = :id",
    "the recorded digest": "UPDATE audit SET payload_json = json_set(payload_json, '$.row', 'x') "
    "WHERE seq = (SELECT MIN(seq) FROM audit WHERE draft_id = :id AND payload_json LIKE '%\"row\"%')",
    "the seal's recorded digest": "UPDATE audit SET payload_json = json_set(payload_json, '$.row', 'x') "
    "WHERE draft_id = :id AND event = 'seal.recorded'",
    "an audit event deleted": "DELETE FROM audit WHERE draft_id = :id AND event = 'version.created'",
    "a note without audit": "INSERT INTO notes (id, draft_id, number, version, kind, severity, why, source, "
    "created_at) VALUES ('n0', :id, 99, 1, 'claim', 'info', 'added by hand', 'me', '2026-01-01')",
    "a second approval": "INSERT INTO reviews (id, draft_id, version, reviewer, editorial_responsibility, status, "
    "started_at) VALUES ('r0', :id, 1, 'Mallory', 'Mallory', 'approved', '2026-01-01')",
    "the seal": "UPDATE seals SET head = replace(head, 'Ann Editor', 'Mallory') WHERE draft_id = :id",
    "a note, its counting trigger dropped first": "DROP TRIGGER notes_update_counts; "
    "UPDATE notes SET why = 'nothing to see' WHERE draft_id = :id",
}


@pytest.mark.sqlite_only  # tampers through SQLite's own SQL (PRAGMA, :named parameters)
@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_export_all_refuses_what_a_single_export_refuses(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore, what: str
) -> None:
    finals = varied_finals(runner, tmp_path, store)[:3]
    victim = finals[1]
    for statement in TAMPERING[what].split("; "):
        store.conn.execute(
            statement, {"id": victim, "evil": sha256_hex("evil")} if ":evil" in statement else {"id": victim}
        )
    single = cli(runner, "export", victim[:8], "-f", "json", "-o", "one.json")
    assert single.exit_code == 3 and not (out / "one.json").exists()
    result = cli(runner, "export", "--all", "-o", "all.jsonl")
    assert result.exit_code == 3
    assert f"refused: {single.stderr.splitlines()[0].removeprefix('error: ')}\n" in result.stderr
    kept = [json.loads(line)["provenance"]["draft_id"] for line in (out / "all.jsonl").read_text().splitlines()]
    assert victim not in kept and finals[0] in kept and finals[2] in kept


def test_bulk_encoders_write_what_json_writes() -> None:
    values: list[Any] = [
        {"b": [1.5, None, True, "é\u2028\x00\x1f\x7f"], "a": 1, "Z": {"y": float("nan"), "x": 1e-07}},
        [1, "x", None, 10**30, -0.0, 1e300],
        "plain",
        {"": {}, "k": []},
    ]
    for value in values:
        canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert store_module.canonical(value) == canonical  # the one canonical encoder, built on json's C encoder
        assert export._compact(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for text in ['{"a":1}', ' {"a": 1} ', "[1,2]", '{"a":1} x', b'{"a":2}', "\ufeff{}", "NaN", "1e-07", "", "{"]:
        for loads in (store_module._loads, export._loads):
            try:
                expected: Any = json.loads(text)
            except ValueError as e:
                with pytest.raises(type(e), match=re.escape(str(e))):
                    loads(text)
            else:
                assert repr(loads(text)) == repr(expected)


def test_row_records_keep_the_models_field_order() -> None:
    def review_of(decisions: list[dict[str, Any]]) -> dict[str, Any]:
        return review_fields(ROW_REVIEW | {"decisions_json": json.dumps(decisions)}, TRUSTED)

    assert list(review_of([])) == list(Review.model_fields)
    decision = {"at": "t", "decision": "accept", "index": 0, "sha256": "s"}
    assert list(review_of([decision])["decisions"][0]) == list(SectionDecision.model_fields)
    resolution = {"at": "t", "by": "me", "comment": "", "status": "verified"}
    note = note_json(note_fields(ROW_NOTE | {"resolution_json": json.dumps(resolution)}, TRUSTED))
    assert list(note["resolution"]) == list(NoteResolution.model_fields)
    assert list(note) == list(store_module._note(ROW_NOTE).as_json())  # type: ignore[arg-type]


ROW_REVIEW: dict[str, Any] = {
    "id": "r",
    "draft_id": "d",
    "version": 1,
    "reviewer": "a",
    "editorial_responsibility": "a",
    "status": "approved",
    "started_at": "t",
    "finished_at": "t",
    "reason": "",
    "seen_json": "[]",
    "decisions_json": "[]",
}
ROW_NOTE: dict[str, Any] = {
    "id": "n",
    "draft_id": "d",
    "number": 1,
    "version": 1,
    "kind": "claim",
    "severity": "info",
    "line_start": None,
    "line_end": None,
    "quote": "",
    "why": "w",
    "risk": None,
    "signals_json": "{}",
    "source": "s",
    "author": "",
    "created_at": "t",
    "resolution_json": None,
}


def test_an_empty_output_path_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = CliRunner().invoke(app, ["export", "--all", "-o", ""])
    assert result.exit_code == 2 and "-o needs a path" in result.stderr
    assert list(work.iterdir()) == []


# ---- seals: the record made at approval is what export --all writes -----------------------------------------


def bulk_lines(store: SQLiteStore, tool_version: str = __version__) -> tuple[list[str], BulkReport]:
    report = BulkReport()
    signer = store_signer()
    return [line.decode() for line in iter_final_lines(store, report, tool_version=tool_version, signer=signer)], report


def test_export_all_writes_each_approval_from_its_seal(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    finals = varied_finals(runner, tmp_path, store)
    lines, report = bulk_lines(store)
    assert report.sealed == report.written == len(finals) and not report.refused
    assert lines == [model_path_line(store, d) for d in finals]  # the seal holds what the rows rebuild
    assert store.verify() == []


def test_a_write_after_approval_sends_the_draft_back_to_its_rows(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    finals = varied_finals(runner, tmp_path, store)
    store.add_prediction(finals[1], version=1, model="m", kind="text", features={}, risk=0.5, level="medium")
    store.conn.execute("UPDATE seals SET audit_seq = 1 WHERE draft_id = ?", (finals[3],))  # points at another event
    lines, report = bulk_lines(store)
    assert report.written == len(finals) and report.sealed == len(finals) - 2 and not report.refused
    assert lines == [model_path_line(store, d) for d in finals]
    result = cli(runner, "export", "--all", "-o", "all.jsonl")
    assert result.exit_code == 0, result.stderr
    assert f"exported {len(finals)} final drafts to all.jsonl (JSON Lines); 2 rebuilt from their rows" in result.stderr


def test_drafts_made_final_before_seals_existed_export_the_same(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reviewing, "seal", lambda *args, **kwargs: False)
    finals = varied_finals(runner, tmp_path, store)
    assert store.conn.execute("SELECT COUNT(*) FROM seals").fetchone()[0] == 0
    lines, report = bulk_lines(store)
    assert report.sealed == 0 and report.written == len(finals)
    assert lines == [model_path_line(store, d) for d in finals]


def test_exports_name_the_draftmate_that_sealed_the_approval(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    draft_id = model_draft(store)
    approve(runner, draft_id)
    store.add_prediction(draft_id, version=1, model="m", kind="text", features={}, risk=0.5, level="medium")
    lines, report = bulk_lines(store, tool_version="99.0")  # a later draftmate, and the draft goes the rows' way
    assert report.sealed == 0
    assert json.loads(lines[0])["provenance"]["generator"]["tool_version"] == __version__
    bundle = load_bundle(store, draft_id)
    review = approving_review(bundle)
    assert review is not None
    assert provenance_of(bundle, review, "99.0")["generator"]["tool_version"] == __version__


def test_an_approval_of_tampered_rows_is_not_sealed(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore
) -> None:
    draft_id = model_draft(store)
    store.conn.execute('UPDATE versions SET meta_json = \'{"model": "someone else"}\' WHERE draft_id = ?', (draft_id,))
    approve(runner, draft_id)
    assert store.conn.execute("SELECT COUNT(*) FROM seals").fetchone()[0] == 0
    _lines, report = bulk_lines(store)
    assert report.written == 0 and len(report.refused) == 1


def test_verify_names_a_hand_edited_seal(runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore) -> None:
    draft_id = final_import(runner, tmp_path)
    assert store.verify() == []
    store.conn.execute("UPDATE seals SET tail = replace(tail, 'Ann Editor', 'Mallory')")
    problems = store.verify()
    assert len(problems) == 1 and problems[0].startswith(f"seal {draft_id}/1 differs from what audit event")


WRITES = {
    "a version": "INSERT INTO versions (draft_id, number, content, sha256, origin, created_at) "
    "VALUES (:id, 9, 'x', 'y', 'human', 'now')",
    "a version's content": "UPDATE versions SET content = 'x' WHERE draft_id = :id",
    "a version gone": "DELETE FROM versions WHERE draft_id = :id",
    "a note": "INSERT INTO notes (id, draft_id, number, version, kind, severity, why, source, created_at) "
    "VALUES ('n9', :id, 9, 1, 'claim', 'info', 'w', 's', 'now')",
    "a note's text": "UPDATE notes SET why = 'x' WHERE draft_id = :id",
    "a note gone": "DELETE FROM notes WHERE draft_id = :id",
    "a review": "INSERT INTO reviews (id, draft_id, version, reviewer, editorial_responsibility, status, started_at) "
    "VALUES ('r9', :id, 1, 'M', 'M', 'approved', 'now')",
    "a review's reviewer": "UPDATE reviews SET reviewer = 'M' WHERE draft_id = :id",
    "a review gone": "DELETE FROM reviews WHERE draft_id = :id",
    "a prediction": "INSERT INTO predictions (draft_id, version, created_at, kind, features_json) "
    "VALUES (:id, 1, 'now', 'text', '{}')",
    "an outcome": "UPDATE predictions SET outcome_json = '{}' WHERE draft_id = :id",
    "an audit event": "UPDATE audit SET actor = 'M' WHERE draft_id = :id AND event = 'version.created'",
    "an audit event gone": "DELETE FROM audit WHERE draft_id = :id AND event = 'version.created'",
    "the title": "UPDATE drafts SET title = 'x' WHERE id = :id",
    "the status": "UPDATE drafts SET status = 'draft' WHERE id = :id",
}


@pytest.mark.sqlite_only  # tampers through SQLite's own SQL (PRAGMA, :named parameters)
@pytest.mark.parametrize("what", sorted(WRITES))
def test_every_write_to_a_drafts_rows_is_counted(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore, what: str
) -> None:
    draft_id = model_draft(store)
    store.add_note(draft_id, version=1, kind="claim", severity=Severity.VERIFY, why="check it", source="checks")
    store.add_prediction(draft_id, version=1, model="m", kind="text", features={}, risk=0.5, level="medium")
    approve(runner, draft_id)
    before = store.conn.execute("SELECT writes FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0]
    store.conn.execute("PRAGMA foreign_keys = OFF")
    store.conn.execute(WRITES[what], {"id": draft_id})
    after = store.conn.execute("SELECT writes FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0]
    assert after > before
    untouched = store.conn.execute("UPDATE drafts SET confidence_score = 0.1 WHERE id = ?", (draft_id,))
    assert untouched.rowcount == 1
    assert store.conn.execute("SELECT writes FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0] == after


def test_content_quoted_in_python_where_sqlite_quotes_otherwise(
    runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    finals = varied_finals(runner, tmp_path, store)
    monkeypatch.setattr(SQLiteStore, "_json_quote_matches", lambda self: False)
    lines, report = bulk_lines(store)
    assert report.sealed == len(finals)
    assert lines == [model_path_line(store, d) for d in finals]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_sqlite_json_quote_writes_what_json_writes(text: str) -> None:
    """What the bulk export relies on when its probe passes: SQLite quotes any text as json.dumps does."""
    store = SQLiteStore.memory()
    if not store._json_quote_matches():
        pytest.skip("this SQLite quotes differently; the export quotes in Python")
    try:
        (quoted,) = store.conn.execute("SELECT json_quote(?)", (text,)).fetchone()
    except UnicodeEncodeError:  # a lone surrogate: no store can hold it, as Python cannot encode it
        return
    assert quoted == json.dumps(text, ensure_ascii=False)


@pytest.mark.sqlite_only  # tampers through SQLite's own SQL (PRAGMA, :named parameters)
def test_the_write_count_only_grows(runner: CliRunner, tmp_path: Path, out: Path, store: SQLiteStore) -> None:
    draft_id = final_import(runner, tmp_path)
    with pytest.raises(sqlite3.IntegrityError, match="only grows"):
        store.conn.execute("UPDATE drafts SET writes = writes - 1 WHERE id = ?", (draft_id,))


@pytest.mark.sqlite_only  # SQLite's migration from before 0003
def test_an_upgraded_store_exports_its_old_finals_and_seals_new_ones(
    runner: CliRunner, tmp_path: Path, out: Path, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as before:  # draftmate as it was before migration 0003: no seals
        before.setattr(store_module, "MIGRATIONS", MIGRATIONS[:2])
        before.setattr(reviewing, "seal", lambda *args, **kwargs: False)
        before.setattr(TeamRecords, "review_policy", lambda self: {})  # no policies table then: today's gate
        old = SQLiteStore(hermetic / "draftmate.db")
        finals = varied_finals(runner, tmp_path, old)
        old.close()
    store = SQLiteStore(hermetic / "draftmate.db")
    assert "0003_seals" in store.applied_migrations() and store.verify() == []
    lines, report = bulk_lines(store)
    assert report.sealed == 0 and lines == [model_path_line(store, d) for d in finals]
    finals.append(final_import(runner, tmp_path, "# New\n\nApproved after the upgrade.\n", "new.md"))
    lines, report = bulk_lines(store)
    assert report.sealed == 1 and lines == [model_path_line(store, d) for d in finals]
    assert store.verify() == []
    store.close()
