"""Settings are checked to values that work, when set and whenever read (flag, environment, hand-edited file)."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.errors import ConfigError
from draftmate.settings.config import resolve
from draftmate.store.sqlite import SQLiteStore
from reliability_support import REPO, one_line_error

DOC = REPO / "docs" / "bad-input.md"


def test_a_config_file_that_is_not_utf8_is_named_with_the_fix(runner: CliRunner, hermetic: Path) -> None:
    hermetic.mkdir(parents=True, exist_ok=True)
    path = hermetic / "config.toml"
    path.write_bytes('reviewer = "Zoë"\n'.encode("latin-1"))
    for args in (["config", "show"], ["config", "set", "timeout", "30"], ["draft", "a haiku"]):
        one_line_error(runner.invoke(app, args), 2, str(path), "not UTF-8", "iconv -f latin1 -t utf-8")
    assert path.read_bytes() == 'reviewer = "Zoë"\n'.encode("latin-1")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("timeout", "inf"),
        ("timeout", "1e308"),
        ("timeout", "nan"),
        ("timeout", "0"),
        ("temperature", "inf"),
        ("temperature", "nan"),
        ("max_retries", "1000000"),
        ("samples", "99"),
        ("edit_threshold", "nan"),
        ("target_error_rate", "inf"),
    ],
)
def test_config_set_refuses_numbers_that_do_not_work(runner: CliRunner, hermetic: Path, key: str, value: str) -> None:
    one_line_error(runner.invoke(app, ["config", "set", key, value]), 2, f"{key}:", "(from config set)")
    assert not (hermetic / "config.toml").exists()


@pytest.mark.parametrize("text", ["timeout = inf", "timeout = 1e308", "timeout = nan", "temperature = -inf"])
def test_a_hand_edited_number_out_of_bounds_stops_every_reader(runner: CliRunner, hermetic: Path, text: str) -> None:
    hermetic.mkdir(parents=True, exist_ok=True)
    (hermetic / "config.toml").write_text(text + "\n")
    env = {"DRAFTMATE_BASE_URL": "http://127.0.0.1:9/v1", "DRAFTMATE_MODEL": "local"}
    one_line_error(runner.invoke(app, ["config", "show"]), 2, text.split()[0] + ":", "config.toml")
    one_line_error(runner.invoke(app, ["draft", "a haiku", "--samples", "0"], env=env), 2, text.split()[0] + ":")
    doctor = runner.invoke(app, ["doctor"], env=env)
    assert doctor.exit_code == 2, doctor.output
    assert "Traceback" not in doctor.output and text.split()[0] in doctor.stdout
    store = SQLiteStore(hermetic / "draftmate.db")
    try:
        assert store.list_drafts() == []
    finally:
        store.close()


def test_flags_get_the_same_bounds() -> None:
    for bad in ({"timeout": math.inf}, {"timeout": 1e308}, {"temperature": math.nan}, {"model": " "}):
        with pytest.raises(ConfigError, match=r"\(from flag\)"):
            resolve(bad)


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("DRAFTMATE_BASE_URL", "http://127.0.0.1:9/v1\n", "base_url"),
        ("DRAFTMATE_BASE_URL", "http://127.0.0.1:9/v1 ", "base_url"),
        ("DRAFTMATE_MODEL", "   ", "model"),
        ("DRAFTMATE_MODEL", "llama3\n", "model"),
        ("DRAFTMATE_API_KEY", "sk-test-1234567890\n", "api_key"),
        ("DRAFTMATE_FALLBACK_MODEL", "\t", "fallback_model"),
    ],
)
def test_names_urls_and_keys_with_blanks_from_the_environment_are_refused(
    runner: CliRunner, hermetic: Path, variable: str, value: str, field: str
) -> None:
    env = {"DRAFTMATE_BASE_URL": "http://127.0.0.1:9/v1", "DRAFTMATE_MODEL": "local", variable: value}
    line = one_line_error(runner.invoke(app, ["draft", "a haiku", "--samples", "0"], env=env), 2, f"{field}:")
    assert variable in line
    assert "1234567890" not in line  # a key is never repeated, even when it is the bad value
    assert not (hermetic / "draftmate.db").exists() or _drafts(hermetic) == 0


def _drafts(home: Path) -> int:
    store = SQLiteStore(home / "draftmate.db")
    try:
        return len(store.list_drafts())
    finally:
        store.close()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("base_url", "http://localhost:11434/v1\n"),
        ("model", "   "),
        ("model", "gpt 4"),
        ("api_key", "sk-abc\n"),
        ("reviewer", "  "),
    ],
)
def test_config_set_refuses_blanks_and_control_characters(
    runner: CliRunner, hermetic: Path, key: str, value: str
) -> None:
    one_line_error(runner.invoke(app, ["config", "set", key, value]), 2, f"{key}:", "(from config set)")
    assert not (hermetic / "config.toml").exists()


@pytest.mark.parametrize("text", ['model = "  "', 'base_url = "http://localhost:11434/v1\\n"', 'api_key = "a b"'])
def test_a_hand_edited_blank_or_control_character_is_refused(runner: CliRunner, hermetic: Path, text: str) -> None:
    hermetic.mkdir(parents=True, exist_ok=True)
    (hermetic / "config.toml").write_text(text + "\n")
    one_line_error(runner.invoke(app, ["config", "show"]), 2, text.split()[0] + ":", "config.toml")


def test_the_bounds_are_shown_and_good_values_still_work(runner: CliRunner, hermetic: Path) -> None:
    for key, value in (("timeout", "3600"), ("temperature", "0"), ("model", "Qwen/Qwen2.5-7B-Instruct")):
        assert runner.invoke(app, ["config", "set", key, value]).exit_code == 0
    assert tomllib.loads((hermetic / "config.toml").read_text())["timeout"] == 3600.0
    shown = runner.invoke(app, ["config", "show"]).stdout
    assert "allowed: 0 < value <= 3600" in shown and "allowed: 0 <= value <= 2" in shown
    assert runner.invoke(app, ["config", "set", "model", ""]).exit_code == 0  # '' still removes


def test_the_table_lists_every_settings_case() -> None:
    """docs/bad-input.md has a row for each case tested here."""
    table = DOC.read_text()
    for case in ("`config.toml` that is not UTF-8", "out of bounds", "space or control character", "is blank"):
        assert case in table, f"docs/bad-input.md has no row for {case!r}"
