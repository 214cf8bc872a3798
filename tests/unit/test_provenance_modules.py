"""provenance/ owns the record, the formats, reading an export back and the seal; the export service calls it
down a couple of times, and the record's type says exactly what its JSON holds."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import get_type_hints

from draftmate.provenance import record

SRC = Path(__file__).resolve().parents[2] / "src" / "draftmate"
SCHEMA = json.loads((SRC.parent.parent / "docs" / "provenance.schema.json").read_text())


def test_each_concern_has_its_module() -> None:
    names = {p.stem for p in (SRC / "provenance").glob("*.py")}
    assert {"record", "formats", "front_matter", "reading", "sealing"} <= names
    assert all(len(p.read_text().splitlines()) < 450 for p in (SRC / "provenance").glob("*.py"))


def test_sealing_is_made_in_provenance() -> None:
    services = (SRC / "services" / "exports.py").read_text()
    assert "seal_texts" not in services and "def seal_texts" in (SRC / "provenance" / "sealing.py").read_text()


def test_export_draft_calls_provenance_twice() -> None:
    tree = ast.parse((SRC / "services" / "exports.py").read_text())
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "export_draft")
    calls = [
        n
        for n in ast.walk(function)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id in {"formats", "reading", "sealing", "record", "export"}
    ]
    assert len(calls) <= 2


def test_the_record_type_names_every_field_the_schema_has() -> None:
    typed = list(get_type_hints(record.Provenance))
    assert set(typed) == set(SCHEMA["properties"])
    assert set(SCHEMA["required"]) <= set(typed)
