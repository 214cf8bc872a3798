"""Which store backend draftmate opens: the one place a second backend (PostgreSQL) would be chosen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from draftmate.store.protocol import Store


def open_store(path: Path | None = None) -> Store:
    """The store at `path`, or the default one: SQLite in the data directory (DRAFTMATE_HOME or the platform's)."""
    # the backend is imported here, not at the top: a backend's driver loads only when that backend is opened
    from draftmate.store.sqlite import SQLiteStore

    if path is None:
        from draftmate.settings.paths import data_dir

        path = data_dir() / "draftmate.db"
    return SQLiteStore(path)
