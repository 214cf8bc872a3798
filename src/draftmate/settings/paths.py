"""Where draftmate keeps its files: DRAFTMATE_HOME, else the platform's data and config directories."""

from __future__ import annotations

import os
from pathlib import Path


def home_override(env: dict[str, str] | None = None) -> Path | None:
    """DRAFTMATE_HOME, when set: one directory for data and config."""
    value = (os.environ if env is None else env).get("DRAFTMATE_HOME")
    if not value:
        return None
    home = Path(value).expanduser()
    if home.exists() and not home.is_dir():  # else mkdir says "File exists", which names neither cause nor fix
        from draftmate.errors import ConfigError

        fix = "set DRAFTMATE_HOME elsewhere (a directory, or a path not there yet)"
        raise ConfigError(f"DRAFTMATE_HOME {home} is a file, not a directory; {fix}")
    return home


def data_dir(env: dict[str, str] | None = None) -> Path:
    """Where the store lives."""
    home = home_override(env)
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_data_dir("draftmate", appauthor=False))


def config_dir(env: dict[str, str] | None = None) -> Path:
    """Where config.toml and a user's prompts live."""
    home = home_override(env)
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_config_dir("draftmate", appauthor=False))


def config_path(env: dict[str, str] | None = None) -> Path:
    """The config file."""
    return config_dir(env) / "config.toml"
