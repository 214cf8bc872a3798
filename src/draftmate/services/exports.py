"""Exporting final work, and checking an exported file against the store it came from.

Only a `final` draft leaves: its current version is the approved one, that content still hashes to the approved
sha256, an approving review of that version exists, and the draft's rows match what its audit events recorded.
Anything else raises GateRefused saying what is missing, before any file is touched.

When a draft becomes final its export record (provenance, notes, review) is made once and sealed: stored with
its digest in the audit chain (`seal`). `export --all` writes JSON Lines (one record per line, the same object
`--format json` writes), streamed so memory stays flat however many drafts there are: a draft whose seal still
holds (nothing written to its rows or audit events since, as the database's triggers count; the seal and the
content matching their recorded hashes) is written from its seal; any other is rebuilt from its rows with every
row-level tamper check a single export runs. Re-hashing the whole audit chain is `draftmate verify`'s job, not
repeated per draft.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from draftmate.domain.digests import sha256_hex
from draftmate.domain.ids import short_id
from draftmate.domain.vocabulary import ReviewStatus, State
from draftmate.errors import GateRefused, NotFound
from draftmate.provenance import formats, reading, sealing, signing
from draftmate.provenance.record import Provenance, build_provenance, flattened, trailer
from draftmate.store.protocol import Store
from draftmate.store.rows import DamagedRow
from draftmate.store.sqlite import DraftBundle, RowBundle, bundle_of

if TYPE_CHECKING:  # pydantic loads only when a model is built: a bulk export of sealed drafts builds none
    from draftmate.domain.records import Review


@dataclass
class ExportResult:
    """What an export wrote (or, for `-o -`, what to print) and the provenance it carries."""

    draft_id: str
    fmt: str
    paths: list[Path]
    provenance: Provenance
    stdout: bytes | None = None

    @property
    def trailer(self) -> str:
        """The commit-message trailer for this export."""
        return trailer(self.provenance)


def store_signer() -> signing.Signer:
    """The signer of this user's store: its Ed25519 key in the config directory, made on first use."""
    from draftmate.settings.paths import config_dir

    return signing.signer(config_dir())


def _signer_if_usable() -> signing.Signer | None:
    """The store's signer for a seal, or None when its key cannot be used now: an approval never fails for it (the
    export then signs, or says what is wrong with the key)."""
    from draftmate.errors import DraftmateError

    try:
        return store_signer()
    except DraftmateError:
        return None


def load_bundle(store: Store, draft_id: str, *, deep: bool = True) -> DraftBundle:
    """One draft with everything an export reads, and the tamper checks of its rows and audit events."""
    with store.snapshot():  # rows and tamper checks from one committed state, while others write
        bundle = next(store.iter_bundles([draft_id], deep=deep), None)
    if bundle is None:
        raise NotFound(f"no draft {draft_id!r}; `draftmate list` shows the drafts there are")
    return bundle


def approving_review(bundle: DraftBundle) -> Review | None:
    """The last review that approved the draft."""
    approved = [r for r in bundle.reviews if r.status is ReviewStatus.APPROVED]
    return approved[-1] if approved else None


def refusal(bundle: DraftBundle) -> GateRefused | None:
    """Why this draft may not be exported, or None when it may."""
    draft, short = bundle.draft, short_id(bundle.draft.id)
    if draft.status is State.FINAL:
        problems = final_problems(bundle)
        if not problems:
            return None
        return GateRefused(
            f"draft {short} is final but does not check out, so it cannot be exported; nothing was written:",
            [*problems, "run `draftmate verify` to see the whole audit chain"],
        )
    reasons = _not_final_reasons(bundle)
    return GateRefused(f"draft {short} is {draft.status.value}, not final; nothing was written:", reasons)


