"""Deterministic checks of code: parse errors, undefined names, imports and attributes that do not exist.

Python only; other languages get no notes and a feature saying which checks did not apply.

Nothing a draft names is ever imported or executed. Imports resolve against, in order: the standard library
(`sys.stdlib_module_names` and typeshed's list of every version's modules), the project's declared dependencies (a
pyproject.toml or requirements file passed in, distribution names mapped to import names through
`importlib.metadata.packages_distributions`), the project's own top-level modules, and the installed environment
(`importlib.machinery.PathFinder` on the top-level name, which locates files without importing them).

Attributes are read, never looked up on a live module: the standard library's from typeshed's stubs (shipped by
typeshed_client), for every platform and Python version; an installed package's from its source or stub file, its
submodules found by walking its directories. A module with `__getattr__`, names made at run time, or no readable
source is left unchecked.

A checker that fails on a pathological input (too deep for the parser or pyflakes) gives a "could not check" note
instead of failing the draft.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.metadata
import operator
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from draftmate.uncertainty.spans import ATTRIBUTE_RISK, HARD_RISK, IMPORT_RISK, SpanNote

# A finding the code expects (an optional import, another platform's API): worth a look, never a reason for low.
GUARDED_RISK = 0.1
NOT_INSTALLED_RISK = 0.3  # a real PyPI project that is neither installed nor guarded: a missing dependency
ELSEWHERE_RISK = 0.3  # a standard-library name of another platform or version, unguarded

PYTHON = ("python", "py", "python3", "")
CHECKS = ("parse", "undefined-names", "imports", "attributes")
# Distribution names whose import name differs and that may not be installed, so metadata cannot tell us.
KNOWN_IMPORT_NAMES = {
    "scikit-learn": ["sklearn"],
    "pillow": ["PIL"],
    "beautifulsoup4": ["bs4"],
    "pyyaml": ["yaml"],
    "opencv-python": ["cv2"],
    "opencv-python-headless": ["cv2"],
    "python-dateutil": ["dateutil"],
    "attrs": ["attr", "attrs"],
    "protobuf": ["google"],
    "pyjwt": ["jwt"],
    "python-dotenv": ["dotenv"],
    "pymupdf": ["fitz"],
    "msgpack-python": ["msgpack"],
    "pyzmq": ["zmq"],
    "typing-extensions": ["typing_extensions"],
}


def code_checks(content: str, lang: str, project: str | Path | None = None) -> tuple[list[SpanNote], dict[str, Any]]:
    """Notes and features from the deterministic checks of one piece of code."""
    if lang.lower() not in PYTHON:
        return [], {"checks.applied": 0, "checks.not_applicable": ",".join(CHECKS)}
    try:
        tree = ast.parse(content)
    except (RecursionError, MemoryError) as e:
        why = f"the code is nested too deeply for Python's parser ({type(e).__name__})"
        note = _could_not_check("parse", why, content.count("\n") + 1)
        return [note], {"checks.applied": 1, "checks.parse_failed": 1, "checks.failed": ",".join(CHECKS)}
    except SyntaxError as e:
        return [_syntax_note(e, content)], {"checks.applied": 1, "checks.parse_failed": 1}
    except ValueError as e:  # null bytes and similar: still "does not parse"
        note = SpanNote("syntax-error", "blocking", f"does not parse: {e}", "check", (1, 1), "", HARD_RISK)
        return [note], {"checks.applied": 1, "checks.parse_failed": 1}
    lines = content.split("\n")  # numbered as ast numbers them, not as splitlines (which breaks at a form feed)
    resolver = Resolver(project)
    lookup = Lookup()
    notes: list[SpanNote] = []
    failed: list[str] = []
    checkers: list[tuple[str, Callable[[], list[SpanNote]]]] = [
        ("undefined-names", lambda: undefined_names(tree, lines, guard_lines(tree, "names"))),
        ("imports", lambda: import_notes(tree, lines, resolver, guard_lines(tree, "imports"))),
        ("attributes", lambda: attribute_notes(tree, lines, lookup, guard_lines(tree, "attributes"))),
    ]
    for check, run in checkers:
        try:
            notes += run()
        except (RecursionError, MemoryError) as e:
            failed.append(check)
            notes.append(
                _could_not_check(check, f"the code is nested too deeply for it ({type(e).__name__})", len(lines))
            )
        except Exception as e:  # a checker's own bug on odd input must not lose the draft
            failed.append(check)
            notes.append(_could_not_check(check, f"it failed on this code ({type(e).__name__}: {e})"[:300], len(lines)))
    features: dict[str, Any] = {
        "checks.applied": 1,
        "checks.parse_failed": 0,
        "checks.undefined_names": sum(n.kind == "undefined-name" for n in notes),
        "checks.unknown_imports": sum(n.kind == "unknown-import" for n in notes),
        "checks.missing_attributes": sum(n.kind == "missing-attribute" for n in notes),
        "checks.declared_deps": None if resolver.declared is None else len(resolver.declared),
        "checks.failed": ",".join(failed) or None,
    }
    return notes, features


def _could_not_check(check: str, why: str, last_line: int) -> SpanNote:
    """A check that could not run on this code: said, never scored as a pass, never a lost draft."""
    return SpanNote(
        kind="unchecked",  # as the text checks name a check that could not run
        severity="verify",
        why=f"could not check {check}: {why}; read this code by hand",
        source="check",
        lines=(1, max(1, last_line)),  # the whole code: the check saw none of it
        quote="",
        risk=HARD_RISK - 0.3,
        signals={"checks": {check: "could-not-check"}},
    )


def _syntax_note(e: SyntaxError, content: str) -> SpanNote:
    line = e.lineno or 1
    lines = content.split("\n")
    quote = lines[line - 1].strip()[:200] if 0 < line <= len(lines) else (e.text or "").strip()[:200]
    return SpanNote(
        kind="syntax-error",
        severity="blocking",
        why=f"does not parse: {e.msg} (line {line})",
        source="check",
        lines=(line, line),
        quote=quote,
        risk=HARD_RISK,
        signals={"checks": {"parse": "failed"}},
    )


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1].strip()[:200] if 0 < number <= len(lines) else ""


def undefined_names(tree: ast.Module, lines: list[str], guards: dict[int, str] | None = None) -> list[SpanNote]:
    """Names used but never defined, as pyflakes finds them; under `except NameError` a verify note, not blocking."""
    from pyflakes import checker, messages

    guards = guards if guards is not None else guard_lines(tree, "names")
    probed = _probed_names(tree)

    found = checker.Checker(tree, filename="<draft>")
    notes: list[SpanNote] = []
    seen: set[tuple[int, str]] = set()
    for message in sorted(found.messages, key=lambda m: m.lineno):
        if not isinstance(message, messages.UndefinedName | messages.UndefinedLocal):
            continue
        name = str(message.message_args[0])
        if (message.lineno, name) in seen:
            continue
        seen.add((message.lineno, name))
        local = isinstance(message, messages.UndefinedLocal)
        why = (
            f"{name!r} is used before it is assigned in this scope"
            if local
            else f"name {name!r} is not defined anywhere: a typo, a missing import, or an invented helper"
        )
        guard = None if local else guards.get(message.lineno) or probed.get(name) or _provided_elsewhere(name)
        if guard is not None:
            why = f"name {name!r} is not defined in this code, {guard}: a name the running environment may provide"
        notes.append(
            SpanNote(
                kind="undefined-name",
                severity="blocking" if guard is None else "verify",
                why=why,
                source="check",
                lines=(message.lineno, message.lineno),
                quote=name,
                risk=HARD_RISK if guard is None else GUARDED_RISK,
                signals={
                    "checks": {
                        "pyflakes": type(message).__name__,
                        "name": name,
                        "guard": guard,
                        "expected": guard is not None,
                    }
                },
            )
        )
    return notes


# Names an interactive environment puts in the namespace of the code it runs.
ENVIRONMENT_NAMES = {
    "get_ipython": "IPython and Jupyter provide it",
    "__IPYTHON__": "IPython provides it",
    "display": "IPython and Jupyter provide it",
}


def _provided_elsewhere(name: str) -> str | None:
    """Why an undefined name can still exist at run time: a builtin of another platform or version, IPython's."""
    if name in ENVIRONMENT_NAMES:
        return ENVIRONMENT_NAMES[name]
    builtins = _builtins_view()
    condition = builtins.names.get(name, "") if builtins is not None else ""
    return None if not condition else f"a builtin only where {condition}"


