"""The seal check of the bulk export lives in one helper (`store.audit.sealed_line`) that both backends call."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from draftmate.domain.digests import canonical
from draftmate.store.audit import seal_digest, seal_recorded, sealed_line

STORE = Path(__file__).resolve().parents[2] / "src" / "draftmate" / "store"
CONTENT = b"Tea is a drink.\n"
PINNED = hashlib.sha256(CONTENT).hexdigest()
HEAD, TAIL = b'{"head": ', b"}"


def _row(**changes: object) -> list[object]:
    recorded = changes.pop("recorded", seal_digest("d1", 1, PINNED, "1.0", 7, HEAD, TAIL))  # what its event holds
    fields = {
        "draft_id": "d1",
        "pinned": PINNED,
        "content": CONTENT,
        "as_json": None,
        "version": 1,
        "tool_version": "1.0",
        "writes": 7,
        "head": HEAD,
        "tail": TAIL,
    }
    fields.update(changes)
    return [*fields.values(), recorded]


def test_a_seal_that_holds_gives_its_line_with_the_content_quoted_as_json() -> None:
    assert sealed_line(_row(), True) == ("d1", (HEAD, canonical(CONTENT.decode()).encode(), TAIL))
    assert sealed_line(_row(as_json=b'"q"'), True) == ("d1", (HEAD, b'"q"', TAIL))


def test_postgresql_memoryviews_come_back_as_bytes() -> None:
    row = _row(content=memoryview(CONTENT), head=memoryview(HEAD), tail=memoryview(TAIL), as_json=memoryview(b'"q"'))
    _, line = sealed_line(row, True)
    assert line is not None and all(type(part) is bytes for part in line)


def test_a_seal_that_does_not_hold_is_none() -> None:
    assert sealed_line(_row(), False) == ("d1", None)  # a counting trigger was dropped
    assert sealed_line(_row(writes=8), True) == ("d1", None)  # written since the seal
    assert sealed_line(_row(content=b"Tea is a poison.\n"), True) == ("d1", None)  # not the approved content
    assert sealed_line(_row(head=None), True) == ("d1", None)  # no seal
    assert sealed_line(_row(recorded="0" * 64), True) == ("d1", None)  # not what the audit event recorded


def test_only_the_audit_module_checks_a_seal() -> None:
    """records.py makes seals; audit.py alone checks them (PostgreSQL's bulk read calls its helper)."""
    callers = []
    for path in sorted(STORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "seal_digest":
                callers.append(path.name)
    assert set(callers) == {"audit.py", "records.py"}, f"a seal is checked outside audit.py: {callers}"


def test_seal_recorded_is_the_check_without_the_content() -> None:
    recorded = seal_digest("d1", 1, PINNED, "1.0", 7, HEAD, TAIL)
    assert seal_recorded(recorded, "d1", 1, PINNED, "1.0", 7, HEAD, TAIL)
    assert not seal_recorded(recorded, "d1", 1, PINNED, "1.0", 8, HEAD, TAIL)
    assert not seal_recorded(None, "d1", 1, PINNED, "1.0", 7, None, None)
