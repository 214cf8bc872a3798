"""Deterministic checks of code: parse errors, undefined names, imports and attributes that do not exist.

Python only; other languages get no notes and a feature saying which checks did not apply.

Imports resolve against, in order: the standard library (`sys.stdlib_module_names`), the project's declared
dependencies (a pyproject.toml or requirements file passed in, distribution names mapped to import names through
`importlib.metadata.packages_distributions`), the project's own top-level modules, and the installed environment
(`importlib.util.find_spec` on the top-level name, which locates without importing).

Attributes are checked two ways, and third-party code is never imported or executed:
- standard-library modules are imported (they are part of the interpreter) and checked with `hasattr`;
- installed third-party modules are inspected statically: their source file is parsed for top-level names, and a
  module with `__getattr__`, star imports, or no Python source is left unchecked.
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from draftmate.signals import ATTRIBUTE_RISK, HARD_RISK, IMPORT_RISK, SpanNote

PYTHON = ("python", "py", "python3", "")
CHECKS = ("parse", "undefined-names", "imports", "attributes")
# Standard-library modules whose import does something visible (opens a browser, prints): never imported to check.
SIDE_EFFECTS = frozenset({"antigravity", "this", "__hello__", "__phello__", "idlelib", "turtledemo", "tkinter"})
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
    except SyntaxError as e:
        return [_syntax_note(e, content)], {"checks.applied": 1, "checks.parse_failed": 1}
    except ValueError as e:  # null bytes and similar: still "does not parse"
        note = SpanNote("syntax-error", "blocking", f"does not parse: {e}", "check", (1, 1), "", HARD_RISK)
        return [note], {"checks.applied": 1, "checks.parse_failed": 1}
    lines = content.split("\n")  # numbered as ast numbers them, not as splitlines (which breaks at a form feed)
    resolver = Resolver(project)
    notes = undefined_names(tree, lines) + import_notes(tree, lines, resolver) + attribute_notes(tree, lines)
    features: dict[str, Any] = {
        "checks.applied": 1,
        "checks.parse_failed": 0,
        "checks.undefined_names": sum(n.kind == "undefined-name" for n in notes),
        "checks.unknown_imports": sum(n.kind == "unknown-import" for n in notes),
        "checks.missing_attributes": sum(n.kind == "missing-attribute" for n in notes),
        "checks.declared_deps": None if resolver.declared is None else len(resolver.declared),
    }
    return notes, features


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


def undefined_names(tree: ast.Module, lines: list[str]) -> list[SpanNote]:
    """Names used but never defined, as pyflakes finds them."""
    from pyflakes import checker, messages

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
        notes.append(
            SpanNote(
                kind="undefined-name",
                severity="blocking",
                why=why,
                source="check",
                lines=(message.lineno, message.lineno),
                quote=name,
                risk=HARD_RISK,
                signals={"checks": {"pyflakes": type(message).__name__, "name": name}},
            )
        )
    return notes


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
        if top in sys.stdlib_module_names or top in sys.builtin_module_names:
            return "stdlib"
        if self.declared is not None and top in self.declared:
            return "declared"
        if top in self.local:
            return "project"
        try:
            if importlib.util.find_spec(top) is not None:
                return "installed"
        except (ImportError, ValueError):
            return None
        return None


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


def import_notes(tree: ast.Module, lines: list[str], resolver: Resolver) -> list[SpanNote]:
    """One note per import line whose top-level package resolves nowhere."""
    notes: list[SpanNote] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        missing = sorted({m.split(".")[0] for m in modules if resolver.where(m.split(".")[0]) is None})
        if not missing:
            continue
        names = ", ".join(repr(m) for m in missing)
        where = (
            "the standard library or the installed environment"
            if resolver.declared is None
            else "the standard library, the installed environment or the declared dependencies"
        )
        verb, noun = ("is", "this package") if len(missing) == 1 else ("are", "these packages")
        notes.append(
            SpanNote(
                kind="unknown-import",
                severity="blocking",
                why=(
                    f"{names} {verb} not in {where}: {noun} may not "
                    "exist; check the name on PyPI before installing anything (invented names get squatted)"
                ),
                source="check",
                lines=(node.lineno, node.lineno),
                quote=_line(lines, node.lineno),
                risk=IMPORT_RISK,
                signals={"checks": {"import": "unresolved", "names": missing}},
            )
        )
    return sorted(notes, key=lambda n: n.lines or (0, 0))


# ---- attributes ------------------------------------------------------------------------------------------------


def _is_stdlib(module: str) -> bool:
    top = module.split(".")[0]
    return (top in sys.stdlib_module_names or top in sys.builtin_module_names) and top not in SIDE_EFFECTS


def _stdlib_module(module: str) -> Any | None:
    """A standard-library module, imported (safe: it ships with the interpreter); None if it cannot be."""
    if not _is_stdlib(module):
        return None
    try:
        return importlib.import_module(module)
    except Exception:  # platform-specific modules (winreg on Linux) are simply unchecked
        return None


class StaticModule:
    """Top-level names of an installed third-party module, read from its source without importing it."""

    def __init__(self, names: set[str], package_dirs: list[Path]) -> None:
        self.names = names
        self.package_dirs = package_dirs

    def has(self, attr: str) -> bool:
        if attr in self.names:
            return True
        return any(
            (d / f"{attr}.py").exists()
            or (d / attr / "__init__.py").exists()
            or (d / attr).is_dir()
            or any(d.glob(f"{attr}.*.so"))
            or any(d.glob(f"{attr}.*.pyd"))
            for d in self.package_dirs
        )


def _static_module(module: str) -> StaticModule | None:
    """A third-party module's static view, or None when it cannot be read with certainty."""
    top, *rest = module.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    dirs = [Path(p) for p in (spec.submodule_search_locations or [])]
    origin = Path(spec.origin) if spec.origin and spec.origin not in ("built-in", "frozen") else None
    for part in rest:  # walk to a submodule's file without importing the package
        sub_dirs = [d / part for d in dirs if (d / part).is_dir()]
        files = [d / f"{part}.py" for d in dirs if (d / f"{part}.py").exists()]
        if sub_dirs:
            dirs, origin = sub_dirs, sub_dirs[0] / "__init__.py"
        elif files:
            dirs, origin = [], files[0]
        else:
            return None
    if origin is None or origin.suffix != ".py" or not origin.exists():
        return None
    try:
        tree = ast.parse(origin.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return None
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__" and node in tree.body:
            return None
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("update", "setdefault", "__setitem__")
        ):
            return None  # globals().update(...) and friends: names we cannot see
    names.update({"__name__", "__file__", "__doc__", "__path__", "__spec__", "__version__", "__all__"})
    return StaticModule(names, dirs)


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


