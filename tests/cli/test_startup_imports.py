"""The everyday commands start without loading the model stack (langchain, openai) in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_export import approve
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.services.drafts import import_draft
from draftmate.store.sqlite import SQLiteStore

HEAVY = ("langchain", "langchain_core", "langchain_openai", "openai")

# Runs the CLI as the `draftmate` script would, then reports which heavy packages got imported.
PROBE = f"""
import json, sys
report = sys.argv[1]
sys.argv = ["draftmate", *sys.argv[2:]]
from draftmate.cli.commands import main
code = 0
try:
    main()
except SystemExit as e:
    code = e.code or 0
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {set(HEAVY)!r})
with open(report, "w") as f:
    json.dump({{"code": code, "heavy": heavy, "modules": sorted(sys.modules)}}, f)
"""


def probe(tmp_path: Path, *args: str) -> dict[str, object]:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert report.exists(), done.stderr
    result: dict[str, object] = json.loads(report.read_text())
    assert result["code"] == 0, done.stderr
    return result


@pytest.fixture
def draft_id(hermetic: Path) -> str:
    s = SQLiteStore(hermetic / "draftmate.db")
    created = import_draft(s, str(EXAMPLES / "release-notes.md"))
    s.close()
    return created.id


@pytest.mark.parametrize(
    "args", [["--help"], ["list"], ["list", "--search", "sync"], ["show", "ID"], ["show", "ID", "--json"]]
)
def test_everyday_commands_do_not_import_the_model_stack(tmp_path: Path, draft_id: str, args: list[str]) -> None:
    argv = [draft_id[:8] if a == "ID" else a for a in args]
    result = probe(tmp_path, *argv)
    assert result["heavy"] == [], f"draftmate {' '.join(argv)} imported {result['heavy']}"


def test_help_does_not_open_the_store_or_render_with_rich(tmp_path: Path, hermetic: Path) -> None:
    result = probe(tmp_path, "--help")
    modules = set(result["modules"])  # type: ignore[arg-type]
    assert "sqlite3" not in modules
    assert "draftmate.store.sqlite" not in modules
    assert not (hermetic / "draftmate.db").exists()


def test_the_probe_would_notice_a_heavy_import(tmp_path: Path) -> None:
    script = PROBE.replace(
        "from draftmate.cli.commands import main", "import langchain_core\nfrom draftmate.cli.commands import main"
    )
    report = tmp_path / "report.json"
    subprocess.run([sys.executable, "-c", script, str(report), "--help"], capture_output=True, timeout=120, check=False)
    assert json.loads(report.read_text())["heavy"] == ["langchain_core"]


@pytest.mark.parametrize("args", [["--help"], ["list"], ["list", "--search", "sync"], ["list", "--json"]])
def test_help_and_list_do_not_import_pydantic_or_rich(tmp_path: Path, draft_id: str, args: list[str]) -> None:
    # pydantic alone costs more than the 150 ms `--help` budget on this kind of machine
    modules = {m.split(".")[0] for m in probe(tmp_path, *args)["modules"]}  # type: ignore[union-attr]
    assert not modules & {"pydantic", "pydantic_core", "rich"}, f"draftmate {' '.join(args)}"


def test_export_all_of_sealed_drafts_builds_no_models(tmp_path: Path, draft_id: str) -> None:

    approve(CliRunner(), draft_id)
    out = tmp_path / "all.jsonl"
    modules = {m.split(".")[0] for m in probe(tmp_path, "export", "--all", "-o", str(out))["modules"]}  # type: ignore[union-attr]
    assert json.loads(out.read_text())["provenance"]["draft_id"] == draft_id
    assert not modules & {"pydantic", "pydantic_core"}  # pydantic alone is ~0.15 s of the export's 5 s budget
