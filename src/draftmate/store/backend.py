"""Which store backend draftmate opens: the SQLite file, or PostgreSQL when a database URL is configured."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from draftmate.store.protocol import Store


def open_store(path: Path | None = None) -> Store:
    """The store at `path`, or the configured one: PostgreSQL at DRAFTMATE_DATABASE_URL / `database_url`, else
    SQLite in the data directory (DRAFTMATE_HOME or the platform's)."""
    # the backend is imported here, not at the top: a backend's driver loads only when that backend is opened
    if path is None:
        from draftmate.settings.database import check_url, configured_url

        configured = configured_url()
        if configured is not None:
            url, source = configured
            return open_url(check_url(url, source), source)
        from draftmate.settings.paths import data_dir

        path = data_dir() / "draftmate.db"
    from draftmate.store.sqlite import SQLiteStore

    return SQLiteStore(path)


def open_url(url: str, source: str = "DRAFTMATE_DATABASE_URL") -> Store:
    """The PostgreSQL store at `url`; a StoreError naming the missing driver when psycopg is not installed."""
    try:
        from draftmate.store.postgres import PostgresStore
    except ImportError:
        from draftmate.errors import StoreError

        raise StoreError(
            f"{source} names a PostgreSQL server, but its driver is not installed; "
            "`pip install 'draftmate[postgres]'`, or unset it to use the SQLite file"
        ) from None
    return PostgresStore(url, source)


def open_target(to: str) -> tuple[Store, str]:
    """The store `store copy --to` names: a postgresql:// URL, or a SQLite file path; with how to show it."""
    if to.startswith(("postgresql://", "postgres://")):
        from draftmate.settings.database import check_url, mask_url

        return open_url(check_url(to, "--to"), "--to"), mask_url(to)
    from draftmate.store.sqlite import SQLiteStore

    return SQLiteStore(Path(to.removeprefix("sqlite://")).expanduser()), to