def _missing_stdlib(module: str, attrs: list[str]) -> tuple[str, str] | None:
    """The first attribute of a chain a stdlib module (or class in it) does not have: (owner, attr)."""
    obj = _stdlib_module(module)
    if obj is None:
        return None
    owner = module
    for attr in attrs:
        if not hasattr(obj, attr):
            sub = f"{owner}.{attr}"
            if isinstance(obj, type(sys)) and _stdlib_module(sub) is not None:
                obj, owner = sys.modules[sub], sub
                continue
            return owner, attr
        obj = getattr(obj, attr)
        if not isinstance(obj, type(sys) | type):
            return None  # a function or value: what it returns is not ours to guess
        owner = f"{owner}.{attr}"
    return None


def _missing_static(module: str, attrs: list[str]) -> tuple[str, str] | None:
    static = _static_module(module)
    if static is None or not attrs:
        return None
    if not static.has(attrs[0]):
        return module, attrs[0]
    return None


def _missing(module: str, attrs: list[str]) -> tuple[str, str, str] | None:
    """(owner, attr, how) for the first missing attribute; None if present or uncheckable."""
    if _is_stdlib(module):
        found = _missing_stdlib(module, attrs)
        return (*found, "stdlib") if found else None
    top = module.split(".")[0]
    if top in sys.stdlib_module_names:
        return None
    found = _missing_static(module, attrs)
    return (*found, "static") if found else None


def attribute_notes(tree: ast.Module, lines: list[str]) -> list[SpanNote]:
    """Attributes used on imported modules (and `from M import x` names) that the module does not have."""
    aliases = _module_aliases(tree)
    found: dict[int, list[tuple[str, str, str]]] = {}
    quotes: dict[int, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for a in node.names:
                if a.name == "*":
                    continue
                miss = _missing(node.module, [a.name])
                if miss and not _submodule_exists(node.module, a.name):
                    found.setdefault(node.lineno, []).append(miss)
                    quotes.setdefault(node.lineno, []).append(a.name)
        elif isinstance(node, ast.Attribute) and not isinstance(getattr(node, "ctx", None), ast.Store):
            chain = _chain(node)
            if chain is None or chain[0] not in aliases:
                continue
            module = aliases[chain[0]]
            # `import a.b` binds `a`; `a.b.c` then means module a.b's attribute c.
            miss = _missing(module, chain[1])
            if miss:
                found.setdefault(node.lineno, []).append(miss)
                quotes.setdefault(node.lineno, []).append(".".join([chain[0], *chain[1]]))
    notes = []
    for number in sorted(found):
        unique = sorted(set(found[number]))
        hows = {how for _, _, how in unique}
        what = ", ".join(f"{owner}.{attr}" for owner, attr, _ in unique)
        stdlib = hows == {"stdlib"}
        notes.append(
            SpanNote(
                kind="missing-attribute",
                severity="blocking" if stdlib else "verify",
                why=(
                    f"{what} does not exist in Python {sys.version_info.major}.{sys.version_info.minor} on "
                    f"{sys.platform}: an invented or misremembered API, or one from another version or platform"
                    if stdlib
                    else f"{what} is not defined in the installed package's source: check the API and its version"
                ),
                source="check",
                lines=(number, number),
                quote=", ".join(dict.fromkeys(quotes[number]))[:200] or _line(lines, number),
                risk=ATTRIBUTE_RISK if stdlib else ATTRIBUTE_RISK - 0.2,
                signals={"checks": {"attribute": what, "how": "hasattr" if stdlib else "static"}},
            )
        )
    return notes


def _submodule_exists(module: str, name: str) -> bool:
    """Whether `from module import name` names a submodule (stdlib only; static lookup otherwise)."""
    if _is_stdlib(module):
        try:
            return importlib.util.find_spec(f"{module}.{name}") is not None
        except (ImportError, ValueError):
            return False
    static = _static_module(module)
    return static is not None and static.has(name)
