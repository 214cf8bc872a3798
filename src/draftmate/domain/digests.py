"""The fingerprints draftmate keeps: canonical JSON (the form that is hashed) and the sha256 of a text."""

from __future__ import annotations

import hashlib

from draftmate.domain import jsonfast

# json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False), with json's C encoder built once:
# the audit chain hashes every row in this form, and bulk reads hash many
canonical = jsonfast.compact_encoder(sort_keys=True)


def sha256_hex(text: str) -> str:
    """Hex sha256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_digest(value: object) -> str:
    """sha256_hex(canonical(value)): the fingerprint of a row or event that the audit chain keeps."""
    return sha256_hex(canonical(value))
