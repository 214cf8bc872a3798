"""IDs are shortened for people in one place, `domain.ids.short_id`."""

from __future__ import annotations

import re
from pathlib import Path

from draftmate.domain.ids import short_id

SRC = Path(__file__).resolve().parents[2] / "src" / "draftmate"


def test_a_short_id_is_the_first_eight_digits() -> None:
    assert short_id("0123456789abcdef0123456789abcdef") == "01234567"
    assert short_id("abcd") == "abcd"


def test_no_module_shortens_an_id_by_itself() -> None:
    sliced = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in SRC.rglob("*.py")
        if path.name != "ids.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\[:8\]", line)
    ]
    # a line number quoted from a sidecar is cut to 8 characters too; that is not an ID
    assert [s for s in sliced if "line" not in s] == []