_BUILTINS: list[ModuleView | None] = []


def _builtins_view() -> ModuleView | None:
    """typeshed's builtins, for the builtins of other platforms and versions (WindowsError, ExceptionGroup)."""
    if not _BUILTINS:
        _BUILTINS.append(Lookup().view("builtins"))
    return _BUILTINS[0]


def _probed_names(tree: ast.Module) -> dict[str, str]:
    """Names the code tests for with `try: name except NameError`: provided by the environment when they exist."""
    probed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Try | ast.TryStar) and any("NameError" in _caught(h) for h in node.handlers):
            for statement in node.body:
                for sub in ast.walk(statement):
                    if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                        probed.setdefault(sub.id, f"probed with try/except NameError at line {node.lineno}")
    return probed


# ---- imports ---------------------------------------------------------------------------------------------------


def _norm_dist(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies(path: str | Path) -> list[str]:
    """Distribution names declared in a pyproject.toml or a requirements file."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    specs: list[str] = []
    if p.suffix == ".toml":
        data = tomllib.loads(text)
        project = data.get("project", {})
        specs += project.get("dependencies", [])
        for extra in project.get("optional-dependencies", {}).values():
            specs += extra
        for group in data.get("dependency-groups", {}).values():
            specs += [s for s in group if isinstance(s, str)]
        poetry = data.get("tool", {}).get("poetry", {})
        specs += [k for k in poetry.get("dependencies", {}) if k.lower() != "python"]
    else:
        specs = [ln.split("#")[0].strip() for ln in text.splitlines() if not ln.strip().startswith(("-", "#"))]
    names = []
    for spec in specs:
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
        if m:
            names.append(_norm_dist(m.group(1)))
    return names


class Resolver:
    """Where a top-level import name comes from: stdlib, declared, project, installed, or nowhere."""

    def __init__(self, project: str | Path | None = None) -> None:
        self.declared: set[str] | None = None
        self.local: set[str] = set()
        self._installed: set[str] | None = None
        self._where: dict[str, str | None] = {}
        if project is not None:
            path = Path(project)
            self.declared = set()
            try:
                installed = importlib.metadata.packages_distributions()
            except Exception:  # broken metadata in the environment must not break a check
                installed = {}
            for dist in declared_dependencies(path):
                self.declared |= self._import_names(dist, installed)
            self.local = _local_modules(path.parent)

    @staticmethod
    def _import_names(dist: str, installed: Mapping[str, list[str]]) -> set[str]:
        names = {dist.replace("-", "_")}
        names.update(KNOWN_IMPORT_NAMES.get(dist, []))
        names.update(module for module, dists in installed.items() if any(_norm_dist(d) == dist for d in dists))
        return names

    def where(self, top: str) -> str | None:
        """'stdlib', 'declared', 'project' or 'installed'; None when the name resolves nowhere."""
        if top not in self._where:
            self._where[top] = self._resolve(top)
        return self._where[top]

    def _resolve(self, top: str) -> str | None:
        if top in sys.stdlib_module_names or top in sys.builtin_module_names:
            return "stdlib"
        if self.declared is not None and top in self.declared:
            return "declared"
        if top in self.local:
            return "project"
        if _find_top(top) is not None or top in self.installed():
            return "installed"
        return None

    def installed(self) -> set[str]:
        """Top-level names installed distributions declare (editable installs too), read from their metadata."""
        if self._installed is None:
            try:
                self._installed = set(importlib.metadata.packages_distributions())
            except Exception:  # broken metadata in the environment must not break a check
                self._installed = set()
        return self._installed


def _local_modules(root: Path) -> set[str]:
    """Top-level module names a project defines in its root or src/, so its own imports resolve."""
    names: set[str] = set()
    for base in (root, root / "src"):
        if not base.is_dir():
            continue
        for child in base.iterdir():
            if child.suffix == ".py":
                names.add(child.stem)
            elif child.is_dir() and (child / "__init__.py").exists():
                names.add(child.name)
    return names


def import_notes(
    tree: ast.Module, lines: list[str], resolver: Resolver, guards: dict[int, str] | None = None
) -> list[SpanNote]:
    """One note per import line whose top-level package is not here; blocking only when it is known nowhere."""
    guards = guards if guards is not None else guard_lines(tree, "imports")
    found: list[tuple[int, list[str]]] = []
    optional: dict[str, str] = {}  # a package imported under a guard anywhere is optional everywhere in the file
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        missing = sorted({m.split(".")[0] for m in modules if resolver.where(m.split(".")[0]) is None})
        if missing:
            found.append((node.lineno, missing))
            if node.lineno in guards:
                for name in missing:
                    optional.setdefault(name, f"{guards[node.lineno]}, line {node.lineno}")
    notes = []
    for line, missing in found:
        guard = guards.get(line) or next((optional[m] for m in missing if m in optional), None)
        notes.append(_import_note(missing, line, lines, resolver, guard))
    return sorted(notes, key=lambda n: n.lines or (0, 0))


def _import_note(missing: list[str], line: int, lines: list[str], resolver: Resolver, guard: str | None) -> SpanNote:
    where = (
        "the standard library or the installed environment"
        if resolver.declared is None
        else "the standard library, the installed environment or the declared dependencies"
    )
    known = {name: known_elsewhere(name) for name in missing}
    nowhere = [name for name in missing if known[name] is None]
    names = ", ".join(repr(m) for m in missing)
    facts = "; ".join(f"{name!r} is {known[name]}" for name in missing if known[name] is not None)
    if nowhere and guard is None:
        verb, noun = ("is", "this package") if len(nowhere) == 1 else ("are", "these packages")
        severity, risk = "blocking", IMPORT_RISK
        # Not among the best-known PyPI projects either (pypi_names.txt): the wording stays the one users know.
        why = (
            f"{', '.join(repr(m) for m in nowhere)} {verb} not in {where}: {noun} may not exist; "
            "check the name on PyPI before installing anything (invented names get squatted)"
        )
        if facts:
            why += f"; {facts}"
    elif nowhere:
        severity, risk = "verify", GUARDED_RISK * 3
        why = (
            f"{names}: an optional import ({guard}), but {', '.join(repr(m) for m in nowhere)} is not among the "
            "best-known PyPI projects either: check the name exists before installing anything"
        )
    else:
        severity, risk = "verify", GUARDED_RISK if guard else NOT_INSTALLED_RISK
        optional = f"an optional import ({guard})" if guard else f"not in {where}"
        why = f"{names}: {optional}; {facts}" + ("" if guard else ": install it or declare it as a dependency")
    return SpanNote(
        kind="unknown-import",
        severity=severity,
        why=why,
        source="check",
        lines=(line, line),
        quote=_line(lines, line),
        risk=risk,
        signals={
            "checks": {
                "import": "unresolved",
                "names": missing,
                "nowhere": nowhere,
                "guard": guard,
                "expected": severity == "verify" and not nowhere,
            }
        },
    )


# ---- what is known without this environment: other Python versions, PyPI ------------------------------------------

_DATA = Path(__file__).resolve().parent
_PYPI: dict[str, set[str]] = {}
_IMPORT_TO_DIST: dict[str, str] = {}


def pypi_names() -> set[str]:
    """Normalized names of the best-known PyPI projects (pypi_names.txt, read once)."""
    if "names" not in _PYPI:
        text = (_DATA / "pypi_names.txt").read_text(encoding="utf-8")
        _PYPI["names"] = {line for line in text.split("\n") if line and not line.startswith("#")}
    return _PYPI["names"]


def import_to_distribution() -> dict[str, str]:
    """Import names whose distribution is named otherwise (import_names.txt: `cv2:opencv-python`), read once."""
    if not _IMPORT_TO_DIST:
        for line in (_DATA / "import_names.txt").read_text(encoding="utf-8").split("\n"):
            name, sep, dist = line.partition(":")
            if sep and not line.startswith("#"):
                _IMPORT_TO_DIST.setdefault(name.strip(), dist.strip())
        for dist, modules in KNOWN_IMPORT_NAMES.items():
            for module in modules:
                _IMPORT_TO_DIST.setdefault(module, dist)
    return _IMPORT_TO_DIST


def distribution_for(module: str) -> str | None:
    """The PyPI project a top-level import name most likely comes from, if it is a well-known one."""
    names = pypi_names()
    mapped = import_to_distribution().get(module)
    if mapped is not None and _norm_dist(mapped) in names:
        return mapped
    base = _norm_dist(module)
    for candidate in (base, f"py{base}", f"python-{base}", f"{base}-py", f"{base}-python"):
        if candidate in names:
            return candidate
    return None


def known_elsewhere(module: str) -> str | None:
    """Where a top-level module not found here does exist: another Python version's stdlib, or PyPI; or None."""
    versions = stdlib_versions().get(module)
    if versions is not None:
        first, last = versions
        if module == "_typeshed":
            return "typeshed's module for type checkers only (never at run time)"
        span = f"{first[0]}.{first[1]}" + (f" to {last[0]}.{last[1]}" if last else " and later")
        return f"in the standard library of Python {span}"
    dist = distribution_for(module)
    return None if dist is None else f"not installed here; it comes from the PyPI project {dist!r}"


# ---- guards ------------------------------------------------------------------------------------------------------

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


def _caught(handler: ast.ExceptHandler) -> set[str]:
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
            caught = set().union(*(_caught(h) for h in node.handlers)) & GUARD_EXCEPTIONS[finding]
            if finding == "imports" and node.orelse and any("NameError" in _caught(h) for h in node.handlers):
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


# ---- attributes ------------------------------------------------------------------------------------------------
#
# Nothing a draft names is imported: a module is found with PathFinder on its top-level name alone (which locates
# without importing), its submodules by walking the file system, and its names by parsing its stub or source file.

# Standard-library names that only another Python implementation has (typeshed describes CPython).
OTHER_IMPLEMENTATIONS = {
    "sys": {"pypy_version_info": "the interpreter is PyPy", "pypy_translation_info": "the interpreter is PyPy"},
}
# Names every module object has, whatever its source says.
MODULE_DUNDERS = frozenset(
    {"__name__", "__file__", "__doc__", "__path__", "__spec__", "__loader__", "__package__", "__dict__", "__all__"}
    | {"__builtins__", "__cached__", "__version__", "__annotations__", "__getattr__", "__dir__"}
)
# Names every class has (from the interpreter's own `type` and `object`, not from anything a draft names).
CLASS_NAMES = frozenset(dir(type)) | frozenset(dir(object)) | {"__annotations__", "__slots__", "__match_args__"}


def _find_top(top: str) -> importlib.machinery.ModuleSpec | None:
    """Where an installed top-level module is, by PathFinder on sys.path: it locates files and imports nothing."""
    try:
        return importlib.machinery.PathFinder.find_spec(top, list(sys.path))
    except Exception:  # an unreadable sys.path entry must not break a check
        return None


def _typeshed_root() -> Path | None:
    """typeshed's standard-library stubs as typeshed_client ships them, located without importing it."""
    spec = _find_top("typeshed_client")
    for location in (spec.submodule_search_locations or []) if spec else []:
        root = Path(location) / "typeshed"
        if (root / "VERSIONS").is_file():
            return root
    return None


_TYPESHED: list[Path | None] = []


def typeshed_root() -> Path | None:
    """The stub directory, looked up once per process."""
    if not _TYPESHED:
        _TYPESHED.append(_typeshed_root())
    return _TYPESHED[0]


def _version_tuple(text: str) -> tuple[int, int]:
    major, _, minor = text.strip().partition(".")
    return int(major), int(minor or 0)


_VERSIONS: dict[str, tuple[tuple[int, int], tuple[int, int] | None]] = {}


def stdlib_versions() -> dict[str, tuple[tuple[int, int], tuple[int, int] | None]]:
    """typeshed's VERSIONS: module -> (first version, last version or None), for every Python 3."""
    root = typeshed_root()
    if not _VERSIONS and root is not None:
        for line in (root / "VERSIONS").read_text(encoding="utf-8").splitlines():
            name, sep, span = line.split("#")[0].partition(":")
            if not sep:
                continue
            first, _, last = span.strip().partition("-")
            _VERSIONS[name.strip()] = (_version_tuple(first), _version_tuple(last) if last.strip() else None)
    return _VERSIONS


def _stub_file(module: str) -> Path | None:
    root = typeshed_root()
    if root is None:
        return None
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_name(base.name + ".pyi"), base / "__init__.pyi"):
        if candidate.is_file():
            return candidate
    return None


COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _condition(test: ast.expr) -> bool | None:
    """Whether a stub's `sys.platform`/`sys.version_info` condition holds on this interpreter; None if unknown."""
    if isinstance(test, ast.BoolOp):
        values = [_condition(v) for v in test.values]
        if isinstance(test.op, ast.And):
            return False if False in values else (None if None in values else True)
        return True if True in values else (None if None in values else False)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _condition(test.operand)
        return None if inner is None else not inner
    if (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Attribute)
        and test.func.attr == "startswith"
        and ast.unparse(test.func.value) == "sys.platform"
        and len(test.args) == 1
        and isinstance(test.args[0], ast.Constant)
        and isinstance(test.args[0].value, str)
    ):
        return sys.platform.startswith(test.args[0].value)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, op, right = ast.unparse(test.left), test.ops[0], test.comparators[0]
    try:
        value = ast.literal_eval(right)
    except ValueError:
        return None
    here: Any
    if left == "sys.platform":
        here = sys.platform
    elif left == "sys.version_info" and isinstance(value, tuple):
        here = tuple(sys.version_info[: len(value)])
    else:
        return None
    compare = COMPARISONS.get(type(op))
    return None if compare is None else bool(compare(here, value))


class StubClass:
    """A class as a stub or source declares it: its own names, its bases, and whether it is open to any name."""

    def __init__(self, module: str, node: ast.ClassDef, names: dict[str, str | None]) -> None:
        self.module = module
        self.names = names
        self.bases = [b.value if isinstance(b, ast.Subscript) else b for b in node.bases]
        self.open = (
            "__getattr__" in names or "__getattribute__" in names or any(k.arg == "metaclass" for k in node.keywords)
        )


