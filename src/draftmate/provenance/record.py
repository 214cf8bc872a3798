"""The provenance record of an approved version: who and what made it, who reviewed it, what was doubted.

Its JSON shape is docs/provenance.schema.json; `Provenance` below types it. Decisions worth knowing:
- An imported draft's text came from outside; draftmate cannot say how it was made. Unless a model version
  followed, `ai_assisted`, `digital_source_type` and `generator` are null, `origin` is "imported", and the
  trailer names the model as `imported`.
- A person changed the text when any version up to the approved one was written by a person (a review edit):
  then the IPTC type is compositeWithTrainedAlgorithmicMedia; a model draft nobody changed is
  trainedAlgorithmicMedia. A model revision of an imported text is composite as well.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple, NotRequired, TypedDict

from draftmate.domain.ids import short_id
from draftmate.domain.outcomes import edit_distance
from draftmate.domain.vocabulary import Origin, Resolution, Severity
from draftmate.errors import DraftmateError
from draftmate.provenance.signing import Signature

if TYPE_CHECKING:  # pydantic loads only when a model is built: a bulk export of sealed drafts builds none
    from draftmate.domain.records import Draft, Note, Review, Version

PROVENANCE_VERSION = 1
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"
COMPOSITE = IPTC + "compositeWithTrainedAlgorithmicMedia"
NO_MODEL = "imported"  # the trailer's model part when no model wrote any approved text


class SectionCounts(TypedDict):
    """How many sections the reviewer accepted, edited and rejected."""

    accepted: int
    edited: int
    rejected: int


class HumanReview(TypedDict):
    """The review that approved the version."""

    reviewer: str
    editorial_responsibility: str
    reviewed_at: str | None
    sections: SectionCounts
    person_changed_text: bool
    share_changed: float


class PromptTemplate(TypedDict):
    """The prompt template the last model version was drafted with."""

    name: str | None
    version: str | None
    sha256: str | None


class Generator(TypedDict):
    """The tool and model that drafted the text."""

    tool: str
    tool_version: str
    provider: str | None
    model: str | None
    models: list[str]
    prompt_template: PromptTemplate | None


class Uncertainty(TypedDict):
    """Counts of the approved versions' notes by resolution and by severity, every known value present."""

    notes: int
    by_resolution: dict[str, int]
    by_severity: dict[str, int]


class DisclosureLine(TypedDict):
    """Where `--disclose` put its comment line in a code or txt export."""

    number: int
    text: str


class ExportBlock(TypedDict):
    """How an export was written: its format and its disclosure line, if any."""

    format: str
    disclosure_line: DisclosureLine | None


class Provenance(TypedDict):
    """The provenance record, in the key order it is written (docs/provenance.schema.json)."""

    provenance_version: int
    draft_id: str
    title: str
    kind: str
    lang: str
    approved_version: int
    content_sha256: str
    review_id: str
    origin: str
    import_source: str | None
    ai_assisted: bool | None
    digital_source_type: str | None
    generator: Generator | None
    human_review: HumanReview
    uncertainty: Uncertainty
    disclosure: str
    export: NotRequired[ExportBlock]  # added as an export writes it
    signature: NotRequired[Signature]  # added last, over all the rest (provenance/signing.py)


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
) -> Provenance:
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
) -> Provenance:
    """`build_provenance` from plain values: the draft's (id, title, kind, lang), its notes' (version, resolution
    or "open", severity); bulk export calls it with values read straight from rows."""
    draft_id, title, kind, lang = draft
    approved_number = review.version
    upto = [v for v in versions if v.number <= approved_number]
    approved = next((v for v in upto if v.number == approved_number), None)
    if approved is None:
        raise DraftmateError(
            f"draft {short_id(draft_id)} has no version {approved_number}, which review {short_id(review.id)} approved"
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
    record: Provenance = {
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
        "disclosure": "",  # made from the record itself, below
    }
    record["disclosure"] = disclosure_sentence(record)
    return record


def _import_source(versions: list[Made]) -> str | None:
    imported = [v for v in versions if v.origin == IMPORTED]
    return str(imported[0].meta.get("source", "")) or None if imported else None


def _generator(model_made: list[Made], tool_version: str) -> Generator | None:
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


def _uncertainty(notes: list[tuple[str, str]]) -> Uncertainty:
    """Counts of (resolution or "open", severity) pairs, every known value present."""
    by_resolution = dict.fromkeys(_RESOLUTIONS, 0)
    by_severity = dict.fromkeys(_SEVERITIES, 0)
    for status, severity in notes:
        by_resolution[status] += 1
        by_severity[severity] += 1
    return {"notes": len(notes), "by_resolution": by_resolution, "by_severity": by_severity}


def disclosure_sentence(record: Provenance) -> str:
    """One plain sentence a reader can be shown, built only from the record."""
    review = record["human_review"]
    reviewer, responsible = flattened(review["reviewer"]), flattened(review["editorial_responsibility"])
    what = "code" if record["kind"] == "code" else "text"
    who = (
        f"{reviewer}, who holds editorial responsibility"
        if reviewer == responsible
        else f"{reviewer}; {responsible} holds editorial responsibility"
    )
    verb = "reviewed, edited and approved" if review["person_changed_text"] else "reviewed and approved"
    generator = record["generator"]
    if generator is not None:
        model = generator["model"] or "an unnamed model"
        return f"This {what} was drafted with AI assistance ({flattened(model)}, via draftmate) and {verb} by {who}."
    return f"This {what} was imported into draftmate, which did not record how it was made, and {verb} by {who}."


def flattened(text: str) -> str:
    """`text` on one line: line-breaking and control characters become spaces (for a sentence, not escaping)."""
    if text.isprintable():  # none of the characters below is printable: the common case skips the regex
        return text.strip()
    return _LINE_BREAKING.sub(" ", text).strip()


_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def trailer(provenance: Provenance) -> str:
    """`Assisted-by: draftmate:<model>` for a commit message (never Co-authored-by or Signed-off-by)."""
    generator = provenance["generator"]
    model = (generator["model"] if generator else None) or NO_MODEL
    return "Assisted-by: draftmate:" + re.sub(r"\s+", "-", flattened(str(model)))
