"""bench/drafting.py's bare ChatOpenAI stream, the first-token floor it prints, really streams one answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import drafting as bench  # noqa: E402
import oai_server  # noqa: E402


def test_the_bare_stream_asks_the_server_once_and_prints_its_answer(tmp_path: Path) -> None:
    server = oai_server.start(latency=0.0)
    try:
        env = bench.environment(server.server_address[1], tmp_path)
        before = server.requests
        done = subprocess.run(
            [sys.executable, "-c", bench.BARE_STREAM, bench.PROMPT],
            env=env | {"PATH": os.environ.get("PATH", "")},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert server.requests - before == 1
    finally:
        server.shutdown()
        server.server_close()
    assert "rivers" in done.stdout.lower()
