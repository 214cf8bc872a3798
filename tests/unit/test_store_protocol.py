"""The `Store` protocol is the store's whole interface: both backends conform, and the use cases know only it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Generic

import pytest

from draftmate.store.backend import open_store
from draftmate.store.postgres import PostgresStore
from draftmate.store.protocol import Store
from draftmate.store.sql import SqlStore
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


@pytest.mark.parametrize("backend_class", [SQLiteStore, PostgresStore], ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", protocol_members())
def test_each_backend_has_every_member_with_the_same_parameters(name: str, backend_class: type) -> None:
    declared = getattr(Store, name, None)
    if declared is None:  # an attribute: the backend sets it on each store (checked on SQLite's, made in memory)
        if backend_class is SQLiteStore:
            store = SQLiteStore.memory()
            assert hasattr(store, name), f"SQLiteStore has no attribute {name}"
            store.close()
        return
    implemented = getattr(backend_class, name, None)
    assert callable(implemented), f"{backend_class.__name__} has no method {name}"
    assert not getattr(implemented, "__isabstractmethod__", False), f"{backend_class.__name__}.{name} is abstract"
    wanted = [(p.name, p.kind, p.default, p.annotation) for p in inspect.signature(declared).parameters.values()]
    found = [(p.name, p.kind, p.default, p.annotation) for p in inspect.signature(implemented).parameters.values()]
    assert found == wanted, f"{backend_class.__name__}.{name} takes {found}, the protocol says {wanted}"


def test_postgres_store_is_not_a_sqlite_store() -> None:
    # the shared SQL is SqlStore's: each backend supplies only what differs, neither inherits the other's
    assert SqlStore in PostgresStore.__mro__ and SqlStore in SQLiteStore.__mro__
    assert SQLiteStore not in PostgresStore.__mro__


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


@pytest.mark.parametrize("backend_class", [SQLiteStore, PostgresStore], ids=lambda c: c.__name__)
def test_each_part_of_a_store_declares_its_methods_once(backend_class: type) -> None:
    # read from the source, so declarations made only for the type checker (under TYPE_CHECKING) count too; a hook
    # a shared part declares abstract is the one thing a backend declares again: it implements it
    parts = {cls.__name__ for cls in backend_class.__mro__ if cls not in (object, Generic)}
    declared: dict[str, list[str]] = {}
    abstract: set[str] = set()
    for path in sorted((SRC / "store").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and node.name in parts:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.FunctionDef):
                        declared.setdefault(inner.name, []).append(node.name)
                        if any(ast.unparse(d) == "abstractmethod" for d in inner.decorator_list):
                            abstract.add(inner.name)
    twice = {name: where for name, where in declared.items() if len(where) > 1 and name not in abstract}
    assert not twice, f"declared in more than one part of {backend_class.__name__}: {twice}"
    hooks = {name: where for name, where in declared.items() if name in abstract and len(where) != 2}
    assert not hooks, f"each abstract hook is declared once and implemented once: {hooks}"
