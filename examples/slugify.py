"""Turn titles into URL slugs."""

import re
import unicodedata

import slugkit


def slugify(title: str, max_length: int = 60) -> str:
    """A lowercase ASCII slug of `title`, words joined by hyphens."""
    normalized = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", normalized.lower())
    slug = "-".join(words)
    return slug[:max_length].rstrip("-")


def unique_slug(title: str, taken: set[str]) -> str:
    """A slug of `title` not in `taken`, with a numeric suffix if needed."""
    base = slugify(title)
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return slugkit.normalize(candidate) if strict else candidate
