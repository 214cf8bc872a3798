"""The md format's YAML front matter: written and read back.

A hand-written subset of YAML: block mappings whose scalars are JSON literals (double-quoted strings, numbers in
fixed notation, true/false/null, flow lists). Every line is valid YAML and reads back to the same values, with
`from_yaml` here or with any YAML parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
# YAML 1.1 reads these plain words as booleans or null; quote them as keys.
YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
# json.dumps leaves these as they are; YAML reads some as line breaks or refuses them.
YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def front_matter(mapping: Mapping[str, Any]) -> str:
    """`---`, the mapping as YAML, `---`, each on its own lines."""
    return "---\n" + "".join(line + "\n" for line in _yaml_lines(mapping, 0)) + "---\n"


def _yaml_lines(mapping: Mapping[str, Any], indent: int) -> Iterable[str]:
    pad = " " * indent
    for key, value in mapping.items():
        name = key if PLAIN_KEY.match(key) and key.lower() not in YAML_WORDS else _yaml_string(key)
        if isinstance(value, dict) and value:
            yield f"{pad}{name}:"
            yield from _yaml_lines(value, indent + 2)
        else:
            yield f"{pad}{name}: {_yaml_scalar(value)}"


def _yaml_string(text: str) -> str:
    return YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(text, ensure_ascii=False))


def _yaml_scalar(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        fixed = f"{value:.6f}".rstrip("0")
        return fixed + "0" if fixed.endswith(".") else fixed
    if isinstance(value, str):
        return _yaml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_scalar(v) for v in value) + "]"
    if isinstance(value, dict) and not value:
        return "{}"
    raise TypeError(f"cannot write {type(value).__name__} in front matter")


def from_yaml(text: str) -> dict[str, Any]:
    """Read back the YAML subset `front_matter` writes; ValueError on anything else."""
    root: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    expect_child = False
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        if expect_child and indent <= stack[-1][0]:
            raise ValueError(f"line {number}: a mapping with nothing in it")
        while stack[-1][0] >= indent:
            stack.pop()
        if not expect_child and indent != _child_indent(stack):
            raise ValueError(f"line {number}: unexpected indentation")
        key, rest = _yaml_key(line[indent:], number)
        parent = stack[-1][1]
        if key in parent:
            raise ValueError(f"line {number}: {key!r} appears twice")
        if rest:
            try:
                parent[key] = json.loads(rest)
            except json.JSONDecodeError:
                raise ValueError(f"line {number}: {rest[:40]!r} is not a value draftmate writes") from None
            expect_child = False
        else:
            child: dict[str, Any] = {}
            parent[key] = child
            stack.append((indent, child))
            expect_child = True
    if expect_child:
        raise ValueError("the last mapping has nothing in it")
    return root


def _child_indent(stack: list[tuple[int, dict[str, Any]]]) -> int:
    return 0 if len(stack) == 1 else stack[-1][0] + 2


def _yaml_key(body: str, number: int) -> tuple[str, str]:
    if body.startswith('"'):
        try:
            key, end = json.JSONDecoder().raw_decode(body)
        except json.JSONDecodeError:
            raise ValueError(f"line {number}: a broken quoted key") from None
        rest = body[end:]
    else:
        name, colon, after = body.partition(":")
        if not colon or not PLAIN_KEY.match(name):
            raise ValueError(f"line {number}: expected `key: value`")
        key, rest = name, ":" + after
    if not rest.startswith(":") or (len(rest) > 1 and not rest.startswith(": ")):
        raise ValueError(f"line {number}: expected `key: value`")
    return str(key), rest[2:].strip()