def _not_final_reasons(bundle: DraftBundle) -> list[str]:
    draft, short = bundle.draft, short_id(bundle.draft.id)
    last = bundle.reviews[-1] if bundle.reviews else None
    if draft.status is State.IN_REVIEW and last is not None and last.status is ReviewStatus.OPEN:
        version = next(v for v in bundle.versions if v.number == draft.current_version)
        from draftmate.domain.lifecycle import gate_problems
        from draftmate.domain.sections import split_sections

        sections = split_sections(version.content, draft.kind.value, draft.lang)
        problems = gate_problems(sections, last, bundle.notes)
        return [*problems, f"finish the review: draftmate review {short}"]
    if draft.status in (State.CHANGES, State.REJECTED) and last is not None:
        what = "asked for changes" if draft.status is State.CHANGES else "rejected it"
        why = f": {flattened(last.reason)}" if last.reason.strip() else ""
        return [f"{flattened(last.reviewer)} {what}{why}", "draft or import a new version, then review it"]
    earlier = approving_review(bundle)
    if earlier is not None:  # approved once, then a new version came: "nobody has approved it" would be untrue
        who = flattened(earlier.reviewer)
        return [
            f"version {draft.current_version} is not approved ({who} approved version {earlier.version});"
            f" review it: draftmate review {short}"
        ]
    return [f"nobody has approved it; review it: draftmate review {short}"]


def final_problems(bundle: DraftBundle) -> list[str]:
    """What is wrong with a final draft: the approved content, its review, or rows that differ from the audit log."""
    draft = bundle.draft
    problems = list(bundle.problems)
    if draft.approved_sha256 is None or draft.approved_version is None:
        return [*problems, "no approved sha256 is pinned to it"]
    version = next((v for v in bundle.versions if v.number == draft.approved_version), None)
    if version is None:
        return [*problems, f"its approved version {draft.approved_version} is missing"]
    if sha256_hex(version.content) != draft.approved_sha256 or version.sha256 != draft.approved_sha256:
        problems.append(f"the content of version {version.number} no longer hashes to the approved sha256")
    if draft.current_version != draft.approved_version:
        problems.append(f"its current version {draft.current_version} is not the approved version {version.number}")
    review = approving_review(bundle)
    if review is None or review.version != draft.approved_version:
        problems.append(f"no approving review of version {draft.approved_version} was found")
    return problems


def provenance_of(bundle: DraftBundle, review: Review, tool_version: str) -> Provenance:
    """The provenance record of the version `review` approved; its tool version is the one that sealed it, if any."""
    sealed_with = bundle.sealed_tool_version(review.version) or tool_version
    return build_provenance(
        bundle.draft, bundle.versions, bundle.notes, review, bundle.outcomes, tool_version=sealed_with
    )


def seal(store: Store, draft_id: str, *, actor: str, tool_version: str) -> bool:
    """Make and record the export record of a draft that has just become final (inside its transaction).

    A draft whose rows fail their tamper checks or the export gate gets no seal: every export of it then goes
    the row-by-row way, which refuses it. Returns whether a seal was recorded.
    """
    bundle = load_bundle(store, draft_id, deep=False)
    review = approving_review(bundle)
    if review is None or refusal(bundle) is not None:
        return False
    # this draftmate seals it: not provenance_of, which would name an earlier seal of the same version, if any
    made = sealing.seal_of(
        bundle.draft,
        bundle.versions,
        bundle.notes,
        review,
        bundle.outcomes,
        tool_version=tool_version,
        signer=_signer_if_usable(),
    )
    store.add_seal(draft_id, **made._asdict(), actor=actor)
    return True


def export_draft(
    store: Store,
    draft_id: str,
    *,
    fmt: str | None,
    output: str | None,
    force: bool,
    disclose: bool,
    tool_version: str,
) -> ExportResult:
    """Export one final draft, signed; refuse (GateRefused, nothing written) anything that is not final."""
    formats.check_format(fmt)
    bundle = load_bundle(store, draft_id)
    refused = refusal(bundle)
    if refused is not None:
        raise refused
    signer = store_signer()  # after the gate: a refused export makes no key
    review = approving_review(bundle)
    assert review is not None  # refusal() checked it
    written = formats.export_files(
        bundle.draft,
        bundle.versions,
        bundle.notes,
        review,
        bundle.outcomes,
        fmt=fmt,
        output=output,
        force=force,
        disclose=disclose,
        tool_version=bundle.sealed_tool_version(review.version) or tool_version,
        signer=signer,
    )
    return ExportResult(bundle.draft.id, written.fmt, written.paths, written.provenance, stdout=written.stdout)


@dataclass
class BulkReport:
    """How `export --all` went: records written (how many straight from their seals), the refusals with why, and
    the drafts left out because a row of theirs cannot be read."""

    written: int = 0
    sealed: int = 0
    refused: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)


