"""Exported work and its provenance: the record, the file formats, and reading an export back.

Formats (see docs/provenance.schema.json for the provenance record itself):
    md    YAML front matter holding the provenance, then the approved content byte for byte
    txt   the approved content byte for byte, plus a `PATH.provenance.json` sidecar
    code  the same as txt; `--disclose` adds one comment line in the language's comment syntax
    json  one object: provenance, draft, content, notes (of the approved versions), the approving review

Decisions worth knowing:
- An imported draft's text came from outside; draftmate cannot say how it was made. Unless a model version
  followed, `ai_assisted`, `digital_source_type` and `generator` are null, `origin` is "imported", and the
  trailer names the model as `imported`.
- A person changed the text when any version up to the approved one was written by a person (a review edit):
  then the IPTC type is compositeWithTrainedAlgorithmicMedia; a model draft nobody changed is
  trainedAlgorithmicMedia. A model revision of an imported text is composite as well.
- The front matter is hand-written YAML in a small subset: block mappings whose scalars are JSON literals
  (double-quoted strings, numbers in fixed notation, true/false/null, flow lists). Every line is valid YAML
  and reads back to the same values, with `from_yaml` here or with any YAML parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from draftmate.domain import jsonfast
from draftmate.domain.row_mapping import TRUSTED, note_fields, note_json, review_fields
from draftmate.domain.vocabulary import Origin, Resolution, Severity
from draftmate.errors import DraftmateError, UsageError
from draftmate.fileio import write_atomic

if TYPE_CHECKING:  # pydantic loads only when a model is built: a bulk export of sealed drafts builds none
    from draftmate.domain.records import Draft, Note, Review, Version
from draftmate.domain.outcomes import edit_distance

PROVENANCE_VERSION = 1
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"
COMPOSITE = IPTC + "compositeWithTrainedAlgorithmicMedia"
FORMATS = ("md", "txt", "json", "code")
SIDECAR_SUFFIX = ".provenance.json"
NO_MODEL = "imported"  # the trailer's model part when no model wrote any approved text

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
    return Path(f"{draft.id[:8]}-{slug}{_suffix(draft, fmt, versions)}")


def _suffix(draft: Draft, fmt: str, versions: list[Version]) -> str:
    if fmt != "code":
        return "." + fmt
    source = str(versions[0].meta.get("source", "")) if versions else ""
    suffix = Path(source).suffix.lower()
    if SAFE_SUFFIX.match(suffix):  # an imported file's name is untrusted: no control characters into a file name
        return suffix
    return LANGS.get(draft.lang, (".txt", None))[0]


SAFE_SUFFIX = re.compile(r"\.[a-z0-9][a-z0-9_+-]{0,15}\Z")


# ---- the provenance record ------------------------------------------------------------------------------


class Made(NamedTuple):
    """What the provenance reads of one version, from a model or straight from its row."""

    number: int
    origin: str  # an Origin value
    sha256: str
    content: str
    meta: dict[str, Any]


class Approval(NamedTuple):
    """What the provenance reads of the approving review."""

    id: str
    version: int
    reviewer: str
    editorial_responsibility: str
    finished_at: str | None
    decisions: list[str]  # each section decision's value


MODEL, HUMAN, IMPORTED = Origin.MODEL.value, Origin.HUMAN.value, Origin.IMPORTED.value
_RESOLUTIONS = (*(r.value for r in Resolution), "open")  # the order the uncertainty block lists them in
_SEVERITIES = tuple(s.value for s in Severity)


def build_provenance(
    draft: Draft,
    versions: list[Version],
    notes: list[Note],
    review: Review,
    outcomes: list[tuple[int, dict[str, Any]]],
    *,
    tool_version: str,
) -> dict[str, Any]:
    """The provenance of the version `review` approved: who and what made it, who reviewed it, what was doubted."""
    return provenance_record(
        (draft.id, draft.title, draft.kind.value, draft.lang),
        [Made(v.number, v.origin.value, v.sha256, v.content, v.meta) for v in versions],
        [(n.version, n.resolution.status.value if n.resolution else "open", n.severity.value) for n in notes],
        Approval(
            review.id,
            review.version,
            review.reviewer,
            review.editorial_responsibility,
            review.finished_at,
            [d.decision.value for d in review.decisions],
        ),
        outcomes,
        tool_version=tool_version,
    )


def provenance_record(
    draft: tuple[str, str, str, str],
    versions: list[Made],
    notes: list[tuple[int, str, str]],
    review: Approval,
    outcomes: list[tuple[int, dict[str, Any]]],
    *,
    tool_version: str,
) -> dict[str, Any]:
    """`build_provenance` from plain values: the draft's (id, title, kind, lang), its notes' (version, resolution
    or "open", severity); bulk export calls it with values read straight from rows."""
    draft_id, title, kind, lang = draft
    approved_number = review.version
    upto = [v for v in versions if v.number <= approved_number]
    approved = next((v for v in upto if v.number == approved_number), None)
    if approved is None:
        raise DraftmateError(
            f"draft {draft_id[:8]} has no version {approved_number}, which review {review.id[:8]} approved"
        )
    origins = {v.origin for v in upto}
    model_made = [v for v in upto if v.origin == MODEL]
    person_changed = HUMAN in origins
    if model_made:
        ai_assisted: bool | None = True
        source_type: str | None = COMPOSITE if (person_changed or IMPORTED in origins) else TRAINED
    else:
        ai_assisted, source_type = None, None
    decisions = review.decisions
    record = {
        "provenance_version": PROVENANCE_VERSION,
        "draft_id": draft_id,
        "title": title,
        "kind": kind,
        "lang": lang,
        "approved_version": approved_number,
        "content_sha256": approved.sha256,
        "review_id": review.id,
        "origin": "model" if model_made else "imported",
        "import_source": _import_source(upto),
        "ai_assisted": ai_assisted,
        "digital_source_type": source_type,
        "generator": _generator(model_made, tool_version),
        "human_review": {
            "reviewer": review.reviewer,
            "editorial_responsibility": review.editorial_responsibility,
            "reviewed_at": review.finished_at,
            "sections": {
                "accepted": decisions.count("accept"),
                "edited": decisions.count("edit"),
                "rejected": decisions.count("reject"),
            },
            "person_changed_text": person_changed,
            "share_changed": _share_changed(upto, approved, outcomes),
        },
        "uncertainty": _uncertainty([(status, severity) for v, status, severity in notes if v <= approved_number]),
    }
    record["disclosure"] = disclosure_sentence(record)
    return record


def _import_source(versions: list[Made]) -> str | None:
    imported = [v for v in versions if v.origin == IMPORTED]
    return str(imported[0].meta.get("source", "")) or None if imported else None


def _generator(model_made: list[Made], tool_version: str) -> dict[str, Any] | None:
    if not model_made:
        return None
    meta = model_made[-1].meta
    template = meta.get("template") if isinstance(meta.get("template"), dict) else None
    models = sorted({str(v.meta["model"]) for v in model_made if v.meta.get("model")})
    return {
        "tool": "draftmate",
        "tool_version": tool_version,
        "provider": _text_or_none(meta.get("provider")),
        "model": _text_or_none(meta.get("model")),
        "models": models,
        "prompt_template": None
        if template is None
        else {
            "name": _text_or_none(template.get("name")),
            "version": _text_or_none(template.get("version")),
            "sha256": _text_or_none(template.get("sha256")),
        },
    }


def _text_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _share_changed(upto: list[Made], approved: Made, outcomes: list[tuple[int, dict[str, Any]]]) -> float:
    """Normalized token edit distance from the last machine-made text to the approved one (0 = untouched)."""
    if approved.origin != HUMAN:
        return 0.0
    logged = [o for version, o in outcomes if version <= approved.number and o.get("decision") == "approved"]
    if logged and isinstance(logged[-1].get("edit_distance"), int | float):
        return round(float(logged[-1]["edit_distance"]), 4)
    machine = [v for v in upto if v.origin != HUMAN]
    original = (machine[-1] if machine else upto[0]).content
    return round(edit_distance(original, approved.content), 4)


def _uncertainty(notes: list[tuple[str, str]]) -> dict[str, Any]:
    """Counts of (resolution or "open", severity) pairs, every known value present."""
    by_resolution = dict.fromkeys(_RESOLUTIONS, 0)
    by_severity = dict.fromkeys(_SEVERITIES, 0)
    for status, severity in notes:
        by_resolution[status] += 1
        by_severity[severity] += 1
    return {"notes": len(notes), "by_resolution": by_resolution, "by_severity": by_severity}


def disclosure_sentence(record: dict[str, Any]) -> str:
    """One plain sentence a reader can be shown, built only from the record."""
    review = record["human_review"]
    reviewer, responsible = _one_line(review["reviewer"]), _one_line(review["editorial_responsibility"])
    what = "code" if record["kind"] == "code" else "text"
    who = (
        f"{reviewer}, who holds editorial responsibility"
        if reviewer == responsible
        else f"{reviewer}; {responsible} holds editorial responsibility"
    )
    verb = "reviewed, edited and approved" if review["person_changed_text"] else "reviewed and approved"
    if record["generator"] is not None:
        model = record["generator"]["model"] or "an unnamed model"
        return f"This {what} was drafted with AI assistance ({_one_line(model)}, via draftmate) and {verb} by {who}."
    return f"This {what} was imported into draftmate, which did not record how it was made, and {verb} by {who}."


def _one_line(text: str) -> str:
    if text.isprintable():  # none of the characters below is printable: the common case skips the regex
        return text.strip()
    return _LINE_BREAKING.sub(" ", text).strip()


_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def trailer(provenance: dict[str, Any]) -> str:
    """`Assisted-by: draftmate:<model>` for a commit message (never Co-authored-by or Signed-off-by)."""
    generator = provenance.get("generator") or {}
    model = generator.get("model") or NO_MODEL
    return "Assisted-by: draftmate:" + re.sub(r"\s+", "-", _one_line(str(model)))


# ---- formats ------------------------------------------------------------------------------------------------


@dataclass
class Rendered:
    """What one export writes: the main file's bytes and, for code and txt, the sidecar's."""

    data: bytes
    sidecar: bytes | None


def render(
    fmt: str,
    provenance: dict[str, Any],
    content: str,
    *,
    notes: list[Note],
    review: Review,
    disclose: bool = False,
) -> Rendered:
    """The bytes of an export in `fmt`; the provenance gets an `export` block saying how it was written."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    line: tuple[int, str] | None = None
    if disclose and fmt in ("code", "txt"):
        line = disclosure_line(content, provenance, fmt)
    record = provenance | {
        "export": {
            "format": fmt,
            "disclosure_line": None if line is None else {"number": line[0], "text": line[1]},
        }
    }
    if fmt == "md":
        return Rendered(front_matter(record).encode("utf-8") + content.encode("utf-8"), None)
    if fmt == "json":
        return Rendered((dumps_record(json_record(record, content, notes, review), indent=2) + "\n").encode(), None)
    body = content if line is None else insert_line(content, *line)
    return Rendered(body.encode("utf-8"), (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def json_record(provenance: dict[str, Any], content: str, notes: list[Note], review: Review) -> dict[str, Any]:
    """The full record of the json format: provenance, content, the notes of approved versions, the review."""
    return {
        "provenance": provenance,
        "content": content,
        "notes": [n.as_json() for n in notes if n.version <= review.version],
        "review": review.model_dump(mode="json"),
    }


def dumps_record(record: dict[str, Any], indent: int | None = None) -> str:
    """JSON as exports write it: UTF-8 text, compact unless indented."""
    if indent is None:
        return _compact(record)
    return json.dumps(record, ensure_ascii=False, indent=indent, separators=(",", ": "))


_compact = jsonfast.compact_encoder(sort_keys=False)


_loads = jsonfast.loads


# ---- the json record straight from rows (export --all) ------------------------------------------------------
#
# A single export builds pydantic models and dumps them; `export --all` builds the same record from the rows of a
# draft that passed every check, so each row holds what draftmate wrote from a validated model. Notes and review
# come through the one row mapping, domain/row_mapping.py (tests/test_export.py holds the two paths to the same bytes).


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
    provenance["export"] = dict(BULK_EXPORT)
    record = {
        "provenance": provenance,
        "content": content,
        "notes": kept,
        "review": approving,
    }
    return _compact(record) + "\n"


# ---- the seal: the record made once, when a draft becomes final -------------------------------------------


def seal_texts(provenance: dict[str, Any], notes: list[Note], review: Review) -> tuple[str, str]:
    """The `export --all` line of a final draft as the two texts around its content, which a seal keeps; the bulk
    export puts the content, as a JSON string, back between them (tests hold this to `json_line_of_rows`'s bytes)."""
    record = json_record(provenance | {"export": BULK_EXPORT}, "", notes, review)
    head = _compact({"provenance": record["provenance"]})[:-1] + ',"content":'
    tail = ',"notes":' + _compact(record["notes"]) + ',"review":' + _compact(record["review"]) + "}\n"
    return head, tail


BULK_EXPORT = {"format": "json", "disclosure_line": None}


def disclosure_line(content: str, provenance: dict[str, Any], fmt: str) -> tuple[int, str]:
    """Where the `--disclose` line goes (1-based) and its text, as a comment in the draft's language."""
    sentence = provenance["disclosure"]
    if fmt == "txt":
        return 1, sentence
    lang = provenance.get("lang") or ""
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


# ---- YAML front matter ------------------------------------------------------------------------------------

PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
# YAML 1.1 reads these plain words as booleans or null; quote them as keys.
YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
# json.dumps leaves these as they are; YAML reads some as line breaks or refuses them.
YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def front_matter(mapping: dict[str, Any]) -> str:
    """`---`, the mapping as YAML, `---`, each on its own lines."""
    return "---\n" + "".join(line + "\n" for line in _yaml_lines(mapping, 0)) + "---\n"


def _yaml_lines(mapping: dict[str, Any], indent: int) -> Iterable[str]:
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


# ---- reading an export back -----------------------------------------------------------------------------


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


def sidecar_path(path: Path) -> Path:
    """Where the provenance of a code or txt export lives."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


# An export holds at most a 2 MB draft, escaped (a control character becomes six bytes in JSON), its notes and
# provenance: no export draftmate writes comes near this, so a bigger file is not one and is not read whole.
MAX_EXPORT_BYTES = 64_000_000
MAX_DEPTH = 32  # an export's JSON nests about 6 deep; deeper is not an export (and would exhaust the stack)


def read_export(path: Path) -> Exported:
    """An exported file with its provenance: from the sidecar, the front matter or the json record."""
    data = _read_bounded(path)
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        return _read_with_sidecar(path, data, sidecar)
    if data.startswith((b"---\n", b"---\r\n")):
        return _read_markdown(path, data)
    if data.lstrip()[:1] == b"{":
        return _read_json(path, data)
    raise DraftmateError(
        f"{path} carries no draftmate provenance: no front matter, no json record and no {sidecar.name} beside it"
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


def _read_with_sidecar(path: Path, data: bytes, sidecar: Path) -> Exported:
    provenance = _parsed_json(_read_bounded(sidecar), sidecar, "a readable provenance record")
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


# ---- writing -------------------------------------------------------------------------------------------------


def check_targets(paths: list[Path], *, force: bool) -> None:
    """Refuse before anything is written: a target fileio will not write (a device, a FIFO, the store, a dangling
    link), an existing file without --force, a missing or unwritable directory."""
    from draftmate.fileio import check_target

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
