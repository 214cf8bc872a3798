"""The seal: a final draft's `export --all` record, made once when the draft becomes final, kept beside its content.

The store keeps the two texts around the content (`Seal.around`) and their digest in the audit chain; the bulk
export puts the content, as a JSON string, back between them while the seal holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from draftmate.provenance.formats import BULK_EXPORT, dumps_record, json_record
from draftmate.provenance.record import Provenance, build_provenance

if TYPE_CHECKING:
    from draftmate.domain.records import Draft, Note, Review, Version
    from draftmate.provenance.signing import Signer


class Seal(NamedTuple):
    """What the store records of a seal (`SQLiteStore.add_seal`'s arguments but the actor)."""

    version: int
    content_sha256: str
    tool_version: str
    around: tuple[str, str]


def seal_of(
    draft: Draft,
    versions: list[Version],
    notes: list[Note],
    review: Review,
    outcomes: list[tuple[int, dict[str, Any]]],
    *,
    tool_version: str,
    signer: Signer | None = None,
) -> Seal:
    """The seal of the version `review` approved, made by this draftmate (`tool_version`), its provenance signed
    by `signer` when there is one."""
    provenance = build_provenance(draft, versions, notes, review, outcomes, tool_version=tool_version)
    texts = seal_texts(provenance, notes, review, signer)
    return Seal(review.version, provenance["content_sha256"], tool_version, texts)


def seal_texts(
    provenance: Provenance, notes: list[Note], review: Review, signer: Signer | None = None
) -> tuple[str, str]:
    """The `export --all` line of a final draft as the two texts around its content, which a seal keeps; the bulk
    export puts the content, as a JSON string, back between them (tests hold this to `json_line_of_rows`'s bytes,
    signed). Signing here, once at approval, keeps signatures out of the bulk export's time per draft."""
    exported: Provenance = {**provenance, "export": BULK_EXPORT}
    if signer is not None:
        exported["signature"] = signer.signature(exported)
    record = json_record(exported, "", notes, review)
    head = dumps_record({"provenance": record["provenance"]})[:-1] + ',"content":'
    tail = ',"notes":' + dumps_record(record["notes"]) + ',"review":' + dumps_record(record["review"]) + "}\n"
    return head, tail
