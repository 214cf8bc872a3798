"""Code notes on real code: guards understood, other platforms and versions known, not installed told from invented."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.uncertainty.assessment import assess
from draftmate.uncertainty.code_checks import code_checks, known_elsewhere
from draftmate.uncertainty.package_index import distribution_for


def notes_of(code: str) -> dict[int, tuple[str, str]]:
    """line -> (severity, why) of each check note."""
    notes, _ = code_checks(code, "python")
    return {n.lines[0]: (n.severity, n.why) for n in notes if n.lines}


def test_an_optional_import_is_a_verify_note_naming_the_guard_and_the_project() -> None:
    found = notes_of("try:\n    import h2\nexcept ImportError:\n    h2 = None\n")
    severity, why = found[2]
    assert severity == "verify"
    assert "optional import" in why and "try/except ImportError" in why and "PyPI project 'h2'" in why


def test_an_invented_package_and_an_invented_stdlib_attribute_stay_blocking() -> None:
    found = notes_of("import os\nimport fastjsonx_turbo\n\nos.path.joinpaths('a', 'b')\n")
    assert found[2][0] == "blocking" and "may not exist" in found[2][1]
    assert found[4][0] == "blocking" and "os.path.joinpaths" in found[4][1]


def test_an_invented_package_under_a_guard_is_still_called_unknown() -> None:
    found = notes_of("try:\n    import fastjsonx_turbo\nexcept ImportError:\n    pass\n")
    assert found[2][0] == "verify" and "not among the best-known PyPI projects" in found[2][1]


def test_a_package_not_installed_but_on_pypi_names_the_project_to_install() -> None:
    assert distribution_for("cv2") == "opencv-python"
    assert distribution_for("jnius") == "pyjnius"
    assert distribution_for("fastjsonx_turbo") is None
    found = notes_of("import cv2\n")
    assert found[1][0] == "verify" and "'opencv-python'" in found[1][1] and "declare it" in found[1][1]


def test_another_versions_stdlib_module_is_said_so() -> None:
    assert known_elsewhere("distutils") == "in the standard library of Python 3.0 to 3.11"
    found = notes_of("import sys\nif sys.version_info >= (3, 13):\n    import _interpreters\n")
    assert found[3][0] == "verify" and "standard library of Python 3.13" in found[3][1]


@pytest.mark.parametrize(
    ("code", "line", "guard"),
    [
        ("import sys, ctypes\nif sys.platform == 'win32':\n    k = ctypes.WinDLL('kernel32')\n", 3, "sys.platform"),
        ("import os\nif hasattr(os, 'frobnicate'):\n    os.frobnicate()\n", 3, "hasattr(os, 'frobnicate')"),
        ("import os\ntry:\n    f = os.frobnicate\nexcept AttributeError:\n    f = None\n", 3, "AttributeError"),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from _typeshed import X\n", 3, "TYPE_CHECKING"),
        ("try:\n    get_ipython\nexcept NameError:\n    pass\nip = get_ipython()\n", 5, "NameError"),
        (
            "try:\n    import simplejson as json\n    has = True\nexcept ImportError:\n    has = False\n"
            "if has:\n    from simplejson import JSONDecodeError\n",
            7,
            "line 2",
        ),
        ("try:\n    ip = get_ipython()\nexcept NameError:\n    pass\nelse:\n    import IPython\n", 6, "NameError"),
    ],
)
def test_guarded_findings_are_verify_notes_saying_the_guard(code: str, line: int, guard: str) -> None:
    found = notes_of(code)
    assert found[line][0] == "verify", found
    assert guard in found[line][1], found[line][1]
    assert not any(severity == "blocking" for severity, _ in found.values())


def test_another_platforms_api_unguarded_is_a_verify_note_saying_which_platform() -> None:
    found = notes_of("import sys\nv = sys.getwindowsversion()\n")
    assert found[2][0] == "verify" and "sys.platform == 'win32'" in found[2][1]


def test_findings_the_code_expects_never_make_a_draft_low() -> None:
    code = (
        "import sys\nimport ctypes\nimport winreg\n\ntry:\n    import h2\n    import brotli\n    import click\n"
        "except ImportError:\n    pass\n\n"
        + "".join(f"k{i} = winreg.OpenKey(winreg.HKEY_CURRENT_USER, 'x{i}')\n" for i in range(12))
        + "d = ctypes.WinDLL('kernel32')\n"
    )
    result = assess(code, kind="code", lang="python")
    assert result.notes and all(n.severity == "verify" for n in result.notes)
    assert result.confidence.level != "low"


# Real modules from the project's own dependencies, each of which raised a false blocking note before.
REAL = [
    ("rich", "rich/console.py"),
    ("rich", "rich/traceback.py"),
    ("httpx", "httpx/_decoders.py"),
    ("platformdirs", "platformdirs/windows.py"),
    ("platformdirs", "platformdirs/android.py"),
    ("pydantic", "pydantic/networks.py"),
]


@pytest.mark.parametrize(("dist", "path"), REAL)
def test_real_modules_get_no_blocking_note_and_are_not_rated_low(dist: str, path: str) -> None:
    file = Path(str(importlib.metadata.distribution(dist).locate_file(path)))
    if not file.is_file():
        pytest.skip(f"{path} is not in this version of {dist}")
    result = assess(file.read_text(encoding="utf-8"), kind="code", lang="python")
    assert not [n.why for n in result.notes if n.severity == "blocking"]
    assert result.confidence.level != "low"


def test_an_imported_optional_import_is_stored_with_its_verify_note(runner: CliRunner, tmp_path: Path) -> None:
    draft = tmp_path / "decoders.py"
    draft.write_text("try:\n    import brotli\nexcept ImportError:\n    brotli = None\n")
    result = runner.invoke(app, ["draft", "--from-file", str(draft), "--json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    stored = json.loads(result.stdout)
    assert [(n["kind"], n["severity"]) for n in stored["notes"]] == [("unknown-import", "verify")]
    assert stored["confidence"]["level"] != "low"
