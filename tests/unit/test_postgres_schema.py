"""The PostgreSQL schema mirrors SQLite's: the same migrations by name, the same columns in the same order (so a row
reads as the same dict and hashes to the same digest on both), and the same write-counting triggers."""

from __future__ import annotations

import re

import psycopg

from backends import fresh_database_url
from draftmate.store.migrations import COUNTING_TRIGGERS, MIGRATIONS
from draftmate.store.migrations_pg import MIGRATIONS_PG
from draftmate.store.postgres import PostgresStore
from draftmate.store.sqlite import SQLiteStore

TABLES = "drafts versions notes reviews audit predictions ideas calibrators seals policies assignments".split()


def test_the_same_migrations_by_name() -> None:
    assert [name for name, _ in MIGRATIONS_PG] == [name for name, _ in MIGRATIONS]


def test_the_same_columns_in_the_same_order_and_the_same_triggers(postgres_server_url: str) -> None:
    lite = SQLiteStore.memory()
    pg = PostgresStore(fresh_database_url(postgres_server_url))
    try:
        for table in TABLES:
            lite_columns = [d[0] for d in lite.conn.execute(f"SELECT * FROM {table} LIMIT 0").description]
            pg_columns = [d[0] for d in pg.conn.execute(f"SELECT * FROM {table} LIMIT 0").description or []]
            assert pg_columns == lite_columns, table
        triggers = {r[0] for r in pg.conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
        assert COUNTING_TRIGGERS <= triggers
        assert pg._counting_triggers_in_place()
    finally:
        lite.close()
        pg.close()


def test_text_keys_sort_bytewise_as_in_sqlite(postgres_server_url: str) -> None:
    """Prefix lookups (`id >= ? AND id < ?`) need the C collation whatever the database's default."""
    for _, sql in MIGRATIONS_PG:
        for column in re.findall(r"\b(id|draft_id) TEXT\b(?! COLLATE)", sql):
            raise AssertionError(f'{column} without COLLATE "C"')
    with psycopg.connect(postgres_server_url) as conn:
        assert conn.execute("SELECT 'a' < 'B' COLLATE \"C\"").fetchone() == (False,)
