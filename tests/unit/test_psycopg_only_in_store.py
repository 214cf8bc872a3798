"""PostgreSQL's driver is imported by the store alone, as sqlite3 is: the layer test's RESTRICTED table says so."""

from __future__ import annotations

import ast

from test_layers import RESTRICTED, imports, modules, package_of


def test_psycopg_is_restricted_to_the_store() -> None:
    assert RESTRICTED.get("psycopg") == {"store"}


def test_a_psycopg_import_outside_the_store_would_be_caught() -> None:
    tree = ast.parse("def f():\n    import psycopg.errors\n    from psycopg import sql\n")
    caught = [top for _, top, _ in imports(tree) if package_of("settings.database") not in RESTRICTED.get(top, {""})]
    assert caught == ["psycopg", "psycopg"]


def test_only_store_modules_import_psycopg_today() -> None:
    importers = {name for name, tree in modules().items() for _, top, _ in imports(tree) if top == "psycopg"}
    assert importers and {package_of(name) for name in importers} == {"store"}
