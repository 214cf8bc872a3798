"""Imports only point down the layers, and each outside library is imported only where it belongs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "draftmate"

# Each package's rank: imports point to a lower rank, or within the same package. The middle packages (rank 3) each
# own one concern and do not import one another; settings sit below them, domain below everything but errors.
RANKS: dict[str, int] = {
    "cli": 5,
    "__main__": 6,
    "services": 4,
    "uncertainty": 3,
    "provenance": 3,
    "store": 3,
    "llm": 3,
    "settings": 2,
    "fileio": 1,
    "domain": 1,
    "errors": 0,
    "__init__": 0,
}

# Outside libraries and the only packages that may import them.
RESTRICTED: dict[str, set[str]] = {
    "langchain": {"llm"},
    "langchain_core": {"llm"},
    "langchain_openai": {"llm"},
    "langchain_community": {"llm"},
    "openai": {"llm"},
    "sqlite3": {"store"},
    "psycopg": {"store"},  # PostgreSQL's driver: store/postgres.py and the store's copy; settings only parse URLs
    "rich": {"cli"},
    "typer": {"cli"},
    "click": {"cli"},
    "cryptography": {"provenance"},  # signing keys and signatures: provenance/signing.py alone
    # HTTP: the model client's (openai's httpx2) in llm, the link check's own requests in uncertainty/links.py
    "httpx2": {"llm"},
    "httpx": {"uncertainty"},
    "httpcore": {"uncertainty"},
}


def package_of(module: str) -> str:
    """The layer a dotted module name (relative to draftmate) belongs to: its package, or itself at the top."""
    return module.split(".")[0]


def modules() -> dict[str, ast.Module]:
    """Every module of draftmate by dotted name relative to the package (`cli.commands`, `errors`)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1]) if parts[-1] == "__init__" and len(parts) > 1 else ".".join(parts)
        found[name] = ast.parse(path.read_text(), str(path))
    return found


def imports(tree: ast.Module) -> list[tuple[int, str, str | None]]:
    """(line, top-level package, draftmate module relative to draftmate or None) for every import, at any depth."""
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top, _, rest = alias.name.partition(".")
                found.append((node.lineno, top, (rest or "__init__") if top == "draftmate" else None))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"line {node.lineno}: use absolute imports (from draftmate.x import y)")
            name = node.module or ""
            top, _, rest = name.partition(".")
            if top != "draftmate":
                found.append((node.lineno, top, None))
            elif not rest:
                for alias in node.names:
                    is_module = (PACKAGE / f"{alias.name}.py").exists() or (PACKAGE / alias.name).is_dir()
                    found.append((node.lineno, "draftmate", alias.name if is_module else "__init__"))
            else:
                found.append((node.lineno, "draftmate", rest))
    return found


def test_every_package_has_a_rank() -> None:
    unknown = sorted({package_of(m) for m in modules()} - set(RANKS))
    assert not unknown, f"new package(s) or top-level module(s) {unknown}: give each a rank in RANKS here"


def test_imports_only_point_down() -> None:
    problems = []
    for name, tree in modules().items():
        here = package_of(name)
        for line, top, target in imports(tree):
            if top != "draftmate" or target is None:
                continue
            there = package_of(target)
            if there not in RANKS:
                problems.append(f"{name}:{line} imports unknown draftmate.{target}")
            elif there != here and RANKS[there] >= RANKS[here]:
                problems.append(
                    f"{name}:{line} ({here}, rank {RANKS[here]}) imports draftmate.{target} (rank {RANKS[there]})"
                )
    assert not problems, "imports that point up or sideways:\n" + "\n".join(problems)


def test_outside_libraries_stay_in_their_packages() -> None:
    problems = []
    for name, tree in modules().items():
        for line, top, _ in imports(tree):
            allowed = RESTRICTED.get(top)
            if allowed is not None and package_of(name) not in allowed:
                problems.append(f"{name}:{line} imports {top}, which only {sorted(allowed)} may import")
    assert not problems, "\n".join(problems)


# The app and the command modules every run imports; render.py (rich) and review_loop.py load only when needed.
COMMAND_MODULES = ["app", "commands", "inputs", "output", "drafting", "browsing", "reviewing", "exporting"]
COMMAND_MODULES += ["calibrating", "configuring"]


@pytest.mark.parametrize("name", COMMAND_MODULES)
def test_cli_imports_only_typer_and_the_version_at_module_level(name: str) -> None:
    tree = modules()[f"cli.{name}"]
    top_level = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            top_level.add(node.module if node.module.startswith("draftmate") else node.module.split(".")[0])
    heavy = top_level - {"typer", "__future__", "functools", "sys", "collections", "typing", "os"}
    light = {"draftmate", "draftmate.cli", "draftmate.cli.app", "draftmate.cli.inputs", "draftmate.cli.output"}
    light |= {"draftmate.domain.ids"}
    assert heavy <= light, f"cli/{name}.py imports {sorted(heavy - light)} at module level; import them inside"
    draftmate_names = {
        a.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "draftmate"
        for a in node.names
    }
    assert draftmate_names <= {"__version__"}


@pytest.mark.parametrize("name", sorted(n for n in modules() if package_of(n) == "domain"))
def test_the_domain_does_no_io_imports(name: str) -> None:
    tree = modules()[name]
    io_modules = {"sqlite3", "subprocess", "socket", "httpx", "requests", "urllib", "rich", "typer", "openai"}
    found = {top for _, top, _ in imports(tree)} & io_modules
    assert not found, f"{name}.py is pure logic but imports {sorted(found)}"


def test_the_import_walker_sees_nested_imports() -> None:
    tree = ast.parse(
        "import sqlite3\n"
        "from draftmate import errors, __version__\n"
        "from draftmate.store.sqlite import open_store\n"
        "def f():\n    from draftmate.domain import lifecycle\n    import rich.console\n"
    )
    assert imports(tree) == [
        (1, "sqlite3", None),
        (2, "draftmate", "errors"),
        (2, "draftmate", "__init__"),
        (3, "draftmate", "store.sqlite"),
        (5, "draftmate", "domain"),
        (6, "rich", None),
    ]
