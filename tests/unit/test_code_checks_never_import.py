"""The code checks never import what a draft names, and a pathological draft is still stored, with a note saying so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.llm import chat as llm
from draftmate.llm.chat import FakeChat
from draftmate.store.sqlite import SQLiteStore
from draftmate.uncertainty.code_checks import code_checks
from reliability_support import REPO, clean_env

DOC = REPO / "docs" / "bad-input.md"


def marker_module(marker: Path) -> str:
    """Module source that leaves a file behind if anything ever imports it."""
    return f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\nattr = 1\nx = 2\nNNTP = 3\n"


def test_no_module_a_draft_names_is_imported(tmp_path: Path) -> None:
    lib, project, markers = tmp_path / "lib", tmp_path / "project", tmp_path / "imported.txt"
    lib.mkdir()
    project.mkdir()
    (lib / "marker_mod.py").write_text(marker_module(markers))
    (lib / "marker_pkg").mkdir()
    (lib / "marker_pkg" / "__init__.py").write_text(marker_module(markers))
    (lib / "marker_pkg" / "sub.py").write_text(marker_module(markers))
    # A standard-library name, shadowed on sys.path the way a hostile checkout could: it must be read, not imported.
    (lib / "nntplib.py").write_text(marker_module(markers))
    (project / "local_marker.py").write_text(marker_module(markers))
    draft = project / "draft.py"
    draft.write_text(
        "import marker_mod\nfrom marker_pkg.sub import x\nimport marker_pkg.sub\nimport nntplib\nimport local_marker\n"
        "\nprint(marker_mod.attr, marker_mod.missing, marker_pkg.sub.x, nntplib.NNTP, local_marker.attr, x)\n"
    )
    home = tmp_path / "home"
    env = clean_env(home, PYTHONPATH=str(lib))
    done = subprocess.run(
        [sys.executable, "-m", "draftmate", "draft", "--from-file", str(draft), "--json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert not markers.exists(), markers.read_text()
    stored = json.loads(done.stdout)
    # The module was still read: its missing attribute is noted from its source.
    assert any("marker_mod.missing" in n["why"] for n in stored["notes"]), stored["notes"]
    assert not any("marker_mod.attr" in n["why"] or "NNTP" in n["why"] for n in stored["notes"])


def test_a_draft_naming_venv_main_is_stored_and_runs_nothing(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    draft = tmp_path / "draft.py"
    draft.write_text("from venv.__main__ import EnvBuilder\n\nEnvBuilder(with_pip=True).create('env')\n")
    done = subprocess.run(
        [sys.executable, "-m", "draftmate", "draft", "--from-file", str(draft), "--json"],
        cwd=project,
        env=clean_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "usage" not in done.stdout + done.stderr
    assert json.loads(done.stdout)["id"]
    assert list(project.iterdir()) == []


def chain(terms: int) -> str:
    return "total = " + " + ".join(f"v{i % 7}" for i in range(terms)) + "\n"


@pytest.mark.parametrize("terms", [500, 5000])
def test_a_chain_too_deep_for_the_checkers_is_stored_with_a_could_not_check_note(
    runner: CliRunner, store: SQLiteStore, tmp_path: Path, terms: int
) -> None:
    draft = tmp_path / "deep.py"
    draft.write_text("v0 = v1 = v2 = v3 = v4 = v5 = v6 = 1\n" + chain(terms))
    result = runner.invoke(app, ["draft", "--from-file", str(draft), "--json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    notes = json.loads(result.stdout)["notes"]
    failed = [n for n in notes if n["kind"] == "unchecked"]
    assert failed and all(n["severity"] == "verify" for n in failed)
    assert "could not check" in failed[0]["why"] and "nested too deeply" in failed[0]["why"]
    draft_id = json.loads(result.stdout)["id"]
    assert store.get_version(draft_id).content == draft.read_text()
    # Splitting it into review sections meets the same depth: still readable and reviewable.
    shown = runner.invoke(app, ["show", draft_id])
    assert shown.exit_code == 0 and "Traceback" not in shown.stdout + shown.stderr
    rejected = runner.invoke(
        app, ["review", draft_id, "--decision", "reject", "--reviewer", "Ann", "--reason", "unreadable"]
    )
    assert rejected.exit_code == 0, rejected.stdout + rejected.stderr


@pytest.mark.parametrize("terms", [500, 5000])
def test_a_model_answer_too_deep_for_the_checkers_is_stored(
    runner: CliRunner, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch, terms: int
) -> None:
    code = "v0 = v1 = v2 = v3 = v4 = v5 = v6 = 1\n" + chain(terms)
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://localhost:11434/v1")
    chat = FakeChat(stream=[code], structured=[json.dumps({"weak_spots": []})], complete=[code, code])
    monkeypatch.setattr(llm, "build_chat", lambda s, **_: chat)
    result = runner.invoke(app, ["draft", "sum them", "--kind", "code", "--lang", "python", "--json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    stored: dict[str, Any] = json.loads(result.stdout)
    assert store.get_version(stored["id"]).content.strip() == code.strip()
    assert any(n["kind"] == "unchecked" for n in stored["notes"])


def test_a_checker_that_fails_becomes_a_note_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from draftmate.uncertainty import code_checks as signals_code

    def broken(*_: object) -> list[object]:
        raise ValueError("boom")

    monkeypatch.setattr(signals_code, "attribute_notes", broken)
    notes, features = code_checks("import os\nos.getcwd()\n", "python")
    assert [(n.kind, n.severity) for n in notes] == [("unchecked", "verify")]
    assert "could not check attributes" in notes[0].why and "ValueError: boom" in notes[0].why
    assert features["checks.failed"] == "attributes"


def test_stdlib_attributes_are_known_for_every_platform_and_version() -> None:
    notes, _ = code_checks(
        "import os\nimport ctypes\nimport typing\n\nos.path.joinpaths('a')\nctypes.WinDLL\ntyping.override\n", "python"
    )
    found = {n.lines[0]: n for n in notes if n.lines}
    assert found[5].severity == "blocking" and "os.path.joinpaths" in found[5].why
    if sys.platform != "win32":
        assert found[6].severity == "verify" and "sys.platform == 'win32'" in found[6].why
    if sys.version_info < (3, 12):
        assert found[7].severity == "verify" and "sys.version_info >= (3, 12)" in found[7].why


def test_the_table_lists_every_case() -> None:
    table = DOC.read_text()
    assert "draft nested too deeply" in table
    assert "a draft naming modules" in table