def iter_final_lines(
    store: Store, report: BulkReport, *, tool_version: str, signer: signing.Signer | None = None
) -> Iterator[bytes]:
    """Every exportable final draft as one JSON line (UTF-8), oldest first, its provenance signed by `signer`;
    refusals are noted in `report`."""
    if signer is None:
        yield from _final_lines(store, report, tool_version=tool_version)
        return
    signed_by = signing.signed_by_marker(signer)
    for line in _final_lines(store, report, tool_version=tool_version):
        # a seal made since signing began is signed already, by this key unless it was rotated since
        yield line if signing.is_signed_line(line, signed_by) else signing.signed_line(line, signer)


def _final_lines(store: Store, report: BulkReport, *, tool_version: str) -> Iterator[bytes]:
    """Every exportable final draft as one unsigned JSON line.

    A draft whose seal holds is written from it. The others (no seal: made final before seals existed, or
    written to since, or tampered with) are rebuilt from their rows in batches, with the tamper checks a single
    export runs.
    """
    # a drafts row that cannot be read leaves its draft out, as `export ID` refuses it, sealed or not; a status
    # edited from `final` is named too, not silently missing
    unreadable = dict(store.unreadable_finals())
    report.damaged.extend(unreadable.values())
    unsealed: list[str] = []
    for draft_id, sealed in store.iter_sealed_finals():
        if draft_id in unreadable:
            continue
        if sealed is None:
            unsealed.append(draft_id)
            if len(unsealed) == _BATCH:
                yield from _rebuilt_lines(store, unsealed, report, tool_version=tool_version)
                unsealed = []
            continue
        if unsealed:  # first the ones before it: the output stays oldest first
            yield from _rebuilt_lines(store, unsealed, report, tool_version=tool_version)
            unsealed = []
        report.written += 1
        report.sealed += 1
        yield b"".join(sealed)  # head, the content as a JSON string, tail
    yield from _rebuilt_lines(store, unsealed, report, tool_version=tool_version)


_BATCH = 500


def _rebuilt_lines(store: Store, draft_ids: list[str], report: BulkReport, *, tool_version: str) -> Iterator[bytes]:
    """The lines of final drafts without a seal that holds, rebuilt from their rows after their tamper checks.

    One that passes them and `final_problems`'s checks is written straight from its rows (no models: most of
    the time per draft); any other goes the single export's way, through validated models, which refuses it
    with the same words.
    """
    if not draft_ids:
        return
    for rows in store.iter_bundle_rows(draft_ids, deep=False):
        checked = _checks_out(rows)
        if checked is not None:
            version, review = checked
            report.written += 1
            yield formats.json_line_of_rows(
                rows.draft,
                rows.versions,
                rows.notes,
                review,
                rows.outcomes,
                version["content"],
                tool_version=rows.sealed_tool_version(version["number"]) or tool_version,
            ).encode("utf-8")
            continue
        # the single export's own path decides the rest (it refuses them; one it would write, it writes)
        try:
            bundle = bundle_of(rows)
        except DamagedRow as e:  # one hand-edited row costs its own draft, not the export of every other
            report.damaged.append(str(e))
            continue
        refused = refusal(bundle)
        approval = approving_review(bundle)
        if refused is not None or approval is None:
            report.refused.append(str(refused).splitlines()[0] if refused else f"draft {short_id(bundle.draft.id)}")
            continue
        content = next(v for v in bundle.versions if v.number == bundle.draft.approved_version).content
        provenance = provenance_of(bundle, approval, tool_version)
        provenance["export"] = formats.BULK_EXPORT.copy()
        report.written += 1
        yield (formats.dumps_record(formats.json_record(provenance, content, bundle.notes, approval)) + "\n").encode()


_FINAL, _APPROVED = State.FINAL.value, ReviewStatus.APPROVED.value


