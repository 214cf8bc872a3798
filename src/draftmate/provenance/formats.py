"""The export formats: rendering an approved version and its provenance to files, and writing them.

Formats (see docs/provenance.schema.json for the provenance record itself, provenance/record.py for how it is made):
    md    YAML front matter holding the provenance (provenance/front_matter.py), then the content byte for byte
    txt   the approved content byte for byte, plus a `PATH.provenance.json` sidecar
    code  the same as txt; `--disclose` adds one comment line in the language's comment syntax
    json  one object: provenance, content, notes (of the approved versions), the approving review
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from draftmate.domain import jsonfast
from draftmate.domain.ids import short_id
from draftmate.domain.row_mapping import TRUSTED, note_fields, note_json, review_fields
from draftmate.errors import UsageError
from draftmate.fileio import check_target, write_atomic
from draftmate.provenance.front_matter import from_yaml, front_matter
from draftmate.provenance.record import HUMAN, Approval, ExportBlock, Made, Provenance, provenance_record

if TYPE_CHECKING:  # pydantic loads only when a model is built: a bulk export of sealed drafts builds none
    from draftmate.domain.records import Draft, Note, Review, Version
    from draftmate.provenance.signing import Signer

FORMATS = ("md", "txt", "json", "code")
SIDECAR_SUFFIX = ".provenance.json"

# Language -> (file suffix, line-comment prefix); None where the language has no comments.
LANGS: dict[str, tuple[str, str | None]] = {
    "python": (".py", "#"),
    "ruby": (".rb", "#"),
    "bash": (".sh", "#"),
    "perl": (".pl", "#"),
    "r": (".r", "#"),
    "toml": (".toml", "#"),
    "yaml": (".yaml", "#"),
    "javascript": (".js", "//"),
    "typescript": (".ts", "//"),
    "go": (".go", "//"),
    "rust": (".rs", "//"),
    "java": (".java", "//"),
    "kotlin": (".kt", "//"),
    "c": (".c", "//"),
    "cpp": (".cpp", "//"),
    "csharp": (".cs", "//"),
    "swift": (".swift", "//"),
    "scala": (".scala", "//"),
    "php": (".php", "//"),
    "sql": (".sql", "--"),
    "lua": (".lua", "--"),
    "json": (".json", None),
}
# A disclosure comment goes after these first lines, which must stay first to keep working.
KEEP_FIRST = re.compile(r"^(#!|<\?|#.*coding[:=])")


def default_format(draft: Draft) -> str:
    """The format a draft exports to unless asked: code stays code, text becomes markdown."""
    return "code" if draft.kind.value == "code" else "md"


def default_path(draft: Draft, fmt: str, versions: list[Version]) -> Path:
    """`<short-id>-<slug>.<ext>` in the current directory."""
    slug = re.sub(r"[^a-z0-9]+", "-", draft.title.lower()).strip("-")[:40].strip("-") or "draft"
    return Path(f"{short_id(draft.id)}-{slug}{_suffix(draft, fmt, versions)}")


def _suffix(draft: Draft, fmt: str, versions: list[Version]) -> str:
    if fmt != "code":
        return "." + fmt
    source = str(versions[0].meta.get("source", "")) if versions else ""
    suffix = Path(source).suffix.lower()
    if SAFE_SUFFIX.match(suffix):  # an imported file's name is untrusted: no control characters into a file name
        return suffix
    return LANGS.get(draft.lang, (".txt", None))[0]


SAFE_SUFFIX = re.compile(r"\.[a-z0-9][a-z0-9_+-]{0,15}\Z")


def check_format(fmt: str | None) -> None:
    """Refuse an unknown `--format` before anything else is looked at."""
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")


def sidecar_path(path: Path) -> Path:
    """Where the provenance of a code or txt export lives."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


@dataclass
class Rendered:
    """What one export writes: the main file's bytes and, for code and txt, the sidecar's."""

    data: bytes
    sidecar: bytes | None


