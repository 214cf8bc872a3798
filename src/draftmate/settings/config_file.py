"""Reading config.toml, apart from the settings model: the store reads `database_url` without loading pydantic."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from draftmate.errors import ConfigError


def read_config_file(path: Path) -> dict[str, Any]:
    """The config file's values; a malformed file is a ConfigError naming the line."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as e:  # TOML is UTF-8 only; tomllib decodes before it parses
        source = "utf-16" if e.object[:2] in (b"\xff\xfe", b"\xfe\xff") else "latin1"
        fix = f"convert it, e.g. `iconv -f {source} -t utf-8`, or remove it"
        raise ConfigError(f"{path} is not UTF-8 text (byte {e.start + 1}); {fix}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path} is not valid TOML ({e}); fix it or remove it") from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from None
