"""Both store backends for the tests: the `backend` fixture runs a test on SQLite and on a real PostgreSQL server.

The server is DRAFTMATE_TEST_DATABASE_URL's when given, else one started for the session (tests/pg_server.py).
When none can be started the PostgreSQL half is skipped with the reason, except in CI (CI or
DRAFTMATE_TEST_REQUIRE_POSTGRES set), where it fails: CI must not pass on SQLite alone.
"""

from __future__ import annotations

import itertools
import os
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_VARS = ("CI", "DRAFTMATE_TEST_REQUIRE_POSTGRES")
_schemas = itertools.count(1)


def postgres_required() -> bool:
    """Whether a missing PostgreSQL server fails the run (CI) instead of skipping its half."""
    return any(os.environ.get(v, "") not in ("", "0", "false") for v in REQUIRE_VARS)


def with_schema(url: str, schema: str) -> str:
    """`url` with every table in `schema` (libpq's options=-csearch_path)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    query.append(("options", f"-csearch_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server URL (as its superuser) for the session; skip or fail when there is none."""
    given = os.environ.get("DRAFTMATE_TEST_DATABASE_URL")
    if given:
        yield given
        return
    import pg_server

    try:
        server = pg_server.start()
    except RuntimeError as e:
        if postgres_required():
            pytest.fail(f"PostgreSQL is required here ({', '.join(REQUIRE_VARS)}) but could not start: {e}")
        pytest.skip(f"PostgreSQL half skipped: no server could be started ({e})")
    try:
        yield server.url()
    finally:
        server.stop()


def fresh_database_url(server_url: str, name: str | None = None) -> str:
    """A URL of a new empty schema on the server: one store, nothing shared with other tests."""
    import psycopg

    schema = name or f"t{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return with_schema(server_url, schema)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, hermetic: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The store backend this test runs on: the SQLite file, or PostgreSQL through DRAFTMATE_DATABASE_URL."""
    if request.param == "postgres":
        server_url = request.getfixturevalue("postgres_server_url")
        monkeypatch.setenv("DRAFTMATE_DATABASE_URL", fresh_database_url(server_url))
    return str(request.param)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker of tests about SQLite itself (its file, its pragmas)."""
    config.addinivalue_line("markers", "sqlite_only: a test of the SQLite file itself; not run on PostgreSQL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A `sqlite_only` test in a module run on both backends runs on SQLite alone (its PostgreSQL twin deselected)."""
    dropped = [i for i in items if i.get_closest_marker("sqlite_only") and _param(i, "backend") == "postgres"]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]


def _param(item: pytest.Item, name: str) -> object:
    callspec = getattr(item, "callspec", None)
    return None if callspec is None else callspec.params.get(name)


def login_as(role: str, url: str) -> str:
    """`url` (a test store's, as the superuser) logged in as `role`, made a member of draftmate_reviewer first."""
    import psycopg

    from draftmate.store.roles_pg import roles_sql

    schema = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["options"].partition("=")[2]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(roles_sql(schema).encode())
        conn.execute(
            f"DO $$ BEGIN CREATE ROLE {role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$".encode()
        )
        conn.execute(f"GRANT draftmate_reviewer TO {role}".encode())
    return url.replace("://postgres@", f"://{role}@", 1)
