"""The calibration report, the draft view and the provenance record are typed where they are made and read."""

from __future__ import annotations

import inspect
from typing import get_type_hints

from conftest import EXAMPLES
from draftmate.domain.views import DraftView
from draftmate.services import calibrate, drafts
from draftmate.store.sqlite import SQLiteStore, bundle_of


def test_the_report_and_the_view_are_typed_where_they_are_made() -> None:
    assert get_type_hints(calibrate.report)["return"] is calibrate.CalibrationReport
    assert inspect.signature(drafts.draft_record).return_annotation in ("DraftView", DraftView)


def test_the_view_names_the_keys_show_json_prints(store: SQLiteStore) -> None:
    made = drafts.import_draft(store, str(EXAMPLES / "release-notes.md"))
    fast = drafts.draft_record(store, made.id)  # straight from the rows
    bundle = bundle_of(store.draft_rows(made.id))
    slow = drafts.model_record(bundle.draft, bundle.versions, bundle.notes, bundle.reviews)  # through the models
    assert list(fast) == list(slow) == list(get_type_hints(DraftView))
