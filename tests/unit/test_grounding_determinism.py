"""Grounding gives the same figures in every process: its rarity-weight sums run over terms in one order, not in the
order of a set (which Python's per-process string hashing changes), so a share of exactly one half stays one half and
a tie between source sentences breaks the same way every time."""

from __future__ import annotations

import os
import subprocess
import sys

SOURCE = (
    "Walrus harbour granite.\nPelican meadow cobalt.\nHarbour tides rise.\nMeadow grass grows.\n"
    "Granite cliffs stand.\nGranite walls crumble.\nCobalt paint fades.\nCobalt glass shines.\n"
)
CODE = (
    "from draftmate.uncertainty.grounding import Passages\n"
    "from draftmate.uncertainty.spans import key_terms\n"
    "from draftmate.uncertainty.text_checks import Sources\n"
    f"passages = Passages(Sources([('s', {SOURCE!r})]))\n"
    "print(repr(passages.best(key_terms('Walrus harbour granite pelican meadow cobalt.'))))\n"
    "print(repr(passages.cover(key_terms('Walrus harbour granite pelican meadow cobalt.'))))\n"
)


def test_the_best_source_sentence_and_its_share_do_not_depend_on_the_hash_seed() -> None:
    seen = set()
    for seed in range(1, 9):
        env = os.environ | {"PYTHONHASHSEED": str(seed)}
        run = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True, env=env)
        seen.add(run.stdout)
    assert len(seen) == 1, seen
    # The two sentences carry the same rarity weight: the first wins the tie, with exactly half of the draft's.
    assert seen.pop().splitlines()[0] == "(0, 0.5)"
