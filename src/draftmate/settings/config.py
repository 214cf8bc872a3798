"""Settings, resolved flag > environment > config.toml > default, and where files live."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, ValidationInfo, field_validator

from draftmate.errors import ConfigError
from draftmate.settings.config_file import read_config_file
from draftmate.settings.paths import config_dir, config_path, data_dir, home_override

__all__ = [
    "Settings",
    "config_dir",
    "config_path",
    "data_dir",
    "home_override",
    "read_config_file",
    "resolve",
    "set_value",
]

# Environment variables, in order of preference, for each setting that has one.
ENV_VARS: dict[str, tuple[str, ...]] = {
    "model": ("DRAFTMATE_MODEL",),
    "base_url": ("DRAFTMATE_BASE_URL", "OPENAI_BASE_URL"),
    "api_key": ("DRAFTMATE_API_KEY", "OPENAI_API_KEY"),
    "fallback_model": ("DRAFTMATE_FALLBACK_MODEL",),
    "reviewer": ("DRAFTMATE_REVIEWER",),
    "check_packages_online": ("DRAFTMATE_CHECK_PACKAGES_ONLINE",),
    "check_links": ("DRAFTMATE_CHECK_LINKS",),
    "database_url": ("DRAFTMATE_DATABASE_URL",),
}
SECRET_FIELDS = ("api_key",)
EXAMPLE_URL = "http://localhost:11434/v1"
# The value of an Authorization header a server may quote back: `Bearer <key>`, `Basic <base64 user:password>`.
AUTH_VALUE = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.I)
# Limits on settings, shown by `draftmate config show` and in the README's configuration table.
MAX_TIMEOUT = 3600.0
NAME_LIMIT = 200
URL_LIMIT = 2000
_BLANK_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


class Settings(BaseModel):
    """Everything configurable; see `draftmate config show`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)

    model: str = Field("gpt-4o-mini", min_length=1, max_length=NAME_LIMIT, description="chat model to draft with")
    base_url: str | None = Field(
        None, max_length=URL_LIMIT, description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1"
    )
    api_key: SecretStr | None = Field(None, max_length=URL_LIMIT, description="API key for the endpoint")
    fallback_model: str | None = Field(
        None, max_length=NAME_LIMIT, description="model to use when the primary keeps failing"
    )
    reviewer: str | None = Field(None, max_length=NAME_LIMIT, description="your name as a reviewer")
    editorial_responsibility: str | None = Field(
        None, max_length=NAME_LIMIT, description="who holds editorial responsibility"
    )
    # Numbers are finite and bounded to what the model client and the socket layer accept: `timeout = inf` or 1e308
    # passed validation once and then crashed `doctor` and `draft` inside the socket module.
    temperature: float = Field(0.4, ge=0.0, le=2.0, allow_inf_nan=False, description="sampling temperature for drafts")
    timeout: float = Field(
        60.0, gt=0, le=MAX_TIMEOUT, allow_inf_nan=False, description="seconds before a model request times out"
    )
    max_retries: int = Field(2, ge=0, le=10, description="retries of a failed model request")
    samples: int = Field(2, ge=0, le=10, description="extra samples compared for agreement")
    logprobs: bool = Field(True, description="ask the endpoint for token log-probabilities")
    prompts_dir: str | None = Field(None, max_length=4096, description="directory of your own prompt templates")
    edit_threshold: float = Field(
        0.3, ge=0.0, le=1.0, allow_inf_nan=False, description="edit share above which a draft was wrong"
    )
    target_error_rate: float = Field(
        0.1, gt=0.0, lt=1.0, allow_inf_nan=False, description="allowed error rate of high confidence"
    )
    check_packages_online: bool = Field(
        False, description="ask PyPI whether an import found nowhere here exists (cached; off: no network)"
    )
    check_links: bool = Field(False, description="fetch each link of a text draft; dead ones block (off: no network)")
    database_url: str | None = Field(
        None, max_length=URL_LIMIT, description="postgresql://USER@HOST/DB of a shared store (else the SQLite file)"
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A postgresql:// URL naming a database; the message shows it with its password masked."""
        if value is None:
            return value
        from draftmate.settings.database import check_url

        try:
            return check_url(value, "the setting")
        except ConfigError as e:
            raise ValueError(str(e).replace(" (from the setting)", "")) from None

    @field_validator("model", "base_url", "api_key", "fallback_model", mode="before")
    @classmethod
    def _no_blanks(cls, value: Any, info: ValidationInfo) -> Any:
        """Names, URLs and keys have no spaces or control characters: a pasted trailing newline is refused here,
        not sent in a header or URL where it crashes the request and leaves an empty draft."""
        if isinstance(value, str):
            if not value.strip():
                raise ValueError(blank_message(info.field_name))
            found = _BLANK_OR_CONTROL.search(value)
            if found:
                raise ValueError(f"has a space or control character ({found.group(0)!r}); remove it")
        return value

    @field_validator("reviewer", "editorial_responsibility", "prompts_dir", mode="before")
    @classmethod
    def _not_blank(cls, value: Any, info: ValidationInfo) -> Any:
        """A name or path may hold any text (it is always shown escaped), but not nothing but spaces."""
        if isinstance(value, str) and not value.strip():
            raise ValueError(blank_message(info.field_name))
        return value

    @field_validator("base_url")
    @classmethod
    def _endpoint_url(cls, value: str | None) -> str | None:
        """An http(s) URL with a host and a numeric port; the message never repeats the URL (it may hold a key)."""
        if not value:
            return value
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise ValueError(f"its port is not a valid number; write it like {EXAMPLE_URL}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"use an http:// or https:// URL with a host, like {EXAMPLE_URL}")
        return value

    @field_validator("reviewer", "editorial_responsibility")
    @classmethod
    def _plain_name(cls, value: str | None) -> str | None:
        """A person's name, by the one rule for names: no control, format, bidi or tag characters, not blank."""
        if value is None:
            return value
        from draftmate.domain.untrusted_text import check_name

        return check_name(value, what="the name", fix="write it as plain text (`draftmate config set reviewer NAME`)")

    def redact(self, text: str) -> str:
        """`text` (e.g. a server's error) without these settings' secrets or any credentials it quotes."""
        secrets = [self.api_key.get_secret_value()] if self.api_key else []
        if self.base_url:
            from urllib.parse import parse_qsl, urlsplit

            parts = urlsplit(self.base_url)
            secrets += [parts.password or "", *(v for _, v in parse_qsl(parts.query))]
        for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
            text = text.replace(secret, "****")
        return AUTH_VALUE.sub(r"\1 ****", text)

    def has_endpoint(self) -> bool:
        """Whether a model can be reached: a key for OpenAI, or an endpoint of one's own."""
        return self.api_key is not None or bool(self.base_url)

    def masked(self) -> dict[str, Any]:
        """The settings as plain values, secrets shown only by their last four characters."""
        values = self.model_dump()
        if self.base_url:
            values["base_url"] = display_url(self.base_url)
        if self.database_url:
            from draftmate.settings.database import mask_url

            values["database_url"] = mask_url(self.database_url)
        for name in SECRET_FIELDS:
            secret = getattr(self, name)
            values[name] = None if secret is None else mask(secret.get_secret_value())
        return values


# Where the online package check asks; tests point it at a server of their own.
PYPI_URL_VAR = "DRAFTMATE_PYPI_URL"
PYPI_URL = "https://pypi.org/pypi"


def pypi_url(env: dict[str, str] | None = None) -> str:
    """The base of PyPI's JSON API (`<base>/<name>/json`): DRAFTMATE_PYPI_URL, else pypi.org."""
    return (os.environ if env is None else env).get(PYPI_URL_VAR) or PYPI_URL


def blank_message(name: str | None) -> str:
    """What to do about a setting given as nothing but spaces."""
    return f"is blank; give a value, or remove it with `draftmate config set {name} ''`"


def allowed_range(name: str) -> str | None:
    """The bounds of a numeric setting (e.g. `0 <= value <= 2`), from its field's constraints; None for others."""
    low = high = ""
    for rule in Settings.model_fields[name].metadata:
        for attr, text in (("ge", "{} <= "), ("gt", "{} < ")):
            if getattr(rule, attr, None) is not None:
                low = text.format(f"{getattr(rule, attr):g}")
        for attr, text in (("le", " <= {}"), ("lt", " < {}")):
            if getattr(rule, attr, None) is not None:
                high = text.format(f"{getattr(rule, attr):g}")
    return f"{low}value{high}" if low and high else None


def display_url(url: str) -> str:
    """An endpoint URL fit to print or store: any credentials in it (user:key@, ?key=) removed."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = ("****@" if parts.username or parts.password else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "****" if parts.query else "", ""))


def mask(secret: str) -> str:
    """A secret reduced to a hint of which one it is."""
    return "****" + secret[-4:] if len(secret) >= 12 else "****"


def resolve(flags: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> tuple[Settings, dict[str, str]]:
    """Settings in effect and, per field, where each value came from."""
    env = dict(os.environ if env is None else env)
    path = config_path(env)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, value in read_config_file(path).items():
        values[name], sources[name] = value, str(path)
    for name, names in ENV_VARS.items():
        for var in names:
            if env.get(var):
                values[name], sources[name] = env[var], var
                break
    for name, value in (flags or {}).items():
        if value is not None:
            values[name], sources[name] = value, "flag"
    if sources.get("api_key") == "OPENAI_API_KEY" and not _openai_endpoint(values.get("base_url"), sources):
        # the OpenAI key is for OpenAI (or the endpoint OpenAI's own variable names), never for an endpoint set here
        del values["api_key"]
        sources["api_key"] = WITHHELD
    try:
        settings = Settings(**values)
    except ValidationError as e:
        raise ConfigError(describe_errors(e, sources)) from None
    for name in Settings.model_fields:
        sources.setdefault(name, "default")
    return settings, sources


WITHHELD = "OPENAI_API_KEY withheld: it goes only to OpenAI; set DRAFTMATE_API_KEY for this endpoint"


def _openai_endpoint(base_url: Any, sources: dict[str, str]) -> bool:
    """Whether requests go where OPENAI_API_KEY is meant to go: OpenAI itself, or OPENAI_BASE_URL's endpoint."""
    if not base_url or sources.get("base_url") == "OPENAI_BASE_URL":
        return True
    from urllib.parse import urlsplit

    try:
        return urlsplit(str(base_url)).hostname == "api.openai.com"
    except ValueError:
        return False


def describe_errors(error: ValidationError, sources: dict[str, str]) -> str:
    """A validation error as one clause per field, naming where the bad value came from."""
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "settings"
        origin = sources.get(field, "")
        hint = "unknown setting (see `draftmate config show`)" if item["type"] == "extra_forbidden" else item["msg"]
        hint = hint.removeprefix("Value error, ")  # a validator's own message says what to do; pydantic's prefix not
        parts.append(f"{field}: {hint}" + (f" (from {origin})" if origin else ""))
    return "invalid configuration: " + "; ".join(parts)


def set_value(key: str, raw: str, env: dict[str, str] | None = None) -> Path:
    """Validate one setting and write it to config.toml atomically; returns the file's path.

    An empty value ('') removes the setting from the file, so the environment or the default applies again (an empty
    api_key would otherwise count as a key)."""
    if key not in Settings.model_fields:
        known = ", ".join(Settings.model_fields)
        raise ConfigError(f"unknown setting {key!r}; known settings: {known}")
    path = config_path(env)
    current = read_config_file(path)
    if raw:  # only '' removes: a blank value is refused below, like a blank in the file or the environment
        current[key] = raw
    else:
        current.pop(key, None)
    try:
        checked = Settings(**current)
    except ValidationError as e:
        raise ConfigError(describe_errors(e, {key: "config set"})) from None
    if key == "database_url" and raw:
        from draftmate.settings.database import refuse_stored_password

        refuse_stored_password(raw)
    if key in current:
        value = getattr(checked, key)
        current[key] = value.get_secret_value() if isinstance(value, SecretStr) else value
    from draftmate.fileio import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # it may also hold the store: private, like the store's
    write_atomic(path, dump_toml(current), mode=0o600, overwrite=True, make_parents=True)
    return path


def dump_toml(values: dict[str, Any]) -> str:
    """Flat scalar settings as TOML."""
    lines = []
    for key, value in sorted(values.items()):
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int | float):
            text = repr(value)
        else:
            text = toml_string(str(value))
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes, but non-ASCII kept as is (TOML has no surrogate-pair escapes) and
    every control character TOML forbids escaped as \\uXXXX."""
    import json

    body = json.dumps(value, ensure_ascii=False)[1:-1]
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) == 0x7F or ord(c) < 0x20 else c for c in body) + '"'
