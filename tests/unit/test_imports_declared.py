"""Every outside module draftmate imports comes from a distribution pyproject.toml declares, not a transitive one."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "draftmate"


def imported_modules() -> dict[str, str]:
    """Top-level outside module -> the first file importing it (any depth: lazy imports count)."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top != "draftmate" and top not in sys.stdlib_module_names and top != "__future__":
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return {canonicalize_name(Requirement(spec).name) for spec in specs}


def test_each_imported_module_comes_from_a_declared_distribution() -> None:
    providers = packages_distributions()
    wanted = declared()
    for module, where in imported_modules().items():
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        assert dists, f"{module} (imported in {where}) is not installed"
        assert dists & wanted, f"{module} (imported in {where}) comes from {sorted(dists)}, none declared in pyproject"
