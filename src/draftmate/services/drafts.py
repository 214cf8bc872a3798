"""Use cases that need no model: import a draft, add a note, read drafts back."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from draftmate.domain.lifecycle import Action, next_state
from draftmate.domain.row_mapping import draft_json
from draftmate.domain.vocabulary import Kind, Origin, Severity
from draftmate.errors import UsageError
from draftmate.store.protocol import Store
from draftmate.store.record_rows import record_of_rows
from draftmate.store.sqlite import bundle_of, title_of

# The pydantic records are imported where they are built, so that `show` of a plain draft never loads pydantic.
if TYPE_CHECKING:
    from draftmate.domain.records import Draft, Note, Review, Version
    from draftmate.uncertainty.assessment import Assessment
    from draftmate.uncertainty.spans import SpanNote

MAX_INPUT_BYTES = 2_000_000

# File suffix -> language of code; anything not listed is text.
CODE_LANGS = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".jsx": "javascript",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".kt": "kotlin",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".php": "php",
    ".sh": "bash",
    ".bash": "bash",
    ".sql": "sql",
    ".swift": "swift",
    ".scala": "scala",
    ".lua": "lua",
    ".r": "r",
    ".pl": "perl",
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
}
TEXT_LANGS = {".md": "markdown", ".markdown": "markdown", ".rst": "rst", ".txt": "", "": ""}


def guess_kind(name: str) -> tuple[Kind, str]:
    """Kind and language from a file name: code for known source suffixes, text otherwise."""
    suffix = Path(name).suffix.lower()
    if suffix in CODE_LANGS:
        return Kind.CODE, CODE_LANGS[suffix]
    return Kind.TEXT, TEXT_LANGS.get(suffix, "")


def wide_encoding(head: bytes) -> str | None:
    """The UTF-16 or UTF-32 encoding the bytes are text in (by byte-order mark, or the NULs of ASCII), else None."""
    import codecs

    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    even, odd = head[0::2], head[1::2]
    for zeros, text, order in ((odd, even, "LE"), (even, odd, "BE")):  # no mark: ASCII in UTF-16 is half NULs
        if len(head) >= 16 and zeros.count(0) >= 0.9 * len(zeros) and 0 not in text:
            return "UTF-16" + order
    return None


def decode_input(data: bytes, label: str) -> str:
    """Bytes from a file or stdin as text, refusing binary, invalid UTF-8, empty and oversized input."""
    if len(data) > MAX_INPUT_BYTES:
        # Only MAX_INPUT_BYTES + 1 bytes were read, so the true size is unknown: say "over", not a wrong number.
        raise UsageError(f"{label} is over the limit of {MAX_INPUT_BYTES:,} bytes; split it up")
    wide = wide_encoding(data[:8192])
    if wide:
        raise UsageError(f"{label} is {wide} text, not UTF-8; convert it, e.g. `iconv -f {wide.lower()} -t utf-8`")
    if b"\x00" in data[:8192]:
        raise UsageError(f"{label} looks like a binary file; give a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UsageError(
            f"{label} is not valid UTF-8 (byte {e.start}); convert it, e.g. `iconv -f latin1 -t utf-8`"
        ) from None
    if not text.strip():
        raise UsageError(f"{label} is empty; give it some text")
    return text.replace("\r\n", "\n")


def read_input(path: str) -> tuple[str, str]:
    """The text of a file (or stdin for '-') and a label for messages."""
    if path == "-":
        return decode_input(sys.stdin.buffer.read(MAX_INPUT_BYTES + 1), "standard input"), "stdin"
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{path} is a directory; give a file")
    try:
        with p.open("rb") as f:
            data = f.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"no file {path}; check the path") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    return decode_input(data, path), p.name


def import_draft(
    store: Store,
    path: str,
    *,
    kind: Kind | None = None,
    lang: str | None = None,
    author: str = "",
    context: list[tuple[str, str]] | None = None,
) -> Draft:
    """Store an existing file (or stdin) as a draft awaiting review, with its deterministic notes."""
    content, name = read_input(path)
    guessed_kind, guessed_lang = guess_kind(name)
    kind = kind or guessed_kind
    lang = (lang if lang is not None else (guessed_lang if kind is guessed_kind else "")).lower()
    meta: dict[str, Any] = {"source": name, "imported": True}
    with store.transaction():
        draft = store.create_draft(content, kind=kind, lang=lang, origin=Origin.IMPORTED, author=author, meta=meta)
        annotate(store, draft, content, context or [])
    return store.get_draft(draft.id)


def import_version(
    store: Store, draft_id: str, path: str, *, author: str = "", context: list[tuple[str, str]] | None = None
) -> Draft:
    """Store a file as the next version of an existing draft (after changes were asked, or to change final work)."""
    content, name = read_input(path)
    with store.transaction():
        draft = store.get_draft(draft_id)
        state = next_state(draft.status, Action.NEW_VERSION)
        previous = store.get_version(draft.id).content if draft.current_version else None
        if content == previous:
            raise UsageError(f"{name} is the same as version {draft.current_version} of draft {draft.id[:8]}")
        store.add_version(
            draft.id,
            content,
            origin=Origin.IMPORTED,
            author=author,
            state=state,
            meta={"source": name, "imported": True},
        )
        if previous is None or draft.title == title_of(previous):
            # the title was the old content's heading: it follows the content, as a draft's first title did
            store.set_title(draft.id, title_of(content))
        annotate(store, store.get_draft(draft.id), content, context or [])
    return store.get_draft(draft_id)


def annotate(
    store: Store,
    draft: Draft,
    content: str,
    context: list[tuple[str, str]],
    extra: dict[str, Any] | None = None,
) -> None:
    """Run the uncertainty signals on a draft's current version and store the notes and confidence."""
    from draftmate.uncertainty import assessment as uncertainty

    assessment = uncertainty.assess(content, kind=draft.kind.value, lang=draft.lang, context=context, **(extra or {}))
    for note in assessment.notes:
        _store_note(store, draft, note)
    _predict(store, draft, assessment)


