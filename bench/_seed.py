"""Seed a store with many drafts through the store's own code paths, so `draftmate verify` accepts it."""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from draftmate.domain.records import Kind, Origin, Severity
from draftmate.store.protocol import Store
from draftmate.store.sqlite import SQLiteStore

WORDS = (
    "sync engine batch upload record client release latency cache index query parser token review draft "
    "section note export provenance config store migration audit chain hash verify model prompt sample "
    "confidence risk signal decision reviewer approve reject change version content search page list"
).split()
RARE_WORD = "zeppelin"  # in about 1 draft in 100: what `list --search` looks for
RARE_EVERY = 100


def content_for(i: int, rng: random.Random) -> tuple[str, Kind, str]:
    """A small, varied draft: markdown text mostly, Python now and then."""
    words = rng.choices(WORDS, k=40)
    if i % RARE_EVERY == 0:
        words[rng.randrange(len(words))] = RARE_WORD
    if i % 10 == 3:
        body = " ".join(words[:8])
        return f"def f_{i}(x):\n    # {body}\n    return x + {i}\n", Kind.CODE, "python"
    title = " ".join(words[:5]).capitalize()
    return f"# {title} {i}\n\n{' '.join(words[5:25])}.\n\n{' '.join(words[25:])}.\n", Kind.TEXT, "markdown"


def seed(path: Path, count: int, *, seed_value: int = 7, batch: int = 5000, store: Store | None = None) -> None:
    """Create `count` drafts (every 20th with a note) in `path` (or in `store`), in batched transactions."""
    rng = random.Random(seed_value)
    store = store if store is not None else SQLiteStore(path)
    try:
        started = time.perf_counter()
        for lo in range(0, count, batch):
            with store.transaction():
                for i in range(lo, min(count, lo + batch)):
                    content, kind, lang = content_for(i, rng)
                    draft = store.create_draft(content, kind=kind, lang=lang, origin=Origin.IMPORTED, author="bench")
                    if i % 20 == 0:
                        store.add_note(
                            draft.id,
                            version=1,
                            kind="human",
                            severity=Severity.VERIFY,
                            why="check this figure",
                            source="human",
                            author="bench",
                            lines=(1, 1),
                        )
            done = min(count, lo + batch)
            print(f"  seeded {done:,}/{count:,} drafts ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    finally:
        store.close()


if __name__ == "__main__":
    seed(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
