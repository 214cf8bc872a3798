"""How the use cases call one another: only down, never in circles, and the model path never through `drafts`."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "src" / "draftmate" / "services"


def service_imports() -> dict[str, set[str]]:
    """Each services module and the other services modules it imports (at any depth)."""
    found: dict[str, set[str]] = {}
    for path in sorted(SERVICES.glob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("draftmate.services."):
                names.add(node.module.split(".")[2])
            elif isinstance(node, ast.ImportFrom) and node.module == "draftmate.services":
                names |= {alias.name for alias in node.names}
        found[path.stem] = names - {path.stem}
    return found


def test_the_services_never_call_each_other_in_circles() -> None:
    graph = service_imports()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph.get(start, ()))

    assert [name for name in graph if reaches(name, name, set())] == []


def test_the_model_path_does_not_go_through_the_no_model_use_cases() -> None:
    """`draft` annotates through services/assess.py, as `import` and a model's revision in review do."""
    graph = service_imports()
    assert "drafts" not in graph["generate"]
    assert "drafts" not in graph["reviews"]
    assert {"generate", "drafts", "reviews"} <= {name for name, calls in graph.items() if "assess" in calls}


def test_annotating_calls_only_down() -> None:
    assert service_imports()["assess"] <= {"calibrate"}
    assert service_imports()["calibrate"] == set()
