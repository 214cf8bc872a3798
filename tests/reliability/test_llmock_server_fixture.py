"""The llmock server fixture is defined once, in tests/conftest.py, and the fault tests share it."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _fixtures_starting_llmock() -> list[str]:
    """`path:name` of each pytest fixture in tests/ that starts an llmock server with no options of its own."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            if not any("fixture" in ast.unparse(d) for d in node.decorator_list):
                continue
            for call in ast.walk(node):
                plain = isinstance(call, ast.Call) and ast.unparse(call.func) == "LLMock" and len(call.args) == 2
                if plain:
                    found.append(f"{path.relative_to(TESTS)}:{node.name}")
    return found


def test_the_llmock_server_fixture_is_defined_once_in_the_shared_conftest() -> None:
    assert _fixtures_starting_llmock() == ["conftest.py:llmock_server"]
