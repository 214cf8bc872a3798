"""The calibration report, the draft view and the provenance record are typed where they are made and read."""

from __future__ import annotations

import inspect
from typing import get_type_hints

from draftmate.domain.views import DraftView
from draftmate.services import calibrate, drafts


def test_the_report_and_the_view_are_typed_where_they_are_made() -> None:
    assert get_type_hints(calibrate.report)["return"] is calibrate.CalibrationReport
    assert inspect.signature(drafts.draft_record).return_annotation in ("DraftView", DraftView)


def test_the_view_names_the_keys_show_json_prints() -> None:
    source = inspect.getsource(drafts.model_record)
    assert [key for key in get_type_hints(DraftView) if f'"{key}":' not in source] == []
