"""Find duplicate files under a directory by content hash."""

import hashlib
import os
from pathlib import Path


def digest(path, chunk_size=65536):
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_size), b""):
            hasher.update(block)
    return hasher.hexdigest()


def duplicates(root):
    seen = {}
    groups = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            full = os.path.join(folder, name)
            key = digest(full)
            if key in seen:
                groups.setdefault(key, [seen[key]]).append(full)
            else:
                seen[key] = full
    return groups


def largest(root, count=5):
    sizes = [(p.stat().st_size, p) for p in Path(root).rglob("*") if p.is_file()]
    sizes.sort(reverse=True)
    return sizes[:count]