class ModuleView:
    """The names a module defines, each with None (exists here) or the condition it exists under elsewhere."""

    def __init__(self, module: str, origin: str) -> None:
        self.module = module
        self.origin = origin  # "stub" (typeshed) or "source" (an installed file)
        self.names: dict[str, str | None] = {}
        self.classes: dict[str, StubClass] = {}
        self.imported: dict[str, tuple[str, str | None]] = {}  # name -> (module, attribute or None for a module)
        self.star: list[tuple[str, str | None]] = []  # star-imported modules, with their condition
        self.open = False  # __getattr__, or names made where a parser cannot see them
        self.package_dirs: list[Path] = []

    def define(self, name: str, where: str | None) -> None:
        if name not in self.names or where is None:
            self.names[name] = where
        elif self.names[name] is not None and where not in str(self.names[name]):
            self.names[name] = f"{self.names[name]} or {where}"


def _joined(outer: str | None, inner: str | None) -> str | None:
    return inner if outer is None else outer if inner is None else f"{outer} and {inner}"


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


def _read_body(view: ModuleView, body: list[ast.stmt], where: str | None, is_package: bool) -> None:
    """Record a stub's or module's top-level names, following `if` branches with the condition of each."""
    for node in body:
        if isinstance(node, ast.If):
            holds = _condition(node.test)
            text = ast.unparse(node.test)
            # A branch known to be taken here adds no condition; one known not taken records it.
            inside = None if holds is not False else text
            outside = None if holds is not True else f"not ({text})"
            _read_body(view, node.body, _joined(where, inside), is_package)
            _read_body(view, node.orelse, _joined(where, outside), is_package)
        elif isinstance(node, ast.Try):
            for part in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                _read_body(view, part, where, is_package)
        elif isinstance(node, ast.With | ast.For | ast.While):
            _read_body(view, node.body, where, is_package)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            view.define(node.name, where)
            if node.name == "__getattr__":
                view.open = True
        elif isinstance(node, ast.ClassDef):
            view.define(node.name, where)
            if where is None or node.name not in view.classes:
                class_view = ModuleView(view.module, view.origin)
                _read_body(class_view, node.body, None, False)
                view.classes[node.name] = StubClass(view.module, node, class_view.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                view.define(bound, where)
                view.imported[bound] = (alias.name if alias.asname else bound, None)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(view.module, node, is_package)
            for alias in node.names:
                if alias.name == "*":
                    view.star.append((source, where))
                    continue
                view.define(alias.asname or alias.name, where)
                view.imported[alias.asname or alias.name] = (source, alias.name)
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    view.define(sub.id, where)
                elif (
                    isinstance(sub, ast.Call)
                    and isinstance(sub.func, ast.Attribute)
                    and sub.func.attr in ("update", "setdefault", "__setitem__")
                    and view.origin == "source"
                ):
                    view.open = True  # globals().update(...) and friends: names a parser cannot see


class Lookup:
    """Static views of modules for one check: typeshed stubs for the standard library, source files otherwise."""

    def __init__(self) -> None:
        self.views: dict[str, ModuleView | None] = {}
        self.runtime: dict[str, ModuleView | None] = {}
        self.files: dict[str, tuple[Path, list[Path]] | None] = {}
        self.submodules: dict[tuple[str, str], bool] = {}
        self.chains: dict[tuple[str, tuple[str, ...]], Missing | None] = {}

    def in_runtime_source(self, module: str, attr: str) -> bool:
        """Whether this interpreter's own source of a standard-library module defines a name, read, not imported."""
        found = self.runtime_view(module)
        return found is not None and attr in found.names

    def runtime_view(self, module: str) -> ModuleView | None:
        """A standard-library module's Python source; star imports from C modules add nothing (typeshed has those)."""
        if module in self.runtime:
            return self.runtime[module]
        self.runtime[module] = None  # a star-import cycle ends here
        located = self.source_file(module)
        if located is None or located[0].suffix != ".py":
            return None
        try:
            tree = ast.parse(located[0].read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError, RecursionError, MemoryError):
            return None
        view = ModuleView(module, "source")
        _read_body(view, tree.body, None, located[0].name == "__init__.py")
        # Typeshed describes the module; its source only fills names the stubs leave out. A module __getattr__ there
        # serves deprecated names (sqlite3's OptimizedUnicode), so it does not make every name possible.
        view.open = False
        for source, where in view.star:
            other = self.runtime_view(source)
            for name, condition in (other.names if other is not None else {}).items():
                view.define(name, _joined(where, condition))
        self.runtime[module] = view
        return view

    def view(self, module: str) -> ModuleView | None:
        if module not in self.views:
            self.views[module] = None  # a star-import cycle ends here
            self.views[module] = self._load(module)
        return self.views[module]

    def _load(self, module: str) -> ModuleView | None:
        top = module.split(".")[0]
        stub = _stub_file(module) if _is_stdlib_name(top) else None
        if stub is not None:
            view = ModuleView(module, "stub")
            path, is_package = stub, stub.name == "__init__.pyi"
        else:
            located = self.source_file(module)
            if located is None:
                return None
            path, dirs = located
            view = ModuleView(module, "source")
            view.package_dirs = dirs
            is_package = path.name.startswith("__init__.")
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError, RecursionError, MemoryError):
            return None
        _read_body(view, tree.body, None, is_package)
        for source, where in view.star:
            other = self.view(source)
            if other is None or other.open:
                view.open = True
                continue
            for name, condition in other.names.items():
                if not name.startswith("_"):
                    view.define(name, _joined(where, condition))
                    if name in other.classes:
                        view.classes.setdefault(name, other.classes[name])
        return view

    def source_file(self, module: str) -> tuple[Path, list[Path]] | None:
        """A module's source (or stub) file and its package directories, found on the file system, never imported."""
        if module not in self.files:
            self.files[module] = self._source_file(module)
        return self.files[module]

    def _source_file(self, module: str) -> tuple[Path, list[Path]] | None:
        top, *rest = module.split(".")
        spec = _find_top(top)
        if spec is None:
            return None
        dirs = [Path(p) for p in (spec.submodule_search_locations or [])]
        origin = Path(spec.origin) if spec.origin and spec.origin not in ("built-in", "frozen") else None
        for part in rest:
            sub_dirs = [d / part for d in dirs if (d / part).is_dir()]
            files = [
                d / f"{part}{suffix}" for d in dirs for suffix in (".py", ".pyi") if (d / f"{part}{suffix}").is_file()
            ]
            if sub_dirs:
                dirs, origin = sub_dirs, sub_dirs[0] / "__init__.py"
            elif files:
                dirs, origin = [], files[0]
            else:
                return None
        if origin is None:
            return None
        stub = origin.with_suffix(".pyi") if origin.suffix != ".pyi" else origin
        if origin.name.endswith((".so", ".pyd")):
            stub = origin.with_name(origin.name.split(".")[0] + ".pyi")
        for candidate in (origin, stub):
            if candidate.suffix in (".py", ".pyi") and candidate.is_file():
                return candidate, dirs
        return None

    def submodule(self, module: str, name: str) -> bool:
        """Whether `module.name` is a module, by its stub or its file; nothing is imported."""
        key = (module, name)
        if key not in self.submodules:
            stub = _is_stdlib_name(module.split(".")[0]) and _stub_file(f"{module}.{name}") is not None
            self.submodules[key] = stub or self.source_file(f"{module}.{name}") is not None
        return self.submodules[key]

    def cls(self, view: ModuleView, name: str, depth: int = 0) -> StubClass | None:
        """The class a module's name refers to, following re-exports; None if it is not a class we can read."""
        if name in view.classes:
            return view.classes[name]
        if depth > 8 or name not in view.imported:
            return None
        module, attr = view.imported[name]
        other = self.view(module) if attr is not None else None
        return self.cls(other, attr, depth + 1) if other is not None and attr is not None else None

    def class_missing(self, owner: StubClass, attr: str) -> tuple[bool, str | None] | None:
        """(missing, condition) for a class attribute across its bases; None when a base cannot be read."""
        seen: set[int] = set()
        todo = [owner]
        condition: str | None = None
        found_here = False
        while todo:
            current = todo.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            if current.open:
                return None
            if attr in current.names:
                if current.names[attr] is None:
                    found_here = True
                    break
                condition = condition or current.names[attr]
            view = self.view(current.module)
            for base in current.bases:
                text = ast.unparse(base)
                if text in ("object", "builtins.object", "Generic", "Protocol", "typing.Generic", "typing.Protocol"):
                    continue
                resolved = self._base(view, base)
                if resolved is None:
                    return None
                todo.append(resolved)
        if found_here or attr in CLASS_NAMES:
            return False, None
        return True, condition

    def _base(self, view: ModuleView | None, base: ast.expr) -> StubClass | None:
        if view is None:
            return None
        if isinstance(base, ast.Name):
            found = self.cls(view, base.id)
            if found is None and base.id not in view.names:  # a builtin class: `dict`, `Exception`
                builtins = self.view("builtins")
                found = self.cls(builtins, base.id) if builtins is not None else None
            return found
        if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) and base.value.id in view.imported:
            module, attr = view.imported[base.value.id]
            other = self.view(module if attr is None else f"{module}.{attr}")
            return self.cls(other, base.attr) if other is not None else None
        return None


