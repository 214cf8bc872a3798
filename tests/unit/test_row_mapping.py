"""One row mapping: the models, `show`'s fast path and the bulk export read a row through the same field list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from draftmate.domain.records import Note, Review
from draftmate.domain.row_mapping import EXACT, MODEL, TRUSTED, Unusual, note_fields, note_json, review_fields

SRC = Path(__file__).resolve().parents[2] / "src" / "draftmate"

NOTE_ROW: dict[str, Any] = {
    "id": "n1",
    "draft_id": "d1",
    "number": 1,
    "version": 2,
    "kind": "claim",
    "severity": "blocking",
    "line_start": 3,
    "line_end": 4,
    "quote": "q",
    "why": "w",
    "risk": 0.25,
    "signals_json": '{"a":1}',
    "source": "text-checks",
    "author": "",
    "created_at": "t",
    "resolution_json": '{"at":"t","by":"me","status":"verified"}',
}
REVIEW_ROW: dict[str, Any] = {
    "id": "r1",
    "draft_id": "d1",
    "version": 2,
    "reviewer": "Ann",
    "editorial_responsibility": "Ann",
    "status": "approved",
    "started_at": "t",
    "finished_at": "t",
    "reason": "",
    "seen_json": '["s"]',
    "decisions_json": '[{"at":"t","decision":"accept","index":0,"sha256":"s"}]',
}


def test_every_reader_gives_the_models_note() -> None:
    model = Note(**note_fields(NOTE_ROW, MODEL))
    assert note_json(note_fields(NOTE_ROW, EXACT)) == model.as_json()
    assert note_json(note_fields(NOTE_ROW, TRUSTED)) == model.as_json()
    assert json.dumps(note_json(note_fields(NOTE_ROW, TRUSTED))) == json.dumps(model.as_json())


def test_every_reader_gives_the_models_review() -> None:
    model = Review(**review_fields(REVIEW_ROW, MODEL))
    assert review_fields(REVIEW_ROW, EXACT) == model.model_dump()
    assert json.dumps(review_fields(REVIEW_ROW, TRUSTED)) == json.dumps(model.model_dump(mode="json"))


@pytest.mark.parametrize(
    "odd", [{"number": "1"}, {"risk": 1.5}, {"signals_json": "[]"}, {"resolution_json": '{"status":"verified"}'}]
)
def test_the_exact_reader_leaves_an_odd_note_to_the_models(odd: dict[str, Any]) -> None:
    with pytest.raises(Unusual):
        note_fields(NOTE_ROW | odd, EXACT)


@pytest.mark.parametrize("path", ["store/rows.py", "store/record_rows.py", "provenance/formats.py"])
def test_the_readers_of_rows_do_not_list_note_or_review_columns_themselves(path: str) -> None:
    text = (SRC / path).read_text()
    for column in ("resolution_json", "signals_json", "seen_json", "decisions_json", "line_start"):
        assert column not in text, f"{path} maps {column} itself: use domain/row_mapping.py"


def test_the_model_path_and_shows_fast_path_read_drafts_through_the_mapping() -> None:
    for path in ("store/rows.py", "store/record_rows.py", "services/drafts.py"):
        text = (SRC / path).read_text()
        for column in ("confidence_level", "request_json", "meta_json"):  # read by name: row["confidence_level"]
            assert f'["{column}"]' not in text, f"{path} maps {column} itself: use domain/row_mapping.py"
