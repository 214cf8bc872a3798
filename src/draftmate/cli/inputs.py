"""What commands open: the store and the settings, loaded only by the commands that need them."""

from __future__ import annotations

from typing import Any


def open_store() -> Any:
    """The store at the configured path, opened (and migrated) now."""
    from draftmate.store.backend import open_store as open_configured

    return open_configured()


def read_settings(**flags: Any) -> Any:
    """Settings in effect, command-line flags winning over the environment and config.toml."""
    from draftmate.settings.config import resolve

    return resolve(flags)[0]
