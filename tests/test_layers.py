"""Imports only point down the layers, and each outside library is imported only where it belongs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "draftmate"

# 5 the command line · 4 rendering and use cases · 3 adapters that own one kind of I/O · 2 pure logic · 1 records.
LAYERS: dict[str, int] = {
    "cli": 5,
    "__main__": 5,
    "entry": 5,
    "_help": 5,
    "ui": 4,
    "interactive": 4,
    "drafting": 4,
    "reviewing": 4,
    "generation": 4,
    "exporting": 4,
    "calibrating": 4,
    "llm": 3,
    "store": 3,
    "store_audit": 3,
    "store_records": 3,
    "store_rows": 3,
    "migrations": 3,
    "prompts": 3,
    "export": 3,
    "config": 3,
    "fileio": 3,
    "paths": 3,
    "workflow": 2,
    "sections": 2,
    "uncertainty": 2,
    "outcomes": 2,
    "calibration": 2,
    "signals": 2,
    "signals_code": 2,
    "signals_text": 2,
    "signals_model": 2,
    "record_rows": 2,
    "models": 1,
    "vocabulary": 1,
    "jsonfast": 1,
    "textsafe": 1,
    "errors": 1,
    "__init__": 1,
}

# Outside libraries and the only modules that may import them.
RESTRICTED: dict[str, set[str]] = {
    "langchain": {"llm"},
    "langchain_core": {"llm"},
    "langchain_openai": {"llm"},
    "langchain_community": {"llm"},
    "openai": {"llm"},
    "sqlite3": {"store", "store_audit", "store_records", "store_rows", "migrations"},
    "rich": {"ui", "interactive", "cli"},
    "typer": {"ui", "interactive", "cli"},
    "click": {"ui", "interactive", "cli"},
}

# Known departures from RESTRICTED, each with its reason; the test fails when one is no longer needed.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("prompts", "langchain_core"): "Template.render fills variables with langchain's PromptTemplate (lazily imported)",
}


def modules() -> dict[str, ast.Module]:
    return {path.stem: ast.parse(path.read_text(), str(path)) for path in sorted(PACKAGE.glob("*.py"))}


def imports(tree: ast.Module) -> list[tuple[int, str, str | None]]:
    """(line, top-level package, draftmate module or None) for every import, at any depth."""
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                sub = alias.name.split(".")[1] if top == "draftmate" and "." in alias.name else "__init__"
                found.append((node.lineno, top, sub if top == "draftmate" else None))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside draftmate
                parts = (node.module or "").split(".")
                base = parts[0] if parts[0] else None
                for alias in node.names:
                    found.append((node.lineno, "draftmate", base or alias.name))
                continue
            name = node.module or ""
            top = name.split(".")[0]
            if top != "draftmate":
                found.append((node.lineno, top, None))
            elif name == "draftmate":
                for alias in node.names:
                    is_module = (PACKAGE / f"{alias.name}.py").exists()
                    found.append((node.lineno, "draftmate", alias.name if is_module else "__init__"))
            else:
                found.append((node.lineno, "draftmate", name.split(".")[1]))
    return found


def test_every_module_has_a_layer() -> None:
    unknown = sorted(set(modules()) - set(LAYERS))
    assert not unknown, (
        f"new module(s) {unknown}: add each to LAYERS in tests/test_layers.py "
        "(5 cli; 4 rendering and use cases; 3 adapters owning one kind of I/O; 2 pure logic; 1 models/errors)"
    )


def test_imports_only_point_down() -> None:
    problems = []
    for name, tree in modules().items():
        layer = LAYERS.get(name)
        if layer is None:
            continue
        for line, top, target in imports(tree):
            if top != "draftmate" or target is None:
                continue
            if target not in LAYERS:
                problems.append(f"{name}.py:{line} imports unknown draftmate.{target}")
            elif LAYERS[target] > layer:
                problems.append(f"{name}.py:{line} (layer {layer}) imports draftmate.{target} (layer {LAYERS[target]})")
    assert not problems, "imports that point up the layers:\n" + "\n".join(problems)


def test_outside_libraries_stay_in_their_modules() -> None:
    problems, used_exceptions = [], set()
    for name, tree in modules().items():
        for line, top, _ in imports(tree):
            allowed = RESTRICTED.get(top)
            if allowed is None or name in allowed:
                continue
            if (name, top) in EXCEPTIONS:
                used_exceptions.add((name, top))
                continue
            problems.append(f"{name}.py:{line} imports {top}, which only {sorted(allowed)} may import")
    assert not problems, "\n".join(problems)
    stale = set(EXCEPTIONS) - used_exceptions
    assert not stale, f"remove these from EXCEPTIONS, they are no longer needed: {sorted(stale)}"


def test_cli_imports_only_typer_and_the_version_at_module_level() -> None:
    tree = modules()["cli"]
    top_level = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            top_level.add(node.module if node.module == "draftmate" else node.module.split(".")[0])
    heavy = top_level - {"typer", "draftmate", "__future__", "functools", "sys", "collections", "typing", "os"}
    assert not heavy, f"cli.py imports {sorted(heavy)} at module level; import them inside the commands"
    draftmate_names = {
        a.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "draftmate"
        for a in node.names
    }
    assert draftmate_names <= {"__version__"}


@pytest.mark.parametrize("name", sorted(n for n, layer in LAYERS.items() if layer <= 2))
def test_pure_layers_do_no_io_imports(name: str) -> None:
    tree = modules().get(name)
    if tree is None:
        pytest.skip(f"{name}.py is not there")
    io_modules = {"sqlite3", "subprocess", "socket", "httpx", "requests", "urllib", "rich", "typer", "openai"}
    found = {top for _, top, _ in imports(tree)} & io_modules
    assert not found, f"{name}.py is pure logic but imports {sorted(found)}"


def test_the_import_walker_sees_nested_and_relative_imports() -> None:
    tree = ast.parse(
        "import sqlite3\n"
        "from draftmate import ui, __version__\n"
        "from draftmate.store import open_store\n"
        "def f():\n    from .workflow import next_state\n    import rich.console\n"
    )
    assert imports(tree) == [
        (1, "sqlite3", None),
        (2, "draftmate", "ui"),
        (2, "draftmate", "__init__"),
        (3, "draftmate", "store"),
        (5, "draftmate", "workflow"),
        (6, "rich", None),
    ]