def _is_stdlib_name(top: str) -> bool:
    return top in sys.stdlib_module_names or top in sys.builtin_module_names or top in stdlib_versions()


def _module_aliases(tree: ast.Module) -> dict[str, str]:
    """Names bound to imported modules, for absolute imports, minus any name rebound elsewhere."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    aliases[top] = top
    rebound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            rebound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            rebound.add(node.name)
        elif isinstance(node, ast.arg):
            rebound.add(node.arg)
        elif isinstance(node, ast.ImportFrom):
            rebound.update((a.asname or a.name) for a in node.names)
    return {k: v for k, v in aliases.items() if k not in rebound}


def _chain(node: ast.Attribute) -> tuple[str, list[str]] | None:
    """`a.b.c` as ('a', ['b', 'c']); None when the chain does not start at a plain name."""
    attrs: list[str] = []
    cur: ast.expr = node
    while isinstance(cur, ast.Attribute):
        attrs.append(cur.attr)
        cur = cur.value
    if not isinstance(cur, ast.Name):
        return None
    return cur.id, attrs[::-1]


class Missing(NamedTuple):
    """An attribute a module or class does not have: where, what, how it was read, and where it does exist."""

    owner: str
    attr: str
    how: str  # "stub" (typeshed) or "source" (an installed file)
    elsewhere: str | None  # the platform or version condition under which it does exist, if any


def _missing(lookup: Lookup, module: str, attrs: list[str]) -> Missing | None:
    """The first attribute of `module.a.b...` that is missing; None if present or if it cannot be known statically."""
    key = (module, tuple(attrs))
    if key not in lookup.chains:
        lookup.chains[key] = _first_missing(lookup, module, attrs)
    return lookup.chains[key]


def _first_missing(lookup: Lookup, module: str, attrs: list[str]) -> Missing | None:
    view = lookup.view(module)
    owner = module
    cls: StubClass | None = None
    for attr in attrs:
        if cls is not None:
            verdict = lookup.class_missing(cls, attr)
            if verdict is None or not verdict[0]:
                return None  # present, or a base we cannot read; past a class attribute we do not follow
            return Missing(owner, attr, "stub" if view is None else view.origin, verdict[1])
        if view is None or view.open:
            return None
        if attr in view.names:
            if view.names[attr] is not None:
                return Missing(owner, attr, view.origin, view.names[attr])
            cls = lookup.cls(view, attr)
            imported = view.imported.get(attr)
            if cls is not None:
                owner = f"{owner}.{attr}"
            elif imported is not None and imported[1] is None:
                module, owner = imported[0], f"{owner}.{attr}"
                view = lookup.view(module)
            elif lookup.submodule(module, attr):
                module, owner = f"{module}.{attr}", f"{owner}.{attr}"
                view = lookup.view(module)
            else:
                return None  # a function or a value: what it holds is not ours to guess
            continue
        if attr in MODULE_DUNDERS:
            return None
        if lookup.submodule(module, attr):
            module, owner = f"{module}.{attr}", f"{owner}.{attr}"
            view = lookup.view(module)
            continue
        if any(any(d.glob(f"{attr}.*")) for d in view.package_dirs):
            return None  # an extension module or data beside the package: not readable as source
        if view.origin == "stub":
            if attr in OTHER_IMPLEMENTATIONS.get(module, {}):
                return Missing(owner, attr, "stub", OTHER_IMPLEMENTATIONS[module][attr])
            if lookup.in_runtime_source(module, attr):
                return None  # typeshed leaves it out, but this interpreter's own source defines it
        return Missing(owner, attr, view.origin, None)
    return None


def attribute_notes(
    tree: ast.Module, lines: list[str], lookup: Lookup | None = None, guards: dict[int, str] | None = None
) -> list[SpanNote]:
    """Attributes used on imported modules (and `from M import x` names) that the module does not have."""
    lookup = lookup or Lookup()
    guards = guards if guards is not None else guard_lines(tree, "attributes")
    aliases = _module_aliases(tree)
    found: dict[int, list[Missing]] = {}
    quotes: dict[int, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for a in node.names:
                if a.name == "*":
                    continue
                miss = _missing(lookup, node.module, [a.name])
                if miss:
                    found.setdefault(node.lineno, []).append(miss)
                    quotes.setdefault(node.lineno, []).append(a.name)
        elif isinstance(node, ast.Attribute) and not isinstance(getattr(node, "ctx", None), ast.Store):
            chain = _chain(node)
            if chain is None or chain[0] not in aliases:
                continue
            # `import a.b` binds `a`; `a.b.c` then means module a.b's attribute c.
            miss = _missing(lookup, aliases[chain[0]], chain[1])
            if miss:
                found.setdefault(node.lineno, []).append(miss)
                quotes.setdefault(node.lineno, []).append(".".join([chain[0], *chain[1]]))
    notes = []
    for number in sorted(found):
        unique = sorted(set(found[number]), key=lambda m: (m.owner, m.attr))
        notes.append(_attribute_note(unique, number, quotes.get(number, []), lines, guards.get(number)))
    return notes


def _attribute_note(
    unique: list[Missing], number: int, quotes: list[str], lines: list[str], guard: str | None
) -> SpanNote:
    what = ", ".join(f"{m.owner}.{m.attr}" for m in unique)
    # Blocking only when typeshed says a public name exists on no platform and in no Python version.
    invented = [m for m in unique if m.how == "stub" and m.elsewhere is None and not m.attr.startswith("_")]
    elsewhere = [m for m in unique if m.elsewhere is not None]
    here = f"Python {sys.version_info.major}.{sys.version_info.minor} on {sys.platform}"
    if invented and guard is not None:
        severity, risk = "verify", GUARDED_RISK * 3
        why = (
            f"{what} is not in typeshed's stubs for any platform or Python version, but the code expects that "
            f"({guard}): check it exists where this code is meant to run"
        )
    elif invented:
        severity, risk = "blocking", ATTRIBUTE_RISK
        why = (
            f"{what} does not exist in the standard library on any platform or Python version (typeshed's stubs): "
            "an invented or misremembered API"
        )
    elif elsewhere:
        severity, risk = "verify", GUARDED_RISK if guard else ELSEWHERE_RISK
        where = "; ".join(f"{m.owner}.{m.attr} exists only where {m.elsewhere}" for m in elsewhere)
        why = f"{what} is not in {here}: typeshed says {where}" + (
            f"; the code expects that ({guard})" if guard else "; check the code runs where it is meant to"
        )
    elif all(m.how == "stub" for m in unique):
        severity, risk = "verify", GUARDED_RISK if guard else ELSEWHERE_RISK
        why = f"{what} is not in typeshed's stubs, which leave out many private names: check it exists"
    else:
        severity, risk = "verify", GUARDED_RISK if guard else ELSEWHERE_RISK
        why = f"{what} is not defined in the installed package's source: check the API and its version"
        if guard:
            why += f" (the code expects that: {guard})"
    return SpanNote(
        kind="missing-attribute",
        severity=severity,
        why=why,
        source="check",
        lines=(number, number),
        quote=", ".join(dict.fromkeys(quotes))[:200] or _line(lines, number),
        risk=risk,
        signals={
            "checks": {
                "attribute": what,
                "how": "stub" if all(m.how == "stub" for m in unique) else "static",
                "elsewhere": {f"{m.owner}.{m.attr}": m.elsewhere for m in elsewhere} or None,
                "guard": guard,
                # another platform's or version's API, or one the code guards: a reason to look, not an error
                "expected": severity == "verify" and (bool(elsewhere) or (guard is not None and not invented)),
            }
        },
    )
