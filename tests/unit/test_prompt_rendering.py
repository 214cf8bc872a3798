"""Rendering a prompt needs no langchain, so the model stack can import in the background while it happens."""

from __future__ import annotations

import subprocess
import sys

from draftmate.llm import prompts


def test_rendering_imports_no_langchain() -> None:
    code = (
        "import sys; from draftmate.llm import prompts; "
        "prompts.load('draft-text').render(spec='x', context=''); "
        "print(sorted(m for m in sys.modules if m.startswith(('langchain', 'openai'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_doubled_braces_render_single_and_values_are_taken_literally() -> None:
    system, user = prompts.load("draft-text").render(spec="a {spec} with {{braces}}", context="")
    assert '{"weak_spots": [{"quote":' in system[1] and "{{" not in system[1]
    assert "a {spec} with {{braces}}" in user[1]
