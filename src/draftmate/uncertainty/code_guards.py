"""Where a draft's code expects a finding: optional imports, platform and version branches, TYPE_CHECKING, hasattr.

A finding inside such a guard is something to look at, never a reason to block the draft.
"""

from __future__ import annotations

import ast
import re

GUARD_EXCEPTIONS = {
    "imports": {"ImportError", "ModuleNotFoundError"},
    "names": {"NameError"},
    "attributes": {"AttributeError", "ImportError", "ModuleNotFoundError"},
}
# A condition on where the code runs: the platform, the Python version or implementation, or a flag named for one.
ENVIRONMENT_TEST = re.compile(
    r"\b(sys\.platform|os\.name|sys\.version_info|sys\.implementation|platform\.\w+\(|python_implementation"
    r"|_?(IS_|PY)?(WIN(DOWS|32)?|MACOS|DARWIN|LINUX|POSIX|PYPY|CPYTHON|PY\d+|ANDROID|IOS|WASM|EMSCRIPTEN|JYTHON)\w*)\b",
    re.IGNORECASE,
)


def caught_names(handler: ast.ExceptHandler) -> set[str]:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type] if handler.type else []
    return {k.attr if isinstance(k, ast.Attribute) else k.id for k in kinds if isinstance(k, ast.Name | ast.Attribute)}


def _guard_of_test(test: ast.expr, finding: str) -> tuple[str, bool] | None:
    """What an `if` test guards against, and whether its else branch is guarded too; None if it is no guard."""
    text = ast.unparse(test)
    if "TYPE_CHECKING" in text:
        return "only for type checkers: if TYPE_CHECKING", False
    if ENVIRONMENT_TEST.search(text):
        return f"under `if {text[:80]}`", True
    if finding == "attributes" and "hasattr(" in text:
        return f"after `{text[:80]}`", False
    return None


def guard_lines(tree: ast.Module, finding: str) -> dict[int, str]:
    """Lines inside a guard that makes a finding expected (an optional import, a platform branch): line -> guard."""
    spans: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Try | ast.TryStar) and node.body:
            caught = set().union(*(caught_names(h) for h in node.handlers)) & GUARD_EXCEPTIONS[finding]
            if finding == "imports" and node.orelse and any("NameError" in caught_names(h) for h in node.handlers):
                # `try: get_ipython() except NameError: ... else: import IPython`: imported only where it exists
                guard = "only when the name tried before it exists (try/except NameError ... else)"
                spans.append((node.orelse[0].lineno, node.orelse[-1].end_lineno or node.orelse[-1].lineno, guard))
            if caught:
                # The else branch runs only when the guarded code worked: still the optional path.
                guard = f"guarded by try/except {' | '.join(sorted(caught))}"
                end = (node.orelse or node.body)[-1]
                spans.append((node.body[0].lineno, end.end_lineno or end.lineno, guard))
        elif isinstance(node, ast.If | ast.IfExp):
            found = _guard_of_test(node.test, finding)
            if found is None:
                continue
            guard, both = found
            if isinstance(node, ast.IfExp):
                spans.append((node.lineno, node.end_lineno or node.lineno, guard))
                continue
            spans.append((node.lineno, node.body[-1].end_lineno or node.body[-1].lineno, guard))
            if both and node.orelse:
                spans.append((node.orelse[0].lineno, node.orelse[-1].end_lineno or node.orelse[-1].lineno, guard))
    guards: dict[int, str] = {}
    # Outer spans first, so an inner guard (the nearer reason) wins; blocks nest at most ~100 deep, so this is linear.
    for first, last, guard in sorted(spans, key=lambda s: s[0] - s[1]):
        for line in range(first, last + 1):
            guards[line] = guard
    return guards


def probed_names(tree: ast.Module) -> dict[str, str]:
    """Names the code tests for with `try: name except NameError`: provided by the environment when they exist."""
    probed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Try | ast.TryStar) and any("NameError" in caught_names(h) for h in node.handlers):
            for statement in node.body:
                for sub in ast.walk(statement):
                    if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                        probed.setdefault(sub.id, f"probed with try/except NameError at line {node.lineno}")
    return probed
