"""Which database the store lives in: DRAFTMATE_DATABASE_URL or `database_url` in config.toml, else SQLite.

Read without pydantic (every command opens the store, `list` must stay fast). A URL's password is never shown:
`mask_url` is what every message, `config show` and the audit chain get.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from draftmate.errors import ConfigError

DATABASE_URL_VAR = "DRAFTMATE_DATABASE_URL"
SETTING = "database_url"
EXAMPLE = "postgresql://USER@HOST:5432/DATABASE"
_SCHEMES = ("postgresql", "postgres")
_BLANK_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def configured_url(env: dict[str, str] | None = None, config_file: Path | None = None) -> tuple[str, str] | None:
    """(URL, where it was set) when a database server is configured, else None (the SQLite file)."""
    found = dict(os.environ) if env is None else env
    if found.get(DATABASE_URL_VAR):
        return found[DATABASE_URL_VAR], DATABASE_URL_VAR
    if config_file is None:
        from draftmate.settings.paths import config_path

        config_file = config_path(found)
    if not config_file.exists():  # the common case: no file, nothing to parse
        return None
    from draftmate.settings.config_file import read_config_file

    try:
        value = read_config_file(config_file).get(SETTING)
    except ConfigError:
        # a broken config.toml stops what needs settings; a store command goes on with the SQLite file, unless
        # the broken file may be naming a database (then which store is meant is unknown)
        try:
            mentions = SETTING.encode() in config_file.read_bytes()
        except OSError:
            mentions = True
        if mentions:
            raise
        return None
    return (str(value), f"{SETTING} in {config_file}") if value else None


def check_url(url: str, source: str) -> str:
    """The URL if it names a PostgreSQL server draftmate can reach; a ConfigError (exit 2) that says why not."""
    from urllib.parse import urlsplit

    where = f"(from {source})"
    found = _BLANK_OR_CONTROL.search(url)
    if found:
        raise ConfigError(f"the database URL has a space or control character {where}; write it like {EXAMPLE}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigError(f"the database URL {mask_url(url)} is malformed {where}; write it like {EXAMPLE}") from None
    if parts.scheme not in _SCHEMES:
        raise ConfigError(
            f"the database URL {mask_url(url)} is not a postgresql:// URL {where}; write it like {EXAMPLE}, "
            f"or unset it to use the SQLite file"
        )
    if not parts.path.strip("/") and "dbname=" not in parts.query:
        raise ConfigError(f"the database URL {mask_url(url)} names no database {where}; write it like {EXAMPLE}")
    return url


def mask_url(url: str) -> str:
    """The URL with its password, and any password= in its query, replaced by ****."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            user = netloc.rpartition("@")[0].partition(":")[0]
            netloc = f"{user}:****@{netloc.rpartition('@')[2]}"
        query = re.sub(r"(?i)(password=)[^&]*", r"\1****", parts.query)
        if not netloc:
            # urlunsplit drops the `//` of an empty host (`postgresql:///db?host=/socket`): put it back by hand
            return f"{parts.scheme}://{parts.path}" + (f"?{query}" if query else "")
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        # unparsable: keep the scheme only, for a password may be anywhere in the rest
        return url.partition("://")[0] + "://****" if "://" in url else "****"


def host_of(url: str) -> str:
    """The server a URL names, as `host:port` (a socket directory for a local socket), for error messages."""
    from urllib.parse import parse_qs, urlsplit

    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        host = parts.hostname or query.get("host", ["localhost"])[0]
        return f"{host}:{parts.port or query.get('port', ['5432'])[0]}"
    except ValueError:
        return "?"


def refuse_stored_password(url: str) -> None:
    """config.toml never holds a database password: libpq reads it from ~/.pgpass or PGPASSWORD."""
    from urllib.parse import urlsplit

    if urlsplit(url).password is not None or re.search(r"(?i)(^|&)password=", urlsplit(url).query):
        raise ConfigError(
            "database_url holds a password, and draftmate never writes one to a file; put it in ~/.pgpass or "
            f"PGPASSWORD and set the URL without it ({mask_url(url)})"
        )
