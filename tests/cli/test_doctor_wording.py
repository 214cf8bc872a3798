"""`doctor` against the local test server counts its stream's chunks in English: `1 chunk`, not `1 chunks`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_draft_killed import start_server, stop


def doctor_checks() -> list[dict[str, str]]:
    """`draftmate doctor --json` against bench/oai_server.py with `test-model`: its checks."""
    server, url = start_server(latency=0.0)
    try:
        doctor = subprocess.run(
            [sys.executable, "-m", "draftmate", "doctor", "--json"],
            env={**os.environ, "DRAFTMATE_BASE_URL": url, "DRAFTMATE_MODEL": "test-model"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        stop(server)
    assert doctor.returncode == 0, doctor.stderr
    return list(json.loads(doctor.stdout))


def test_one_streamed_chunk_is_singular(hermetic: Path) -> None:
    [streaming] = [c for c in doctor_checks() if c["name"] == "streaming"]
    assert streaming["detail"] == "1 chunk, finish reason stop", streaming
