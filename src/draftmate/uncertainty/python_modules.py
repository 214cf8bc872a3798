"""Where a module comes from and which names it defines, found statically: nothing a draft names is imported.

Top-level import names resolve against the standard library, a project's declared dependencies and own modules, and
the installed environment (`importlib.machinery.PathFinder` on the top-level name, which locates files without
importing them). A module's names are read from typeshed's stubs (shipped by typeshed_client) for the standard
library, for every platform and Python version, and from an installed package's source or stub file otherwise, its
submodules found by walking its directories.
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

from draftmate.uncertainty.package_index import KNOWN_IMPORT_NAMES, normalize_name


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
            names.append(normalize_name(m.group(1)))
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
        names.update(module for module, dists in installed.items() if any(normalize_name(d) == dist for d in dists))
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
        if find_top(top) is not None or top in self.installed():
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


def find_top(top: str) -> importlib.machinery.ModuleSpec | None:
    """Where an installed top-level module is, by PathFinder on sys.path: it locates files and imports nothing."""
    try:
        return importlib.machinery.PathFinder.find_spec(top, list(sys.path))
    except Exception:  # an unreadable sys.path entry must not break a check
        return None


def _typeshed_root() -> Path | None:
    """typeshed's standard-library stubs as typeshed_client ships them, located without importing it."""
    spec = find_top("typeshed_client")
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


def stub_file(module: str) -> Path | None:
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
        stub = stub_file(module) if is_stdlib_name(top) else None
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
        spec = find_top(top)
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
            stub = is_stdlib_name(module.split(".")[0]) and stub_file(f"{module}.{name}") is not None
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


def is_stdlib_name(top: str) -> bool:
    return top in sys.stdlib_module_names or top in sys.builtin_module_names or top in stdlib_versions()


class Missing(NamedTuple):
    """An attribute a module or class does not have: where, what, how it was read, and where it does exist."""

    owner: str
    attr: str
    how: str  # "stub" (typeshed) or "source" (an installed file)
    elsewhere: str | None  # the platform or version condition under which it does exist, if any


def missing_attribute(lookup: Lookup, module: str, attrs: list[str]) -> Missing | None:
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