def annotate_revision(store: Store, draft: Draft, previous: str, content: str, meta: dict[str, Any]) -> list[Note]:
    """The rule-based notes on a model's revision of `previous`, stored, with the new version's prediction.

    Only the checks that need no model run (parse, names, imports, attributes; facts and grounding against the
    draft's stored `--context`). Kept: notes on the lines the revision changed, and findings anywhere that the
    previous version did not have (a removed import breaks a name in an untouched section); notes the untouched
    sections already had, and were resolved on, are not asked again.
    """
    from draftmate.domain.outcomes import changed_lines
    from draftmate.uncertainty import assessment as uncertainty

    context = stored_context(draft)
    assessment = uncertainty.assess(content, kind=draft.kind.value, lang=draft.lang, context=context)
    before = uncertainty.assess(previous, kind=draft.kind.value, lang=draft.lang, context=context)
    known = {(n.kind, n.quote) for n in before.notes}
    changed = changed_lines(content, previous)  # lines of the new text that differ from the previous one
    revision = {"version": draft.current_version, "section": meta.get("revised_section"), "sources": len(context)}
    stored = []
    for note in assessment.notes:
        on_changed = note.lines is not None and any(n in changed for n in range(note.lines[0], note.lines[1] + 1))
        if not on_changed and (note.kind, note.quote) in known:
            continue
        tagged = replace(
            note, why=f"in the model's revision: {note.why}", signals=note.signals | {"revision": revision}
        )
        stored.append(_store_note(store, draft, tagged))
    _predict(store, draft, assessment, model=str(meta.get("model") or ""), extra={"revision": 1})
    return stored


def stored_context(draft: Draft) -> list[tuple[str, str]]:
    """The `--context` sources a model draft was made from, as they read now; a file that is gone is left out."""
    context = []
    for item in draft.request.get("context", []):
        try:
            context.append((item["name"], read_input(item.get("path") or item["name"])[0]))
        except UsageError:
            continue  # gone or unreadable: the facts are still noted to verify, only not grounded in it
    return context


