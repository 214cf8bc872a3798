"""Settings, resolved flag > environment > config.toml > default, and where files live."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from draftmate.errors import ConfigError
from draftmate.paths import config_dir, config_path, data_dir, home_override

__all__ = ["Settings", "config_dir", "config_path", "data_dir", "home_override", "resolve", "set_value"]

# Environment variables, in order of preference, for each setting that has one.
ENV_VARS: dict[str, tuple[str, ...]] = {
    "model": ("DRAFTMATE_MODEL",),
    "base_url": ("DRAFTMATE_BASE_URL", "OPENAI_BASE_URL"),
    "api_key": ("DRAFTMATE_API_KEY", "OPENAI_API_KEY"),
    "fallback_model": ("DRAFTMATE_FALLBACK_MODEL",),
    "reviewer": ("DRAFTMATE_REVIEWER",),
}
SECRET_FIELDS = ("api_key",)
EXAMPLE_URL = "http://localhost:11434/v1"
# The value of an Authorization header a server may quote back: `Bearer <key>`, `Basic <base64 user:password>`.
AUTH_VALUE = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.I)


class Settings(BaseModel):
    """Everything configurable; see `draftmate config show`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)

    model: str = Field("gpt-4o-mini", min_length=1, description="chat model to draft with")
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1")
    api_key: SecretStr | None = Field(None, description="API key for the endpoint")
    fallback_model: str | None = Field(None, description="model to use when the primary keeps failing")
    reviewer: str | None = Field(None, description="your name as a reviewer")
    editorial_responsibility: str | None = Field(None, description="who holds editorial responsibility")
    temperature: float = Field(0.4, ge=0.0, le=2.0, description="sampling temperature for drafts")
    timeout: float = Field(60.0, gt=0, description="seconds before a model request times out")
    max_retries: int = Field(2, ge=0, le=10, description="retries of a failed model request")
    samples: int = Field(2, ge=0, le=10, description="extra samples compared for agreement")
    logprobs: bool = Field(True, description="ask the endpoint for token log-probabilities")
    prompts_dir: str | None = Field(None, description="directory of your own prompt templates")
    edit_threshold: float = Field(0.3, ge=0.0, le=1.0, description="edit share above which a draft was wrong")
    target_error_rate: float = Field(0.1, gt=0.0, lt=1.0, description="allowed error rate of high confidence")

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
        from draftmate.textsafe import check_name

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
        for name in SECRET_FIELDS:
            secret = getattr(self, name)
            values[name] = None if secret is None else mask(secret.get_secret_value())
        return values


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


def read_config_file(path: Path) -> dict[str, Any]:
    """The config file's values; a malformed file is a ConfigError naming the line."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path} is not valid TOML ({e}); fix it or remove it") from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from None


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

    An empty value removes the setting from the file, so the environment or the default applies again (an empty
    api_key would otherwise count as a key)."""
    if key not in Settings.model_fields:
        known = ", ".join(Settings.model_fields)
        raise ConfigError(f"unknown setting {key!r}; known settings: {known}")
    path = config_path(env)
    current = read_config_file(path)
    if raw.strip():
        current[key] = raw
    else:
        current.pop(key, None)
    try:
        checked = Settings(**current)
    except ValidationError as e:
        raise ConfigError(describe_errors(e, {key: "config set"})) from None
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
