"""Deterministic code checks: parse errors, undefined names, imports that resolve nowhere, missing attributes."""

from __future__ import annotations

from pathlib import Path

import pytest

from draftmate.uncertainty.code_checks import code_checks
from draftmate.uncertainty.python_modules import Resolver, declared_dependencies


def kinds(content: str, **kw: object) -> list[tuple[str, str, tuple[int, int] | None]]:
    notes, _ = code_checks(content, "python", **kw)  # type: ignore[arg-type]
    return [(n.kind, n.severity, n.lines) for n in notes]


def test_clean_code_has_no_notes() -> None:
    code = "import os\nimport json\n\n\ndef load(p):\n    return json.loads(open(os.path.join(p, 'x')).read())\n"
    notes, features = code_checks(code, "python")
    assert notes == []
    assert features["checks.applied"] == 1 and features["checks.parse_failed"] == 0


def test_syntax_error_is_blocking_with_its_line() -> None:
    notes, features = code_checks("x = 1\ndef f(:\n    pass\n", "python")
    assert [(n.kind, n.severity, n.lines) for n in notes] == [("syntax-error", "blocking", (2, 2))]
    assert notes[0].quote == "def f(:"
    assert features["checks.parse_failed"] == 1


def test_undefined_name_comes_from_pyflakes() -> None:
    code = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return totl\n"
    notes, features = code_checks(code, "python")
    assert [(n.kind, n.severity, n.lines) for n in notes] == [("undefined-name", "blocking", (5, 5))]
    assert "'totl'" in notes[0].why
    assert notes[0].signals["checks"]["pyflakes"] == "UndefinedName"
    assert features["checks.undefined_names"] == 1


def test_builtins_and_star_imports_are_not_undefined() -> None:
    assert kinds("print(len([1]))\n") == []


def test_invented_package_is_flagged_and_real_ones_are_not() -> None:
    code = "import os\nimport pyflakes\nimport fastjsonx_turbo\nfrom totally_made_up.sub import thing\n"
    assert kinds(code) == [("unknown-import", "blocking", (3, 3)), ("unknown-import", "blocking", (4, 4))]


def test_relative_imports_are_left_alone() -> None:
    assert kinds("from . import sibling\nfrom .pkg import x\n") == []


def test_declared_dependency_resolves_even_when_not_installed(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "p"\ndependencies = ["scikit-learn>=1.4", "Not_Installed.Pkg"]\n'
        '[project.optional-dependencies]\ndev = ["pytest"]\n'
    )
    assert declared_dependencies(pyproject) == ["scikit-learn", "not-installed-pkg", "pytest"]
    code = "import sklearn\nimport not_installed_pkg\nimport nowhere_pkg\n"
    notes, features = code_checks(code, "python", project=pyproject)
    assert [(n.kind, n.lines) for n in notes] == [("unknown-import", (3, 3))]
    assert "declared dependencies" in notes[0].why
    assert features["checks.declared_deps"] >= 2


def test_requirements_file_and_project_modules(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("# pinned\nbeautifulsoup4==4.12\n-e .\nPyYAML>=6 ; python_version > '3'\n")
    (tmp_path / "mylocal.py").write_text("")
    assert declared_dependencies(req) == ["beautifulsoup4", "pyyaml"]
    resolver = Resolver(req)
    assert resolver.where("bs4") == "declared"
    assert resolver.where("yaml") == "declared"
    assert resolver.where("mylocal") == "project"
    assert resolver.where("json") == "stdlib"
    assert resolver.where("pyflakes") == "installed"
    assert resolver.where("surely_not_a_module_xyz") is None


def test_missing_stdlib_attribute_is_blocking() -> None:
    code = "import os\nimport json\n\nx = json.loads_file('a')\ny = os.path.joinn('a', 'b')\nz = os.path.join('a')\n"
    notes, features = code_checks(code, "python")
    assert [(n.kind, n.severity, n.lines) for n in notes] == [
        ("missing-attribute", "blocking", (4, 4)),
        ("missing-attribute", "blocking", (5, 5)),
    ]
    assert "json.loads_file" in notes[0].why and "os.path.joinn" in notes[1].why
    assert features["checks.missing_attributes"] == 2


def test_missing_attribute_through_alias_class_and_from_import() -> None:
    code = (
        "import datetime as dt\nfrom collections import OrderedDictt\nfrom os import path\n"
        "a = dt.datetime.nowx()\nb = dt.datetime.now()\n"
    )
    found = kinds(code)
    assert ("missing-attribute", "blocking", (2, 2)) in found
    assert ("missing-attribute", "blocking", (4, 4)) in found
    assert len(found) == 2


def test_rebound_module_name_is_not_checked() -> None:
    code = "import json\n\n\ndef f(json):\n    return json.whatever\n"
    assert kinds(code) == []


def test_third_party_attributes_are_read_statically_not_imported() -> None:
    # pyflakes.api is plain Python source with no __getattr__: readable without importing it.
    code = "import pyflakes.api\nfrom pyflakes.api import check, no_such_function\npyflakes.api.checkPath('x')\n"
    notes, _ = code_checks(code, "python")
    assert [(n.kind, n.severity, n.lines) for n in notes] == [("missing-attribute", "verify", (2, 2))]
    assert "no_such_function" in notes[0].why
    assert notes[0].signals["checks"]["how"] == "static"


@pytest.mark.parametrize("lang", ["javascript", "go", "rust"])
def test_other_languages_say_which_checks_do_not_apply(lang: str) -> None:
    notes, features = code_checks("this is { not python", lang)
    assert notes == []
    assert features["checks.applied"] == 0
    assert features["checks.not_applicable"] == "parse,undefined-names,imports,attributes"
