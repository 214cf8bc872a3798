"""bench/grounding.py's split: dev and test never share a row, and summarization rows 9,000+ are read only by
--reserved (the independent check nobody fits or tunes on)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import grounding as bench  # noqa: E402


def halueval(folder: Path, rows: int) -> Path:
    lines = [
        json.dumps({"document": f"Article {i}.", "right_summary": "A b c d.", "hallucinated_summary": "A b c e."})
        for i in range(rows)
    ]
    (folder / "dataset_halueval_summarization.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_dev_and_test_are_disjoint_and_stop_before_the_reserved_rows(tmp_path: Path) -> None:
    folder = halueval(tmp_path, 9_010)
    dev = {r.index for r in bench.read_rows(folder, "summarization", "dev", None)}
    test = {r.index for r in bench.read_rows(folder, "summarization", "test", None)}
    assert dev and test and not dev & test
    assert max(dev | test) < bench.RESERVED_FROM
    reserved = {r.index for r in bench.read_rows(folder, "summarization", "reserved", None)}
    assert reserved == set(range(bench.RESERVED_FROM, 9_010))
