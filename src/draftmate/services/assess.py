"""Annotating a version: its uncertainty notes stored and its prediction logged, for the model and import paths alike.

`draft`, `import` and a model's revision in review all call down to here; the confidence is calibrated when a
calibrator is active (services/calibrate.py), and the raw score is kept in the prediction's features.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from draftmate.domain.vocabulary import Kind, Severity
from draftmate.errors import UsageError
from draftmate.fileio import read_input
from draftmate.store.protocol import Store

# The pydantic records are imported where they are built, so that `show` of a plain draft never loads pydantic.
if TYPE_CHECKING:
    from draftmate.domain.records import Draft, Note
    from draftmate.uncertainty.assessment import Assessment
    from draftmate.uncertainty.links import LinkCheck
    from draftmate.uncertainty.package_index import OnlineCheck
    from draftmate.uncertainty.spans import SpanNote


def assess_version(
    kind: Kind,
    lang: str,
    content: str,
    context: list[tuple[str, str]],
    extra: dict[str, Any] | None = None,
    check_links: bool | None = None,
) -> Assessment:
    """The uncertainty signals on a version's content, the network checks (links, PyPI) among them.

    Called before the store's transaction opens: fetching 50 slow links must not hold the write lock."""
    from draftmate.uncertainty import assessment as uncertainty

    signals = {"online": online_package_check(kind), "links": link_check(kind, check_links)} | (extra or {})
    return uncertainty.assess(content, kind=kind.value, lang=lang, context=context, **signals)


def annotate(store: Store, draft: Draft, assessment: Assessment) -> None:
    """Store an assessment's notes and confidence on the draft's current version: writes only, no network."""
    for note in assessment.notes:
        _resolve_by_rule(store, _store_note(store, draft, note), note)
    _predict(store, draft, assessment)


RULE_RESOLVER = "draftmate check-links"  # who resolved a note a rule decided, in its resolution record


def _resolve_by_rule(store: Store, stored: Note, note: SpanNote) -> None:
    """A note a rule decided (every link live, with its evidence) is stored resolved: shown, listed, not asked."""
    from draftmate.uncertainty.links import rule_resolution

    evidence = rule_resolution(note.signals)
    if not evidence or note.severity == "blocking":
        return
    from draftmate.domain.records import NoteResolution, Resolution
    from draftmate.store.sqlite import now

    resolution = NoteResolution(status=Resolution.VERIFIED, by=RULE_RESOLVER, at=now(), comment=str(evidence)[:500])
    store.resolve_note(stored.id, resolution)


def link_check(kind: Kind, flag: bool | None = None) -> LinkCheck | None:
    """How to fetch a text draft's links when `--check-links` or `check_links` asks for it; else None (no network).

    Settings that cannot be read leave the check off unless the flag asks (the commands refuse them before)."""
    if kind is not Kind.TEXT or flag is False:
        return None
    if not flag:
        from draftmate.errors import ConfigError
        from draftmate.settings.config import resolve

        try:
            if not resolve()[0].check_links:
                return None
        except ConfigError:
            return None
    from draftmate.uncertainty.links import LinkCheck

    return LinkCheck()


@dataclass(frozen=True)
class RevisionAssessment:
    """A model revision's checks, made before the store is locked: the new text's notes and what to keep of them."""

    assessment: Assessment
    known: set[tuple[str, str]]  # (kind, quote) of the previous version's notes
    changed: set[int]  # lines of the new text that differ from the previous one
    sources: int  # the `--context` sources it was grounded in


def assess_revision(draft: Draft, previous: str, content: str) -> RevisionAssessment:
    """The rule-based checks on a model's revision of `previous` (PyPI asked here, before the store is locked).

    Only the checks that need no model run (parse, names, imports, attributes; facts and grounding against the
    draft's stored `--context`)."""
    from draftmate.domain.outcomes import changed_lines
    from draftmate.uncertainty import assessment as uncertainty

    context = stored_context(draft)
    online = online_package_check(draft.kind)
    assessment = uncertainty.assess(content, kind=draft.kind.value, lang=draft.lang, context=context, online=online)
    # the previous version's notes are matched by kind and quote, which PyPI's answer does not change: asked offline
    before = uncertainty.assess(previous, kind=draft.kind.value, lang=draft.lang, context=context)
    known = {(n.kind, n.quote) for n in before.notes}
    return RevisionAssessment(assessment, known, changed_lines(content, previous), len(context))


def annotate_revision(store: Store, draft: Draft, revised: RevisionAssessment, meta: dict[str, Any]) -> list[Note]:
    """A model revision's notes stored, with the new version's prediction: writes only, no network.

    Kept: notes on the lines the revision changed, and findings anywhere that the previous version did not have (a
    removed import breaks a name in an untouched section); notes the untouched sections already had, and were
    resolved on, are not asked again.
    """
    revision = {"version": draft.current_version, "section": meta.get("revised_section"), "sources": revised.sources}
    stored = []
    for note in revised.assessment.notes:
        lines = note.lines
        on_changed = lines is not None and any(n in revised.changed for n in range(lines[0], lines[1] + 1))
        if not on_changed and (note.kind, note.quote) in revised.known:
            continue
        tagged = replace(
            note, why=f"in the model's revision: {note.why}", signals=note.signals | {"revision": revision}
        )
        stored.append(_store_note(store, draft, tagged))
    _predict(store, draft, revised.assessment, model=str(meta.get("model") or ""), extra={"revision": 1})
    return stored


PYPI_CACHE = "pypi-cache.json"


def online_package_check(kind: Kind) -> OnlineCheck | None:
    """How to ask PyPI about a code draft's unknown imports when `check_packages_online` is on; else None (no network).

    Settings that cannot be read leave the check off here: `draft` refuses them before it gets this far."""
    if kind is not Kind.CODE:
        return None
    from draftmate.errors import ConfigError
    from draftmate.settings.config import pypi_url, resolve

    try:
        settings = resolve()[0]
    except ConfigError:
        return None
    if not settings.check_packages_online:
        return None
    from draftmate.settings.paths import data_dir
    from draftmate.uncertainty.package_index import OnlineCheck

    return OnlineCheck(cache=data_dir() / PYPI_CACHE, base_url=pypi_url())


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
    features = {**assessment.features, **(extra or {}), "raw_risk": confidence.risk, "raw_level": confidence.level}
    active = active_calibrator(store)
    calibrated = calibrate(active, confidence.risk, hard=bool(features.get("hard_failures")))
    if active is not None and calibrated is not None:
        confidence = Confidence(level=calibrated[1], risk=calibrated[0])
        calibrator = active.version
    store.set_confidence(draft.id, confidence)
    store.add_prediction(
        draft.id,
        version=draft.current_version,
        model=model or str(draft.request.get("model", "")),
        kind=draft.kind.value,
        features=features,
        risk=confidence.risk,
        level=confidence.level,
        calibrator=calibrator,
    )
