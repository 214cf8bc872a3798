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
            "install the postgres extra (in draftmate's clone: "
            "`.venv/bin/pip install -c constraints.txt '.[postgres]'`), or unset it to use the SQLite file"
        ) from None
    return PostgresStore(url, source)


def open_target(to: str, source: Path | None = None) -> tuple[Store, str]:
    """The store `store copy --to` names: a postgresql:// URL, or a SQLite file path; with how to show it.

    Anything else is a UsageError before a file or directory is made: another scheme (`mysql://`, `http://`) would
    otherwise become a SQLite file under a directory named `mysql:`, a missing directory would be created, and the
    store itself would be copied into itself."""
    import re

    from draftmate.errors import UsageError

    if to.startswith(("postgresql://", "postgres://")):
        from draftmate.settings.database import check_url, mask_url

        return open_url(check_url(to, "--to"), "--to"), mask_url(to)
    if not to.strip():
        raise UsageError("--to is empty; give a postgresql://USER@HOST:5432/DATABASE URL or a SQLite file path")
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", to)
    if scheme and scheme[1] != "sqlite":
        raise UsageError(
            f"--to {to!r} is a {scheme[1]}: address; draftmate copies into a postgresql://USER@HOST:5432/DATABASE "
            "URL or a SQLite file path"
        )
    from draftmate.store.sqlite import SQLiteStore

    path = Path(to.removeprefix("sqlite://")).expanduser()
    if not path.parent.is_dir():
        raise UsageError(f"cannot copy into {to}: directory {path.parent} does not exist; create it first")
    if path.is_dir():
        raise UsageError(f"--to {to} is a directory; give the path of a SQLite file to copy into")
    if path.exists() and not path.is_file():  # sqlite would open a FIFO or device and fail as "disk I/O error"
        from draftmate.fileio import kind_of

        raise UsageError(f"--to {to} is {kind_of(path.stat().st_mode)}, not a file; give the path of a SQLite file")
    if source is not None and path.exists() and source.exists() and path.samefile(source):
        raise UsageError(f"--to {to} is this store ({source}); give another database to copy into")
    return SQLiteStore(path), to