class Written(NamedTuple):
    """What `export_files` did: the format it chose, the files it wrote, or the bytes for `-o -`."""

    fmt: str
    paths: list[Path]
    provenance: Provenance
    stdout: bytes | None


def export_files(
    draft: Draft,
    versions: list[Version],
    notes: list[Note],
    review: Review,
    outcomes: list[tuple[int, dict[str, Any]]],
    *,
    fmt: str | None,
    output: str | None,
    force: bool,
    disclose: bool,
    tool_version: str,
    signer: Signer | None = None,
) -> Written:
    """Render the version `review` approved in `fmt` (the draft's default if None) with its provenance, and write
    it to `output` (a name made from the draft's if None), its sidecar beside it; `-o -` writes nothing."""
    from draftmate.fileio import is_stdout
    from draftmate.provenance.record import build_provenance

    fmt = fmt or default_format(draft)
    provenance = build_provenance(draft, versions, notes, review, outcomes, tool_version=tool_version)
    content = next(v for v in versions if v.number == review.version).content
    rendered = render(fmt, provenance, content, notes=notes, review=review, disclose=disclose, signer=signer)
    if output is not None and is_stdout(output):
        return Written(fmt, [], provenance, rendered.data)
    path = Path(output) if output else default_path(draft, fmt, versions)
    files = [(path, rendered.data)]
    if rendered.sidecar is not None:
        check_target(path, overwrite=force)  # `-o .` is a directory: refused before a sidecar name is made from it
        files.append((sidecar_path(path), rendered.sidecar))
    write_files(files, force=force)
    return Written(fmt, [p for p, _ in files], provenance, None)


