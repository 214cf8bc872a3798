"""Use cases that need no model: import a draft, add a note, read drafts back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from draftmate.domain.ids import short_id
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
    from draftmate.domain.views import DraftView

# File suffix -> language of code; anything not listed is text.
ClaimCheck = Callable[[str], "list[dict[str, object]] | None"]  # the model's claim check of a text (`--check-claims`)

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


def import_draft(
    store: Store,
    path: str,
    *,
    kind: Kind | None = None,
    lang: str | None = None,
    author: str = "",
    context: list[tuple[str, str]] | None = None,
    check_links: bool | None = None,
    check_claims: ClaimCheck | None = None,
) -> Draft:
    """Store an existing file (or stdin) as a draft awaiting review, with its deterministic notes (and, given
    `check_claims`, the model's claim check, run before the store is locked)."""
    # imported here, not at the top: `show` and `list` load this module and need neither (tempfile, the checks)
    from draftmate.fileio import read_input
    from draftmate.services.assess import annotate, assess_version

    content, name = read_input(path)
    guessed_kind, guessed_lang = guess_kind(name)
    kind = kind or guessed_kind
    lang = (lang if lang is not None else (guessed_lang if kind is guessed_kind else "")).lower()
    meta: dict[str, Any] = {"source": name, "imported": True}
    extra = {"claims": check_claims(content)} if check_claims is not None and kind is Kind.TEXT else None
    # the links and PyPI are asked before the store is locked too: the transaction only writes
    assessed = assess_version(kind, lang, content, context or [], extra, check_links)
    with store.transaction():
        draft = store.create_draft(content, kind=kind, lang=lang, origin=Origin.IMPORTED, author=author, meta=meta)
        annotate(store, draft, assessed)
    return store.get_draft(draft.id)


def import_version(
    store: Store,
    draft_id: str,
    path: str,
    *,
    author: str = "",
    context: list[tuple[str, str]] | None = None,
    check_links: bool | None = None,
    check_claims: ClaimCheck | None = None,
) -> Draft:
    """Store a file as the next version of an existing draft (after changes were asked, or to change final work)."""
    from draftmate.fileio import read_input
    from draftmate.services.assess import annotate, assess_version

    content, name = read_input(path)
    before = store.get_draft(draft_id)
    text = before.kind is Kind.TEXT  # the claim check reads prose only
    claims = check_claims(content) if check_claims is not None and text else None
    extra = {"claims": claims} if check_claims is not None and text else None
    # the links and PyPI are asked before the store is locked: the transaction only writes
    assessed = assess_version(before.kind, before.lang, content, context or [], extra, check_links)
    with store.transaction():
        draft = store.get_draft(draft_id)
        state = next_state(draft.status, Action.NEW_VERSION)
        previous = store.get_version(draft.id).content if draft.current_version else None
        if content == previous:
            raise UsageError(f"{name} is the same as version {draft.current_version} of draft {short_id(draft.id)}")
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
        annotate(store, store.get_draft(draft.id), assessed)
    return store.get_draft(draft_id)


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


def draft_record(store: Store, draft_id: str) -> DraftView:
    """Everything about a draft as the stable JSON of `show --json`."""
    rows = store.draft_rows(draft_id)  # one snapshot
    fast = record_of_rows(rows.draft, rows.versions, rows.notes, rows.reviews)
    if fast is not None:
        return cast("DraftView", fast)  # the same keys as model_record's (tests/unit/test_record_rows.py)
    # a value that is not plainly what its model takes: the models validate it (and refuse it as they always did)
    bundle = bundle_of(rows)
    return model_record(bundle.draft, bundle.versions, bundle.notes, bundle.reviews)


def model_record(draft: Draft, versions: list[Version], notes: list[Note], reviews: list[Review]) -> DraftView:
    """The `show --json` record of validated models: what `record_rows.record_of_rows` must equal."""
    confidence = draft.confidence.model_dump() if draft.confidence else None
    record = {
        **draft_json({**draft.__dict__, "confidence": confidence}),
        "versions": [v.model_dump() for v in versions],
        "notes": [n.as_json() for n in notes],
        "reviews": [r.model_dump() for r in reviews],
    }
    return cast("DraftView", record)  # the keys DraftView names, from the one row mapping (tests hold them equal)
