"""A model command ends at once after its work (no teardown of the model stack), its output and its store whole."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from test_draft_killed import DRAFTMATE, start_server, stop

from reliability_support import store_problems


def test_a_draft_ends_with_its_output_flushed_its_exit_code_and_a_sound_store(hermetic: Path) -> None:
    server, url = start_server(latency=0.0)
    env = {**os.environ, "DRAFTMATE_MODEL": "test-model", "DRAFTMATE_BASE_URL": url, "COLUMNS": "300"}
    try:
        done = subprocess.run(
            [*DRAFTMATE, "draft", "Release notes for version 2.4", "--samples", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        as_json = subprocess.run(
            [*DRAFTMATE, "draft", "Release notes for version 2.5", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        stop(server)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith("# ") and "review it with: draftmate review" in done.stdout.splitlines()[-1]
    assert "WEAK SPOTS" not in done.stdout
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["incomplete"] is False
    started = time.monotonic()
    failed = subprocess.run(  # nothing listens there: the model stack is loaded, the request fails
        [*DRAFTMATE, "draft", "Release notes", "--samples", "0"],
        env={**env, "DRAFTMATE_BASE_URL": url, "DRAFTMATE_HOME": str(hermetic)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1 and failed.stderr.startswith("error: cannot reach"), failed.stderr
    assert failed.stderr.count("\n") == 1 and time.monotonic() - started < 60
    listed = subprocess.run([*DRAFTMATE, "list", "--json"], env=env, capture_output=True, text=True, check=True)
    assert len(json.loads(listed.stdout)) == 3
    assert store_problems(hermetic / "draftmate.db") == []
