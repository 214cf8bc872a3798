"""Reading an export back (`verify --file`): the provenance and content a file carries, and how its provenance
differs from the one the store's rows make now.

The file is untrusted: it is read bounded (MAX_EXPORT_BYTES, MAX_DEPTH), and its provenance stays a plain
`dict[str, Any]` until it is compared field by field with a `Provenance` the store made.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from draftmate.errors import DraftmateError, UsageError
from draftmate.provenance.formats import approved_notes_json, disclosure_line, remove_line, sidecar_path
from draftmate.provenance.front_matter import from_yaml
from draftmate.provenance.record import Provenance

if TYPE_CHECKING:
    from draftmate.domain.records import Note, Review


@dataclass
class Exported:
    """An export read back: its format, the provenance it carries, and the content bytes it holds."""

    path: Path
    fmt: str
    provenance: dict[str, Any]
    content: bytes
    record: dict[str, Any] | None = None  # the whole json export
    problems: list[str] | None = None  # what is wrong with the file itself (a missing disclosure line)
    via_sidecar: bool = False  # its provenance came from FILE.provenance.json (a code or txt export)


# An export holds at most a 2 MB draft, escaped (a control character becomes six bytes in JSON), its notes and
# provenance: no export draftmate writes comes near this, so a bigger file is not one and is not read whole.
MAX_EXPORT_BYTES = 64_000_000
MAX_DEPTH = 32  # an export's JSON nests about 6 deep; deeper is not an export (and would exhaust the stack)


def read_export(path: Path) -> Exported:
    """An exported file with its provenance: from the sidecar, the front matter or the json record."""
    data = _read_bounded(path)
    sidecar = sidecar_path(path)
    return parse_export(path, data, _read_bounded(sidecar) if sidecar.is_file() else None)


def parse_export(path: Path, data: bytes, sidecar: bytes | None) -> Exported:
    """An export's bytes (and its sidecar's, if it has one) read as `read_export` reads the file at `path`; the
    bytes may come from elsewhere (a git commit's blobs), `path` only names them."""
    if sidecar is not None:
        return _read_with_sidecar(path, data, sidecar_path(path), sidecar)
    if data.startswith((b"---\n", b"---\r\n")):
        return _read_markdown(path, data)
    if data.lstrip()[:1] == b"{":
        return _read_json(path, data)
    raise DraftmateError(
        f"{path} carries no draftmate provenance: no front matter, no json record and no "
        f"{sidecar_path(path).name} beside it"
    )


def _read_bounded(path: Path) -> bytes:
    """A regular file's bytes, at most MAX_EXPORT_BYTES; a device, a FIFO or a bigger file is refused unread."""
    import os
    import stat

    from draftmate.fileio import kind_of

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open waiting for a writer
    except FileNotFoundError:
        raise UsageError(f"no file {path}; check the path") from None
    except OSError as e:
        raise DraftmateError(f"cannot read {path}: {e.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise UsageError(f"{path} is a directory; give the exported file")
        if not stat.S_ISREG(mode):
            raise UsageError(f"{path} is {kind_of(mode)}, not a regular file; give the exported file")
        try:
            data = f.read(MAX_EXPORT_BYTES + 1)
        except OSError as e:
            raise DraftmateError(f"cannot read {path}: {e.strerror}") from None
    if len(data) > MAX_EXPORT_BYTES:
        raise UsageError(
            f"{path} is over {MAX_EXPORT_BYTES:,} bytes, larger than any draftmate export; give the exported file"
        )
    return data


def _parsed_json(data: bytes | str, where: Path, what: str) -> Any:
    """JSON from an export, or DraftmateError: invalid, or nested deeper than any export (not a RecursionError)."""
    try:
        value = json.loads(data)
    except RecursionError:
        value = None
        deep = True
    except ValueError as e:
        raise DraftmateError(f"{where} is not {what} ({e})") from None
    else:
        deep = _deeper_than(value, MAX_DEPTH)
    if deep:
        raise DraftmateError(f"{where} is nested more than {MAX_DEPTH} deep, which no draftmate export is")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects nest deeper than `limit` (without recursion: the value may be very deep)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            stack.extend((inner, depth + 1) for inner in (item.values() if isinstance(item, dict) else item))
    return False


def _read_with_sidecar(path: Path, data: bytes, sidecar: Path, sidecar_data: bytes) -> Exported:
    provenance = _parsed_json(sidecar_data, sidecar, "a readable provenance record")
    _check_shape(provenance, sidecar)
    line = (provenance.get("export") or {}).get("disclosure_line")
    problems = []
    if isinstance(line, dict):
        stripped = remove_line(data, _int_or_zero(line.get("number")), str(line.get("text", "")))
        if stripped is None:
            problems.append(f"the disclosure comment on line {str(line.get('number'))[:8]} is missing or changed")
        else:
            data = stripped
    return Exported(
        path, str((provenance.get("export") or {}).get("format", "code")), provenance, data, None, problems, True
    )


def _int_or_zero(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _read_markdown(path: Path, data: bytes) -> Exported:
    newline = b"\r\n" if data.startswith(b"---\r\n") else b"\n"  # git's autocrlf may have converted it
    closing = newline + b"---" + newline
    end = data.find(closing, 3)
    if end < 0:
        raise DraftmateError(f"{path}: the front matter has no closing `---` line")
    try:
        text = data[3 + len(newline) : end + len(newline)].decode("utf-8").replace("\r\n", "\n")
        provenance = from_yaml(text)
    except RecursionError:
        raise DraftmateError(f"{path}: the front matter is nested deeper than any draftmate export") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise DraftmateError(f"{path}: the front matter is not what draftmate writes ({e})") from None
    if _deeper_than(provenance, MAX_DEPTH):
        raise DraftmateError(f"{path}: the front matter is nested deeper than any draftmate export")
    _check_shape(provenance, path)
    return Exported(path, "md", provenance, data[end + len(closing) :])


JSON_RECORD_KEYS = ("provenance", "content", "notes", "review")


def _read_json(path: Path, data: bytes) -> Exported:
    record = _parsed_json(data, path, "valid JSON")
    if not isinstance(record, dict) or not isinstance(record.get("content"), str):
        raise DraftmateError(f"{path} is JSON but not a draftmate export (no provenance and content)")
    _check_shape(record.get("provenance"), path)
    extra = [
        f"the json record has a key draftmate does not write: {k[:40]!r}" for k in record if k not in JSON_RECORD_KEYS
    ]
    return Exported(path, "json", record["provenance"], record["content"].encode("utf-8"), record, extra)


def _check_shape(provenance: Any, where: Path) -> None:
    if not isinstance(provenance, dict) or not isinstance(provenance.get("draft_id"), str):
        raise DraftmateError(f"{where} is not a draftmate provenance record (no draft_id)")


# ---- the provenance a file carries against the one the store makes -------------------------------------------


def provenance_problems(exported: Exported, expected: Provenance, content: str) -> list[str]:
    """How the file's provenance differs from `expected`, the record the store makes of the approved `content`:
    its export block, any field, and its disclosure line."""
    claimed = exported.provenance
    problems = _export_block_problems(claimed, None if exported.via_sidecar else exported.fmt)
    problems += _provenance_differences(claimed, expected)
    problems += _disclosure_differences(claimed, expected, content)
    return problems


def record_problems(record: dict[str, Any], notes: list[Note], review: Review) -> list[str]:
    """How a json export's review and notes differ from the store's."""
    problems = []
    if record.get("review") != review.model_dump(mode="json"):
        problems.append("the review record in the file differs from the store's")
    if record.get("notes") != approved_notes_json(notes, review):
        problems.append("the notes in the file differ from the store's")
    return problems


def _disclosure_differences(claimed: dict[str, Any], expected: Provenance, content: str) -> list[str]:
    """The sidecar's `--disclose` line must be the one draftmate writes, or a line added later would pass as it."""
    named = (claimed.get("export") or {}).get("disclosure_line")
    if named is None:
        return []
    fmt = str((claimed.get("export") or {}).get("format", "code"))
    try:
        number, text = disclosure_line(content, expected, fmt)
    except UsageError:
        return ["its sidecar names a disclosure line, but this kind of file gets none"]
    if named != {"number": number, "text": text}:
        where = named.get("number", "?") if isinstance(named, dict) else "?"
        return [
            f"its sidecar names line {str(where)[:8]} as the disclosure line, which is not the line draftmate "
            "writes (was a line added?)"
        ]
    return []


EXPORT_BLOCK_KEYS = ("format", "disclosure_line")


def _export_block_problems(claimed: dict[str, Any], carried: str | None) -> list[str]:
    """The `export` block may differ from the store's record only as an export writes it: exactly `format` (as the
    file was read, `carried`: md or json; code or txt for a sidecar, None) and `disclosure_line`."""
    block = claimed.get("export", _MISSING)
    if block is _MISSING:
        return ["its provenance has no export block (format, disclosure_line), which every draftmate export has"]
    if not isinstance(block, dict):
        return [f"provenance field export is {repr(block)[:60]}; draftmate writes format and disclosure_line there"]
    problems = [
        f"provenance field export.{str(k)[:40]} is not one draftmate writes"
        for k in block
        if k not in EXPORT_BLOCK_KEYS
    ]
    problems += [f"provenance field export.{k} is missing" for k in EXPORT_BLOCK_KEYS if k not in block]
    fmt = block.get("format")
    allowed = (carried,) if carried else ("code", "txt")  # a sidecar: only code and txt exports get one
    if "format" in block and fmt not in allowed:
        problems.append(
            f"provenance field export.format is {repr(fmt)[:40]}; this file can only be {' or '.join(allowed)}"
        )
    line = block.get("disclosure_line")
    if line is not None and carried:
        problems.append(f"provenance field export.disclosure_line is set; a {carried} export has none")
    elif line is not None and not (
        isinstance(line, dict)
        and set(line) == {"number", "text"}
        and type(line["number"]) is int
        and line["number"] >= 1
        and isinstance(line["text"], str)
    ):
        problems.append(f"provenance field export.disclosure_line is {repr(line)[:60]}; not what draftmate writes")
    return problems


# Fields that may differ between an export and a check made later with another draftmate.
VOLATILE = {"export", "generator.tool_version", "signature"}  # the signature: `draftmate check`'s to judge


def _provenance_differences(claimed: dict[str, Any], expected: Provenance) -> list[str]:
    found = dict(_flatten(claimed))
    wanted = dict(_flatten(expected))
    problems = []
    for key in sorted(set(found) | set(wanted)):
        if key in VOLATILE or key.split(".")[0] in VOLATILE:
            if key == "generator.tool_version" and key in found and not isinstance(found[key], str):
                problems.append(f"provenance field {key} is {repr(found[key])[:40]}; draftmate writes a version string")
            continue
        if key not in wanted:
            problems.append(f"provenance field {key[:60]} is not one draftmate writes (it is {repr(found[key])[:40]})")
            continue
        if found.get(key, _MISSING) != wanted.get(key, _MISSING):
            shown = "missing" if key not in found else repr(found[key])[:60]
            problems.append(f"provenance field {key} is {shown}; the store recorded {repr(wanted.get(key))[:60]}")
    return problems


_MISSING = object()


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, value