def _checks_out(rows: RowBundle) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The approved version and approving review rows of a final draft `final_problems` finds nothing wrong
    with (the same checks, on rows); None for any other, which then goes through `refusal`."""
    draft = rows.draft
    number, pinned = draft["approved_version"], draft["approved_sha256"]
    if rows.problems or draft["status"] != _FINAL or number is None or pinned is None:
        return None
    if draft["current_version"] != number:
        return None
    version = next((v for v in rows.versions if v["number"] == number), None)
    if version is None or version["sha256"] != pinned or sha256_hex(version["content"]) != pinned:
        return None
    approved = [r for r in rows.reviews if r["status"] == _APPROVED]
    if not approved or approved[-1]["version"] != number:
        return None
    return version, approved[-1]


# ---- verify --file -------------------------------------------------------------------------------------


@dataclass
class FileCheck:
    """The outcome of checking an exported file: what it is, and every problem found."""

    path: Path
    draft_id: str
    title: str
    version: int | None
    problems: list[str]
    notes: list[str]

    @property
    def ok(self) -> bool:
        """True when the file is exactly what was approved and the records behind it are intact."""
        return not self.problems


def verify_file(store: Store, path: Path, *, tool_version: str) -> FileCheck:
    """Check an exported file against the approved sha256, its provenance against the store, and the audit log."""
    exported = reading.read_export(path)
    claimed = exported.provenance
    draft_id = str(claimed["draft_id"])
    try:
        bundle = load_bundle(store, draft_id, deep=True)
    except NotFound:
        raise NotFound(
            f"{path} was exported from draft {short_id(draft_id)}, which this store does not have; "
            "set DRAFTMATE_HOME to the store it came from"
        ) from None
    draft = bundle.draft
    check = FileCheck(path, draft.id, draft.title, None, list(exported.problems or []), [])
    review = next((r for r in bundle.reviews if r.id == claimed.get("review_id")), None)
    if review is None or review.status is not ReviewStatus.APPROVED:
        check.problems.append(f"the review it names ({short_id(str(claimed.get('review_id')))}) is not an approval")
        check.problems += bundle.problems
        return check
    check.version = review.version
    version = next((v for v in bundle.versions if v.number == review.version), None)
    if version is None:
        check.problems.append(f"the approved version {review.version} is missing from the store")
        return check
    actual = _sha256_bytes(exported.content)
    lf = exported.content.replace(b"\r\n", b"\n")
    if actual != version.sha256 and lf != exported.content and _sha256_bytes(lf) == version.sha256:
        actual = version.sha256  # only the line endings changed (git's autocrlf): the text is the approved text
        check.notes.append("its line endings are CRLF; with LF endings, as exported, it is the approved content")
    if actual != version.sha256:
        check.problems.append(
            f"its content differs from version {version.number} as approved: sha256 {actual[:12]}…, "
            f"approved {version.sha256[:12]}… (changed after export?)"
        )
    expected = provenance_of(bundle, review, tool_version)
    check.problems += reading.provenance_problems(exported, expected, version.content)
    problems, notes = _signature_findings(claimed)
    check.problems += problems
    check.notes += notes
    if exported.record is not None:
        check.problems += reading.record_problems(exported.record, bundle.notes, review)
    check.problems += bundle.problems
    if draft.status is not State.FINAL or draft.current_version != review.version:
        check.notes.append(
            f"the draft has moved on since: it is now version {draft.current_version}, {draft.status.value}"
        )
    return check


def _signature_findings(claimed: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(problems, notes) about a file's signature, judged by this machine's keys (the current one and those rotated
    out); one made by another key is `draftmate check`'s to judge, with a repository's keys."""
    from draftmate.errors import UsageError
    from draftmate.settings.paths import config_dir

    try:
        fields = signing.signature_fields(claimed)
    except ValueError as e:
        return [str(e)], []
    if fields is None:
        return [], ["it carries no signature (exported before draftmate signed exports)"]
    fingerprint, signature = fields
    directory = config_dir()
    mine = signing.retired_keys(directory)
    try:
        mine.append(signing.signer(directory, create=False).public)
    except UsageError:  # no key here (never exported on this machine), or one that cannot be read: said elsewhere
        pass
    key = next((k for k in mine if k.fingerprint == fingerprint), None)
    if key is None:
        return [], [f"it is signed by key {fingerprint[:60]}, not this machine's; `draftmate check` judges that"]
    if not key.verifies(signature, signing.canonical(claimed)):
        return ["its signature does not match its provenance (signed with this machine's key, then changed)"], []
    return [], []


def _sha256_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