def render(
    fmt: str,
    provenance: Provenance,
    content: str,
    *,
    notes: list[Note],
    review: Review,
    disclose: bool = False,
    signer: Signer | None = None,
) -> Rendered:
    """The bytes of an export in `fmt`; the provenance gets an `export` block saying how it was written, then the
    `signer`'s signature over all of it."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    line: tuple[int, str] | None = None
    if disclose and fmt in ("code", "txt"):
        line = disclosure_line(content, provenance, fmt)
    block: ExportBlock = {
        "format": fmt,
        "disclosure_line": None if line is None else {"number": line[0], "text": line[1]},
    }
    record: Provenance = {**provenance, "export": block}
    if signer is not None:
        # front matter writes floats to six places: sign the values a reader gets back, not the ones in memory
        signed = from_yaml(front_matter(record)[4:-4]) if fmt == "md" else record
        record["signature"] = signer.signature(signed)
    if fmt == "md":
        return Rendered(front_matter(record).encode("utf-8") + content.encode("utf-8"), None)
    if fmt == "json":
        return Rendered((dumps_record(json_record(record, content, notes, review), indent=2) + "\n").encode(), None)
    body = content if line is None else insert_line(content, *line)
    return Rendered(body.encode("utf-8"), (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def json_record(provenance: Provenance, content: str, notes: list[Note], review: Review) -> dict[str, Any]:
    """The full record of the json format: provenance, content, the notes of approved versions, the review."""
    return {
        "provenance": provenance,
        "content": content,
        "notes": approved_notes_json(notes, review),
        "review": review.model_dump(mode="json"),
    }


def approved_notes_json(notes: list[Note], review: Review) -> list[dict[str, Any]]:
    """The notes a json export carries: those of the versions up to the approved one."""
    return [n.as_json() for n in notes if n.version <= review.version]


def dumps_record(record: Any, indent: int | None = None) -> str:
    """JSON as exports write it: UTF-8 text, compact unless indented."""
    if indent is None:
        return _compact(record)
    return json.dumps(record, ensure_ascii=False, indent=indent, separators=(",", ": "))


_compact = jsonfast.compact_encoder(sort_keys=False)


_loads = jsonfast.loads


BULK_EXPORT: ExportBlock = {"format": "json", "disclosure_line": None}

# ---- the json record straight from rows (export --all) ------------------------------------------------------
#
# A single export builds pydantic models and dumps them; `export --all` builds the same record from the rows of a
# draft that passed every check, so each row holds what draftmate wrote from a validated model. Notes and review
# come through the one row mapping, domain/row_mapping.py (tests/cli/test_export.py holds both paths to the
# same bytes).


def json_line_of_rows(
    draft: dict[str, Any],
    versions: list[dict[str, Any]],
    notes: list[dict[str, Any]],
    review: dict[str, Any],
    outcomes: list[tuple[int, str]],
    content: str,
    *,
    tool_version: str,
) -> str:
    """The `export --all` line of a checked final draft, its approving review and approved content, from rows."""
    number = review["version"]
    upto = [
        Made(v["number"], v["origin"], v["sha256"], v["content"], _loads(v["meta_json"]))
        for v in versions
        if v["number"] <= number
    ]
    # the one row mapping, reading values as written (each row passed every check)
    kept = [note_json(note_fields(n, TRUSTED)) for n in notes if n["version"] <= number]
    approving = review_fields(review, TRUSTED)
    # only a person's version reads the logged outcomes (_share_changed); most drafts skip parsing them
    by_person = any(v.number == number and v.origin == HUMAN for v in upto)
    logged = [(v, _loads(o)) for v, o in outcomes] if by_person else []
    provenance = provenance_record(
        (draft["id"], draft["title"], draft["kind"], draft["lang"]),
        upto,
        [(n["version"], n["resolution"]["status"] if n["resolution"] else "open", n["severity"]) for n in kept],
        Approval(
            review["id"],
            number,
            review["reviewer"],
            review["editorial_responsibility"],
            review["finished_at"],
            [d["decision"] for d in approving["decisions"]],
        ),
        logged,
        tool_version=tool_version,
    )
    provenance["export"] = BULK_EXPORT.copy()
    record = {
        "provenance": provenance,
        "content": content,
        "notes": kept,
        "review": approving,
    }
    return _compact(record) + "\n"


def disclosure_line(content: str, provenance: Provenance, fmt: str) -> tuple[int, str]:
    """Where the `--disclose` line goes (1-based) and its text, as a comment in the draft's language."""
    sentence = provenance["disclosure"]
    if fmt == "txt":
        return 1, sentence
    lang = provenance["lang"] or ""
    prefix = LANGS.get(lang, ("", None))[1]
    if prefix is None:
        known = "no comments" if lang in LANGS else "no known comment syntax"
        raise UsageError(
            f"--disclose: {lang or 'this code'} has {known}; drop --disclose (the sidecar carries the provenance)"
        )
    number = 1
    for line in content.split("\n")[:2]:
        if KEEP_FIRST.match(line):
            number += 1
        else:
            break
    return number, f"{prefix} {sentence}"


def insert_line(content: str, number: int, text: str) -> str:
    """`content` with `text` as its line `number` (1-based)."""
    lines = content.split("\n")
    return "\n".join([*lines[: number - 1], text, *lines[number - 1 :]])


def remove_line(data: bytes, number: int, text: str) -> bytes | None:
    """`data` without the line `number` if that line is exactly `text`; None if it is not there."""
    lines = data.split(b"\n")
    if number < 1 or len(lines) < number or lines[number - 1] != text.encode("utf-8"):
        return None
    return b"\n".join([*lines[: number - 1], *lines[number:]])


# ---- writing -------------------------------------------------------------------------------------------------


def check_targets(paths: list[Path], *, force: bool) -> None:
    """Refuse before anything is written: a target fileio will not write (a device, a FIFO, the store, a dangling
    link), an existing file without --force, a missing or unwritable directory."""
    for path in paths:
        check_target(path, overwrite=force)


def write_files(files: list[tuple[Path, bytes]], *, force: bool) -> None:
    """Write each file atomically, after checking all of them; a failure part-way removes what this call wrote."""
    check_targets([p for p, _ in files], force=force)
    written: list[Path] = []
    try:
        for path, data in files:
            write_atomic(path, data, overwrite=force)
            written.append(path)
    except BaseException:  # Ctrl-C between the file and its sidecar too: never leave half a pair behind
        if not force:
            for path in written:
                path.unlink(missing_ok=True)
        raise
