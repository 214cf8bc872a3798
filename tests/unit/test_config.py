"""Settings: flag > environment > config.toml > default; secrets masked; bad config named field by field."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.errors import ConfigError
from draftmate.settings.config import config_path, data_dir, resolve

KEY = "sk-test-0123456789abcdefWXYZ"


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text)
    return path


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_defaults_when_nothing_is_set(hermetic: Path) -> None:
    settings, sources = resolve()
    assert settings.model == "gpt-4o-mini"
    assert settings.api_key is None and settings.base_url is None
    assert set(sources.values()) == {"default"}


def test_home_holds_config_and_store(hermetic: Path) -> None:
    assert config_path() == hermetic / "config.toml"
    assert data_dir() == hermetic


def test_precedence_flag_env_file_default(hermetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(hermetic, 'model = "from-file"\nreviewer = "File Person"\ntemperature = 0.9\n')
    settings, sources = resolve()
    assert (settings.model, sources["model"]) == ("from-file", str(path))
    monkeypatch.setenv("DRAFTMATE_MODEL", "from-env")
    settings, sources = resolve()
    assert (settings.model, sources["model"]) == ("from-env", "DRAFTMATE_MODEL")
    assert (settings.reviewer, sources["reviewer"]) == ("File Person", str(path))
    settings, sources = resolve({"model": "from-flag", "reviewer": None})
    assert (settings.model, sources["model"]) == ("from-flag", "flag")
    assert settings.reviewer == "File Person"  # a flag left unset does not override
    assert (settings.temperature, sources["timeout"]) == (0.9, "default")


@pytest.mark.parametrize(
    ("field", "primary", "fallback"),
    [("api_key", "DRAFTMATE_API_KEY", "OPENAI_API_KEY"), ("base_url", "DRAFTMATE_BASE_URL", "OPENAI_BASE_URL")],
)
def test_draftmate_variables_beat_openai_ones(
    hermetic: Path, monkeypatch: pytest.MonkeyPatch, field: str, primary: str, fallback: str
) -> None:
    # URL-shaped values: they must also pass as a base_url
    write_config(hermetic, f'{field} = "http://file/v1"\n')
    monkeypatch.setenv(fallback, "http://openai-var/v1")
    settings, sources = resolve()
    value = getattr(settings, field)
    assert (getattr(value, "get_secret_value", lambda: value)(), sources[field]) == ("http://openai-var/v1", fallback)
    monkeypatch.setenv(primary, "http://dm-var/v1")
    settings, sources = resolve()
    value = getattr(settings, field)
    assert (getattr(value, "get_secret_value", lambda: value)(), sources[field]) == ("http://dm-var/v1", primary)


def test_empty_environment_variable_does_not_override(hermetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(hermetic, 'model = "from-file"\n')
    monkeypatch.setenv("DRAFTMATE_MODEL", "")
    assert resolve()[0].model == "from-file"


@pytest.mark.parametrize("where", ["env", "file"])
def test_config_show_masks_the_key(
    hermetic: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner, where: str
) -> None:
    if where == "env":
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
    else:
        write_config(hermetic, f'api_key = "{KEY}"\n')
    for args in (["config", "show"], ["config", "show", "--json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        assert KEY not in result.output
        assert KEY[:-4] not in result.output
        assert "****WXYZ" in result.stdout
    shown = json.loads(runner.invoke(app, ["config", "show", "--json"]).stdout)
    assert shown["api_key"]["value"] == "****WXYZ"
    assert shown["model"] == {"value": "gpt-4o-mini", "source": "default"}


def test_a_short_key_is_masked_entirely(monkeypatch: pytest.MonkeyPatch, runner: CliRunner) -> None:
    monkeypatch.setenv("DRAFTMATE_API_KEY", "abc12345")
    result = runner.invoke(app, ["config", "show"])
    assert "abc12345" not in result.output and "2345" not in result.output


def test_config_set_validates_and_writes_a_private_file(hermetic: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["config", "set", "temperature", "0.7"])
    assert result.exit_code == 0, result.stderr
    path = hermetic / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text()) == {"temperature": 0.7}
    assert runner.invoke(app, ["config", "set", "api_key", KEY]).exit_code == 0
    assert runner.invoke(app, ["config", "set", "reviewer", 'Ada "the" Reviewer']).exit_code == 0
    assert tomllib.loads(path.read_text()) == {"temperature": 0.7, "api_key": KEY, "reviewer": 'Ada "the" Reviewer'}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings, sources = resolve()
    assert settings.temperature == 0.7 and sources["temperature"] == str(path)
    assert KEY not in runner.invoke(app, ["config", "show"]).output


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [("temperature", "7", "temperature"), ("samples", "many", "samples"), ("no_such_setting", "1", "no_such_setting")],
)
def test_config_set_refuses_bad_values(hermetic: Path, runner: CliRunner, key: str, value: str, named: str) -> None:
    result = runner.invoke(app, ["config", "set", key, value])
    assert result.exit_code == 2
    assert named in one_error_line(result.stderr)
    assert not (hermetic / "config.toml").exists()


def test_malformed_toml_is_exit_2_in_one_line(hermetic: Path, runner: CliRunner) -> None:
    path = write_config(hermetic, "model = \ntemperature = [\n")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert str(path) in line and "TOML" in line
    with pytest.raises(ConfigError):
        resolve()


def test_invalid_values_are_named_field_by_field(hermetic: Path, runner: CliRunner) -> None:
    path = write_config(hermetic, 'temperature = 5\nsamples = -1\nmodel = "ok"\ncolour = "blue"\n')
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    for field in ("temperature:", "samples:", "colour: unknown setting"):
        assert field in line
    assert f"(from {path})" in line
    assert "model:" not in line


def test_invalid_flag_value_is_named_with_its_source(hermetic: Path) -> None:
    assert resolve({"temperature": 0.1})[0].temperature == 0.1
    with pytest.raises(ConfigError, match=r"temperature: .*\(from flag\)"):
        resolve({"temperature": 9})


def test_config_path_names_both_files(hermetic: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["config", "path"])
    assert result.exit_code == 0
    assert str(hermetic / "config.toml") in result.stdout
    assert str(hermetic / "draftmate.db") in result.stdout


@pytest.mark.parametrize("value", ["Zoë Ångström 😀", "tab\there", "del\x7fchar"])
def test_config_set_keeps_any_text_readable(runner: CliRunner, hermetic: Path, value: str) -> None:
    # a path may hold any text (names and model names refuse tabs and DEL); TOML must keep it readable
    assert runner.invoke(app, ["config", "set", "prompts_dir", value]).exit_code == 0
    assert tomllib.loads(config_path().read_text())["prompts_dir"] == value
    shown = runner.invoke(app, ["config", "show", "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["prompts_dir"]["value"] == value


def test_credentials_in_an_endpoint_url_are_never_shown(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from draftmate.settings.config import display_url

    assert (
        display_url("https://user:sk-secret@gw.example.com:8443/v1?key=sk-other")
        == "https://****@gw.example.com:8443/v1?****"
    )
    assert display_url("http://localhost:11434/v1") == "http://localhost:11434/v1"
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "https://user:sk-secret@gw.example.com/v1")
    shown = runner.invoke(app, ["config", "show"])
    assert shown.exit_code == 0 and "sk-secret" not in shown.stdout and "gw.example.com" in shown.stdout


@pytest.mark.parametrize(
    ("base_url", "source", "sent"),
    [
        (None, None, True),  # OpenAI itself
        ("https://proxy.example/v1", "OPENAI_BASE_URL", True),  # OpenAI's own pair of variables, as the SDK reads them
        ("https://api.openai.com/v1", "DRAFTMATE_BASE_URL", True),
        ("http://localhost:11434/v1", "DRAFTMATE_BASE_URL", False),
        ("https://gateway.example/v1", "file", False),
    ],
)
def test_the_openai_key_goes_only_to_openai(
    hermetic: Path, monkeypatch: pytest.MonkeyPatch, base_url: str | None, source: str | None, sent: bool
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    if source == "file":
        write_config(hermetic, f'base_url = "{base_url}"\n')
    elif source:
        monkeypatch.setenv(source, base_url or "")
    settings, sources = resolve()
    assert (settings.api_key is not None) is sent
    if not sent:
        assert sources["api_key"].startswith("OPENAI_API_KEY withheld")
    monkeypatch.setenv("DRAFTMATE_API_KEY", "sk-for-this-endpoint")
    settings, sources = resolve()
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "sk-for-this-endpoint"
