"""The `Store` protocol is the store's whole interface: SQLiteStore conforms, and the use cases know only it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from draftmate.store.backend import open_store
from draftmate.store.postgres import PostgresStore
from draftmate.store.protocol import Store
from draftmate.store.sqlite import SQLiteStore

SRC = Path(__file__).resolve().parents[2] / "src" / "draftmate"


def _conforms(store: SQLiteStore) -> Store:
    """mypy checks this file (pyproject's mypy `files`): it fails here if SQLiteStore stops matching Store."""
    return store


def _postgres_conforms(store: PostgresStore) -> Store:
    """The same static check for the PostgreSQL store."""
    return store


def protocol_members() -> list[str]:
    """The names the protocol declares: its methods and its attributes."""
    methods = [name for name, value in vars(Store).items() if inspect.isfunction(value) and not name.startswith("__")]
    return methods + list(Store.__annotations__)


def test_the_protocol_declares_what_callers_use() -> None:
    members = protocol_members()
    # a sample of what the services and the CLI call, some of it missing from the first protocol
    for name in ("iter_sealed_finals", "iter_bundle_rows", "add_seal", "get_idea", "snapshot", "skipped_drafts"):
        assert name in members


@pytest.mark.parametrize("name", protocol_members())
def test_sqlite_store_has_every_member_with_the_same_parameters(name: str) -> None:
    declared = getattr(Store, name, None)
    if declared is None:  # an attribute: SQLiteStore sets it on each store
        store = SQLiteStore.memory()
        assert hasattr(store, name), f"SQLiteStore has no attribute {name}"
        store.close()
        return
    implemented = getattr(SQLiteStore, name, None)
    assert callable(implemented), f"SQLiteStore has no method {name}"
    wanted = [(p.name, p.kind, p.default, p.annotation) for p in inspect.signature(declared).parameters.values()]
    found = [(p.name, p.kind, p.default, p.annotation) for p in inspect.signature(implemented).parameters.values()]
    assert found == wanted, f"SQLiteStore.{name} takes {found}, the protocol says {wanted}"


def test_open_store_gives_a_sqlite_store_in_the_data_directory(hermetic: Path) -> None:
    store = open_store()
    assert isinstance(store, SQLiteStore)
    assert store.path is not None and store.path.parent == hermetic
    store.close()


def names_used(path: Path) -> set[str]:
    """Every name and attribute a module mentions."""
    tree = ast.parse(path.read_text(), str(path))
    found = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    found |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    return found


@pytest.mark.parametrize("path", sorted([*SRC.glob("services/*.py"), *SRC.glob("cli/*.py")]), ids=lambda p: p.name)
def test_the_use_cases_are_typed_against_the_protocol_not_the_backend(path: Path) -> None:
    assert "SQLiteStore" not in names_used(path), f"{path.name} names SQLiteStore: type it against store.protocol.Store"


def test_each_part_of_sqlite_store_declares_its_methods_once() -> None:
    # read from the source, so declarations made only for the type checker (under TYPE_CHECKING) count too
    parts = {cls.__name__ for cls in SQLiteStore.__mro__ if cls is not object}
    declared: dict[str, list[str]] = {}
    for path in sorted((SRC / "store").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and node.name in parts:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.FunctionDef):
                        declared.setdefault(inner.name, []).append(node.name)
    twice = {name: where for name, where in declared.items() if len(where) > 1}
    assert not twice, f"declared in more than one part of SQLiteStore: {twice}"
