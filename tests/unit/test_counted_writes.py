"""Which writes bump a draft's count is one list (`migrations.COUNTED_WRITES`) both backends' triggers are made from."""

from __future__ import annotations

import re

from draftmate.store.migrations import COUNTED_WRITES, COUNTING_TRIGGERS
from draftmate.store.migrations_pg import MIGRATIONS_PG


def test_both_backends_make_their_counting_triggers_from_one_list() -> None:
    from_the_list = {f"{table}_{verb.lower()}_counts" for table, verb in COUNTED_WRITES}
    pg = set(re.findall(r"CREATE TRIGGER (\w+_counts) AFTER", dict(MIGRATIONS_PG)["0003_seals"]))
    assert pg == from_the_list
    assert COUNTING_TRIGGERS == from_the_list | {"drafts_update_counts", "drafts_writes_only_grow"}
