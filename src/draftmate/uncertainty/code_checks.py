"""Deterministic checks of code: parse errors, undefined names, imports and attributes that do not exist.

Python only; other languages get no notes and a feature saying which checks did not apply.

Nothing a draft names is ever imported or executed. Imports resolve against, in order: the standard library
(`sys.stdlib_module_names` and typeshed's list of every version's modules), the project's declared dependencies, the
project's own top-level modules, and the installed environment; attributes are read from typeshed's stubs or an
installed package's source (python_modules.py does both, statically). A finding the code guards against (an
optional import, another platform's branch) is a verify note (code_guards.py); an import found nowhere is told apart
from a real PyPI project that is only not installed (package_index.py).

A checker that fails on a pathological input (too deep for the parser or pyflakes) gives a "could not check" note
instead of failing the draft.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from draftmate.uncertainty.code_guards import guard_lines, probed_names
from draftmate.uncertainty.package_index import EXISTS, MISSING, OnlineCheck, ask_pypi, distribution_for, normalize_name
from draftmate.uncertainty.python_modules import (
    Lookup,
    Missing,
    ModuleView,
    Resolver,
    missing_attribute,
    stdlib_versions,
)
from draftmate.uncertainty.spans import ATTRIBUTE_RISK, HARD_RISK, IMPORT_RISK, SpanNote

# A finding the code expects (an optional import, another platform's API): worth a look, never a reason for low.
GUARDED_RISK = 0.1
NOT_INSTALLED_RISK = 0.3  # a real PyPI project that is neither installed nor guarded: a missing dependency
ELSEWHERE_RISK = 0.3  # a standard-library name of another platform or version, unguarded

PYTHON = ("python", "py", "python3", "")
CHECKS = ("parse", "undefined-names", "imports", "attributes")


def code_checks(
    content: str, lang: str, project: str | Path | None = None, online: OnlineCheck | None = None
) -> tuple[list[SpanNote], dict[str, Any]]:
    """Notes and features from the deterministic checks of one piece of code; `online` asks PyPI (else no network)."""
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
        ("imports", lambda: import_notes(tree, lines, resolver, guard_lines(tree, "imports"), online)),
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
    probed = probed_names(tree)

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


# ---- imports ---------------------------------------------------------------------------------------------------


def import_notes(
    tree: ast.Module,
    lines: list[str],
    resolver: Resolver,
    guards: dict[int, str] | None = None,
    online: OnlineCheck | None = None,
) -> list[SpanNote]:
    """One note per import line whose top-level package is not here; blocking only when it is known nowhere.

    With `online`, the names the offline data does not know are asked of PyPI, all at once, within its time limit."""
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
    answers: dict[str, str] = {}
    if online is not None:
        unknown = sorted({m for _, names in found for m in names if known_elsewhere(m) is None})
        answers = ask_pypi(unknown, online) if unknown else {}
    notes = []
    for line, missing in found:
        guard = guards.get(line) or next((optional[m] for m in missing if m in optional), None)
        notes.append(_import_note(missing, line, lines, resolver, guard, answers))
    return sorted(notes, key=lambda n: n.lines or (0, 0))


def _import_note(
    missing: list[str],
    line: int,
    lines: list[str],
    resolver: Resolver,
    guard: str | None,
    answers: dict[str, str] | None = None,
) -> SpanNote:
    where = (
        "the standard library or the installed environment"
        if resolver.declared is None
        else "the standard library, the installed environment or the declared dependencies"
    )
    known = {name: known_elsewhere(name) for name in missing}
    online = {name: (answers or {})[name] for name in missing if known[name] is None and name in (answers or {})}
    for name, answer in online.items():
        if answer == EXISTS:  # a real project, though perhaps not the one meant: a squatter registers invented names
            known[name] = (
                f"not installed here; the PyPI project {normalize_name(name)!r} exists (checked online; make sure "
                "it is the one you mean: invented names get squatted)"
            )
    nowhere = [name for name in missing if known[name] is None]
    # What PyPI said of the names still known nowhere: none, or why it could not be asked.
    told = "; ".join(
        f"PyPI has no project named {normalize_name(name)!r} (checked online)"
        if online[name] == MISSING
        else f"the online check of {name!r} on PyPI could not be made ({online[name]})"
        for name in nowhere
        if name in online
    )
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
        if told:
            why += f"; {told}"
        if facts:
            why += f"; {facts}"
    elif nowhere:
        severity, risk = "verify", GUARDED_RISK * 3
        why = (
            f"{names}: an optional import ({guard}), but {', '.join(repr(m) for m in nowhere)} is not among the "
            "best-known PyPI projects either: check the name exists before installing anything"
        ) + (f"; {told}" if told else "")
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
                "online": online or None,
                "expected": severity == "verify" and not nowhere,
            }
        },
    )


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


# ---- attributes ------------------------------------------------------------------------------------------------


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
                miss = missing_attribute(lookup, node.module, [a.name])
                if miss:
                    found.setdefault(node.lineno, []).append(miss)
                    quotes.setdefault(node.lineno, []).append(a.name)
        elif isinstance(node, ast.Attribute) and not isinstance(getattr(node, "ctx", None), ast.Store):
            chain = _chain(node)
            if chain is None or chain[0] not in aliases:
                continue
            # `import a.b` binds `a`; `a.b.c` then means module a.b's attribute c.
            miss = missing_attribute(lookup, aliases[chain[0]], chain[1])
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