def _store_note(store: Store, draft: Draft, note: SpanNote) -> Note:
    return store.add_note(
        draft.id,
        version=draft.current_version,
        kind=note.kind,
        severity=Severity(note.severity),
        why=note.why,
        source=note.source,
        lines=note.lines,
        quote=note.quote,
        risk=note.risk,
        signals=note.signals,
    )


def _predict(
    store: Store, draft: Draft, assessment: Assessment, model: str = "", extra: dict[str, Any] | None = None
) -> None:
    """Set the draft's confidence from an assessment (calibrated if a calibrator is active) and log the prediction."""
    from draftmate.domain.records import Confidence
    from draftmate.services.calibrate import active_calibrator, calibrate

    confidence, calibrator = assessment.confidence, assessment.calibrator
    # The raw score stays in the features so later fits learn from it, whichever calibrator scored the draft.
    features = {**assessment.features, **(extra or {}), "raw_risk": confidence.score, "raw_level": confidence.level}
    active = active_calibrator(store)
    calibrated = calibrate(active, confidence.score, hard=bool(features.get("hard_failures")))
    if active is not None and calibrated is not None:
        confidence = Confidence(level=calibrated[1], score=calibrated[0])
        calibrator = active.version
    store.set_confidence(draft.id, confidence)
    store.add_prediction(
        draft.id,
        version=draft.current_version,
        model=model or str(draft.request.get("model", "")),
        kind=draft.kind.value,
        features=features,
        risk=confidence.score,
        level=confidence.level,
        calibrator=calibrator,
    )


def add_note(
    store: Store, draft_id: str, text: str, *, severity: Severity, lines: tuple[int, int] | None, author: str
) -> Note:
    """A person's uncertainty note on the current version of a draft."""
    if not text.strip():
        raise UsageError("the note is empty; say what may be wrong")
    with store.transaction():
        draft = store.get_draft(draft_id)
        next_state(draft.status, Action.ADD_NOTE)
        version = store.get_version(draft.id)
        quote = ""
        if lines is not None:
            count = len(version.content.splitlines())
            if lines[0] < 1 or lines[1] < lines[0] or lines[1] > count:
                raise UsageError(f"--lines {lines[0]}-{lines[1]} is outside the draft, which has {count} lines")
            quote = "\n".join(version.content.splitlines()[lines[0] - 1 : lines[1]])[:500]
        return store.add_note(
            draft.id,
            version=version.number,
            kind="human",
            severity=severity,
            why=text.strip(),
            source="human",
            author=author,
            lines=lines,
            quote=quote,
        )


def parse_lines(spec: str | None) -> tuple[int, int] | None:
    """`A-B` or `A` as a 1-based inclusive line range."""
    if not spec:
        return None
    try:
        first, _, last = spec.partition("-")
        start, end = int(first), int(last or first)
    except ValueError:
        raise UsageError(f"--lines {spec!r} is not a range: use A-B, e.g. --lines 3-7") from None
    if start < 1 or end < start:
        raise UsageError(f"--lines {spec!r} is not a range: use A-B with 1 <= A <= B")
    return start, end


def draft_record(store: Store, draft_id: str) -> dict[str, Any]:
    """Everything about a draft as the stable JSON of `show --json`."""
    rows = store.draft_rows(draft_id)  # one snapshot
    fast = record_of_rows(rows.draft, rows.versions, rows.notes, rows.reviews)
    if fast is not None:
        return fast
    # a value that is not plainly what its model takes: the models validate it (and refuse it as they always did)
    bundle = bundle_of(rows)
    return model_record(bundle.draft, bundle.versions, bundle.notes, bundle.reviews)


def model_record(draft: Draft, versions: list[Version], notes: list[Note], reviews: list[Review]) -> dict[str, Any]:
    """The `show --json` record of validated models: what `record_rows.record_of_rows` must equal."""
    confidence = draft.confidence.model_dump() if draft.confidence else None
    return {
        **draft_json({**draft.__dict__, "confidence": confidence}),
        "versions": [v.model_dump() for v in versions],
        "notes": [n.as_json() for n in notes],
        "reviews": [r.model_dump() for r in reviews],
    }
