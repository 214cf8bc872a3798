"""What the README tells a new user holds: paths, the model tour's model, installs, providers, the test command."""

from __future__ import annotations

import re
from pathlib import Path

from test_doctor_wording import doctor_checks

from conftest import REPO

README = (REPO / "README.md").read_text()


def section(title: str) -> str:
    """The README's text from heading `title` to the next heading of the same level."""
    return README.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_every_examples_path_exists_from_the_root_the_tours_say_to_run_from() -> None:
    assert "Run both tours from the root of" in section("A first tour: no model, no key")
    paths = set(re.findall(r"(?<![\w/])examples/[\w.-]+", README))
    assert paths >= {"examples/release-notes.md", "examples/slugify.py"}
    for path in paths:
        assert (REPO / path).is_file(), path


def test_the_model_tour_uses_a_model_the_test_server_lists(hermetic: Path) -> None:
    tour = section("A second tour: with a model")
    named = set(re.findall(r'model: "([^"]+)"', tour)) | set(re.findall(r"draftmate:([\w.-]+)", tour))
    named |= set(re.findall(r"bench/oai_server.py.*\n.*DRAFTMATE_MODEL=([\w.-]+)", tour))
    assert named == {"test-model"}, named
    [endpoint] = [c for c in doctor_checks() if c["name"] == "endpoint"]
    assert "model test-model listed" in endpoint["detail"]


def test_pipx_and_uv_installs_are_shown() -> None:
    setup = section("Set up")
    assert "pipx install . --pip-args='-c constraints.txt'" in setup
    assert "uv tool install . -c constraints.txt" in setup


def test_other_providers_endpoints_are_shown_with_their_base_urls() -> None:
    config = section("Configuration")
    rows = dict(re.findall(r"^\| ([^|]+?) \| `(https?://[^`]+)`", config, re.M))
    assert rows == {
        "Anthropic (Claude)": "https://api.anthropic.com/v1/",
        "Google Gemini": "https://generativelanguage.googleapis.com/v1beta/openai/",
        "Azure OpenAI (the v1 API)": "https://YOUR-RESOURCE-NAME.openai.azure.com/openai/v1/",
        "OpenRouter": "https://openrouter.ai/api/v1",
        "LiteLLM proxy (yours)": "http://localhost:4000",
    }


def test_the_readme_test_command_needs_no_llmock_setting() -> None:
    # the fault tests take llmock from the `llmock` fixture, which builds it when nothing names one: none may skip
    # for want of DRAFTMATE_TEST_LLMOCK, and neither CI nor `make test` may hand one in and bypass that path
    skip_without = re.compile(r"skipif\(\s*" + "llmock_binary" + r"\(\) is None")  # kept out of this file's text
    for path in (REPO / "tests").rglob("test_*.py"):
        assert not skip_without.search(path.read_text()), path
    ci = (REPO / ".ci" / "run").read_text()
    assert "unset DRAFTMATE_TEST_LLMOCK" in ci and "export DRAFTMATE_TEST_LLMOCK" not in ci
    recipes = [line for line in (REPO / "Makefile").read_text().splitlines() if line.startswith("\t")]
    assert not [line for line in recipes if "DRAFTMATE_TEST_LLMOCK" in line]
    assert "fault tests against PyPI's `llmock` included" in section("Set up")
