"""Whether a model endpoint may be configured, told without building the settings (no pydantic)."""

from __future__ import annotations

from draftmate.errors import ConfigError
from draftmate.settings.config_file import read_config_file
from draftmate.settings.paths import config_path

# The variables naming an endpoint or a key (config.ENV_VARS' base_url and api_key; a test keeps them equal)
ENDPOINT_VARIABLES = ("DRAFTMATE_BASE_URL", "OPENAI_BASE_URL", "DRAFTMATE_API_KEY", "OPENAI_API_KEY")


def endpoint_may_be_set(env: dict[str, str]) -> bool:
    """Whether the environment or the config file names an endpoint or a key: a guess for what to load early, that
    the settings confirm or refuse later (an unreadable config file is left for them to report)."""
    if any(env.get(name) for name in ENDPOINT_VARIABLES):
        return True
    try:
        values = read_config_file(config_path(env))
    except (ConfigError, OSError):
        return False
    return bool(values.get("base_url") or values.get("api_key"))
